#!/usr/bin/env bash
# `make bench`: pushring measured like a server against a reference in the same run, headline the
# requests per CPU-second of the server's own processes (utime + stime from /proc) and its ratio to
# the reference, beside req/s, p99 and RSS; each section ends with issue 13's targets, met/MISSED:
#   1. redirect: pushring (redirect mode, static ring of three loopback members) vs nginx `return 307`
#      with as many workers as pushring has router event loops (read from pushring's start line);
#   2. proxy: pushring (proxy mode) vs HAProxy 2.6 (as many threads), both in front of the same fast
#      upstream (one nginx worker answering 200, its CPU not counted): requests per proxy-CPU-second;
#   3. TLS + Basic auth: pushring with a web config vs nginx `ssl` + `auth_basic`;
#   4. one real Pushgateway's own push cost while it holds 100 and 10,000 groups;
#   5. start time, exec to /-/ready (src/main/scripts/start-time.sh), when that script is there.
# Runs of pushring and its reference are interleaved, so load from elsewhere hits both alike.
#
# Prints one table (medians of BENCH_REPS runs) and writes it to target/bench/table.md; the raw
# runs are in target/bench/runs-*.txt. Full run about 15 minutes.
# Knobs (environment): BENCH_DURATION seconds per run (10), BENCH_REPS (3), BENCH_CONNECTIONS
# ("16 64 256"), BENCH_WARMUP seconds of JIT warm-up per pushring (30); sections: BENCH_REDIRECT=0,
# BENCH_PROXY=0, BENCH_SECURE=0, BENCH_PGW=0, BENCH_START=0 skip one each, BENCH_ROUTERS=0 skips
# the first three; BENCH_SECURE_DURATION (5, or BENCH_DURATION when set) and BENCH_SECURE_WARMUP (20,
# or BENCH_WARMUP when set) for the TLS section; BENCH_PGW_GROUPS ("100 10000") the groups held by
# the Pushgateway; START_RUNS (10) the starts timed; BENCH_JFR=1 records a JFR profile of the redirect-mode pushring to
# target/bench/pushring.jfr (BENCH_JFR=proxy: of the proxy-mode one); PUSHRING_JAVA_OPTS replaces
# pushring's JVM flags (default: those of `make run`).
# A/B of a change: BENCH_VS_JAR=old.jar, BENCH_VS_JAVA_OPTS="..." and/or
# BENCH_VS_ENV="PUSHRING_ROUTER_INSTANCES=1" make the reference of the redirect and proxy sections a
# second pushring ("baseline") with that jar, flags or settings instead of nginx / HAProxy, e.g.
#   BENCH_VS_JAVA_OPTS="-Dpushring.native-transport=false" BENCH_CONNECTIONS=64 BENCH_PGW=0 make bench
# Every process started here is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/main/scripts/tools.sh

DURATION=${BENCH_DURATION:-10}
REPS=${BENCH_REPS:-3}
CONNS=${BENCH_CONNECTIONS:-16 64 256}
WARMUP=${BENCH_WARMUP:-30}
THREADS=2
OUT=target/bench
LUA=src/bench/push.lua
HZ=$(getconf CLK_TCK)
CPUINFO="$(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
RUNS=$OUT/runs-redirect.txt   # where wrk_run appends its lines (each section sets its own)
WRK_ARGS=()                   # extra wrk arguments (the TLS section: the Authorization header)
AB=0; [ -z "${BENCH_VS_JAVA_OPTS:-}${BENCH_VS_ENV:-}${BENCH_VS_JAR:-}" ] || AB=1
# The baseline of an A/B run, for the captions.
VS_DESC="${BENCH_VS_JAR:+jar $BENCH_VS_JAR; }${BENCH_VS_JAVA_OPTS:+JVM flags $BENCH_VS_JAVA_OPTS; }${BENCH_VS_ENV:+env $BENCH_VS_ENV}"
VS_DESC=${VS_DESC%; }
mkdir -p "$OUT"
rm -f "$OUT"/runs*.txt
: >"$OUT/table.md"
T0=$SECONDS

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ ${#pids[@]} -eq 0 ] || echo ">> stopped PIDs ${pids[*]}" >&2
}
trap cleanup EXIT INT TERM

