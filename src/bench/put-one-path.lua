-- wrk script of bench-proxy.sh and bench-transport.sh: PUT the same small body to the one push path
-- given in the URL (make bench's push.lua spreads over 10,000 paths instead).
wrk.method = "PUT"
wrk.body = "bench_metric{path=\"/var/lib/x\"} 1\n"
wrk.headers["Content-Type"] = "text/plain; version=0.0.4"
