#!/usr/bin/env bash
# Benchmark (not a test): pushring in proxy mode vs the vertx-http-proxy variant vs HAProxy, each in
# front of the same nginx answering 200 to every PUT. Loopback only, bounded in time. For each proxy
# and connection count: requests/s and requests per second of the proxy's own CPU (utime + stime of
# its process, from /proc). Needs target/pushring.jar and the test classes (make bench-proxy builds).
# BENCH_DURATION (s, default 10), BENCH_WARMUP (s of JIT warm-up per JVM, default 30) and
# BENCH_CONNECTIONS (default "16 64 256") tune the run.
set -euo pipefail
. "$(dirname "$0")/tools.sh"

DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-"16 64 256"}
HZ=$(getconf CLK_TCK)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of one process

# ---- upstream: nginx, one worker, answers 200 and discards the body ----
ng=$(free_port)
start_upstream "$work/upstream" "$ng"; pids+=("$UPSTREAM_PID")


# ---- the proxies ----
pr=$(free_port)
PUSHRING_HTTP_HOST=127.0.0.1 PUSHRING_HTTP_PORT=$pr PUSHRING_DISCOVERY_MODE=static \
  PUSHRING_DISCOVERY_STATIC_MEMBERS=127.0.0.1:$ng PUSHRING_ROUTER_MODE=proxy PUSHRING_TAP_ENABLED=false \
  java -jar target/pushring.jar >"$work/pushring.log" 2>&1 & pids+=($!); pushring_pid=$!

hp=$(free_port)
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test >/dev/null
java -cp "target/classes:target/test-classes:$(cat "$work/cp.txt")" io.pushring.bench.HttpProxyVariant "$hp" "127.0.0.1:$ng" 2 \
  >"$work/variant.log" 2>&1 & pids+=($!); variant_pid=$!

ha=$(free_port)
cat > "$work/haproxy.cfg" <<EOF
global
  nbthread 2
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:$ha
  option forwardfor
  default_backend be
backend be
  server nginx 127.0.0.1:$ng maxconn 128
EOF
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & pids+=($!); haproxy_pid=$!
sleep 0.5; kill -0 "$haproxy_pid" 2>/dev/null || { cat "$work/haproxy.log" >&2; exit 1; }

path=/metrics/job/bench/instance/host-1
wait_http "http://127.0.0.1:$pr/-/ready" 60
wait_http "http://127.0.0.1:$ha$path" 20
until curl -s -o /dev/null -X PUT --data-binary 'm 1' "http://127.0.0.1:$hp$path"; do sleep 0.2; done

run() { # NAME PORT PID WARMUP_SECONDS
  local name=$1 port=$2 pid=$3 url="http://127.0.0.1:$2$path"
  wrk -t2 -c64 -d"${4}s" -s src/bench/put-one-path.lua "$url" >/dev/null
  for c in $CONNECTIONS; do
    local before after out
    before=$(proc_ticks "$pid")
    out=$(wrk -t2 -c"$c" -d"${DURATION}s" -s src/bench/put-one-path.lua "$url")
    after=$(proc_ticks "$pid")
    echo "$out" | grep -qE "Non-2xx|Socket errors" && echo "$name c=$c: $(echo "$out" | grep -E 'Non-2xx|Socket errors')" >&2
    echo "$out" | awk -v name="$name" -v c="$c" -v ticks=$((after - before)) -v hz="$HZ" -v d="$DURATION" '
      /requests in/ { total = $1 }
      /Requests\/sec/ { rps = $2 }
      /Latency/ { lat = $2 }
      END { cpu = ticks / hz; printf "| %s | %d | %.0f | %s | %.2f | %.0f |\n", name, c, rps, lat, cpu / d, (cpu > 0 ? total / cpu : 0) }'
  done
}

echo "| proxy | connections | requests/s | mean latency | proxy CPU (cores) | requests per proxy CPU-second |"
echo "|---|---|---|---|---|---|"
run "pushring proxy (core HttpClient)" "$pr" "$pushring_pid" "${BENCH_WARMUP:-30}"
run "vertx-http-proxy variant" "$hp" "$variant_pid" "${BENCH_WARMUP:-30}"
run "HAProxy $(haproxy -v | head -1 | awk '{print $3}')" "$ha" "$haproxy_pid" 3
