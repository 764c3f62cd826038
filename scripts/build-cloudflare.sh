#!/usr/bin/env bash
# Builds the Cloudflare Worker into build/worker/ without downloading
# anything: cargo for wasm32-unknown-unknown, then the pinned wasm-bindgen
# (installed by scripts/install-cloudflare-tools.sh), then our own entry
# point (edge/cloudflare/shim.mjs). wrangler bundles the result; worker-build
# is not used, as it downloads wasm-bindgen and wasm-opt from GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/edgecache_cloudflare.wasm"
WASM_BINDGEN="${WASM_BINDGEN_BIN:-${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen}"
# make package builds elsewhere, so that the local build stays.
OUT="${EDGECACHE_WORKER_OUT:-build/worker}"

# wasm-bindgen reads the target_features section, which `strip = true`
# would remove: keep symbols here and drop the name section afterwards.
CARGO_PROFILE_RELEASE_STRIP=debuginfo \
  cargo build --package edgecache-cloudflare --release --target wasm32-unknown-unknown --locked
rm -rf "$OUT"
"$WASM_BINDGEN" --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$OUT" --out-name edgecache "$WASM"
cp edge/cloudflare/shim.mjs "$OUT/shim.mjs"
