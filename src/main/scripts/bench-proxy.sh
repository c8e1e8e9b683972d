#!/usr/bin/env bash
# Benchmark (not a test): pushring in proxy mode vs the vertx-http-proxy variant vs HAProxy, each in
# front of the same nginx answering 200 to every PUT. Loopback only, bounded in time. For each proxy
# and connection count: requests/s and requests per second of the proxy's own CPU (utime + stime of
# its process, from /proc). Needs target/pushring.jar and the test classes (make bench-proxy builds).
# Both JVMs get the same flags (PUSHRING_BASE_JAVA_OPTS: make run's without the class archive, which
# only pushring's jar has) and the same transport (the first of io_uring, epoll, nio that runs); the
# two Vert.x proxies are measured alternately, BENCH_REPS times each (medians printed).
# BENCH_DURATION (s, default 10), BENCH_WARMUP (s of JIT warm-up per JVM, default 30), BENCH_REPS (3)
# and BENCH_CONNECTIONS (default "16 64 256") tune the run.
set -euo pipefail
. "$(dirname "$0")/tools.sh"

DURATION=${BENCH_DURATION:-10}
REPS=${BENCH_REPS:-3}
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


# ---- upstream: nginx, one worker, answers 200 and discards the body ----
ng=$(free_port)
start_upstream "$work/upstream" "$ng"


# ---- the proxies ----
pr=$(free_port)
PUSHRING_HTTP_HOST=127.0.0.1 PUSHRING_HTTP_PORT=$pr PUSHRING_DISCOVERY_MODE=static \
  PUSHRING_DISCOVERY_STATIC_MEMBERS=127.0.0.1:$ng PUSHRING_ROUTER_MODE=proxy PUSHRING_TAP_ENABLED=false \
  java $PUSHRING_BASE_JAVA_OPTS -jar target/pushring.jar >"$work/pushring.log" 2>&1 & pids+=($!); pushring_pid=$!

hp=$(free_port)
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test >/dev/null
java $PUSHRING_BASE_JAVA_OPTS -cp "target/classes:target/test-classes:$(cat "$work/cp.txt")" io.pushring.bench.HttpProxyVariant "$hp" "127.0.0.1:$ng" 2 \
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

warm() { wrk -t2 -c64 -d"${2}s" -s src/bench/put-one-path.lua "http://127.0.0.1:$1$path" >/dev/null; }
run() { # NAME PORT PID: one row per connection count, "NAME|c|req/s|mean latency|proxy cores|req per proxy CPU-s"
  local name=$1 url="http://127.0.0.1:$2$path" pid=$3
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
      END { cpu = ticks / hz; printf "%s|%d|%.0f|%s|%.2f|%.0f\n", name, c, rps, lat, cpu / d, (cpu > 0 ? total / cpu : 0) }'
  done
}

transport=$(grep -o 'transport [a-z_]*' "$work/pushring.log" | head -1 | cut -d' ' -f2)
warm "$pr" "${BENCH_WARMUP:-30}"; warm "$hp" "${BENCH_WARMUP:-30}"
rows=$work/rows.txt
for rep in $(seq "$REPS"); do
  # Alternating, so load from elsewhere hits both alike; the order flips every repetition.
  if [ $((rep % 2)) = 1 ]; then
    run "pushring proxy (core HttpClient)" "$pr" "$pushring_pid" | tee -a "$rows" >&2
    run "vertx-http-proxy variant" "$hp" "$variant_pid" | tee -a "$rows" >&2
  else
    run "vertx-http-proxy variant" "$hp" "$variant_pid" | tee -a "$rows" >&2
    run "pushring proxy (core HttpClient)" "$pr" "$pushring_pid" | tee -a "$rows" >&2
  fi
done
warm "$ha" 3
run "HAProxy $(haproxy -v | head -1 | awk '{print $3}')" "$ha" "$haproxy_pid" | tee -a "$rows" >&2

echo "Both Vert.x proxies on ${transport:-?}, JVM flags $PUSHRING_BASE_JAVA_OPTS; medians of $REPS alternating runs of ${DURATION}s (HAProxy: 1 run)."
echo
echo "| proxy | connections | requests/s | mean latency | proxy CPU (cores) | requests per proxy CPU-second |"
echo "|---|---|---|---|---|---|"
# Median per proxy and connection count, ordered by the req per CPU-s (field 6); the row of that run is printed.
awk -F'|' '{ key = $1 "|" $2; n[key]++; row[key, n[key]] = $0; val[key, n[key]] = $6; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
  END { for (i = 1; i <= k; i++) { key = order[i]; m = n[key]
          for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (val[key, b] + 0 < val[key, a] + 0) {
            t = val[key, a]; val[key, a] = val[key, b]; val[key, b] = t; t = row[key, a]; row[key, a] = row[key, b]; row[key, b] = t }
          split(row[key, int((m + 1) / 2)], f, "|"); printf "| %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], f[6] } }' "$rows"
