#!/usr/bin/env bash
# Installs what building and testing edgecache needs, skipping whatever is
# already installed, so it is cheap to run before every `make` target.
# Only the Rust, npm, Python and Debian registries are reachable here.
set -euo pipefail

command -v rustup >/dev/null || { echo "setup: rustup not found; install Rust with rustup first" >&2; exit 1; }

# rust-toolchain.toml pins the toolchain, its components (rustfmt, clippy,
# and rust-src for the Worker's build) and the two wasm targets. With no
# argument, `rustup toolchain install` installs that toolchain, or adds
# whatever of it is missing; when all is there it returns at once, without
# the network. Explicit, because rustup's install on first use can be
# turned off (RUSTUP_AUTO_INSTALL=0).
cd "$(dirname "$0")/.."
rustup toolchain install --no-self-update
