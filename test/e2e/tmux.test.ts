/**
 * The dashboard in a real terminal: the built binary (the sources with
 * FLOTILLA_TEST_SOURCE=1) runs a workload in a 100×30 tmux pane; the test reads
 * the screen, presses keys, and checks that nothing the run started is left.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hasTmux, processesWithMarker, shellQuote, TmuxPane } from "../../bench/harness/tmux.js";
import { readEventsFile } from "../../engine/session/index.js";
import { replay } from "../../engine/state.js";
import { cliCommand, startCli } from "../helpers/cli.js";
import { fixture, waitUntil } from "../helpers/processes.js";

let dir: string;
let pane: TmuxPane;
let marker: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-tmux-"));
  pane = new TmuxPane(100, 30);
  marker = `flotilla-e2e-${process.pid}-${Date.now()}`;
});

afterEach(() => {
  pane.kill();
  // Never leave a run behind, even when an assertion failed midway.
  for (const pid of processesWithMarker(marker)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function workload(hold: boolean): string {
  const node = JSON.stringify(process.execPath);
  return `version: 1
name: tmux-e2e
allocation: { platform: local, cores: 8, gpus: 4, walltime: 10m }
services:
  - name: web
    command: [${node}, ${JSON.stringify(fixture("slow-ready"))}, "{port}", "300"]
    replicas: 2
    cores: 1
    gpus: 1
    ready: { http: "/" }
    startup_timeout: 30s
tasks:
  - name: hello
    command: [${node}, "-e", "setTimeout(() => console.log(process.env.FLOTILLA_SERVICE_WEB_URLS), 400)"]
    count: 4
    cores: 1
    uses: [web]
${hold ? `  - name: hold\n    command: [${node}, ${JSON.stringify(fixture("forever"))}]\n    cores: 1\n` : ""}`;
}

/** Runs the CLI in the pane; the exit code lands in a file, then the pane idles without the marker. */
function startRun(hold: boolean): { sessionDir: string; exitFile: string } {
  const file = join(dir, "workload.yaml");
  writeFileSync(file, workload(hold));
  const sessionDir = join(dir, "session");
  return { sessionDir, exitFile: startInPane(["run", file, "--session-dir", sessionDir]) };
}

function startInPane(args: string[]): string {
  const exitFile = join(dir, "exit-code");
  const cli = [...cliCommand(), ...args].map(shellQuote).join(" ");
  const script = `${cli}; echo $? > ${shellQuote(exitFile)}; exec env -u FLOTILLA_E2E_MARK sleep 120`;
  pane.start(`sh -c ${shellQuote(script)}`, dir, { FLOTILLA_E2E_MARK: marker });
  return exitFile;
}

const readyAndDone = (screen: string) => screen.includes("Services 2/2 ready") && /✔ done 4\b/.test(screen);

// Several bounded waits per test add up on a busy two-core host: allow more than the default.
// Without tmux these tests skip with a warning; under CI=true a missing tmux is a failure
// (test/setup/install.sh installs it), as a missing Slurm is.
const tmux = hasTmux();
if (!tmux && process.env.CI === "true") {
  describe("dashboard under tmux", () => {
    it("needs tmux in CI", () => {
      throw new Error("tmux is not installed, and CI=true: run test/setup/install.sh");
    });
  });
} else if (!tmux) {
  console.warn("SKIPPING tmux tests: tmux is not installed (run test/setup/install.sh)");
}

