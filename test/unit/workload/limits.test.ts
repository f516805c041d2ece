import { execFileSync } from "node:child_process";
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCount } from "../../../cli/options.js";
import { LIMITS } from "../../../engine/workload/limits.js";
import { parseWorkload } from "../../../engine/workload/load.js";
import { readWorkloadFile } from "../../../engine/workload/read.js";
import { tempDir } from "../../helpers/tmp.js";
import { failure, problems, rejection } from "../../helpers/workload-errors.js";

describe("readWorkloadFile", () => {
  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    const fifo = join(tempDir(), "w.yaml");
    execFileSync("mkfifo", [fifo]);
    const error = await rejection(readWorkloadFile(fifo));
    expect(error.code).toBe("WORKLOAD_UNREADABLE");
    expect(error.message).toContain("is a named pipe (FIFO)");
  });

  it("refuses devices, directories and files past the size limit", async () => {
    expect((await rejection(readWorkloadFile("/dev/zero"))).message).toContain("is a device");
    expect((await rejection(readWorkloadFile(tempDir()))).message).toContain("is a directory");
    const big = join(tempDir(), "big.yaml");
    writeFileSync(big, "");
    truncateSync(big, LIMITS.fileBytes + 1); // sparse: nothing is written
    expect((await rejection(readWorkloadFile(big))).message).toContain("a workload file may have at most 16,777,216");
  });

  it("refuses bytes that are not UTF-8 text", async () => {
    const bad = join(tempDir(), "bad.yaml");
    writeFileSync(bad, Buffer.from([0x76, 0xff, 0xfe, 0x0a]));
    expect((await rejection(readWorkloadFile(bad))).message).toContain("is not UTF-8 text");
    writeFileSync(bad, "version: 1\n\0");
    expect((await rejection(readWorkloadFile(bad))).message).toContain("a NUL byte at line 2");
  });
});

describe("totals before expansion", () => {
  it("counts MPI ranks as processes", () => {
    const text = "version: 1\ntasks:\n  - name: a\n    command: [x]\n    count: 2000\n    ranks: 1000\n";
    expect(problems(text)).toEqual([
      "w.yaml:5:12: tasks[0].count: brings the workload to 2,000,000 task processes (instances × ranks, summed over tasks); at most 1,000,000",
    ]);
  });

  it("does not count remote-only services, which launch nothing", () => {
    const remote = "  - name: r\n    endpoints: [http://x]\n";
    const text = `version: 1\nservices:\n${remote}  - name: s\n    backend: noop\n    replicas: 100000\n`;
    expect(parseWorkload(text, "w.yaml").workload.services).toHaveLength(2);
  });
});

describe("messages", () => {
  it("lists the first 100 problems and counts the rest", () => {
    const tasks = Array.from({ length: 150 }, (_, i) => `  - name: t${i}\n    command: [x]\n    cores: -1\n`).join("");
    const error = failure(() => parseWorkload(`version: 1\ntasks:\n${tasks}`, "w.yaml"));
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("w.yaml: 150 problems in the workload");
    expect(lines).toHaveLength(102);
    expect(lines.at(-1)).toBe("  ... and 50 more");
    expect(error.context.omitted).toBe(50);
  });

  it("never echoes a long value", () => {
    const [line] = problems(`version: 1\nname: ${"x".repeat(100_000)}!\n`);
    expect(line!.length).toBeLessThan(200);
    const [key] = problems(`version: 1\n${"k".repeat(10_000)}: 1\n`);
    expect(key!.length).toBeLessThan(400);
  });
});

describe("allocation flags", () => {
  it("share the workload's ceilings", () => {
    expect(parseCount("--nodes", "200000", 1, LIMITS.nodes)).toBe(200_000);
    expect(() => parseCount("--nodes", "200001", 1, LIMITS.nodes)).toThrow("--nodes may be at most 200,000");
    expect(() => parseCount("--gpus", "9".repeat(10_000), 0, LIMITS.gpusPerNode)).toThrow(/got "9{37}\.\.\."$/);
  });
});
