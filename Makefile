# pushring — the two commands are `make run` and `make test`; the rest serves them.
SHELL := /bin/bash
MVN   ?= mvn -B
TOOLS := . src/main/scripts/tools.sh

.PHONY: run test build deps-run deps-test deps-bench bench bench-jmh bench-proxy bench-start clean

## run: build, start three local Pushgateways and pushring (static mode) in front of them.
run: deps-run build
	@bash src/main/scripts/run-local.sh

## test: install what the tests need when missing, then run every test.
test: deps-test
	$(MVN) test

## build: the shaded jar target/pushring.jar (tests skipped; `make test` runs them), then a short training
## run that writes its AppCDS archive target/pushring.jsa (never fails the build; README "Start time").
build:
	$(MVN) -q package -DskipTests
	@bash src/main/scripts/cds-archive.sh

deps-run:
	@$(TOOLS); need_pkg curl curl && need_pkg prometheus-pushgateway prometheus-pushgateway

deps-test:
	@$(TOOLS); need_pkg curl curl && need_pkg prometheus-pushgateway prometheus-pushgateway \
	  && need_pkg prometheus prometheus && need_pkg chromium chromium && need_pkg chromedriver chromium-driver \
	  && want_file /usr/lib/python3/dist-packages/prometheus_client python3-prometheus-client \
	  && want_pkg go golang-go \
	  && want_file /usr/share/gocode/src/github.com/prometheus/client_golang golang-github-prometheus-client-golang-dev \
	  && want_pkg node nodejs && want_pkg npm npm

## bench: requests per server-CPU-second, req/s, p99 and RSS under wrk, each against a reference in the same
## run: redirect mode vs nginx `return 307`, proxy mode vs HAProxy (same upstream), TLS + Basic auth vs nginx;
## a Pushgateway's own push cost at 100 vs 10,000 groups; start time. Issue 13's targets met/MISSED.
## One table, also in target/bench/table.md. ~15 minutes. Knobs: see bench.sh (README, Performance).
bench: deps-bench build
	@bash src/main/scripts/bench.sh

deps-bench:
	@$(TOOLS); need_pkg curl curl && need_pkg nginx nginx-light && need_pkg wrk wrk && need_pkg prometheus-pushgateway prometheus-pushgateway \
	  && need_pkg haproxy haproxy && need_pkg openssl openssl && need_pkg python3 python3

## bench-jmh: JMH microbenchmarks of the hot path (parse + hash + lookup). JMH_ARGS to narrow, e.g. JMH_ARGS="RingBench -f 1".
JMH_ARGS ?= -f 1 -wi 3 -i 5 -w 2s -r 2s -prof gc
bench-jmh:
	$(MVN) -q test-compile exec:exec@bench -Djmh.args="$(JMH_ARGS)"

## bench-proxy: pushring proxy mode vs the vertx-http-proxy variant vs HAProxy in front of nginx, one fixed path
## (wrk; BENCH_DURATION, BENCH_CONNECTIONS). The proxy comparison with targets is `make bench`'s second section.
bench-proxy: build
	@$(TOOLS); need_pkg nginx nginx-light && need_pkg haproxy haproxy && need_pkg wrk wrk
	$(MVN) -q test-compile
	@bash src/main/scripts/bench-proxy.sh

## bench-start: exec -> first 200 on /-/ready, static mode, START_RUNS starts (10); min/median/max (start-time.sh).
bench-start: build
	@$(TOOLS); need_pkg curl curl
	@bash src/main/scripts/start-time.sh

clean:
	$(MVN) -q clean
