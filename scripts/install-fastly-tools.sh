#!/usr/bin/env bash
# Installs the Fastly local toolchain, pinned, skipping what is already
# installed. Both live outside the checkout so every clone (and CI) reuses
# them: Viceroy in ~/.cargo/bin (a cargo install takes ~30 minutes on two
# cores), the Fastly CLI under $EDGECACHE_TOOLS (default
# ~/.local/share/edgecache).
#
#   scripts/install-fastly-tools.sh          Viceroy only (what tests need)
#   scripts/install-fastly-tools.sh --cli    Viceroy and the Fastly CLI
#   scripts/install-fastly-tools.sh --cli-only   the Fastly CLI (make package)
set -euo pipefail

VICEROY_VERSION=0.22.0
FASTLY_CLI_VERSION=16.1.0
TOOLS_DIR="${EDGECACHE_TOOLS:-$HOME/.local/share/edgecache}"
VICEROY="${CARGO_HOME:-$HOME/.cargo}/bin/viceroy"
FASTLY="$("$(dirname "$0")/fastly-cli-path.sh")"

if [ "${1:-}" = "--cli-only" ]; then
  :
elif "$VICEROY" --version 2>/dev/null | grep -qx "viceroy $VICEROY_VERSION"; then
  echo "install: viceroy $VICEROY_VERSION already installed"
else
  echo "install: building viceroy $VICEROY_VERSION (about 30 minutes on two cores, once)"
  cargo install viceroy --version "$VICEROY_VERSION" --locked
fi

if [ "${1:-}" = "--cli" ] || [ "${1:-}" = "--cli-only" ]; then
  # The Fastly CLI, pinned with wrangler in tools/npm/package-lock.json.
  "$(dirname "$0")/install-npm-tools.sh"
  version="$("$FASTLY" version 2>/dev/null || true)"
  [[ "$version" == *"v$FASTLY_CLI_VERSION"* ]] \
    || { echo "install: $FASTLY is not the Fastly CLI $FASTLY_CLI_VERSION" >&2; exit 1; }
fi
