/**
 * Hostile workloads too big to commit, written into a temporary directory.
 * Each is a pure function of nothing: the same bytes every run.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * 100,000 tasks that all use one service: valid, and big enough that quadratic
 * checks take minutes. With `gpus`, each asks that many GPUs.
 */
function manyTasksJson(n: number, gpus = 0): string {
  const tasks = Array.from({ length: n }, (_, i) => ({
    name: `t${i}`,
    command: ["echo", "{instance}"],
    uses: ["web"],
    ...(gpus > 0 ? { gpus } : {}),
  }));
  return JSON.stringify({ version: 1, name: "many", services: [{ name: "web", backend: "noop" }], tasks }, null, 1);
}

function manyTasksYaml(n: number): string {
  const lines = ["version: 1", "tasks:"];
  for (let i = 0; i < n; i++) lines.push(`  - name: t${i}`, '    command: ["echo", "{instance}"]');
  return `${lines.join("\n")}\n`;
}

/** Deterministic bytes that are not UTF-8 text (a linear congruential generator). */
function garbage(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = 12345;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function deepBlock(levels: number): string {
  let text = "version: 1\nx:\n";
  for (let i = 1; i <= levels; i++) text += `${"  ".repeat(i)}k:\n`;
  return `${text}${"  ".repeat(levels + 1)}v\n`;
}

/** Writes every generated case into `dir`; returns nothing, the cases name the files. */
export function generateHostile(dir: string): void {
  const write = (name: string, data: string | Buffer) => writeFileSync(join(dir, name), data);
  write("tasks-100k.json", manyTasksJson(100_000));
  write("tasks-100k-2-gpus.json", manyTasksJson(100_000, 2));
  write("tasks-30k.yaml", manyTasksYaml(30_000));
  // Just under LIMITS.yamlValues, in block style (the parser's costliest per value): must pass within memory.
  const items = Array.from({ length: 149_980 }, (_, i) => `      - i${i}\n`).join("");
  write("yaml-at-limit.yaml", `version: 1\ntasks:\n  - name: a\n    command: [x]\n    for_each:\n${items}`);
  write("empty-tasks-1m.json", `{"version": 1, "tasks": [${Array(1_000_000).fill("{}").join(",")}]}\n`);
  write(
    "for-each-over.json",
    `{"version": 1, "tasks": [{"name": "a", "command": ["x"],\n "for_each": [${"1,".repeat(1_000_000)}1]}]}\n`,
  );
  write("huge-name.yaml", `version: 1\nname: ${"n".repeat(50_000_000)}\n`);
  write("name-10mb.yaml", `version: 1\nname: ${"n".repeat(10_000_000)}\n`);
  write("command-1mb.yaml", `version: 1\ntasks:\n  - name: a\n    command: ["${"c".repeat(1_000_000)}"]\n`);
  write("garbage.yaml", garbage(1_000_000));
  write("nul.yaml", "version: 1\nname: a\0b\n");
  write("deep-block.yaml", deepBlock(3_000));
  write("deep-flow-huge.yaml", `version: 1\nx: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`);
  write("deep-seq.yaml", `version: 1\nx:\n  ${"- ".repeat(20_000)}1\n`);
  write("many-aliases.yaml", `version: 1\na: &a 1\nx: [${Array.from({ length: 1_001 }, () => "*a").join(", ")}]\n`);
  // Generated rather than committed: the repository's JSON linter refuses duplicate keys.
  write("duplicate-key.json", '{"version": 1, "tasks": [{"name": "a", "command": ["x"], "name": "b"}]}\n');
  write("small.yaml", "version: 1\ntasks:\n  - name: a\n    command: [x]\n");
  mkdirSync(join(dir, "a-directory.yaml"));
  execFileSync("mkfifo", [join(dir, "fifo.yaml")]);
}
