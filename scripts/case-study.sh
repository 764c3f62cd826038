# Sourced by the simulation scripts: the case-study workload and what its
# origin answers. The products API decides per response (Cache-Control:
# public, max-age=604800; no-cache; max-age=1 when the answer came from a
# third party); media and search answer with no Cache-Control, so their
# cache policies' default TTLs apply.
EDGECACHE=target/cli/edgecache
WORKLOAD_DIR=build/workload
ASSUME=(
  --assume '/products/*=public, max-age=604800:70%'
  --assume '/products/*=no-cache:25%'
  --assume '/products/*=max-age=1:5%'
)

# generate_workload LINES FILE: writes FILE once (the same seed always
# writes the same log, so an existing file is reused).
generate_workload() {
  local lines=$1 file=$2
  mkdir -p "$(dirname "$file")"
  if [ ! -s "$file" ]; then
    echo "generating $lines lines into $file" >&2
    "$EDGECACHE" generate --requests "$lines" --seed 1 --output "$file.partial.gz" && mv "$file.partial.gz" "$file"
  fi
}
