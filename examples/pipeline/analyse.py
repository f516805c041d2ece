#!/usr/bin/env python3
"""Stage 3: puts the simulations and the model's answers together in report.md."""
import glob, json

sims = [json.load(open(p)) for p in sorted(glob.glob("sims/*.json"))]
answers = {a["seed"]: a["answer"] for a in map(json.loads, open("answers.jsonl"))}
with open("report.md", "w") as out:
    out.write(f"# {len(sims)} simulations\n\n| seed | final | max | model says |\n|---|---|---|---|\n")
    for sim in sims:
        said = answers.get(sim["seed"], "(no answer)").replace("\n", " ")[:60]
        out.write(f"| {sim['seed']} | {sim['final']:.2f} | {sim['max']:.2f} | {said} |\n")
print("report.md:", len(sims), "rows")
