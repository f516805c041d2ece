"""Baseline service: what the research prototype runs per service.

One single-threaded ZeroMQ REP loop that serves one request at a time;
messages are msgpack maps {cmd, args, kwargs}. NOOP model: it answers at
once (or after an emulated inference delay, argv[1] ms, or after burning
argv[2] ms of CPU, as a model computing on the CPU would), stamping when it received and sent the request (epoch seconds) so the
client can split communication from service time.
"""
import sys
import time

import msgpack
import zmq


def main() -> None:
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


if __name__ == "__main__":
    sys.exit(main())
