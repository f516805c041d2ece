#!/usr/bin/env python3
"""Stage 2: asks the model about every simulation, through the run's OpenAI-compatible front.

OPENAI_BASE_URL and OPENAI_API_KEY come from the run (the task `uses` the model service).
Writes answers.jsonl: one {"seed", "prompt", "answer"} a line.
"""
import glob, json, os, urllib.request

base, key = os.environ["OPENAI_BASE_URL"], os.environ["OPENAI_API_KEY"]
with open("answers.jsonl", "w") as out:
    for path in sorted(glob.glob("sims/*.json")):
        sim = json.load(open(path))
        prompt = f"A random walk ended at {sim['final']:.2f} (max {sim['max']:.2f}). Is that unusual?"
        body = json.dumps({"model": "noop", "prompt": prompt, "max_tokens": 32}).encode()
        request = urllib.request.Request(
            f"{base}/completions",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        reply = json.load(urllib.request.urlopen(request, timeout=60))
        answer = reply["choices"][0]["text"]
        out.write(json.dumps({"seed": sim["seed"], "prompt": prompt, "answer": answer}) + "\n")
print("asked about", len(glob.glob("sims/*.json")), "simulations")
