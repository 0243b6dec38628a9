# Sourced by bench/copy, bench/convert and bench/follow for --delay (not a command of its own).
# Uses the caller's $fastcopy, die and say, and adds each proxy's pid to the caller's proxies=(),
# which its exit trap kills.
#
# delay_proxy CLUSTER DIRECT_PORT DELAY_MS SERVICE_FILE PASS_FROM PASS_TO LOG
#   Starts `fastcopy delay-proxy --delay DELAY_MSms` in front of 127.0.0.1:DIRECT_PORT, points
#   CLUSTER's entry of SERVICE_FILE at it, and appends PASS_FROM's lines for the direct port to
#   PASS_TO under the proxy's port (a password file names the port). Sets delay_port.
delay_proxy() {
  local cluster=$1 direct=$2 delay=$3 svc=$4 pass_from=$5 pass_to=$6 out=$7
  "$fastcopy" delay-proxy --to "127.0.0.1:$direct" --delay "${delay}ms" >"$out" 2>&1 &
  proxies+=($!)
  delay_port=""
  for _ in $(seq 1 300); do
    delay_port=$(sed -n 's/^delay-proxy: listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$out")
    [ -n "$delay_port" ] && break
    kill -0 "${proxies[-1]}" 2>/dev/null || break
    sleep 0.1 # polling the proxy's first line; nothing else says it listens
  done
  [ -n "$delay_port" ] || { cat "$out" >&2; die "the delay proxy for $cluster did not start"; }
  awk -v s="[$cluster]" -v p="$delay_port" '$0==s{f=1;print;next} /^\[/{f=0} f && /^port=/{print "port=" p; next} {print}' \
    "$svc" >"$svc.new" && mv "$svc.new" "$svc"
  grep -E "^[^:]*:$direct:" "$pass_from" | awk -F: -v OFS=: -v p="$delay_port" '{$2=p; print}' >>"$pass_to"
  say "   $cluster through a delay proxy on port $delay_port (${delay} ms each way)"
}
