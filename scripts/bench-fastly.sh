#!/usr/bin/env bash
# Figures for the Fastly function: wasm size (raw, gzip) and, through
# Viceroy in front of the demo origin, start-up, MISS/HIT latency and
# request collapsing, and hits per second from wrk. Prints figures; asserts
# nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# The benchmarks run the demo's configuration, embedded as locally.
export EDGECACHE_CONFIG_FILE="${EDGECACHE_CONFIG_FILE:-config/demo.json}"

scripts/setup.sh
# wrk, for hits per second (Debian package; skipped when present or not installable).
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || true
scripts/install-fastly-tools.sh
cargo build -p edgecache-fastly --release --target wasm32-wasip1 --locked
wasm=target/wasm32-wasip1/release/edgecache-fastly.wasm
raw=$(wc -c < "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "wasm: $raw bytes raw, $gz bytes gzip -9"
cargo run --release --locked -p edgecache-e2e --bin bench-edge -- fastly
