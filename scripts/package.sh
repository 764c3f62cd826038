#!/usr/bin/env bash
# `make package CONFIG=path/to/config.json`: the deployable packages of
# both platforms, with the operator's configuration embedded, precompiled.
#
#   1. `edgecache check` validates CONFIG: every problem with its JSON
#      path, and the build stops.
#   2. Fastly: the function built with EDGECACHE_CONFIG_FILE=CONFIG, packed by
#      `fastly compute pack` into pkg/fastly/edgecache.tar.gz, what
#      `fastly compute deploy --package` uploads.
#   3. Cloudflare: the Worker built the same way, bundled by
#      `wrangler deploy --dry-run --outdir pkg/cloudflare`, beside the
#      wrangler.toml that deploys it (`wrangler deploy --no-bundle`).
#   4. Checks that neither package holds the demo configuration, and
#      prints the sizes.
#
# Offline: nothing is uploaded, no account is needed. The build goes to a
# target directory of its own (target/package), so the local demo build
# (make serve, make test) is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG="${1:-}"
if [ -z "$CONFIG" ]; then
  echo "usage: make package CONFIG=path/to/config.json" >&2
  exit 2
fi
[ -f "$CONFIG" ] || { echo "package: $CONFIG: no such file" >&2; exit 2; }
CONFIG_PATH="$(realpath "$CONFIG")"
if [ "$CONFIG_PATH" = "$(realpath config/demo.json)" ]; then
  echo "package: config/demo.json is the local demo's (origin localhost, a demo secret); package your own" >&2
  exit 2
fi

FASTLY="$(scripts/fastly-cli-path.sh)"
WRANGLER="${EDGECACHE_TOOLS:-$HOME/.local/share/edgecache}/node_modules/.bin/wrangler"
STAGE=build/package

echo "package: checking $CONFIG"
cargo run --quiet --locked -p edgecache-cli -- check "$CONFIG_PATH"

export EDGECACHE_CONFIG_FILE="$CONFIG_PATH"
export CARGO_TARGET_DIR=target/package
rm -rf "$STAGE" pkg/fastly pkg/cloudflare
mkdir -p "$STAGE/fastly/bin" pkg/fastly

echo "package: Fastly"
cargo build --package edgecache-fastly --release --target wasm32-wasip1 --locked
cp "$CARGO_TARGET_DIR/wasm32-wasip1/release/edgecache-fastly.wasm" "$STAGE/fastly/bin/main.wasm"
cp fastly.toml "$STAGE/fastly/"
(cd "$STAGE/fastly" && FASTLY_WASM_METADATA_DISABLE=true "$FASTLY" compute pack \
  --non-interactive --quiet --wasm-binary bin/main.wasm)
NAME="$(sed -n 's/^name = "\(.*\)"$/\1/p' fastly.toml | head -1)"
mv "$STAGE/fastly/pkg/$NAME.tar.gz" pkg/fastly/

echo "package: Cloudflare"
EDGECACHE_WORKER_OUT="$STAGE/worker" scripts/build-cloudflare.sh
# wrangler.toml without its [build] table (the Worker is built above),
# its entry point in the staged build.
awk '/^\[build\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' wrangler.toml \
  | sed 's|^main = .*|main = "worker/shim.mjs"|' > "$STAGE/wrangler.toml"
WRANGLER_SEND_METRICS=false "$WRANGLER" deploy --dry-run --config "$STAGE/wrangler.toml" \
  --outdir "$PWD/pkg/cloudflare" > "$STAGE/wrangler-dry-run.log" 2>&1 \
  || { cat "$STAGE/wrangler-dry-run.log" >&2; exit 1; }
# What deploys the bundle as it is: the same settings, its entry point
# the bundled module.
awk '/^main = / { print "main = \"shim.js\""; print "no_bundle = true"; next } { print }' \
  "$STAGE/wrangler.toml" > pkg/cloudflare/wrangler.toml

echo "package: checking what was built"
shopt -s nullglob
worker_wasm=(pkg/cloudflare/*.wasm)
if [ "${#worker_wasm[@]}" -ne 1 ]; then
  echo "package: pkg/cloudflare/ holds ${#worker_wasm[@]} wasm modules, not one" >&2
  exit 1
fi
for file in "$STAGE/fastly/bin/main.wasm" "${worker_wasm[@]}"; do
  if grep -q "demo-shared-secret" "$file"; then
    echo "package: $file holds the demo configuration" >&2
    exit 1
  fi
done
size() { printf '%s bytes, %s gzip' "$(wc -c < "$1")" "$(gzip -9c "$1" | wc -c)"; }
echo "package: pkg/fastly/$NAME.tar.gz: $(wc -c < "pkg/fastly/$NAME.tar.gz") bytes (main.wasm $(size "$STAGE/fastly/bin/main.wasm"))"
echo "package: pkg/cloudflare/: $(cat pkg/cloudflare/* | wc -c) bytes ($(basename "${worker_wasm[0]}") $(size "${worker_wasm[0]}"))"
echo "package: to deploy, see docs/deploying.md"
