#!/usr/bin/env bash
# Installs the Cloudflare local toolchain, pinned, skipping what is already
# installed. Both live outside the checkout so every clone (and CI) reuses
# them:
# - wasm-bindgen-cli in ~/.cargo/bin, at exactly the version of the
#   wasm-bindgen crate in Cargo.lock (the two must match); a cargo install
#   takes 5-15 minutes on two cores, once;
# - wrangler (which brings miniflare and workerd) under $EDGECACHE_TOOLS
#   (default ~/.local/share/edgecache). 4.86.0 is the last release that
#   runs on Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."

WRANGLER_VERSION=4.86.0
TOOLS_DIR="${EDGECACHE_TOOLS:-$HOME/.local/share/edgecache}"
WASM_BINDGEN="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
WRANGLER="$TOOLS_DIR/node_modules/.bin/wrangler"

BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
[ -n "$BINDGEN_VERSION" ] || { echo "install: no wasm-bindgen in Cargo.lock" >&2; exit 1; }

# The published crate, checked against this hash, is built with the lock
# file in tools/wasm-bindgen-cli/ (its own, less a dependency version the
# registry no longer offers: see the README there).
WASM_BINDGEN_CLI_VERSION=0.2.130
WASM_BINDGEN_CLI_SHA256=c37f6904387d19a319525c74af274c73912f3871c35555aa49f3ea64ebb2fc7a

installed="$("$WASM_BINDGEN" --version 2>/dev/null || true)"
if [ "$installed" = "wasm-bindgen $BINDGEN_VERSION" ]; then
  echo "install: wasm-bindgen $BINDGEN_VERSION already installed"
else
  if [ "$BINDGEN_VERSION" != "$WASM_BINDGEN_CLI_VERSION" ]; then
    echo "install: Cargo.lock has wasm-bindgen $BINDGEN_VERSION, tools/wasm-bindgen-cli/ is for $WASM_BINDGEN_CLI_VERSION: update it (see its README)" >&2
    exit 1
  fi
  echo "install: building wasm-bindgen-cli $BINDGEN_VERSION, --locked (5-15 minutes on two cores, once)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  crate="$work/wasm-bindgen-cli.crate"
  curl -sSfL -o "$crate" \
    "https://static.crates.io/crates/wasm-bindgen-cli/wasm-bindgen-cli-$BINDGEN_VERSION.crate"
  echo "$WASM_BINDGEN_CLI_SHA256  $crate" | sha256sum -c --quiet -
  tar xzf "$crate" -C "$work"
  cp tools/wasm-bindgen-cli/Cargo.lock "$work/wasm-bindgen-cli-$BINDGEN_VERSION/Cargo.lock"
  cargo install --locked --path "$work/wasm-bindgen-cli-$BINDGEN_VERSION"
fi

# wrangler and wasm-opt, pinned with the Fastly CLI in tools/npm/package-lock.json.
scripts/install-npm-tools.sh
version="$("$WRANGLER" --version 2>/dev/null || true)"
[[ "$version" == *"$WRANGLER_VERSION"* ]] \
  || { echo "install: $WRANGLER is not wrangler $WRANGLER_VERSION" >&2; exit 1; }
