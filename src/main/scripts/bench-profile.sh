#!/usr/bin/env bash
# bench-profile.sh [FILE.jfr] [N]: what a JFR recording of pushring shows, in three short lists:
# hottest Java frames (self time, and the pushring/Vert.x/Netty frame under them), the native
# frames the event loops sit in, and the allocation sites by sampled weight.
# Record one with: BENCH_JFR=1 make bench   (writes target/bench/pushring.jfr).
set -eu  # no pipefail: `head` closes its pipe early on purpose
cd "$(dirname "$0")/../../.."
JFR_FILE=${1:-target/bench/pushring.jfr}
N=${2:-25}
[ -f "$JFR_FILE" ] || { echo "no recording at $JFR_FILE (run BENCH_JFR=1 make bench)" >&2; exit 1; }

# Only samples of the router's event loops: JIT, GC and start-up are not the request path.
frames() { # EVENT DEPTH -> one line per sample: the frames of the stack, separated by " <- "
  jfr print --events "$1" --stack-depth "$2" "$JFR_FILE" | awk '
    /sampledThread = / { keep = ($0 ~ /eventloop/) }
    /stackTrace = \[/ { inside = 1; s = ""; next }
    inside && /^[ \t]*\]/ { inside = 0; if (keep && s != "") print s; next }
    inside && !/\.\.\./ { sub(/^[ \t]+/, ""); sub(/ line: [0-9]+.*$/, ""); s = s == "" ? $0 : s " <- " $0 }'
}

total=$(frames jdk.ExecutionSample 1 | wc -l)
echo "== Java execution samples on event loops: $total; top self frames =="
frames jdk.ExecutionSample 1 | sort | uniq -c | sort -rn | head -"$N"

echo
echo "== ... attributed to the first frame of pushring, Vert.x or Netty code (inclusive) =="
frames jdk.ExecutionSample 64 | awk -F' <- ' '{
  for (i = 1; i <= NF; i++) if ($i ~ /^io\.(pushring|vertx|netty)\./) { print $i; next } print "(other) " $1 }' \
  | sort | uniq -c | sort -rn | head -"$N"

echo
echo "== Share of event-loop Java samples with a frame of ... anywhere on the stack (inclusive) =="
frames jdk.ExecutionSample 64 | awk -v total="$total" '
  /io\.pushring\.key\./ { key++ } /io\.pushring\.(ring|hash)\./ { ring++ } /io\.pushring\.router\./ { router++ }
  /HttpObjectDecoder|VertxHttpRequestDecoder/ { dec++ } /HttpObjectEncoder|VertxHttpResponseEncoder/ { enc++ }
  END { if (total > 0) printf "  pushring router (the handler, all it calls) %5.1f%%\n  grouping-key parser %5.1f%%\n  ring + hash %5.1f%%\n  Netty HTTP request decoder %5.1f%%\n  Netty HTTP response encoder %5.1f%%\n",
    100 * router / total, 100 * key / total, 100 * ring / total, 100 * dec / total, 100 * enc / total }'

echo
echo "== Native method samples on event loops (waiting in epoll, or in a syscall) =="
frames jdk.NativeMethodSample 2 | sort | uniq -c | sort -rn | head -10

echo
echo "== Allocation on event loops, by class and allocating frame (sampled weight, MB) =="
jfr print --events jdk.ObjectAllocationSample --stack-depth 4 "$JFR_FILE" | awk '
  /eventThread = / { keep = ($0 ~ /eventloop/) }
  /objectClass = / { cls = $3 }
  /weight = / { w = $3; u = $4; if (u ~ /kB/) w /= 1024; else if (u ~ /GB/) w *= 1024; else if (u !~ /MB/) w /= 1048576 }
  /stackTrace = \[/ { inside = 1; top = ""; n = 0; next }
  inside && /^[ \t]*\]/ { inside = 0; if (keep) sum[cls "  @ " top] += w; next }
  inside && n < 4 && !/\.\.\./ { sub(/^[ \t]+/, ""); sub(/ line: [0-9]+.*$/, ""); n++
    if (top == "" || top ~ /^(java\.|jdk\.)/) top = $0 }
  END { for (k in sum) printf "%10.1f  %s\n", sum[k], k }' | sort -rn | head -"$N"
