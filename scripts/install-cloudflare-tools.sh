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

if "$WASM_BINDGEN" --version 2>/dev/null | grep -qx "wasm-bindgen $BINDGEN_VERSION"; then
  echo "install: wasm-bindgen $BINDGEN_VERSION already installed"
else
  echo "install: building wasm-bindgen-cli $BINDGEN_VERSION (5-15 minutes on two cores, once)"
  # Not --locked: the crate's own lock file pins a webpki-roots that no
  # longer resolves.
  cargo install wasm-bindgen-cli --version "=$BINDGEN_VERSION"
fi

# wrangler, pinned with the Fastly CLI in tools/npm/package-lock.json.
scripts/install-npm-tools.sh
version="$("$WRANGLER" --version 2>/dev/null || true)"
[[ "$version" == *"$WRANGLER_VERSION"* ]] \
  || { echo "install: $WRANGLER is not wrangler $WRANGLER_VERSION" >&2; exit 1; }
