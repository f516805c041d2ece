#!/usr/bin/env python3
"""A `backend: stdio` model that takes SLOW_MS per request on instance SLOW_INSTANCE and FAST_MS on
the others: stdio-delay.py INSTANCE [SLOW_INSTANCE=0] [SLOW_MS=200] [FAST_MS=2]. Requests run on
their own threads, so an instance works on several at once."""
import json, sys, threading, time

instance = int(sys.argv[1])
slow_instance = int(sys.argv[2]) if len(sys.argv) > 2 else 0
delay = (float(sys.argv[3]) if len(sys.argv) > 3 else 200) if instance == slow_instance else (float(sys.argv[4]) if len(sys.argv) > 4 else 2)
out = threading.Lock()


def answer(request):
    time.sleep(delay / 1000)
    with out:
        sys.stdout.write(json.dumps({"id": request["id"], "body": {"instance": instance}}) + "\n")
        sys.stdout.flush()


for line in sys.stdin:
    threading.Thread(target=answer, args=(json.loads(line),), daemon=True).start()
