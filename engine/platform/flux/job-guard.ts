import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Cancels, when the engine is gone, every Flux job the engine submitted.
 * A small `sh` outside the engine's process group reads the job ids from a
 * pipe; the pipe closes however the engine ends (teardown, crash, SIGKILL),
 * and then the guard raises a cancel exception on all of them (jobs already
 * finished just refuse it). Jobs are not children of the engine, so neither
 * killing process groups nor an exit hook would reach them after a SIGKILL.
 */
const SCRIPT = [
  "f=$(mktemp -t flotilla-flux-jobs.XXXXXX) || exit 1",
  "trap 'rm -f \"$f\"' EXIT",
  // The engine's signals (Ctrl-C reaches the whole terminal group) must not stop it.
  "trap '' INT TERM HUP",
  'cat > "$f"',
  '[ -s "$f" ] || exit 0',
  'xargs "$1" job raise --type=cancel --message="flotilla exited" < "$f" >/dev/null 2>&1',
  "exit 0",
].join("\n");

/** Every guard with jobs still live, across allocations (see `liveFluxCancelCommands`). */
const guards = new Set<FluxJobGuard>();

/**
 * For a supervisor outside the normal teardown (a reaper): one command per
 * Flux instance that cancels every job Flotilla submitted there and has not
 * seen end. Empty when nothing is live.
 */
export function liveFluxCancelCommands(): string[][] {
  const commands: string[][] = [];
  for (const guard of guards) {
    const command = guard.cancelCommand();
    if (command !== undefined) commands.push(command);
  }
  return commands;
}

export class FluxJobGuard {
  readonly #flux: string;
  readonly #env: Record<string, string>;
  readonly #ids = new Set<string>();
  #child: ChildProcess | undefined;
  #closed: Promise<void> | undefined;

  constructor(flux: string, env: Record<string, string | undefined>) {
    this.#flux = flux;
    this.#env = defined(env);
  }

  /** Records a submitted job; from now on it is cancelled if the engine dies. */
  add(id: string): void {
    this.#ids.add(id);
    guards.add(this);
    const child = this.#start();
    child.stdin?.write(`${id}\n`);
  }

  /** Forgets a job that has ended (its id stays in the guard's file: cancelling it is a no-op). */
  remove(id: string): void {
    this.#ids.delete(id);
    if (this.#ids.size === 0) guards.delete(this);
  }

  /** Ids of submitted jobs not yet seen ended. */
  ids(): string[] {
    return [...this.#ids];
  }

  /**
   * The command that cancels every job still live, for a supervisor outside
   * the engine (a reaper); undefined when there is nothing to cancel.
   */
  cancelCommand(): string[] | undefined {
    return this.#ids.size === 0 ? undefined : [this.#flux, "job", "raise", "--type=cancel", ...this.#ids];
  }

  /** Closes the pipe and waits (bounded) until the guard has cancelled what was left. */
  close(timeoutMs = 30_000): Promise<void> {
    this.#closed ??= (async () => {
      const child = this.#child;
      if (child === undefined) return;
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once("exit", () => resolve());
      });
      child.stdin?.end();
      await Promise.race([exited, sleep(timeoutMs, undefined, { ref: false })]);
      this.#ids.clear();
      guards.delete(this);
    })();
    return this.#closed;
  }

  #start(): ChildProcess {
    if (this.#child !== undefined) return this.#child;
    // Its own process group: teardown that signals the engine's groups must not stop it first.
    const child = spawn("sh", ["-c", SCRIPT, "flotilla-flux-guard", this.#flux], {
      env: this.#env,
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.on("error", () => undefined);
    child.stdin?.on("error", () => undefined);
    // Neither the guard nor its pipe may keep the engine's event loop alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.#child = child;
    return child;
  }
}

function defined(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