[ -f target/pushring.jar ] || { echo "target/pushring.jar missing: run make build" >&2; exit 1; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
# A server's processes: the PID and its children (nginx's workers; the JVM and HAProxy have threads only).
tree() { echo "$1"; pgrep -P "$1" || true; }
# "utime+stime stime" of a process tree in clock ticks (fields 14 and 15, counted after the ")" of comm).
cpu_ticks() {
  local total=0 sys=0 p u s
  for p in $(tree "$1"); do
    [ -r "/proc/$p/stat" ] || continue
    read -r u s < <(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12, $13}')
    total=$((total + u + s)); sys=$((sys + s))
  done
  echo "$total $sys"
}
# Resident set of a process tree in KiB (nginx: master + workers, shared pages counted in each).
rss_kb() {
  local total=0 p
  for p in $(tree "$1"); do
    [ -r "/proc/$p/status" ] || continue
    total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")))
  done
  echo "$total"
}

# wrk_run NAME PID URL CONNS SECONDS [LABEL]: one wrk run; appends a line to $RUNS when LABEL is set.
wrk_run() {
  local name=$1 pid=$2 url=$3 conns=$4 secs=$5 label=${6:-} before after line cpu sys
  read -r cpu sys < <(cpu_ticks "$pid")
  line=$(wrk -t"$THREADS" -c"$conns" -d"${secs}s" --timeout 10s "${WRK_ARGS[@]}" -s "$LUA" "$url" | grep '^BENCH ' || true)
  read -r after after_sys < <(cpu_ticks "$pid")
  before=$cpu; sys=$((after_sys - sys))
  [ -n "$line" ] || { echo "wrk gave no result for $name" >&2; return 1; }
  [ -n "$label" ] || return 0
  # shellcheck disable=SC2086
  local $(echo "${line#BENCH }")
  echo "$name $conns $label $requests $duration_us $errors $p50_us $p99_us $(rss_kb "$pid") $((after - before)) $sys" >>"$RUNS"
  awk -v n="$name" -v c="$conns" -v r="$label" -v q="$requests" -v d="$duration_us" -v e="$errors" \
      -v p50="$p50_us" -v p99="$p99_us" -v cpu=$((after - before)) -v sys="$sys" -v hz="$HZ" 'BEGIN {
    printf "   %-8s c=%-3s run %s: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d  CPU %5.2f s (kernel %2.0f%%)  %6.0f req/CPU-s\n",
      n, c, r, q / (d / 1e6), p50 / 1000, p99 / 1000, e, cpu / hz, cpu ? 100 * sys / cpu : 0, cpu ? q / (cpu / hz) : 0 }' >&2
}

# verify NAME URL [proxied]: a short run that checks every answer: a 307 to a loopback member, or
# (proxied) the upstream's 200 passed back.
verify() {
  local line what="307 to a member"
  [ "${3:-}" = proxied ] && what="200 from the upstream"
  line=$(BENCH_VERIFY=${3:-1} wrk -t"$THREADS" -c16 -d2s "${WRK_ARGS[@]}" -s "$LUA" "$2" | grep '^BENCH ' || true)
  # shellcheck disable=SC2086
  local $(echo "${line#BENCH }")
  if [ "${verified:-0}" -eq 0 ] || [ "$wrong" -ne 0 ]; then
    echo "!! $1 answered $wrong of ${verified:-0} pushes with something else than a $what" >&2
    return 1
  fi
  echo ">> $1: $verified answers checked, all $what" >&2
}

