#!/usr/bin/env bash
# The case studies without a private log: a generated workload (1 million
# requests over a day: media, search with reordered and tracking
# parameters, products of which a share is not cacheable) replayed through
# config/demo.json. Prints the report and writes a chart of the hit ratio
# over time to build/workload/hit-ratio.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/case-study.sh
log="$WORKLOAD_DIR/demo-1m.log.gz"
generate_workload 1000000 "$log"
"$EDGECACHE" simulate config/demo.json "$log" "${ASSUME[@]}" --svg "$WORKLOAD_DIR/hit-ratio.svg"
echo "chart: $WORKLOAD_DIR/hit-ratio.svg"
