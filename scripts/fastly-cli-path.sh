#!/bin/sh
# Prints where the pinned Fastly CLI lives for this machine: npm installs
# @fastly/cli with the one platform package that fits (linux or darwin,
# x64 or arm64), under $EDGECACHE_TOOLS (default ~/.local/share/edgecache).
set -eu
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "fastly-cli-path: no Fastly CLI package for $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "fastly-cli-path: no Fastly CLI package for $(uname -m)" >&2; exit 1 ;;
esac
echo "${EDGECACHE_TOOLS:-$HOME/.local/share/edgecache}/node_modules/@fastly/cli-$os-$arch/fastly"