# measure_pair A A_PID A_URL B B_PID B_URL B_WARMUP: warm-up, then per connection count a short
# settling run of each and REPS measured runs, A and B interleaved.
measure_pair() {
  local a=$1 a_pid=$2 a_url=$3 b=$4 b_pid=$5 b_url=$6 b_warm=$7 c r
  echo ">> warm-up: $a ${WARMUP}s (JIT), $b ${b_warm}s" >&2
  wrk_run "$a" "$a_pid" "$a_url" 64 "$WARMUP"
  wrk_run "$b" "$b_pid" "$b_url" 64 "$b_warm"
  for c in $CONNS; do
    echo ">> $c connections, $REPS x ${DURATION}s each (load $(load))" >&2
    wrk_run "$a" "$a_pid" "$a_url" "$c" 3
    wrk_run "$b" "$b_pid" "$b_url" "$c" 3
    for r in $(seq "$REPS"); do
      wrk_run "$a" "$a_pid" "$a_url" "$c" "$DURATION" "$r"
      wrk_run "$b" "$b_pid" "$b_url" "$c" "$DURATION" "$r"
    done
  done
}

stop() { kill "$@" 2>/dev/null || true; wait "$@" 2>/dev/null || true; }

echo ">> machine: $CPUINFO, load $(load)" >&2

# section_table TITLE CAPTION CPUNAME TARGETS: appends one section's table (medians of $RUNS, from
# src/bench/table.awk) to table.md; TARGETS names issue 13's targets to check (none in an A/B run).
section_table() {
  {
    echo "### $1"
    echo
    echo "$2 Load average $load0 at the start, $(load) at the end."
    echo
    awk -v hz="$HZ" -v ref="$REF" -v refname="$REFNAME" -v cpuinfo="$CPUINFO" -v cpuname="$3" \
      -v targets="$([ "$AB" = 0 ] && echo "$4")" -f src/bench/table.awk "$RUNS"
  } >>"$OUT/table.md"
}

# --- static ring of three loopback members (redirect mode needs no live member) ---
members=()
next=$((20000 + RANDOM % 10000))   # below the ephemeral range (see free_port)
for i in 1 2 3; do p=$(free_port "$next"); next=$((p + 1)); members+=("127.0.0.1:$p"); done
list=$(IFS=,; echo "${members[*]}")

# start_pushring NAME JAR JAVA_OPTS [VAR=VALUE...]: starts one pushring (redirect mode over the three
# members unless VAR=VALUE says otherwise); sets PID, URL and LOOPS (its router event loops).
start_pushring() {
  local name=$1 jar=$2 opts=$3 port
  shift 3
  port=$(free_port "$next"); next=$((port + 1))
  # shellcheck disable=SC2086
  env -u PUSHRING_JAVA_OPTS PUSHRING_DISCOVERY_MODE=static PUSHRING_DISCOVERY_STATIC_MEMBERS="$list" \
    PUSHRING_HTTP_PORT="$port" PUSHRING_HTTP_HOST=127.0.0.1 PUSHRING_ROUTER_MODE=redirect "$@" \
    java $opts -jar "$jar" >"$OUT/$name.log" 2>&1 &
  PID=$!
  pids+=("$PID")
  URL="${SCHEME:-http}://127.0.0.1:$port"
  wait_http "$URL/-/ready" 60
  # The start line says "(router redirect x2, ...)": one event loop per router instance
  # (router.instances, 0 = one per core). The reference gets as many workers / threads.
  LOOPS=$(grep -o -m1 'router [a-z]* x[0-9]*' "$OUT/$name.log" | sed 's/.* x//' || true)
  if [ -z "$LOOPS" ]; then
    LOOPS=$(nproc)
    echo "!! no router count in $OUT/$name.log; the reference gets one worker per core ($LOOPS)" >&2
  fi
  echo ">> $name PID $PID on $URL ($jar $opts${*:+ $*}), $LOOPS router event loops" >&2
}

java_opts=${PUSHRING_JAVA_OPTS:-$PUSHRING_DEFAULT_JAVA_OPTS}
jfr="-XX:StartFlightRecording=filename=$OUT/pushring.jfr,settings=profile,dumponexit=true"

