#!/usr/bin/env bash
# `make bench-start`: how long pushring takes from `exec` to the first 200 from GET /-/ready, in static
# mode (three loopback members, as `make run` and `make bench` use; readiness needs no live member).
# Rolling restarts and scale-out wait on exactly this. Each start gets a fresh free port and is stopped
# by PID before the next. Prints every start, then min / median / max in ms, with the load average.
#
# Knobs (environment): START_RUNS (10), START_JAR (target/pushring.jar), PUSHRING_JAVA_OPTS (replaces the
# JVM flags, as for `make run`; default: PUSHRING_DEFAULT_JAVA_OPTS, which includes the AppCDS archive
# when `make build` made one for this jar). An A/B run alternates a second configuration with the first,
# start by start: START_VS_JAVA_OPTS and/or START_VS_JAR (either set turns it on).
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/main/scripts/tools.sh

RUNS=${START_RUNS:-10}
OUT=target/start-time
mkdir -p "$OUT"
A_JAR=${START_JAR:-target/pushring.jar}
A_OPTS=${PUSHRING_JAVA_OPTS:-$PUSHRING_DEFAULT_JAVA_OPTS}
AB=0
if [ -n "${START_VS_JAVA_OPTS+x}" ] || [ -n "${START_VS_JAR:-}" ]; then AB=1; fi
B_JAR=${START_VS_JAR:-$A_JAR}
B_OPTS=${START_VS_JAVA_OPTS-$A_OPTS}
command -v curl >/dev/null || { echo "start-time: needs curl" >&2; exit 1; }
[ -f "$A_JAR" ] && [ -f "$B_JAR" ] || { echo "start-time: no $A_JAR or $B_JAR (make build)" >&2; exit 1; }

pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT INT TERM

# one_start JAR OPTS LOG: sets MS to the ms from fork+exec of java to the first 200 on /-/ready, CPU to the
# CPU ms the JVM had used by then.
one_start() {
  local jar=$1 opts=$2 log=$3 members=() next p port t0 t1 deadline
  # Below the kernel's ephemeral range (32768+): there a port can be taken as some client's local port.
  next=$((20000 + RANDOM % 10000))
  for _ in 1 2 3; do p=$(free_port "$next"); next=$((p + 1)); members+=("127.0.0.1:$p"); done
  port=$(free_port "$next")
  local list; list=$(IFS=,; echo "${members[*]}")
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086
  env -u PUSHRING_JAVA_OPTS PUSHRING_DISCOVERY_MODE=static PUSHRING_DISCOVERY_STATIC_MEMBERS="$list" \
    PUSHRING_HTTP_PORT="$port" PUSHRING_HTTP_HOST=127.0.0.1 java $opts -jar "$jar" >"$log" 2>&1 &
  pid=$!
  deadline=$((SECONDS + 60))
  # A refused connection fails at once; the 10 ms sleep bounds the resolution (plus curl's own start).
  until curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/-/ready" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null && grep -q "cannot listen" "$log" && [ "${4:-0}" -lt 3 ]; then
      # The port was taken between free_port's probe and the bind (other work on this machine): a new one.
      wait "$pid" 2>/dev/null || true; pid=""; one_start "$1" "$2" "$3" $(( ${4:-0} + 1 )); return
    fi
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      echo "start-time: pushring did not get ready (log $log):" >&2; tail -5 "$log" >&2; return 1
    fi
    sleep 0.01
  done
  t1=$EPOCHREALTIME
  # CPU the JVM spent until then (utime + stime, clock ticks): steadier than wall time on a loaded machine.
  local stat; stat=$(cat "/proc/$pid/stat"); stat=${stat##*) }
  CPU=$(echo "$stat" | awk -v hz="$(getconf CLK_TCK)" '{ print int(($12 + $13) * 1000 / hz) }')
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  # EPOCHREALTIME is seconds.microseconds: difference in ms without floating point in bash.
  MS=$(( (${t1/./} - ${t0/./}) / 1000 ))
}

# stats: min / median / max of the numbers on stdin (median of an even count: the mean of the middle two).
stats() {
  sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "min %d  median %d  max %d ms (%d starts)\n", v[1], m, v[NR], NR }'
}

echo ">> $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); A: $A_JAR $A_OPTS" >&2
[ "$AB" = 1 ] && echo ">> B: $B_JAR $B_OPTS (alternating, A first)" >&2
a=() b=() ac=() bc=()
for i in $(seq 1 "$RUNS"); do
  one_start "$A_JAR" "$A_OPTS" "$OUT/a-$i.log"; a+=("$MS"); ac+=("$CPU")
  if [ "$AB" = 1 ]; then
    one_start "$B_JAR" "$B_OPTS" "$OUT/b-$i.log"; b+=("$MS"); bc+=("$CPU")
    echo ">> start $i: A ${a[-1]} ms (CPU ${ac[-1]} ms), B ${b[-1]} ms (CPU ${bc[-1]} ms)" >&2
  else
    echo ">> start $i: ${a[-1]} ms (CPU ${ac[-1]} ms)" >&2
  fi
done
echo ">> load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf 'exec -> /-/ready 200, A: '; printf '%s\n' "${a[@]}" | stats
printf 'CPU until ready,      A: '; printf '%s\n' "${ac[@]}" | stats
if [ "$AB" = 1 ]; then
  printf 'exec -> /-/ready 200, B: '; printf '%s\n' "${b[@]}" | stats
  printf 'CPU until ready,      B: '; printf '%s\n' "${bc[@]}" | stats
  # Per-pair ratios: A and B ran back to back, so the machine's load drifts out of each pair.
  printf 'A/B per pair: median %s\n' "$(for i in "${!a[@]}"; do echo "${a[$i]} ${b[$i]}"; done \
    | awk '{ printf "%.3f\n", $1 / $2 }' | sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
fi
