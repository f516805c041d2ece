/**
 * The prototype-style baseline's two Python programs, carried inside the
 * binary (users have no source checkout): what the research prototype runs,
 * one single-threaded ZeroMQ REP server per instance and blocking REQ
 * clients, msgpack {cmd, args, kwargs} messages. Same programs as
 * bench/request/baseline/*.py.
 */

/** argv: delay_ms. Prints its endpoint, then answers one request at a time, stamping receive and send times. */
export const REP_SERVER = `
import sys, time
import msgpack, zmq

delay_s = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.0
ctx = zmq.Context()
sock = ctx.socket(zmq.REP)
port = sock.bind_to_random_port("tcp://127.0.0.1")
print(f"tcp://127.0.0.1:{port}", flush=True)
while True:
    raw = sock.recv()
    received = time.time()
    msg = msgpack.unpackb(raw)
    if msg.get("cmd") == "stop":
        sock.send(msgpack.packb({"ok": True}))
        break
    inference_start = time.time()
    if delay_s > 0:
        time.sleep(delay_s)
    reply = {"result": msg.get("args"), "t_recv": received, "t_inf": time.time() - inference_start}
    reply["t_send"] = time.time()
    sock.send(msgpack.packb(reply))
`;

/**
 * argv: endpoints (comma-separated), count. One blocking REQ socket connected to every
 * server (ZeroMQ round-robins); waits for a line on stdin so all clients start together,
 * then prints round trips, host and inference times (ms) as JSON.
 */
export const REQ_CLIENT = `
import json, sys, time
import msgpack, zmq

endpoints = sys.argv[1].split(",")
count = int(sys.argv[2])
ctx = zmq.Context()
sock = ctx.socket(zmq.REQ)
for endpoint in endpoints:
    sock.connect(endpoint)
time.sleep(0.3)
print("ready", flush=True)
sys.stdin.readline()
request = msgpack.packb({"cmd": "predict", "args": ["hello"], "kwargs": {}})
rtt, svc, inf = [], [], []
for _ in range(count):
    start = time.time()
    sock.send(request)
    reply = msgpack.unpackb(sock.recv())
    end = time.time()
    rtt.append((end - start) * 1000)
    svc.append((reply["t_send"] - reply["t_recv"]) * 1000)
    inf.append(reply["t_inf"] * 1000)
print(json.dumps({"rtt": rtt, "svc": svc, "inf": inf}), flush=True)
`;
