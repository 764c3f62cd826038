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
  "$WRANGLER" dev --ip "${EDGE_ADDR%:*}" --port "${EDGE_ADDR#*:}" --persist-to .wrangler/state &
pids+=($!)

for _ in $(seq 1 600); do
  if (exec 3<>"/dev/tcp/${EDGE_ADDR%:*}/${EDGE_ADDR#*:}") 2>/dev/null; then break; fi
  sleep 0.5
done

cat <<MSG

edgecache is serving on http://$EDGE_ADDR (Cloudflare's workerd) in front of the demo origin on http://$ORIGIN_ADDR.
The first call takes the origin's two seconds and is a MISS; the second is a HIT:

  curl -sS -o /dev/null -D - 'http://$EDGE_ADDR/search/pcp?Keyword=flu&Zipcode=10001' | grep -iE 'x-cache|cache-status|age'
  curl -sS -o /dev/null -D - 'http://$EDGE_ADDR/search/pcp?Zipcode=10001&Keyword=flu&utm_source=x' | grep -iE 'x-cache|cache-status|age'

Purge it (the local-only token demo-purge-token), and the next call is a MISS again:

  curl -sS -X POST 'http://$EDGE_ADDR/.edgecache/purge' -H 'Authorization: Bearer demo-purge-token' -d '{"paths": ["/search/pcp"]}'

Ctrl-C stops everything.
MSG
# When either process ends, stop the other.
wait -n "${pids[@]}"
