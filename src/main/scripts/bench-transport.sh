#!/usr/bin/env bash
# A/B/C of http.transport in proxy mode: one pushring per transport given, in front of one nginx
# answering 200 (as bench-proxy.sh), wrk runs alternating between them; CPU = utime+stime of each
# pushring from /proc. Usage: bench-transport.sh io_uring epoll nio (needs target/pushring.jar).
# BENCH_DURATION (8), BENCH_REPS (3), BENCH_WARMUP (20), BENCH_CONNECTIONS ("16 64 256").
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/main/scripts/tools.sh
TRANSPORTS=("$@") DURATION=${BENCH_DURATION:-8} REPS=${BENCH_REPS:-3} CONNS=${BENCH_CONNECTIONS:-16 64 256}
HZ=$(getconf CLK_TCK)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ng=$(free_port)
start_upstream "$work/upstream" "$ng"
declare -A PORT PID
for t in "${TRANSPORTS[@]}"; do
  p=$(free_port)
  PUSHRING_HTTP_HOST=127.0.0.1 PUSHRING_HTTP_PORT=$p PUSHRING_DISCOVERY_MODE=static PUSHRING_HTTP_TRANSPORT=$t \
    PUSHRING_DISCOVERY_STATIC_MEMBERS=127.0.0.1:$ng PUSHRING_ROUTER_MODE=proxy PUSHRING_TAP_ENABLED=false \
    java $PUSHRING_DEFAULT_JAVA_OPTS -jar target/pushring.jar >"$work/pushring-$t.log" 2>&1 & pids+=($!)
  PORT[$t]=$p PID[$t]=$!
  wait_http "http://127.0.0.1:$p/-/ready" 60
done
path=/metrics/job/bench/instance/host-1
for t in "${TRANSPORTS[@]}"; do wrk -t2 -c64 -d"${BENCH_WARMUP:-20}s" -s src/bench/put-one-path.lua "http://127.0.0.1:${PORT[$t]}$path" >/dev/null; done
echo "| transport | conns | rep | req/s | p99 | CPU s | req per CPU-s |"
for c in $CONNS; do
  for r in $(seq "$REPS"); do
    for t in "${TRANSPORTS[@]}"; do
      before=$(proc_ticks "${PID[$t]}")
      out=$(wrk -t2 -c"$c" -d"${DURATION}s" --latency -s src/bench/put-one-path.lua "http://127.0.0.1:${PORT[$t]}$path")
      after=$(proc_ticks "${PID[$t]}")
      echo "$out" | grep -E "Non-2xx|Socket errors" >&2 || true
      echo "$out" | awk -v t="$t" -v c="$c" -v r="$r" -v ticks=$((after - before)) -v hz="$HZ" '
        /requests in/ { total = $1 } /Requests\/sec/ { rps = $2 } $1 == "99%" { p99 = $2 }
        END { cpu = ticks / hz; printf "| %s | %d | %d | %.0f | %s | %.2f | %.0f |\n", t, c, r, rps, p99, cpu, (cpu > 0 ? total / cpu : 0) }'
    done
  done
done
