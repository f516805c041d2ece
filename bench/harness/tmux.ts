/**
 * A real terminal for end-to-end tests: a private tmux server (its own
 * socket, no user config), one pane of a fixed size, keys in, screen out.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export class TmuxPane {
  private readonly socket = `flotilla-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {}

  private tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
  }

  /** Starts `command` (one shell string) in the pane, with `env` added and CI markers removed. */
  start(command: string, cwd: string, env: Record<string, string> = {}): void {
    const assignments = Object.entries(env).map(([key, value]) => `${key}=${shellQuote(value)}`);
    // Ink prints only a final frame when it thinks it runs in CI: this pane is a real terminal.
    const line = `env -u CI -u CONTINUOUS_INTEGRATION ${assignments.join(" ")} ${command}`;
    this.tmux("new-session", "-d", "-s", "e2e", "-x", String(this.columns), "-y", String(this.rows), "-c", cwd, line);
  }

  screen(): string {
    try {
      return this.tmux("capture-pane", "-p", "-t", "e2e");
    } catch {
      return "";
    }
  }

  resize(columns: number, rows: number): void {
    this.tmux("resize-window", "-t", "e2e", "-x", String(columns), "-y", String(rows));
  }

  keys(...keys: string[]): void {
    this.tmux("send-keys", "-t", "e2e", ...keys);
  }

  /** Polls the screen until `check` holds (bounded); returns that screen or throws with the last one. */
  async waitFor(check: (screen: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = this.screen();
      if (check(screen)) return screen;
      await sleep(100);
    }
    throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}; screen:\n${screen}`);
  }

  kill(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // Already gone.
    }
  }
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Pids of live processes whose environment holds `marker` (what the run started, at any depth). */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) {
        const state = readFileSync(`/proc/${entry}/stat`, "latin1").replace(/^.*\) /, "")[0];
        if (state !== "Z" && state !== "X") found.push(Number(entry));
      }
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}