# --- 1. Redirects: pushring vs nginx `return 307`, as many workers as pushring's event loops ---
if [ "${BENCH_ROUTERS:-1}" = 1 ] && [ "${BENCH_REDIRECT:-1}" = 1 ]; then
  RUNS=$OUT/runs-redirect.txt
  load0=$(load)
  start_pushring pushring target/pushring.jar "$java_opts$([ "${BENCH_JFR:-0}" = 1 ] && echo " $jfr")"
  PR_PID=$PID PR_URL=$URL PR_LOOPS=$LOOPS

  if [ "$AB" = 0 ]; then
    # nginx: its own prefix, config, pid and logs; the 307 goes to the first member.
    REF=nginx REFNAME="nginx ($PR_LOOPS workers)" REF_WARM=5
    NG_PREFIX=$(pwd)/$OUT/nginx
    mkdir -p "$NG_PREFIX/logs" "$NG_PREFIX/tmp"
    NG_PORT=$(free_port "$next"); next=$((NG_PORT + 1))
    sed -e "s#@PREFIX@#$NG_PREFIX#g" -e "s#@PORT@#$NG_PORT#g" -e "s#@MEMBER@#${members[0]}#g" -e "s#@WORKERS@#$PR_LOOPS#g" \
      src/bench/nginx.conf.template >"$NG_PREFIX/nginx.conf"
    nginx -p "$NG_PREFIX" -e "$NG_PREFIX/logs/error.log" -c "$NG_PREFIX/nginx.conf" &
    REF_PID=$!
    pids+=("$REF_PID")
    REF_URL="http://127.0.0.1:$NG_PORT"
    for _ in $(seq 50); do curl -s -o /dev/null "$REF_URL/metrics/job/x" && break; sleep 0.1; done
    echo ">> nginx PID $REF_PID on $REF_URL (workers: $(pgrep -P "$REF_PID" | tr '\n' ' '))" >&2
  else
    # A/B: the reference is a second pushring with other JVM flags or settings.
    REF=baseline REFNAME="baseline ($VS_DESC)" REF_WARM=$WARMUP
    # shellcheck disable=SC2086
    start_pushring baseline "${BENCH_VS_JAR:-target/pushring.jar}" "${BENCH_VS_JAVA_OPTS:-$java_opts}" ${BENCH_VS_ENV:-}
    REF_PID=$PID REF_URL=$URL
  fi

  verify pushring "$PR_URL"
  verify "$REF" "$REF_URL"
  measure_pair pushring "$PR_PID" "$PR_URL" "$REF" "$REF_PID" "$REF_URL" "$REF_WARM"
  stop "$PR_PID" "$REF_PID"
  section_table "Redirects: pushring (redirect mode) vs $REFNAME" \
    "The same \`307\` to the same member; server CPU = utime + stime of the server's processes over each run." \
    server redirect
fi

