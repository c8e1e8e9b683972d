#!/usr/bin/env bash
# Part of `make build`: a short training run of target/pushring.jar that writes target/pushring.jsa, an
# AppCDS archive (JDK 17 dynamic archive, -XX:ArchiveClassesAtExit) of the classes a start and the
# first requests load, already parsed and verified. A JVM given -XX:SharedArchiveFile=target/pushring.jsa
# maps them instead of reading, verifying and linking them from the jar again (README "Start time").
#
# Needs only the JDK and bash (no curl: requests go through bash's /dev/tcp). Never fails the build: an
# archive that cannot be made is one line on stderr, and pushring then starts without it.
set -uo pipefail
cd "$(dirname "$0")/../../.."
# Arguments (for A/B runs of another build): JAR (target/pushring.jar), then the archive (JAR's name, .jsa).
JAR=${1:-target/pushring.jar}
JSA=${2:-${JAR%.jar}.jsa}
LOG=$JSA.log   # the training run's output; $LOG.check: the check's
rm -f "$JSA" "$JSA.tmp"
. src/main/scripts/tools.sh

give_up() { echo ">> no AppCDS archive (pushring starts without one): $1 (log: $LOG)" >&2; exit 0; }
[ -f "$JAR" ] || give_up "no $JAR"

# http_status PORT METHOD PATH [HEADER]: the status code of one HTTP/1.1 request, or nothing.
http_status() {
  local line
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n' \
    "$2" "$3" "${4:+$4$'\r\n'}" >&3
  IFS= read -r -t 5 line <&3 || true
  exec 3<&-
  line=${line#HTTP/1.1 }
  echo "${line%% *}"
}

next=$((20000 + RANDOM % 10000))
members=()
for _ in 1 2 3; do p=$(free_port "$next"); next=$((p + 1)); members+=("127.0.0.1:$p"); done
port=$(free_port "$next")
list=$(IFS=,; echo "${members[*]}")
# The flags of `make run` (the archive records the heap's compressed-pointer mode: it must match the runs),
# without any archive: a dynamic archive is made on top of the JDK's own only.
# shellcheck disable=SC2086
env -u PUSHRING_JAVA_OPTS PUSHRING_DISCOVERY_MODE=static PUSHRING_DISCOVERY_STATIC_MEMBERS="$list" \
  PUSHRING_HTTP_PORT="$port" PUSHRING_HTTP_HOST=127.0.0.1 \
  java $PUSHRING_BASE_JAVA_OPTS -XX:ArchiveClassesAtExit="$JSA.tmp" -jar "$JAR" >"$LOG" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT INT TERM

deadline=$((SECONDS + 60))
until [ "$(http_status "$port" GET /-/ready)" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || give_up "the training run exited"
  [ "$SECONDS" -lt "$deadline" ] || give_up "the training run was not ready within 60 s"
  sleep 0.05
done
# What the first requests load: a Go client's push (a 307: no live member needed), the probes, the
# operator APIs. A proxied push is left out: with no live member it would wait out its resends.
http_status "$port" PUT /metrics/job/cds/instance/train 'User-Agent: Go-http-client/1.1' >/dev/null
http_status "$port" POST /metrics/job/cds@base64/dHJhaW4 'User-Agent: Go-http-client/1.1' >/dev/null
http_status "$port" GET /-/healthy >/dev/null
http_status "$port" GET /api/v1/ring >/dev/null
http_status "$port" GET /metrics >/dev/null

# SIGTERM: pushring's shutdown hook closes Vert.x, then the JVM writes the archive as it exits.
kill -TERM "$pid"
wait "$pid" 2>/dev/null
trap - EXIT INT TERM
[ -s "$JSA.tmp" ] || give_up "the JVM wrote no archive"
# The check: a JVM with the flags `make run` will use maps the archive (-Xshare:on: exit 1 if it cannot)
# and takes pushring's main class from it, not from the jar.
# shellcheck disable=SC2086
java $PUSHRING_BASE_JAVA_OPTS -XX:SharedArchiveFile="$JSA.tmp" -Xshare:on -Xlog:class+load=info \
  -jar "$JAR" --help >"$LOG.check" 2>&1
if ! grep -q '^\[.*io\.pushring\.Pushring source: shared objects file (top)$' "$LOG.check"; then
  rm -f "$JSA.tmp"
  give_up "the JVM does not load pushring's classes from the archive it wrote"
fi
mv "$JSA.tmp" "$JSA"
echo ">> AppCDS archive $JSA ($(( $(stat -c %s "$JSA") / 1024 / 1024 )) MB)" >&2
