# Shared by serve-fastly.sh and serve-cloudflare.sh (sourced, not run):
# waits until the edge listens on $EDGE_ADDR, shows a newcomer the MISS,
# the HIT and a purge, then waits for the first of "${pids[@]}" to end.
# $1: the runtime, as shown ("" or " (Cloudflare's workerd)").
serve_until_stopped() {
  local runtime="$1"
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/${EDGE_ADDR%:*}/${EDGE_ADDR#*:}") 2>/dev/null; then break; fi
    sleep 0.5
  done

  cat <<MSG

edgecache is serving on http://$EDGE_ADDR$runtime in front of the demo origin on http://$ORIGIN_ADDR.
The first call takes the origin's two seconds and is a MISS; the second is a HIT:

  curl -sS -o /dev/null -D - 'http://$EDGE_ADDR/search/pcp?Keyword=flu&Zipcode=10001' | grep -iE 'x-cache|cache-status|age'
  curl -sS -o /dev/null -D - 'http://$EDGE_ADDR/search/pcp?Zipcode=10001&Keyword=flu&utm_source=x' | grep -iE 'x-cache|cache-status|age'

Purge it (the local-only token demo-purge-token), and the next call is a MISS again:

  curl -sS -X POST 'http://$EDGE_ADDR/.edgecache/purge' -H 'Authorization: Bearer demo-purge-token' -d '{"paths": ["/search/pcp"]}'

Ctrl-C stops everything.
MSG
  # When either process ends, stop the other.
  wait -n "${pids[@]}"
}
