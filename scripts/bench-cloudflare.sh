#!/usr/bin/env bash
# Figures for the Cloudflare Worker: bundle size (wasm raw and gzip, and
# the JavaScript around it) and, through wrangler dev (workerd) in front
# of the demo origin, start-up, MISS/HIT latency, request collapsing, and
# hits per second from wrk. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# The benchmarks run the demo's configuration, embedded as locally.
export EDGECACHE_CONFIG_FILE="${EDGECACHE_CONFIG_FILE:-config/demo.json}"

scripts/setup.sh
# wrk, for hits per second (Debian package; skipped when present or not installable).
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || true
scripts/install-cloudflare-tools.sh
scripts/build-cloudflare.sh
wasm=build/worker/edgecache_bg.wasm
raw=$(wc -c < "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
js=$(cat build/worker/*.mjs build/worker/*.js build/worker/snippets/*/*.js | gzip -9 | wc -c)
echo "wasm: $raw bytes raw, $gz bytes gzip -9; JavaScript: $js bytes gzip -9"
cargo run --release --locked -p edgecache-e2e --bin bench-edge -- cloudflare
