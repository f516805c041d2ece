import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { startProcess } from "../../../engine/launch/supervisor.js";
import { fixture, processesMatching, processesWithEnv, waitUntil } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/tmp.js";

describe("orphan-finding helpers", () => {
  it("find every process of a tree by an inherited env marker and by command line", async () => {
    const dir = tempDir();
    const mark = randomUUID();
    const lines: string[] = [];
    const running = startProcess(
      {
        id: "m.0",
        command: [fixture("spawn-tree"), "2", "--tag", dir],
        env: { FLOTILLA_TEST_MARK: mark },
        stdoutPath: join(dir, "o"),
        stderrPath: join(dir, "e"),
        onLine: (_s, l) => lines.push(l),
      },
      { registry: new ProcessRegistry() },
    );
    await waitUntil(() => lines.some((l) => l.startsWith(`spawn-tree ${running.pid} started`)));
    expect(processesWithEnv("FLOTILLA_TEST_MARK", mark)).toHaveLength(3);
    expect(processesMatching(dir)).toEqual([running.pid]);
    await running.stop(1_000);
    expect(processesWithEnv("FLOTILLA_TEST_MARK", mark)).toEqual([]);
    expect(processesMatching(dir)).toEqual([]);
  });
});