# --- 2. Proxying: pushring (proxy mode) vs HAProxy, both in front of the same fast upstream ---
# The upstream is one nginx worker answering 200 (src/bench/nginx-upstream.conf.template); only the
# proxy's own processes are read for CPU and RSS, so the upstream's work counts for neither. Both
# proxies get the same 10,000 push paths; HAProxy as many threads as pushring has event loops, and
# as many connections toward the upstream as pushring's pool holds.
if [ "${BENCH_ROUTERS:-1}" = 1 ] && [ "${BENCH_PROXY:-1}" = 1 ]; then
  RUNS=$OUT/runs-proxy.txt
  load0=$(load)
  UP=$(pwd)/$OUT/upstream
  UP_PORT=$(free_port "$next"); next=$((UP_PORT + 1))
  start_upstream "$UP" "$UP_PORT"
  UP_PID=$UPSTREAM_PID
  echo ">> upstream nginx PID $UP_PID on http://127.0.0.1:$UP_PORT (one worker, 200 to every push)" >&2

  proxied=(PUSHRING_ROUTER_MODE=proxy PUSHRING_DISCOVERY_STATIC_MEMBERS="127.0.0.1:$UP_PORT")
  start_pushring pushring-proxy target/pushring.jar "$java_opts$([ "${BENCH_JFR:-0}" = proxy ] && echo " $jfr")" "${proxied[@]}"
  PR_PID=$PID PR_URL=$URL PR_LOOPS=$LOOPS

  if [ "$AB" = 0 ]; then
    HA_PORT=$(free_port "$next"); next=$((HA_PORT + 1))
    pool=$(grep -o 'POOL_SIZE_PER_MEMBER = [0-9]*' src/main/java/io/pushring/proxy/ProxyForwarder.java | grep -o '[0-9]*$' || true)
    [ -n "$pool" ] || { echo "!! ProxyForwarder.POOL_SIZE_PER_MEMBER not found: HAProxy's maxconn unknown" >&2; exit 1; }
    sed -e "s#@THREADS@#$PR_LOOPS#g" -e "s#@PORT@#$HA_PORT#g" -e "s#@UPSTREAM@#127.0.0.1:$UP_PORT#g" \
      -e "s#@MAXCONN@#$((pool * PR_LOOPS))#g" src/bench/haproxy.cfg.template >"$OUT/haproxy.cfg"
    haproxy -db -f "$OUT/haproxy.cfg" >"$OUT/haproxy.log" 2>&1 &
    REF_PID=$!
    pids+=("$REF_PID")
    REF=haproxy REFNAME="HAProxy $(haproxy -v | awk 'NR == 1 { sub(/-.*/, "", $3); print $3 }') ($PR_LOOPS threads)" REF_WARM=5
    REF_URL="http://127.0.0.1:$HA_PORT"
    wait_http "$REF_URL/metrics/job/x" 20 || { cat "$OUT/haproxy.log" >&2; exit 1; }
    echo ">> HAProxy PID $REF_PID on $REF_URL ($PR_LOOPS threads, maxconn $((pool * PR_LOOPS)) toward the upstream)" >&2
  else
    REF=baseline REFNAME="baseline ($VS_DESC)" REF_WARM=$WARMUP
    # shellcheck disable=SC2086
    start_pushring baseline-proxy "${BENCH_VS_JAR:-target/pushring.jar}" "${BENCH_VS_JAVA_OPTS:-$java_opts}" "${proxied[@]}" ${BENCH_VS_ENV:-}
    REF_PID=$PID REF_URL=$URL
  fi

  verify pushring-proxy "$PR_URL" proxied
  verify "$REF" "$REF_URL" proxied
  measure_pair pushring "$PR_PID" "$PR_URL" "$REF" "$REF_PID" "$REF_URL" "$REF_WARM"
  stop "$PR_PID" "$REF_PID" "$UP_PID"
  echo >>"$OUT/table.md"
  section_table "Proxying: pushring (proxy mode) vs $REFNAME" \
    "Both in front of the same upstream (one nginx worker answering 200, its CPU not counted); proxy CPU = utime + stime of the proxy's processes over each run." \
    proxy proxy
fi
# --- 3. TLS + Basic auth: pushring with a web config vs nginx with ssl + auth_basic, same 307 ---
# Keep-alive connections (wrk's), so the handshake is paid once per connection and what is measured
# is TLS record work plus the credential check on every request. pushring verifies a new
# Authorization value once by bcrypt (off the event loop) and then looks the exact value up; nginx
# runs crypt() on every request: with apr1 (MD5-crypt, the strict reference) and with the very
# bcrypt hash pushring holds (what an operator reusing the Pushgateway's web config would give it).
if [ "${BENCH_ROUTERS:-1}" = 1 ] && [ "${BENCH_SECURE:-1}" = 1 ]; then
  RUNS=$OUT/runs-secure.txt
  load0=$(load)
  # Shorter than the plain sections by default (three servers per repetition; issue 11's goal is met
  # by a wide margin): 5 s runs after a 20 s warm-up keep the whole of `make bench` near 15 minutes.
  SEC_DURATION=${BENCH_SECURE_DURATION:-$([ -n "${BENCH_DURATION:-}" ] && echo "$DURATION" || echo 5)}
  SEC_WARMUP=${BENCH_SECURE_WARMUP:-$([ -n "${BENCH_WARMUP:-}" ] && echo "$WARMUP" || echo 20)}
  SEC=$(pwd)/$OUT/secure
  rm -rf "$SEC"; mkdir -p "$SEC/logs" "$SEC/tmp"
  # A certificate made for this run only (2 days), for 127.0.0.1.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$SEC/key.pem" -out "$SEC/cert.pem" 2>/dev/null
  PASSWORD=bench-$RANDOM$RANDOM
  BCRYPT=$(python3 -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))' \
    "$PASSWORD" 2>/dev/null)
  case "$BCRYPT" in '$2'*) ;; *) echo "!! no bcrypt from python3's crypt module" >&2; exit 1 ;; esac
  printf 'bench:%s\n' "$(openssl passwd -apr1 "$PASSWORD")" >"$SEC/htpasswd-apr1"
  printf 'bench:%s\n' "$BCRYPT" >"$SEC/htpasswd-bcrypt"
  printf 'bench:%s\n' "$(python3 -c 'import base64, hashlib, os, sys; salt = os.urandom(8)
