#!/usr/bin/env bash
# `make run`: three local Pushgateways and pushring in static mode in front of them.
# Everything started here is stopped by PID on exit (Ctrl-C included).
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/main/scripts/tools.sh

PORT=${PUSHRING_HTTP_PORT:-9292}
RUN_DIR=target/run
mkdir -p "$RUN_DIR"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo ">> stopped pushring and the Pushgateways (PIDs ${pids[*]})"
}
trap cleanup EXIT INT TERM

members=()
next=9091
for i in 1 2 3; do
  p=$(free_port "$next")
  next=$((p + 1))
  # --persistence.file= : Debian's default is one shared file; each local Pushgateway keeps its own (none).
  prometheus-pushgateway --web.listen-address="127.0.0.1:$p" --persistence.file= \
    >"$RUN_DIR/pushgateway-$p.log" 2>&1 &
  pids+=($!)
  members+=("127.0.0.1:$p")
done
for m in "${members[@]}"; do wait_http "http://$m/-/ready" 20; done
echo ">> Pushgateways: ${members[*]} (logs in $RUN_DIR)"

list=$(IFS=,; echo "${members[*]}")
PUSHRING_DISCOVERY_MODE=static PUSHRING_DISCOVERY_STATIC_MEMBERS="$list" PUSHRING_HTTP_PORT="$PORT" \
  env -u PUSHRING_JAVA_OPTS java ${PUSHRING_JAVA_OPTS:-$PUSHRING_DEFAULT_JAVA_OPTS} -jar target/pushring.jar "$@" &
pids+=($!)
wait_http "http://127.0.0.1:$PORT/-/ready" 30

cat <<TXT

>> pushring is routing on http://127.0.0.1:$PORT over ${#members[@]} Pushgateways. Try:

   echo 'some_metric 3.14' | curl -sS -L --data-binary @- http://127.0.0.1:$PORT/metrics/job/demo/instance/laptop
   curl -sS http://127.0.0.1:$PORT/metrics/job/demo/instance/laptop          # where it went (nextUrl)
   curl -sS http://127.0.0.1:$PORT/api/v1/ring                               # members and shares

   (router.mode auto: Go and Java clients get a 307, curl and the rest are proxied.) Ctrl-C stops everything.
TXT
wait "${pids[-1]}"
