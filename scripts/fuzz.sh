#!/usr/bin/env bash
# Fuzzes edgecache-core: runs every cargo-fuzz target of core/fuzz for
# SECONDS each (default 60), one after the other, and prints the
# executions of each. Exits non-zero when a target crashes (a panic, a
# failed invariant, a timeout or running out of memory); libFuzzer keeps
# the input that did it in core/fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS]              every target
#   FUZZ_TARGETS="range vary" scripts/fuzz.sh 30
#
# Each run starts from a copy of the checked-in seed corpus
# (core/fuzz/corpus/<target>/) in a temporary directory, so the corpus in
# the repository never grows. Needs a nightly toolchain (the repository
# pins stable in rust-toolchain.toml; `+nightly` overrides it) and
# cargo-fuzz, pinned: both are installed when missing.
#
# Reproduce a crash:
#   cargo +nightly fuzz run --fuzz-dir core/fuzz --sanitizer none <target> core/fuzz/artifacts/<target>/crash-...
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
TOOLCHAIN="${FUZZ_TOOLCHAIN:-nightly}"
# core has no unsafe code: AddressSanitizer (cargo-fuzz's default) would
# cost most of the executions and find nothing in it. FUZZ_SANITIZER=address
# turns it back on.
SANITIZER="${FUZZ_SANITIZER:-none}"
SECONDS_EACH="${1:-60}"
if ! [[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS per target, default 60]" >&2
  exit 2
fi

cd "$(dirname "$0")/.."
FUZZ_DIR=core/fuzz
# Two cores, shared: build with one job unless told otherwise.
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"

command -v rustup >/dev/null || { echo "fuzz: rustup not found; install Rust with rustup first" >&2; exit 1; }
if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
  echo "fuzz: installing the $TOOLCHAIN toolchain"
  rustup toolchain install "$TOOLCHAIN" --profile minimal --no-self-update
fi
if cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
  :
else
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION (a few minutes, once)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

fuzz() {
  local command="$1"
  shift
  cargo "+$TOOLCHAIN" fuzz "$command" --fuzz-dir "$FUZZ_DIR" "$@"
}

# Build every target once, up front (later runs find it built).
fuzz build --sanitizer "$SANITIZER"
read -r -a TARGETS <<<"${FUZZ_TARGETS:-$(fuzz list | tr '\n' ' ')}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgecache-fuzz.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

dict_for() {
  case "$1" in
    request | cache_control | vary) echo "$FUZZ_DIR/dicts/request.dict" ;;
    *) [ -f "$FUZZ_DIR/dicts/$1.dict" ] && echo "$FUZZ_DIR/dicts/$1.dict" ;;
  esac
  return 0
}

failed=()
summary=()
for target in "${TARGETS[@]}"; do
  corpus="$WORK/$target/corpus"
  log="$WORK/$target/fuzz.log"
  mkdir -p "$corpus"
  if [ -d "$FUZZ_DIR/corpus/$target" ]; then
    cp -R "$FUZZ_DIR/corpus/$target/." "$corpus/"
  fi
  seeds=$(find "$corpus" -type f | wc -l)
  args=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  dict="$(dict_for "$target")"
  [ -n "$dict" ] && args+=(-dict="$dict")
  echo "fuzz: $target for ${SECONDS_EACH}s from $seeds seeds"
  status=0
  fuzz run --sanitizer "$SANITIZER" "$target" "$corpus" -- "${args[@]}" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ -z "$runs" ]; then
    # No final stats (a crash): the last status line has the count; none
    # at all when the target did not even build.
    runs=$( (grep -oE '^#[0-9]+' "$log" || true) | tail -n 1 | tr -d '#')
  fi
  runs="${runs:-0}"
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  rate="${rate:-$((runs / SECONDS_EACH))}"
  units=$(find "$corpus" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    result="ok"
  else
    result="FAILED (exit $status)"
    failed+=("$target")
    mkdir -p "$FUZZ_DIR/artifacts/$target"
    cp "$log" "$FUZZ_DIR/artifacts/$target/fuzz.log"
    echo "fuzz: $target FAILED; the end of its log (whole log: $FUZZ_DIR/artifacts/$target/fuzz.log):" >&2
    grep -v -E '^#[0-9]+' "$log" | tail -n 40 >&2
  fi
  line=$(printf '%-14s %12s executions  %9s/s  corpus %4s -> %-5s  %s' \
    "$target" "$runs" "$rate" "$seeds" "$units" "$result")
  echo "fuzz: $line"
  summary+=("$line")
done

echo
echo "fuzz: ${SECONDS_EACH}s per target"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crashed: ${failed[*]} (inputs in $FUZZ_DIR/artifacts/)" >&2
  exit 1
fi