print("{SSHA}" + base64.b64encode(hashlib.sha1(sys.argv[1].encode() + salt).digest() + salt).decode())' "$PASSWORD")" \
    >"$SEC/htpasswd-ssha"
  printf 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  bench: %s\n' \
    "'$BCRYPT'" >"$SEC/web-config.yml"
  AUTH="Authorization: Basic $(printf 'bench:%s' "$PASSWORD" | base64 -w0)"

  SCHEME=https WAIT_CURL_ARGS="-k -H '$AUTH'" start_pushring pushring-tls target/pushring.jar "$java_opts" \
    PUSHRING_HTTP_WEB_CONFIG_FILE="$SEC/web-config.yml"
  PR_PID=$PID PR_URL=$URL PR_LOOPS=$LOOPS
  # start_secure_nginx DIR PORT_A USERS_A PORT_B USERS_B: one nginx from the template; sets NG_PID.
  start_secure_nginx() {
    mkdir -p "$1/logs" "$1/tmp"
    sed -e "s#@PREFIX@#$1#g" -e "s#@PORT_A@#$2#g" -e "s#@USERS_A@#$3#g" -e "s#@PORT_B@#$4#g" -e "s#@USERS_B@#$5#g" \
      -e "s#@MEMBER@#${members[0]}#g" -e "s#@WORKERS@#$PR_LOOPS#g" -e "s#@CERT@#$SEC/cert.pem#g" -e "s#@KEY@#$SEC/key.pem#g" \
      src/bench/nginx-secure.conf.template >"$1/nginx.conf"
    nginx -p "$1" -e "$1/logs/error.log" -c "$1/nginx.conf" &
    NG_PID=$!
    pids+=("$NG_PID")
    for _ in $(seq 50); do curl -ks -o /dev/null -H "$AUTH" "https://127.0.0.1:$2/metrics/job/x" && break; sleep 0.1; done
  }
  P1=$(free_port "$next"); next=$((P1 + 1)); P3=$(free_port "$next"); next=$((P3 + 1))
  start_secure_nginx "$SEC/nginx" "$P1" "$SEC/htpasswd-apr1" "$P3" "$SEC/htpasswd-ssha"
  echo ">> nginx (TLS, auth_basic) PID $NG_PID on https://127.0.0.1:$P1 (apr1) and :$P3 (SSHA)" >&2

  # Without the credential: a 401 from both (the check is not skipped).
  for u in "$PR_URL" "https://127.0.0.1:$P1" "https://127.0.0.1:$P3"; do
    code=$(curl -ks -o /dev/null -w '%{http_code}' -X PUT --data-binary 'x 1' "$u/metrics/job/x")
    [ "$code" = 401 ] || { echo "!! $u answered $code without credentials, expected 401" >&2; exit 1; }
  done
  WRK_ARGS=(-H "$AUTH")
  verify pushring-tls "$PR_URL"
  verify nginx-tls "https://127.0.0.1:$P1"
  verify nginx-ssha "https://127.0.0.1:$P3"
  echo ">> warm-up: pushring-tls ${SEC_WARMUP}s, nginx 5s" >&2
  wrk_run pushring "$PR_PID" "$PR_URL" 64 "$SEC_WARMUP"
  wrk_run nginx-tls "$NG_PID" "https://127.0.0.1:$P1" 64 5
  for c in $CONNS; do
    echo ">> TLS + Basic auth, $c connections, $REPS x ${SEC_DURATION}s each (load $(load))" >&2
    wrk_run pushring "$PR_PID" "$PR_URL" "$c" 3
    wrk_run nginx-tls "$NG_PID" "https://127.0.0.1:$P1" "$c" 3
    for r in $(seq "$REPS"); do
      wrk_run pushring "$PR_PID" "$PR_URL" "$c" "$SEC_DURATION" "$r"
      wrk_run nginx-tls "$NG_PID" "https://127.0.0.1:$P1" "$c" "$SEC_DURATION" "$r"
      wrk_run nginx-ssha "$NG_PID" "https://127.0.0.1:$P3" "$c" "$SEC_DURATION" "$r"
    done
  done
  stop "$PR_PID" "$NG_PID"
  # nginx with the bcrypt hash: last, alone, 16 connections, one run (a few dozen requests per second).
  P2=$(free_port "$next"); next=$((P2 + 1)); P4=$(free_port "$next"); next=$((P4 + 1))
  start_secure_nginx "$SEC/nginx-bcrypt" "$P2" "$SEC/htpasswd-bcrypt" "$P4" "$SEC/htpasswd-bcrypt"
  code=$(curl -ks -o /dev/null -w '%{http_code}' -X PUT --data-binary 'x 1' "https://127.0.0.1:$P2/metrics/job/x")
  [ "$code" = 401 ] || { echo "!! nginx-bcrypt answered $code without credentials, expected 401" >&2; exit 1; }
  wrk_run nginx-bcrypt "$NG_PID" "https://127.0.0.1:$P2" 16 "$SEC_DURATION" 1
  stop "$NG_PID"
  WRK_ARGS=()
  {
    echo
    echo "### TLS + Basic auth"
    echo
    echo "TLS (ECDSA P-256, TLS 1.3) + Basic auth, keep-alive: pushring (web config: the bcrypt hash, cost 10) vs nginx"
    echo "(\`ssl\` + \`auth_basic\`: nginx-tls an apr1 hash, htpasswd's default; nginx-ssha a salted SHA-1, the cheapest"
    echo "auth_basic takes; nginx-bcrypt the same bcrypt hash as pushring, checked by nginx on every request);"
    echo "nginx with as many workers as pushring has event loops ($PR_LOOPS); goal (issue 11): pushring >= 0.8 x nginx-tls req/s."
    echo "Runs of ${SEC_DURATION}s after a ${SEC_WARMUP}s warm-up. Load average $load0 at the start, $(load) at the end."
    for ref in nginx-tls nginx-ssha; do
      echo
      awk -v r="$ref" '$1 == "pushring" || $1 == r' "$RUNS" | awk -v hz="$HZ" -v ref="$ref" -v cpuinfo="$CPUINFO" -f src/bench/table.awk
    done
    awk -v hz="$HZ" '$1 == "nginx-bcrypt" { k = $2; n[k]++; r[k] = r[k] " " $4 / ($5 / 1e6) }
      END { printf "\nnginx-bcrypt req/s (each run):"; for (k in n) printf "  c=%s:%s", k, r[k]; printf "\n" }' "$RUNS"
  } >>"$OUT/table.md"
