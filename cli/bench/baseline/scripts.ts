/**
 * The prototype-style baseline's two Python programs: what the research
 * prototype runs, one single-threaded ZeroMQ REP server per instance and
 * blocking REQ clients, msgpack {cmd, args, kwargs} messages. The one copy
 * both `flotilla bench` (carried inside the binary: users have no source
 * checkout) and bench/request run, with `python3 -c`.
 */

/**
 * argv: delay_ms, cpu_ms. Prints its endpoint, then answers one request at a
 * time: at once, after an emulated inference delay, or after burning CPU as a
 * model computing on the CPU would. Stamps receive and send times (epoch
 * seconds) so the client can split communication from service time.
 */
export const REP_SERVER = `
import sys, time
import msgpack, zmq

delay_s = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.0
cpu_s = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0
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
        time.sleep(delay_s)  # emulated inference: the loop serves nothing else meanwhile
    if cpu_s > 0:
        while time.time() - inference_start < cpu_s:
            pass  # busy, on purpose: the cost is the CPU time
    reply = {"result": msg.get("args"), "t_recv": received, "t_inf": time.time() - inference_start}
    reply["t_send"] = time.time()
    sock.send(msgpack.packb(reply))
sock.close(0)
ctx.term()
`;

/**
 * argv: endpoints (comma-separated), count. One blocking REQ socket connected
 * to every server (ZeroMQ round-robins). Warms each connection with one
 * untimed request, as Flotilla's side does, prints "ready", waits for a line
 * on stdin so all clients start together (start-up and warm-up stay outside
 * the timed window), sends `count` requests one at a time, prints round
 * trips, host and inference times (ms) as JSON, then keeps its threads until
 * stdin closes, so a benchmark can read their CPU time from /proc.
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
time.sleep(0.3)  # let every connection come up, so REQ spreads from the first request
request = msgpack.packb({"cmd": "predict", "args": ["hello"], "kwargs": {}})
for _ in endpoints:
    sock.send(request)
    sock.recv()
print("ready", flush=True)
sys.stdin.readline()
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
sys.stdin.read()
sock.close(0)
ctx.term()
`;
