# Shared shell helpers for the Makefile's targets. Sourced, not executed.

# pushring's JVM flags for `make run` and `make bench` (PUSHRING_JAVA_OPTS replaces them). Serial GC and a
# 128 MB heap: the live set is a few MB and young pauses stay under 1 ms; versus Parallel GC with
# -Xmx256m the RSS under load drops from ~165 MB to ~110 MB at the same throughput (README, Performance).
PUSHRING_BASE_JAVA_OPTS="-XX:+UseSerialGC -Xms32m -Xmx128m -XX:ReservedCodeCacheSize=64m"
PUSHRING_DEFAULT_JAVA_OPTS=$PUSHRING_BASE_JAVA_OPTS
# Plus the AppCDS archive `make build` trains (src/main/scripts/cds-archive.sh) when it was made from this
# very jar (newer than it; the JVM checks the jar's size and time too and ignores an archive of another
# build): it halves the CPU a start costs (README, "Start time").
_pushring_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
if [ -f "$_pushring_root/target/pushring.jsa" ] && [ "$_pushring_root/target/pushring.jsa" -nt "$_pushring_root/target/pushring.jar" ]; then
  PUSHRING_DEFAULT_JAVA_OPTS="$PUSHRING_DEFAULT_JAVA_OPTS -XX:SharedArchiveFile=$_pushring_root/target/pushring.jsa"
fi

# need_pkg BINARY PACKAGE: install a Debian package when its binary is missing (one apt-get update per run).
need_pkg() {
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "${PUSHRING_APT_UPDATED:-}" ]; then
    echo ">> apt-get update (to install $2)" >&2
    $sudo apt-get update -qq >&2 || return 1
    PUSHRING_APT_UPDATED=1
  fi
  echo ">> apt-get install -y $2" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$2" >&2
}

# need_file PATH PACKAGE: install a Debian package when PATH (a library file or directory it ships) is missing.
need_file() {
  [ -e "$1" ] && return 0
  local bin; bin="need-file-$(basename "$1")-$$"   # a name no binary has, so need_pkg installs
  need_pkg "$bin" "$2" && [ -e "$1" ]
}

# want_pkg / want_file: the same, for what only some tests use; a failed install is a warning (those
# tests then skip, saying why), not a failed build.
want_pkg()  { need_pkg "$@"  || echo ">> could not install $2: the tests that need it will be skipped" >&2; }
want_file() { need_file "$@" || echo ">> could not install $2: the tests that need it will be skipped" >&2; }

# free_port [START]: the first loopback port at or above START (default: random in 20000-29999)
# on which nothing listens, outside the kernel's ephemeral range: there every outgoing connection
# (wrk's, a proxy's toward its upstream) takes its local port, so a port free when probed could be
# taken by one of them before the bind (a bench's nginx failed so on 39944). A probe, not a
# reservation: the caller binds it right away.
free_port() {
  local p=${1:-$((20000 + RANDOM % 10000))} lo=32768 hi=60999 tries=0
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] && read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  while [ $((tries += 1)) -lt 10000 ]; do
    if [ "$p" -ge "$lo" ] && [ "$p" -le "$hi" ]; then p=$((hi + 1)); fi
    [ "$p" -le 65535 ] || p=$((1024 + RANDOM % (lo > 2048 ? lo - 1024 : 1000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break
    p=$((p + 1))
  done
  echo "$p"
}

# start_upstream DIR PORT: the benches' fast upstream (src/bench/nginx-upstream.conf.template: one
# nginx worker answering 200 to every push, under its own prefix DIR), started in the background;
# sets UPSTREAM_PID and adds it to the caller's pids (stopped by PID on exit) before waiting, so an
# upstream that never answers is stopped too; returns once it answers.
start_upstream() {
  mkdir -p "$1/logs" "$1/tmp"
  sed -e "s#@PREFIX@#$1#g" -e "s#@PORT@#$2#g" src/bench/nginx-upstream.conf.template >"$1/nginx.conf"
  nginx -p "$1" -e "$1/logs/error.log" -c "$1/nginx.conf" &
  UPSTREAM_PID=$!
  pids+=("$UPSTREAM_PID")
  wait_http "http://127.0.0.1:$2/" 20
}

# proc_ticks PID: utime + stime of one process so far, in clock ticks (/proc/PID/stat).
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wait_http URL SECONDS: poll until URL answers 200 (WAIT_CURL_ARGS: more curl arguments, e.g. -k).
wait_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until eval curl -fsS -o /dev/null "${WAIT_CURL_ARGS:-}" '"$url"' 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for $url" >&2; return 1; }
    sleep 0.2
  done
}
