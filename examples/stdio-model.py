#!/usr/bin/env python3
"""A model behind `backend: stdio`: one JSON request a line on stdin, one reply a line on stdout.

In: {"id": N, "body": <the request>}. Out: {"id": N, "body": <the reply>} or {"id": N, "error": "why"},
in any order: each request runs on its own thread, so several are worked on at once (max_inflight).
"""
import json, sys, threading, time

out = threading.Lock()

def answer(request):
    body = request["body"] if isinstance(request["body"], dict) else {}
    prompt = str(body.get("prompt") or (body.get("messages") or [{}])[-1].get("content", ""))
    time.sleep(0.01 * len(prompt))  # stands in for inference
    reply = {"id": request["id"], "body": {"object": "text_completion", "choices": [{"index": 0, "text": prompt[::-1]}]}}
    if not prompt:
        reply = {"id": request["id"], "error": "no prompt"}
    with out:  # one whole line at a time
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()

for line in sys.stdin:
    threading.Thread(target=answer, args=(json.loads(line),), daemon=True).start()
