#!/usr/bin/env bash
# Simulator figures: throughput (log lines per second) and peak memory
# (maximum resident set) replaying LINES generated lines (default 10
# million, gzip) through config/demo.json, unbounded and with an LRU of
# 100,000 objects. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/case-study.sh
# GNU time, for the peak resident set (Debian package; skipped when present).
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null 2>&1 || true
lines=${LINES:-10000000}
log="$WORKLOAD_DIR/bench-$lines.log.gz"
generate_workload "$lines" "$log"
echo "log: $log, $(wc -c < "$log") bytes gzip"
for model in unbounded 100000; do
  capacity=()
  [ "$model" = unbounded ] || capacity=(--capacity "$model")
  report=$(mktemp)
  # GNU time's -f reports the peak resident set in KiB.
  /usr/bin/time -f "%M %e" -o "$report.time" \
    "$EDGECACHE" simulate config/demo.json "$log" "${ASSUME[@]}" "${capacity[@]}" --json --quiet > "$report"
  read -r rss_kib wall < "$report.time"
  python3 - "$report" "$model" "$rss_kib" "$wall" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
model, rss_kib, wall = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
total = report["total"]
print(f"{model:>10}: {report['lines']:,} lines in {wall:.1f} s = {report['lines_per_second']:,.0f} lines/s; "
      f"peak memory {rss_kib / 1024:.1f} MiB; {report['objects']:,} objects ({report['raw_url_objects']:,} raw-URL), {report['evictions']:,} evicted; "
      f"hit ratio {total['hit_ratio']:.1%} (raw-URL key {total['raw_url_hit_ratio']:.1%})")
PY
  rm -f "$report" "$report.time"
done
