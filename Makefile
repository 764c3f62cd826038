# The README's commands. Every target sets up what it needs first
# (scripts/setup.sh skips what is already installed).

CARGO ?= cargo

.PHONY: setup test lint check-wasm bench

setup:
	@scripts/setup.sh

## test: every test (unit, property, doc) of the workspace
test: setup
	$(CARGO) test --workspace --locked

## lint: formatting, clippy and documentation links, as CI runs them
lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

## check-wasm: core compiles for both edge platforms
check-wasm: setup
	$(CARGO) check -p edgecache-core --locked --target wasm32-wasip1
	$(CARGO) check -p edgecache-core --locked --target wasm32-unknown-unknown

## bench: the request decision against url::Url::parse, with the ratio
bench: setup
	$(CARGO) bench -p edgecache-core --locked --bench request_decision
