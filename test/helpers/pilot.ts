/**
 * Sessions started with `flotilla up` for tests: the engine runs detached, so
 * a test that fails half-way must stop it itself (SIGTERM: an orderly end).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, onTestFinished } from "vitest";
import type { EngineEvent } from "../../engine/events.js";
import { type CliOptions, type CliResult, runCli } from "./cli.js";
import { parseNdjson } from "./events.js";
import { isAlive, waitUntil } from "./processes.js";

export interface UpSession {
  dir: string;
  pid: number;
}

export function enginePid(session: string): number {
  return (JSON.parse(readFileSync(join(session, "engine.json"), "utf8")) as { pid: number }).pid;
}

/** `flotilla up FILE ARGS…` in `cwd`; returns the session once its services are ready. */
export async function up(file: string, args: string[], options: CliOptions): Promise<UpSession> {
  const result = await runCli(["up", file, ...args], options);
  expect(result.code, result.stderr).toBe(0);
  const dir = result.stdout.trim().split("\n").at(-1) as string;
  const pid = enginePid(dir);
  onTestFinished(async () => {
    if (!isAlive(pid)) return;
    process.kill(pid, "SIGTERM");
    await waitUntil(() => !isAlive(pid), { timeoutMs: 20_000 }).catch(() => process.kill(pid, "SIGKILL"));
  });
  return { dir, pid };
}

export function events(session: string): EngineEvent[] {
  const file = join(session, "events.jsonl");
  return existsSync(file) ? parseNdjson(readFileSync(file, "utf8")) : [];
}

/** Runs a CLI command and expects exit code `code`; returns its result. */
export async function expectCli(args: string[], code: number, options: CliOptions): Promise<CliResult> {
  const result = await runCli(args, options);
  expect(result.code, `flotilla ${args.join(" ")}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(code);
  return result;
}
