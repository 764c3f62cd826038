#!/usr/bin/env bash
# Installs what building and testing edgecache needs, skipping whatever is
# already installed, so it is cheap to run before every `make` target.
# Only the Rust, npm, Python and Debian registries are reachable here.
set -euo pipefail

have_target() { rustup target list --installed | grep -qx "$1"; }
have_component() { rustup component list --installed | grep -q "^$1"; }

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }

for target in wasm32-wasip1 wasm32-unknown-unknown; do
  have_target "$target" || rustup target add "$target"
done
for component in rustfmt clippy; do
  have_component "$component" || rustup component add "$component"
done
