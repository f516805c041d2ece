/** Node-local sandboxes through Flux jobs: inputs reach each broker's node on the job's stdin, outputs come back. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";
import { describeFlux, fluxEnv, NODE_NAME, waitForNoJobs } from "./instance.js";

describeFlux("staging on flux", () => {
  afterEach(async () => {
    await waitForNoJobs();
  });

  it("stages into node-local sandboxes on two brokers and gathers the outputs back", async () => {
    const dir = tempDir();
    const scratch = join(dir, "scratch");
    mkdirSync(join(dir, "data"));
    for (const item of ["a", "b"]) writeFileSync(join(dir, "data", `${item}.csv`), `${item},1\n`);
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
allocation: { platform: flux, nodes: 2, cores: 1, node_local: "${scratch}/{node}" }
tasks:
  - name: sim
    for_each: [a, b]
    workdir: node-local
    inputs: ["data/{item}.csv"]
    outputs: [{ from: "report-{item}.txt", to: gathered/ }]
    command: ["sh", "-c", "echo ${NODE_NAME} > report-{item}.txt; pwd >> report-{item}.txt; cat {item}.csv >> report-{item}.txt"]
`,
    );
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", join(dir, "session")], {
      cwd: dir,
      env: fluxEnv(),
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const running = ofType(parseNdjson(result.stdout), "task:state").filter((e) => e.state === "running");
    expect(new Set(running.map((e) => e.node)).size).toBe(2);
    for (const event of running) {
      const item = event.id.slice("sim.".length);
      const [node, cwd, data] = readFileSync(join(dir, "gathered", `report-${item}.txt`), "utf8").split("\n");
      expect(node).toBe(event.node);
      expect(cwd).toBe(event.workdir);
      expect(cwd).toMatch(new RegExp(`^${scratch}/${event.node}/flotilla-[0-9a-f]{12}/sim\\.${item}$`));
      expect(data).toBe(`${item},1`);
      expect(readdirSync(join(scratch, event.node as string))).toEqual([]);
    }
  });
});
