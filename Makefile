# The README's commands. Every target sets up what it needs first
# (scripts/setup.sh skips what is already installed).

CARGO ?= cargo

FASTLY_WASM := target/wasm32-wasip1/release/edgecache-fastly.wasm

# The configuration local builds embed (the demo, for make serve and the
# tests); a build without it embeds none. `make package` embeds CONFIG.
EDGECACHE_CONFIG_FILE ?= config/demo.json
export EDGECACHE_CONFIG_FILE

.PHONY: package setup fastly-tools fastly-wasm cloudflare-tools cloudflare-worker serve serve-cloudflare \
	test test-fast test-e2e fuzz soak lint check-wasm bench bench-fastly bench-cloudflare cli simulate bench-simulate

setup:
	@scripts/setup.sh

## fastly-tools: Viceroy (pinned, built once into ~/.cargo/bin)
fastly-tools: setup
	@scripts/install-fastly-tools.sh

## fastly-wasm: the Fastly Compute function
fastly-wasm: setup
	$(CARGO) build -p edgecache-fastly --release --target wasm32-wasip1 --locked

## cloudflare-tools: wasm-bindgen-cli (pinned to Cargo.lock, in ~/.cargo/bin) and wrangler
cloudflare-tools: setup
	@scripts/install-cloudflare-tools.sh

## cloudflare-worker: the Cloudflare Worker, in build/worker/
cloudflare-worker: setup cloudflare-tools
	@scripts/build-cloudflare.sh

## package: CONFIG=path/to/config.json: validates it (every problem with its
## JSON path), then builds both platforms with it embedded, precompiled:
## pkg/fastly/edgecache.tar.gz (as `fastly compute pack` writes it) and
## pkg/cloudflare/ (as `wrangler deploy --dry-run --outdir` writes it),
## offline; never the demo configuration
package: setup cloudflare-tools
	@scripts/install-fastly-tools.sh --cli-only
	@scripts/package.sh "$(CONFIG)"

## serve: the demo origin and edgecache under `fastly compute serve` (127.0.0.1:7676)
serve:
	@scripts/serve-fastly.sh

## serve-cloudflare: the demo origin and edgecache under `wrangler dev` (127.0.0.1:8787)
serve-cloudflare:
	@scripts/serve-cloudflare.sh

## test: every test: test-fast, then test-e2e (which sets up the runtimes)
test: test-fast
	@$(MAKE) --no-print-directory test-e2e

## test-fast: every test that needs no edge runtime: unit, property and doc
## tests of every crate but the end-to-end one, the demo origin's among them;
## builds no wasm and installs neither Viceroy nor wrangler
test-fast: setup
	$(CARGO) test --workspace --exclude edgecache-e2e --locked

## test-e2e: the end-to-end scenarios, purge and parity tests on Viceroy and
## on workerd in front of the demo origin (one runtime per platform and
## configuration per test binary, shared by its tests). They mostly wait
## (on the origin, on the clock), so more of them run at once than there
## are cores: E2E_THREADS.
E2E_THREADS ?= 8
test-e2e: setup fastly-tools fastly-wasm cloudflare-tools cloudflare-worker
	$(CARGO) test -p edgecache-e2e --locked -- --test-threads=$(E2E_THREADS)

## fuzz: every fuzz target of core/fuzz for FUZZ_SECONDS each (default 60);
## installs nightly and cargo-fuzz (pinned) when missing
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

## soak: a bounded load test on each runtime (not part of make test):
## SOAK_THREADS threads (4) for SOAK_SECONDS (20) over SOAK_KEYS Zipf keys
## (2000), with purges and passes; prints requests, errors, body
## mismatches, hit ratio, origin fills against a perfect cache's, and
## the runtime's memory
soak: setup fastly-tools fastly-wasm cloudflare-tools cloudflare-worker
	$(CARGO) build --release --locked -p edgecache-e2e --bin soak
	target/release/soak fastly
	target/release/soak cloudflare

## lint: formatting, clippy and documentation links, as CI runs them
lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

## check-wasm: core compiles for both edge platforms
check-wasm: setup
	$(CARGO) check -p edgecache-core --locked --target wasm32-wasip1
	$(CARGO) check -p edgecache-core --locked --target wasm32-unknown-unknown

## cli: the edgecache command line, optimized for speed: target/cli/edgecache
cli: setup
	$(CARGO) build -p edgecache-cli --profile cli --locked

## simulate: the case studies' hit ratios from a generated workload through config/demo.json
simulate: cli
	@scripts/simulate-demo.sh

## bench-simulate: simulator throughput and peak memory on 10 million generated lines
bench-simulate: cli
	@scripts/bench-simulate.sh

## bench: the request decision against url::Url::parse, with the ratio
bench: setup
	$(CARGO) bench -p edgecache-core --locked --bench request_decision

## bench-fastly: wasm size, and start-up, MISS/HIT latency and collapsing through Viceroy
bench-fastly:
	@scripts/bench-fastly.sh

## bench-cloudflare: bundle size, and start-up, MISS/HIT latency and hits/s through workerd
bench-cloudflare:
	@scripts/bench-cloudflare.sh