fi

# --- 4. A Pushgateway's own push cost with 100 and 10,000 groups held ---
# Every push makes the Pushgateway gather its whole store to check consistency, so filling one with
# 10,000 groups push by push takes O(N^2) (about 20 minutes here). Instead a first Pushgateway, with
# the check off, takes the groups and writes them to its own persistence file under target/bench on
# SIGTERM; a second one, with default flags, loads that file and is measured.
if [ "${BENCH_PGW:-1}" = 1 ]; then
  need_pkg prometheus-pushgateway prometheus-pushgateway
  RUNS=$OUT/runs-pgw.txt
  PGW_CONNS=4
  body=$OUT/push-body.txt
  printf '# TYPE batch_last_success_seconds gauge\nbatch_last_success_seconds 1.7e9\n# TYPE batch_records_total counter\nbatch_records_total 12345\n' >"$body"
  {
    echo
    echo "### What a Pushgateway costs"
    echo
    echo "One Pushgateway ($(prometheus-pushgateway --version 2>&1 | head -1 | awk '{print $3}'), default flags), wrk -t2 -c$PGW_CONNS PUT to one group for ${DURATION}s after a 3s warm-up, while it holds N other groups (2 metric families each):"
    echo
    echo "| groups held | pushes/s | p50 ms | p99 ms | errors | CPU ms per push | RSS MB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
  } >>"$OUT/table.md"
  # start_pgw DATAFILE [FLAG...]: sets PG_PID and PG_URL.
  start_pgw() {
    local data=$1 port
    shift
    port=$(free_port "$next"); next=$((port + 1))
    prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file="$data" "$@" \
      >>"$OUT/pushgateway.log" 2>&1 &
    PG_PID=$!
    pids+=("$PG_PID")
    PG_URL="http://127.0.0.1:$port"
    wait_http "$PG_URL/-/ready" 60
  }
  stop_pgw() { kill "$PG_PID"; wait "$PG_PID" 2>/dev/null || true; }
  for groups in ${BENCH_PGW_GROUPS:-100 10000}; do
    data=$(pwd)/$OUT/pushgateway-$groups.data
    rm -f "$data"
    t0=$SECONDS
    start_pgw "$data" --push.disable-consistency-check
    # curl's URL globbing: one process, one keep-alive connection, a PUT per group.
    curl -sS -f -T "$body" "$PG_URL/metrics/job/preload/instance/host-[1-$groups]" >/dev/null
    stop_pgw
    start_pgw "$data"
    held=$(curl -sS "$PG_URL/metrics" | grep -c '^push_time_seconds{' || true)
    echo ">> Pushgateway PID $PG_PID holds $held groups (loaded in $((SECONDS - t0))s)" >&2
    [ "$held" -ge "$groups" ] || { echo "!! expected $groups groups" >&2; exit 1; }
    BENCH_FIXED_PATH=/metrics/job/bench/instance/fixed wrk_run pushgateway "$PG_PID" "$PG_URL" "$PGW_CONNS" 3
    BENCH_FIXED_PATH=/metrics/job/bench/instance/fixed wrk_run pushgateway "$PG_PID" "$PG_URL" "$PGW_CONNS" "$DURATION" "g$groups"
    stop_pgw
    rm -f "$data"
    awk -v g="$groups" -v hz="$HZ" '$1 == "pushgateway" && $3 == "g" g {
      printf "| %d | %.1f | %.1f | %.1f | %d | %.2f | %.1f |\n", g, $4 / ($5 / 1e6), $7 / 1000, $8 / 1000, $6,
        ($4 > 0 ? 1000 * ($10 / hz) / $4 : 0), $9 / 1024 }' "$RUNS" >>"$OUT/table.md"
  done
