#!/usr/bin/env bash
# `make serve-cloudflare`: the demo origin on 127.0.0.1:8080 and edgecache
# under `wrangler dev` (workerd, Cloudflare's runtime) on 127.0.0.1:8787.
# Ctrl-C or SIGTERM stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

EDGE_ADDR="${EDGE_ADDR:-127.0.0.1:8787}"
ORIGIN_ADDR="${ORIGIN_ADDR:-127.0.0.1:8080}"
TOOLS_DIR="${EDGECACHE_TOOLS:-$HOME/.local/share/edgecache}"
WRANGLER="$TOOLS_DIR/node_modules/.bin/wrangler"

# The local demo build embeds the demo configuration.
export EDGECACHE_CONFIG_FILE="${EDGECACHE_CONFIG_FILE:-config/demo.json}"

scripts/setup.sh
scripts/install-cloudflare-tools.sh
cargo build --release --locked -p edgecache-demo-origin

# Local-only secrets for wrangler dev (git ignores the file). The purge
# token is the documented demo value, never a production one.
[ -f .dev.vars ] || printf 'PURGE_TOKEN=demo-purge-token\n' > .dev.vars

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

set -m  # each background job in its own process group, so stop() reaches workerd
target/release/edgecache-demo-origin --addr "$ORIGIN_ADDR" &
pids+=($!)

# wrangler builds the Worker with wrangler.toml's [build] command.
WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false \
  "$WRANGLER" dev --ip "${EDGE_ADDR%:*}" --port "${EDGE_ADDR#*:}" --persist-to .wrangler/state \
    --var EDGECACHE_LOCAL:1 &
pids+=($!)

# shellcheck source=scripts/serve-common.sh
source scripts/serve-common.sh
serve_until_stopped " (Cloudflare's workerd)"
