#!/usr/bin/env python3
"""Stage 1: a small stochastic simulation. Reads params.json, writes sim.json (seeded by argv[1])."""
import json, random, sys

seed = int(sys.argv[1])
params = json.load(open("params.json"))
rng = random.Random(seed)
x, path = 0.0, []
for _ in range(params["steps"]):
    x += params["drift"] + rng.gauss(0, 1)
    path.append(x)
json.dump({"seed": seed, "final": path[-1], "max": max(path), "min": min(path)}, open("sim.json", "w"))
print(f"seed {seed}: final {path[-1]:.2f}")
