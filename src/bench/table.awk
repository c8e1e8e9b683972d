# The `make bench` table from target/bench/runs.txt, one line per measured wrk run:
#   server conns run requests duration_us errors p50_us p99_us rss_kb cpu_ticks sys_ticks
# Medians per server and connection count; errors summed; RSS the largest seen; ratios pushring/nginx.
# Variables: hz (clock ticks per second), ref (the reference server: nginx, or "baseline" in an A/B run),
# cpuinfo (the machine, for the caption), targets=0 leaves out the redirect targets' line.
function median(a, n,   i, j, t) {
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
  return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{
  k = $1 " " $2; n[k]++; i = n[k]
  if (!(k in seen)) { seen[k] = 1; order[++rows] = k }
  if (!($2 in cseen)) { cseen[$2] = 1; conns[++nc] = $2 }
  rps[k, i] = $4 / ($5 / 1e6); p50[k, i] = $7 / 1000; p99[k, i] = $8 / 1000
  err[k] += $6; if ($9 > rss[k]) rss[k] = $9
  cpu[k, i] = $10 / hz; eff[k, i] = $10 > 0 ? $4 / ($10 / hz) : 0
}
END {
  for (r = 1; r <= rows; r++) {
    k = order[r]; m = n[k]
    for (i = 1; i <= m; i++) { a[i] = rps[k, i] } ; R[k] = median(a, m)
    for (i = 1; i <= m; i++) { a[i] = p50[k, i] } ; P50[k] = median(a, m)
    for (i = 1; i <= m; i++) { a[i] = p99[k, i] } ; P99[k] = median(a, m)
    for (i = 1; i <= m; i++) { a[i] = cpu[k, i] } ; C[k] = median(a, m)
    for (i = 1; i <= m; i++) { a[i] = eff[k, i] } ; E[k] = median(a, m)
  }
  printf "Machine: %s; wrk -t2, %d runs per row (medians), errors summed over the runs.\n\n", cpuinfo, m
  printf "| conns | server | req/s | p50 ms | p99 ms | errors | RSS MB | CPU s/run | req per CPU-s | pushring/" ref " req/s | p99 | req per CPU-s |\n"
  printf "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
  for (c = 1; c <= nc; c++) {
    ng = ref " " conns[c]; pr = "pushring " conns[c]
    printf "| %s | %s | %.0f | %.2f | %.2f | %d | %.1f | %.2f | %.0f | | | |\n", conns[c], ref, R[ng], P50[ng], P99[ng], err[ng], rss[ng] / 1024, C[ng], E[ng]
    printf "| %s | pushring | %.0f | %.2f | %.2f | %d | %.1f | %.2f | %.0f | **%.2f** | %.2f | %.2f |\n", conns[c], R[pr], P50[pr], P99[pr], err[pr], rss[pr] / 1024, C[pr], E[pr],
      R[pr] / R[ng], P99[pr] / P99[ng], E[pr] / E[ng]
  }
  k = "pushring 64"; g = ref " 64"
  if (targets != "0" && (k in seen)) {
    printf "\nTargets at 64 connections: req/s >= 0.8 x " ref ": %s (%.2f); p99 <= 1.5 x " ref ": %s (%.2f); >= 100,000 req per CPU-s: %s (%.0f); RSS <= 200 MB: %s (%.0f MB); 0 errors: %s (%d)\n",
      (R[k] >= 0.8 * R[g] ? "met" : "MISSED"), R[k] / R[g], (P99[k] <= 1.5 * P99[g] ? "met" : "MISSED"), P99[k] / P99[g],
      (E[k] >= 100000 ? "met" : "MISSED"), E[k], (rss[k] <= 200 * 1024 ? "met" : "MISSED"), rss[k] / 1024, (err[k] == 0 ? "met" : "MISSED"), err[k]
  }
}