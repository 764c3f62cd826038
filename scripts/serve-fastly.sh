#!/usr/bin/env bash
# `make serve`: the demo origin on 127.0.0.1:8080 and edgecache under
# `fastly compute serve` (Viceroy) on 127.0.0.1:7676. Ctrl-C or SIGTERM
# stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

EDGE_ADDR="${EDGE_ADDR:-127.0.0.1:7676}"
ORIGIN_ADDR="${ORIGIN_ADDR:-127.0.0.1:8080}"
VICEROY="${CARGO_HOME:-$HOME/.cargo}/bin/viceroy"
FASTLY="$("$(dirname "$0")/fastly-cli-path.sh")"

# The local demo build embeds the demo configuration.
export EDGECACHE_CONFIG_FILE="${EDGECACHE_CONFIG_FILE:-config/demo.json}"

scripts/setup.sh
scripts/install-fastly-tools.sh --cli
cargo build --release --locked -p edgecache-demo-origin

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

target/release/edgecache-demo-origin --addr "$ORIGIN_ADDR" &
pids+=($!)

# The CLI builds the function with fastly.toml's [scripts] build.
FASTLY_WASM_METADATA_DISABLE=true "$FASTLY" compute serve \
  --viceroy-path "$VICEROY" --addr "$EDGE_ADDR" &
pids+=($!)

# shellcheck source=scripts/serve-common.sh
source scripts/serve-common.sh
serve_until_stopped ""
