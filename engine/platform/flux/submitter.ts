import { type ChildProcess, spawn } from "node:child_process";
import { errorMessage } from "../../errors.js";
import type { FluxCli } from "./flux-cli.js";

/**
 * One long-lived `flux python` process that submits every job of an
 * allocation: each submission is one line in and one line out, instead of a
 * `flux job submit` process per task (process start-up and connecting to the
 * broker each time cost more than the submission itself). Where the helper
 * cannot run, submissions fall back to `flux job submit`.
 */
const SCRIPT = `
import os, sys, flux, flux.job
from flux.constants import FLUX_POLLIN
h = flux.Flux()
def done(f, key):
    try:
        line = "%s\\tOK\\t%d\\n" % (key, f.get_id())
    except Exception as e:
        line = "%s\\tERR\\t%s\\n" % (key, str(getattr(e, "strerror", None) or e).replace("\\n", " "))
    sys.stdout.write(line)
    sys.stdout.flush()
buf = b""
def on_stdin(*_):
    global buf
    data = os.read(0, 1 << 16)
    if not data:
        h.reactor_stop()
        return
    buf += data
    *lines, buf = buf.split(b"\\n")
    for line in lines:
        key, _, spec = line.decode().partition("\\t")
        flux.job.submit_async(h, spec).then(done, key)
# Readable only: the engine's end is a socket, always writable, which would spin the reactor.
h.fd_watcher_create(0, on_stdin, events=FLUX_POLLIN).start()
h.reactor_run()
`;

type Pending = { text: string; resolve: (id: string) => void; reject: (error: unknown) => void };

export class FluxSubmitter {
  readonly #cli: FluxCli;
  readonly #pending = new Map<string, Pending>();
  #child: ChildProcess | undefined;
  #broken = false;
  #next = 0;
  #buffer = "";
  /** Why the helper ended while submissions were in flight (diagnostics). */
  #lastError: string | undefined;

  constructor(cli: FluxCli) {
    this.#cli = cli;
  }

  /** Submits a jobspec; resolves with the job id, rejects with Flux's reason. */
  submit(jobspec: Record<string, unknown>): Promise<string> {
    const text = JSON.stringify(jobspec);
    const child = this.#broken ? undefined : this.#start();
    if (child?.stdin === null || child === undefined) return this.#submitOnce(text);
    const key = String(++this.#next);
    return new Promise((resolve, reject) => {
      this.#pending.set(key, { text, resolve, reject });
      // Only while answers are owed may the helper's output keep the engine alive.
      if (this.#pending.size === 1) (child.stdout as unknown as { ref?: () => void } | null)?.ref?.();
      child.stdin?.write(`${key}\t${text}\n`);
    });
  }

  /** Why the helper ended with submissions in flight, if it did (they were then submitted one by one). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Ends the helper (it also ends by itself when the engine's end of its pipe closes). */
  close(): void {
    this.#child?.stdin?.end();
  }

  async #submitOnce(text: string): Promise<string> {
    const result = await this.#cli.run(["job", "submit"], { input: text, timeoutMs: 60_000 });
    const id = result.stdout.trim().split("\n").at(-1)?.trim() ?? "";
    if (result.exitCode !== 0 || id === "") {
      throw new Error(`flux job submit failed: ${result.stderr || `exit ${result.exitCode ?? "(killed)"}`}`);
    }
    return id;
  }

  #start(): ChildProcess {
    if (this.#child !== undefined) return this.#child;
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.#cli.env)) if (value !== undefined) env[key] = value;
    const child = spawn(this.#cli.flux, ["python", "-c", SCRIPT], {
      env,
      cwd: this.#cli.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.#read(chunk));
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-2_000);
    });
    child.stdin?.on("error", () => undefined);
    const fail = (why: string) => {
      // Whatever was in flight is retried one process each; so is everything after.
      this.#broken = true;
      const pending = [...this.#pending.values()];
      this.#pending.clear();
      if (pending.length > 0) this.#lastError = why;
      for (const p of pending) this.#submitOnce(p.text).then(p.resolve, p.reject);
    };
    child.on("error", (error) => fail(errorMessage(error)));
    child.on("exit", (code, signal) => fail(stderr.trim() || `exit ${code ?? signal}`));
    // The helper must not keep the engine alive; it ends with the engine's pipe.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    this.#child = child;
    return child;
  }

  #read(chunk: string): void {
    this.#buffer += chunk;
    const lines = this.#buffer.split("\n");
    this.#buffer = lines.pop() ?? "";
    for (const line of lines) {
      const [key = "", status, rest = ""] = line.split("\t");
      const pending = this.#pending.get(key);
      if (!pending) continue;
      this.#pending.delete(key);
      if (status === "OK") pending.resolve(rest);
      else pending.reject(new Error(`flux job submit failed: ${rest}`));
    }
    if (this.#pending.size === 0) (this.#child?.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  }
}
