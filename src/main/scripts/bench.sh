#!/usr/bin/env bash
# `make bench`: pushring (redirect mode, static ring of three loopback members) side by side with
# nginx answering the same pushes with `return 307`, both driven by wrk in the same run; then one
# real Pushgateway's own push throughput while it holds 100 and 10,000 groups.
#
# Prints one table (medians of BENCH_REPS runs) and writes it to target/bench/table.md.
# Knobs (environment): BENCH_DURATION seconds per run (10), BENCH_REPS (3), BENCH_CONNECTIONS
# ("16 64 256"), BENCH_WARMUP seconds of JIT warm-up (30), BENCH_PGW=0 skips the Pushgateway part,
# BENCH_PGW_GROUPS ("100 10000") the groups held in it, BENCH_ROUTERS=0 skips pushring and nginx,
# BENCH_SECURE=0 skips the TLS + Basic-auth row, BENCH_REDIRECT=0 runs it alone (pushring with a web config vs nginx with TLS and
# auth_basic, keep-alive connections), BENCH_JFR=1 records a JFR profile of pushring to target/bench/pushring.jfr,
# PUSHRING_JAVA_OPTS replaces pushring's JVM flags (default: those of `make run`).
# A/B of a change: BENCH_VS_JAR=old.jar, BENCH_VS_JAVA_OPTS="..." and/or
# BENCH_VS_ENV="PUSHRING_ROUTER_INSTANCES=1" make the reference a second pushring ("baseline") with
# that jar, flags or settings instead of nginx, e.g.
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
RUNS=$OUT/runs.txt   # where wrk_run appends its lines (the TLS phase uses its own file)
WRK_ARGS=()          # extra wrk arguments (the TLS phase: the Authorization header)
mkdir -p "$OUT"
rm -f "$OUT/runs.txt" "$OUT/runs-secure.txt"
: >"$OUT/table.md"

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ ${#pids[@]} -eq 0 ] || echo ">> stopped PIDs ${pids[*]}" >&2
}
trap cleanup EXIT INT TERM

[ -f target/pushring.jar ] || { echo "target/pushring.jar missing: run make build" >&2; exit 1; }

# A server's processes: the PID and its children (nginx's workers; the JVM has threads only).
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

# wrk_run NAME PID URL CONNS SECONDS [LABEL]: one wrk run; appends a line to runs.txt when LABEL is set.
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

# verify NAME URL: a short run that checks every answer is a 307 to a loopback member.
verify() {
  local line
  line=$(BENCH_VERIFY=1 wrk -t"$THREADS" -c16 -d2s "${WRK_ARGS[@]}" -s "$LUA" "$2" | grep '^BENCH ' || true)
  # shellcheck disable=SC2086
  local $(echo "${line#BENCH }")
  if [ "${verified:-0}" -eq 0 ] || [ "$wrong" -ne 0 ]; then
    echo "!! $1 answered $wrong of ${verified:-0} pushes with something else than a 307 to a member" >&2
    return 1
  fi
  echo ">> $1: $verified answers checked, all 307 to a member" >&2
}

echo ">> machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# --- pushring: static ring of three loopback members (redirect mode needs no live member) ---
members=()
next=$((20000 + RANDOM % 20000))
for i in 1 2 3; do p=$(free_port "$next"); next=$((p + 1)); members+=("127.0.0.1:$p"); done
list=$(IFS=,; echo "${members[*]}")

