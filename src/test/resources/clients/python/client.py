# A Pushgateway client driven line by line on stdin, so a test can check the Pushgateway between
# steps. Args: GATEWAY_URL JOB INSTANCE [USER PASSWORD]. Commands: "put NAME VALUE" (push, PUT),
# "add NAME VALUE" (pushadd, POST), "delete" (DELETE). Answers one line: "ok" or "error ...".
import sys
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, pushadd_to_gateway, delete_from_gateway
from prometheus_client.exposition import basic_auth_handler, default_handler

url, job, instance = sys.argv[1:4]
auth = sys.argv[4:6]


def handler(url, method, timeout, headers, data):
    if auth:
        return basic_auth_handler(url, method, timeout, headers, data, auth[0], auth[1])
    return default_handler(url, method, timeout, headers, data)


for line in sys.stdin:
    f = line.split()
    if not f:
        continue
    try:
        if f[0] in ("put", "add"):
            registry = CollectorRegistry()
            Gauge(f[1], "matrix", registry=registry).set(float(f[2]))
            send = push_to_gateway if f[0] == "put" else pushadd_to_gateway
            send(url, job=job, registry=registry, grouping_key={"instance": instance}, handler=handler, timeout=10)
        elif f[0] == "delete":
            delete_from_gateway(url, job=job, grouping_key={"instance": instance}, handler=handler, timeout=10)
        print("ok", flush=True)
    except Exception as e:  # what the application would see
        print("error", type(e).__name__, str(e).replace("\n", " "), flush=True)
