#!/usr/bin/env bash
# Builds the Cloudflare Worker into build/worker/ without downloading
# anything: cargo for wasm32-unknown-unknown, then the pinned wasm-bindgen
# (installed by scripts/install-cloudflare-tools.sh), then binaryen's
# wasm-opt (pinned in tools/npm/), then our own entry point
# (edge/cloudflare/shim.mjs). wrangler bundles the result; worker-build
# is not used, as it downloads wasm-bindgen and wasm-opt from GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/worker/edgecache_cloudflare.wasm"
WASM_BINDGEN="${WASM_BINDGEN_BIN:-${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen}"
WASM_OPT="${EDGECACHE_TOOLS:-$HOME/.local/share/edgecache}/node_modules/.bin/wasm-opt"
[ -x "$WASM_OPT" ] || { echo "build: $WASM_OPT is missing: make cloudflare-tools installs it" >&2; exit 1; }
# make package builds elsewhere, so that the local build stays.
OUT="${EDGECACHE_WORKER_OUT:-build/worker}"

# The Worker is built for size (the `worker` profile in Cargo.toml), and
# so is the standard library under it: the prebuilt one is optimized for
# speed and carries panic messages, their formatting and std's larger
# sorts. -Zbuild-std compiles it from the toolchain's own source
# (rust-src, in rust-toolchain.toml) with the Worker's profile;
# `optimize_for_size` picks std's small implementations; the
# `immediate-abort` panic strategy drops panic messages (a panic already
# aborted the request: profile.release sets panic = "abort");
# `-Zlocation-detail=none` drops the file names and lines only those
# messages would print. These flags are unstable, so RUSTC_BOOTSTRAP=1
# lets the pinned stable compiler take them, for this build only: the
# compiler is the one every other build uses. It reaches build scripts
# too: proc-macro2's then finds the unstable span API and uses it in the
# macros this build runs (spans in compile errors; no code changes), as
# pinned as the rest by the toolchain and Cargo.lock. About -60 KB gzip,
# the profile included (make bench-cloudflare prints the size).
#
# The caller's RUSTFLAGS are kept; CARGO_ENCODED_RUSTFLAGS would replace
# them all, these flags included, so it is not passed on.
#
# wasm-bindgen reads the target_features section, which `strip = true`
# would remove: keep symbols here and drop the name section afterwards.
unset CARGO_ENCODED_RUSTFLAGS
RUSTC_BOOTSTRAP=1 \
  RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
  CARGO_PROFILE_WORKER_STRIP=debuginfo \
  cargo build --package edgecache-cloudflare --profile worker --target wasm32-unknown-unknown --locked \
  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
rm -rf "$OUT"
"$WASM_BINDGEN" --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$OUT" --out-name edgecache "$WASM"
# wasm-opt shrinks what LLVM left (about -1.5 KB gzip), allowed only the
# WebAssembly features rustc's wasm32-unknown-unknown target emits, which
# workerd and Workers run.
"$WASM_OPT" -Oz --enable-bulk-memory --enable-multivalue --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext \
  "$OUT/edgecache_bg.wasm" -o "$OUT/edgecache_bg.wasm"
cp edge/cloudflare/shim.mjs "$OUT/shim.mjs"