if [ "${BENCH_ROUTERS:-1}" = 1 ]; then
  # start_pushring NAME JAR JAVA_OPTS [VAR=VALUE...]: starts one pushring; sets PID and URL.
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
    echo ">> $name PID $PID on $URL ($jar $opts${*:+ $*}), members ${members[*]}" >&2
  }

  java_opts=${PUSHRING_JAVA_OPTS:-$PUSHRING_DEFAULT_JAVA_OPTS}
  [ "${BENCH_JFR:-0}" = 1 ] && java_opts="$java_opts -XX:StartFlightRecording=filename=$OUT/pushring.jfr,settings=profile,dumponexit=true"
  if [ "${BENCH_REDIRECT:-1}" = 1 ]; then
    start_pushring pushring target/pushring.jar "$java_opts"
    PR_PID=$PID PR_URL=$URL

    if [ -z "${BENCH_VS_JAVA_OPTS:-}${BENCH_VS_ENV:-}${BENCH_VS_JAR:-}" ]; then
      # --- nginx: its own prefix, config, pid and logs; the 307 goes to the first member ---
      REF=nginx
      NG_PREFIX=$(pwd)/$OUT/nginx
      mkdir -p "$NG_PREFIX/logs" "$NG_PREFIX/tmp"
      NG_PORT=$(free_port "$next"); next=$((NG_PORT + 1))
      sed -e "s#@PREFIX@#$NG_PREFIX#g" -e "s#@PORT@#$NG_PORT#g" -e "s#@MEMBER@#${members[0]}#g" \
        src/bench/nginx.conf.template >"$NG_PREFIX/nginx.conf"
      nginx -p "$NG_PREFIX" -e "$NG_PREFIX/logs/error.log" -c "$NG_PREFIX/nginx.conf" &
      REF_PID=$!
      pids+=("$REF_PID")
      REF_URL="http://127.0.0.1:$NG_PORT"
      for _ in $(seq 50); do curl -s -o /dev/null "$REF_URL/metrics/job/x" && break; sleep 0.1; done
      echo ">> nginx PID $REF_PID on $REF_URL (workers: $(pgrep -P "$REF_PID" | tr '\n' ' '))" >&2
    else
      # --- A/B: the reference is a second pushring with other JVM flags or settings ---
      REF=baseline
      # shellcheck disable=SC2086
      start_pushring baseline "${BENCH_VS_JAR:-target/pushring.jar}" "${BENCH_VS_JAVA_OPTS:-$java_opts}" ${BENCH_VS_ENV:-}
      REF_PID=$PID REF_URL=$URL
    fi

    verify pushring "$PR_URL"
    verify "$REF" "$REF_URL"

    echo ">> warm-up: pushring ${WARMUP}s (JIT), $REF $([ $REF = nginx ] && echo 5 || echo "$WARMUP")s" >&2
    wrk_run pushring "$PR_PID" "$PR_URL" 64 "$WARMUP"
    wrk_run "$REF" "$REF_PID" "$REF_URL" 64 "$([ $REF = nginx ] && echo 5 || echo "$WARMUP")"

    # Interleaved, so a burst of load from elsewhere on the machine hits both servers alike.
    for c in $CONNS; do
      echo ">> $c connections, $REPS x ${DURATION}s each" >&2
      wrk_run pushring "$PR_PID" "$PR_URL" "$c" 3
      wrk_run "$REF" "$REF_PID" "$REF_URL" "$c" 3
      for r in $(seq "$REPS"); do
        wrk_run pushring "$PR_PID" "$PR_URL" "$c" "$DURATION" "$r"
        wrk_run "$REF" "$REF_PID" "$REF_URL" "$c" "$DURATION" "$r"
      done
    done
    kill "$PR_PID" "$REF_PID" 2>/dev/null || true
    wait "$PR_PID" "$REF_PID" 2>/dev/null || true

    # --- The table: medians per server and connection count, ratios pushring / nginx ---
    awk -v hz="$HZ" -v ref="$REF" -v cpuinfo="$(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
      -f src/bench/table.awk "$OUT/runs.txt" >"$OUT/table.md"
  fi
fi