describe.skipIf(!tmux)("dashboard under tmux", { timeout: 180_000 }, () => {
  it("shows every service ready and the tasks done; q asks, y tears down and nothing is left", async () => {
    const { sessionDir, exitFile } = startRun(true);
    const screen = await pane.waitFor(readyAndDone, "2/2 ready and 4 tasks done");
    expect(screen).toMatch(/▸ web\s+2\/2\s+●●\s+0-1/);
    expect(screen).toMatch(/▶ hold\s/);
    expect(screen).toContain("q quit");
    for (const line of screen.split("\n")) expect([...line].length).toBeLessThanOrEqual(100);
    // The finished tasks went to the log above the live area.
    expect(screen).toMatch(/✔ done\s+hello\.\d/);

    // Shrink to 80×24: the dashboard refits (its rules span exactly the new width) and stays in view.
    pane.resize(80, 24);
    const small = await pane.waitFor(
      (s) => s.split("\n").some((line) => line.startsWith("── Services") && [...line].length === 80),
      "the dashboard refitted to 80 columns",
    );
    expect(small).toContain("q quit");
    expect(small).toMatch(/▸ web\s+2\/2\s+●●/);
    pane.resize(100, 30);

    pane.keys("?");
    await pane.waitFor((s) => s.includes("Instance states"), "the help overlay");
    pane.keys("?");
    await pane.waitFor((s) => s.includes("NAME"), "the dashboard back");

    // The scan sees the run: the CLI, two service instances and the held task at least.
    expect(processesWithMarker(marker).length).toBeGreaterThanOrEqual(4);
    pane.keys("q");
    await pane.waitFor((s) => s.includes("(y/n)"), "the quit confirmation");
    pane.keys("y");
    await waitUntil(() => existsSync(exitFile), { timeoutMs: 30_000, what: "the CLI to exit" });
    expect(readFileSync(exitFile, "utf8").trim()).toBe("130");
    await waitUntil(() => processesWithMarker(marker).length === 0, {
      timeoutMs: 10_000,
      what: "every process of the run to be gone",
    });
    const state = replay(readEventsFile(join(sessionDir, "events.jsonl")));
    expect(state.end?.exit_code).toBe(130);
    expect(state.end?.reason).toBe("interrupted: quit from the dashboard");
    expect(state.tasks.hold?.state).toBe("canceled");
    const final = pane.screen();
    expect(final).toContain("ended: exit 130");
    expect(final).toMatch(/web\s+0\/2\s+○○/);
  });

  it("closes by itself when the session ends, leaving the final frame", async () => {
    const { exitFile } = startRun(false);
    await waitUntil(() => existsSync(exitFile), { timeoutMs: 60_000, what: "the CLI to exit" });
    expect(readFileSync(exitFile, "utf8").trim()).toBe("0");
    const screen = pane.screen();
    expect(screen).toContain("ended: ok");
    expect(screen).toContain("✔ done 4");
    expect(screen).toMatch(/web\s+0\/2\s+○○/);
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it("watch attaches read-only to a run in another process and exits when it ends", async () => {
    const file = join(dir, "workload.yaml");
    writeFileSync(file, workload(true));
    const sessionDir = join(dir, "session");
    const run = startCli(["run", file, "--session-dir", sessionDir, "--json"], {
      cwd: dir,
      env: { FLOTILLA_E2E_MARK: marker },
    });
    await run.waitForOutput(/"type":"service:state"[^\n]*"state":"ready"/, 60_000);
    const exitFile = startInPane(["watch", sessionDir, "--interval", "50"]);
    const screen = await pane.waitFor(readyAndDone, "the watched run: 2/2 ready and 4 tasks done");
    expect(screen).toContain("flotilla watch tmux-e2e");
    expect(screen).toContain("read-only");
    expect(screen).toMatch(/▶ hold\s/);
    // watch only reads: its help says q leaves the run alone.
    pane.keys("?");
    const help = await pane.waitFor((s) => s.includes("Instance states"), "the help overlay");
    expect(help).toContain("stop watching (the session keeps running)");
    expect(help).not.toContain("tears down");
    pane.keys("?");
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    await waitUntil(() => existsSync(exitFile), { timeoutMs: 20_000, what: "watch to exit" });
    expect(readFileSync(exitFile, "utf8").trim()).toBe("130");
    expect(pane.screen()).toContain("ended: exit 130");
    await waitUntil(() => processesWithMarker(marker).length === 0, { timeoutMs: 10_000, what: "the run to be gone" });
  });
});
