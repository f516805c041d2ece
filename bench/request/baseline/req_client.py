"""Baseline client: a blocking REQ socket, as in the research prototype.

Connected to every instance of the service, ZeroMQ's REQ round-robins the
requests over them. Warms each connection with one request, as Flotilla's
side does, then waits for a line on stdin so all clients start together
(start-up and warm-up stay outside the timed window),
sends N requests one at a time, then prints the round trips, host and
inference times (ms) as JSON, and keeps its threads until stdin closes, so
the benchmark can read their CPU time from /proc.
"""
import json
import sys
import time

import msgpack
import zmq


def main() -> None:
    endpoints = sys.argv[1].split(",")
    count = int(sys.argv[2])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    for endpoint in endpoints:
        sock.connect(endpoint)
    time.sleep(0.3)  # let every connection come up, so REQ spreads from the first request
    request = msgpack.packb({"cmd": "predict", "args": ["hello"], "kwargs": {}})
    for _ in endpoints:  # one warm-up pass per instance, untimed (REQ round-robins them)
        sock.send(request)
        sock.recv()
    print("ready", flush=True)
    sys.stdin.readline()
    rtt = []
    svc = []
    inf = []
    for _ in range(count):
        start = time.time()
        sock.send(request)
        reply = msgpack.unpackb(sock.recv())
        end = time.time()
        rtt.append((end - start) * 1000)
        svc.append((reply["t_send"] - reply["t_recv"]) * 1000)
        inf.append(reply["t_inf"] * 1000)
    print(json.dumps({"rtt": rtt, "svc": svc, "inf": inf}), flush=True)
    sys.stdin.read()
    sock.close(0)
    ctx.term()


if __name__ == "__main__":
    sys.exit(main())
