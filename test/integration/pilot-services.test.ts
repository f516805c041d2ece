import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectCli, up } from "../helpers/pilot.js";
import { fixture, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const service = (name: string) => `
  - name: ${name}
    command: ["${fixture("slow-ready")}", "{port}", "200"]
    gpus: 1
    ready: { http: "/" }`;

interface Status {
  services: Array<{ name: string; instances: Array<{ instance: number; state: string; gpus: number[] }> }>;
}

async function status(cwd: string): Promise<Status> {
  return JSON.parse((await expectCli(["status", "--json"], 0, { cwd })).stdout) as Status;
}

const gpusOf = (s: Status, name: string) =>
  s.services
    .find((x) => x.name === name)
    ?.instances.filter((i) => i.state === "ready")
    .flatMap((i) => i.gpus) ?? [];

describe("services added and scaled in a running session", () => {
  it("adds a service on a free GPU, scales services up and down within the allocation, refuses what does not fit", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), `version: 1\nallocation: { cores: 4, gpus: 2 }\nservices:${service("web")}\n`);
    writeFileSync(
      join(cwd, "more.yaml"),
      `version: 1\nservices:${service("extra")}\ntasks:\n  - name: ask\n    uses: [extra]\n    command: [sh, -c, 'test -n "$FLOTILLA_SERVICE_EXTRA_URLS"']\n`,
    );
    writeFileSync(join(cwd, "clash.yaml"), `version: 1\nservices:${service("web")}\n`);
    await up("w.yaml", [], { cwd });

    // A new service and a task that uses it, in one submission.
    const added = await expectCli(["submit", "--wait", "more.yaml"], 0, { cwd });
    expect(added.stdout.trim()).toBe("ask");
    let now = await status(cwd);
    expect(gpusOf(now, "web")).toEqual([0]);
    expect(gpusOf(now, "extra")).toEqual([1]);

    // Both GPUs are taken: a second web instance cannot be placed, and nothing changes.
    const full = await expectCli(["scale", "web", "2"], 2, { cwd });
    expect(full.stderr).toContain("does not fit");
    const clash = await expectCli(["submit", "clash.yaml"], 2, { cwd });
    expect(clash.stderr).toContain(
      'clash.yaml:3:11: services[0].name: the session already has a service or task named "web"',
    );

    // Remove extra, then the GPU it held serves a second web instance.
    await expectCli(["scale", "extra", "0"], 0, { cwd });
    const scaled = await expectCli(["scale", "web", "2"], 0, { cwd });
    expect(scaled.stdout).toContain("web: 2 instances (1 started, 0 stopped)");
    await waitUntil(async () => gpusOf(await status(cwd), "web").length === 2, { timeoutMs: 20_000 });
    now = await status(cwd);
    expect(gpusOf(now, "web").sort()).toEqual([0, 1]);
    expect(gpusOf(now, "extra")).toEqual([]);

    // A task that uses the removed service fails instead of waiting forever.
    await expectCli(["submit", "--wait", "--uses", "extra", "--name", "late", "--", "true"], 1, { cwd });
    await expectCli(["down"], 1, { cwd });
  });

  it("runs submitted inference tasks against a warm service, their requests relative to the submitter", async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, "w.yaml"),
      "version: 1\nallocation: { cores: 2 }\nservices: [{ name: echo, backend: noop }]\n",
    );
    const sub = join(cwd, "analysis");
    mkdirSync(sub);
    writeFileSync(join(sub, "prompts.jsonl"), '{"prompt":"a","max_tokens":2}\n{"prompt":"b","max_tokens":2}\n');
    writeFileSync(
      join(sub, "ask.yaml"),
      "version: 1\ntasks:\n  - { name: ask, service: echo, requests: prompts.jsonl }\n" +
        "  - { name: client, uses: [echo], command: [sh, -c, 'test -n \"$OPENAI_BASE_URL\"'] }\n",
    );
    const session = await up("w.yaml", [], { cwd });
    await expectCli(["submit", "--wait", session.dir, "ask.yaml"], 0, { cwd: sub });
    const responses = readFileSync(join(session.dir, "tasks", "ask", "responses.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(responses).toHaveLength(2);
    await expectCli(["down", session.dir], 0, { cwd });
  });
});