fi

# --- 5. Start time: exec to the first 200 from /-/ready, static mode (src/main/scripts/start-time.sh) ---
# Hook: the script comes with issue 13's start-time work; until it is on this branch the section
# says so and the rest of the run is unaffected. Its summary line is
# "exec -> /-/ready 200, A: min X  median Y  max Z ms (N starts)"; the target is a median <= 1 s.
if [ "${BENCH_START:-1}" = 1 ]; then
  if [ -f src/main/scripts/start-time.sh ]; then
    load0=$(load)
    start_line=$(START_RUNS=${START_RUNS:-10} bash src/main/scripts/start-time.sh 2>"$OUT/start-time.log" \
      | grep -m1 'exec -> /-/ready' || true)
    median_ms=$(echo "$start_line" | sed -n 's/.*median \([0-9]*\).*/\1/p')
    {
      echo
      echo "### Start time"
      echo
      if [ -n "$median_ms" ]; then
        echo "Static mode, the same JVM flags as the sections above: ${start_line#*A: }; target median <= 1 s: $([ "$median_ms" -le 1000 ] && echo met || echo '**MISSED**') ($median_ms ms). Load average $load0 at the start, $(load) at the end."
      else
        echo "start-time.sh gave no summary line (see $OUT/start-time.log)."
      fi
    } >>"$OUT/table.md"
  else
    echo ">> no src/main/scripts/start-time.sh: start time not measured (BENCH_START hook)" >&2
  fi
fi

echo ">> $((SECONDS - T0)) s in all, load $(load)" >&2
echo
cat "$OUT/table.md"