# --- TLS + Basic auth: pushring with a web config vs nginx with ssl + auth_basic, same 307 ---
# Keep-alive connections (wrk's), so the handshake is paid once per connection and what is measured
# is TLS record work plus the credential check on every request. pushring verifies a new
# Authorization value once by bcrypt (off the event loop) and then looks the exact value up; nginx
# runs crypt() on every request: with apr1 (MD5-crypt, the strict reference) and with the very
# bcrypt hash pushring holds (what an operator reusing the Pushgateway's web config would give it).
if [ "${BENCH_ROUTERS:-1}" = 1 ] && [ "${BENCH_SECURE:-1}" = 1 ]; then
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
  PR_PID=$PID PR_URL=$URL
  # start_secure_nginx DIR PORT_A USERS_A PORT_B USERS_B: one nginx from the template; sets NG_PID.
  start_secure_nginx() {
    mkdir -p "$1/logs" "$1/tmp"
    sed -e "s#@PREFIX@#$1#g" -e "s#@PORT_A@#$2#g" -e "s#@USERS_A@#$3#g" -e "s#@PORT_B@#$4#g" -e "s#@USERS_B@#$5#g" \
      -e "s#@MEMBER@#${members[0]}#g" -e "s#@CERT@#$SEC/cert.pem#g" -e "s#@KEY@#$SEC/key.pem#g" \
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
  RUNS=$OUT/runs-secure.txt
  verify pushring-tls "$PR_URL"
  verify nginx-tls "https://127.0.0.1:$P1"
  verify nginx-ssha "https://127.0.0.1:$P3"
  echo ">> warm-up: pushring-tls ${WARMUP}s, nginx 5s" >&2
  wrk_run pushring "$PR_PID" "$PR_URL" 64 "$WARMUP"
  wrk_run nginx-tls "$NG_PID" "https://127.0.0.1:$P1" 64 5
  for c in $CONNS; do
    echo ">> TLS + Basic auth, $c connections, $REPS x ${DURATION}s each" >&2
    wrk_run pushring "$PR_PID" "$PR_URL" "$c" 3
    wrk_run nginx-tls "$NG_PID" "https://127.0.0.1:$P1" "$c" 3
    for r in $(seq "$REPS"); do
      wrk_run pushring "$PR_PID" "$PR_URL" "$c" "$DURATION" "$r"
      wrk_run nginx-tls "$NG_PID" "https://127.0.0.1:$P1" "$c" "$DURATION" "$r"
      wrk_run nginx-ssha "$NG_PID" "https://127.0.0.1:$P3" "$c" "$DURATION" "$r"
    done
  done
  kill "$PR_PID" "$NG_PID" 2>/dev/null || true
  wait "$PR_PID" "$NG_PID" 2>/dev/null || true
  # nginx with the bcrypt hash: last, alone, 16 connections, one run (a few dozen requests per second).
  P2=$(free_port "$next"); next=$((P2 + 1)); P4=$(free_port "$next"); next=$((P4 + 1))
  start_secure_nginx "$SEC/nginx-bcrypt" "$P2" "$SEC/htpasswd-bcrypt" "$P4" "$SEC/htpasswd-bcrypt"
  code=$(curl -ks -o /dev/null -w '%{http_code}' -X PUT --data-binary 'x 1' "https://127.0.0.1:$P2/metrics/job/x")
  [ "$code" = 401 ] || { echo "!! nginx-bcrypt answered $code without credentials, expected 401" >&2; exit 1; }
  wrk_run nginx-bcrypt "$NG_PID" "https://127.0.0.1:$P2" 16 "$DURATION" 1
  kill "$NG_PID" 2>/dev/null || true
  wait "$NG_PID" 2>/dev/null || true
  WRK_ARGS=()
  RUNS=$OUT/runs.txt
  {
    echo
    echo "TLS (ECDSA P-256, TLS 1.3) + Basic auth, keep-alive: pushring (web config: the bcrypt hash, cost 10) vs nginx"
    echo "(\`ssl\` + \`auth_basic\`: nginx-tls an apr1 hash, htpasswd's default; nginx-ssha a salted SHA-1, the cheapest"
    echo "auth_basic takes; nginx-bcrypt the same bcrypt hash as pushring, checked by nginx on every request);"
    echo "goal: pushring >= 0.8 x nginx-tls req/s."
    for ref in nginx-tls nginx-ssha; do
      echo
      awk -v r="$ref" '$1 == "pushring" || $1 == r' "$OUT/runs-secure.txt" | awk -v hz="$HZ" -v ref="$ref" -v targets=0 \
        -v cpuinfo="$(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" -f src/bench/table.awk
    done
    awk -v hz="$HZ" '$1 == "nginx-bcrypt" { k = $2; n[k]++; r[k] = r[k] " " $4 / ($5 / 1e6) }
      END { printf "\nnginx-bcrypt req/s (each run):"; for (k in n) printf "  c=%s:%s", k, r[k]; printf "\n" }' "$OUT/runs-secure.txt"
  } >>"$OUT/table.md"
fi

# --- A Pushgateway's own push cost with 100 and 10,000 groups held ---
# Every push makes the Pushgateway gather its whole store to check consistency, so filling one with
# 10,000 groups push by push takes O(N^2) (about 20 minutes here). Instead a first Pushgateway, with
# the check off, takes the groups and writes them to its own persistence file under target/bench on
# SIGTERM; a second one, with default flags, loads that file and is measured.
if [ "${BENCH_PGW:-1}" = 1 ]; then
  need_pkg prometheus-pushgateway prometheus-pushgateway
  PGW_CONNS=4
  body=$OUT/push-body.txt
  printf '# TYPE batch_last_success_seconds gauge\nbatch_last_success_seconds 1.7e9\n# TYPE batch_records_total counter\nbatch_records_total 12345\n' >"$body"
  {
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
        ($4 > 0 ? 1000 * ($10 / hz) / $4 : 0), $9 / 1024 }' "$OUT/runs.txt" >>"$OUT/table.md"
  done
fi

echo
cat "$OUT/table.md"
