/**
 * A real Flux instance on this machine for tests and benchmarks:
 * `flux start --test-size=N` (N brokers, no system daemon, no configuration).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test", "setup", "flux.sh");
export const FLUX_SIZE = 4;

/** The `flux` to use: the test setup's build, else one on PATH. */
export function findFlux(): string | undefined {
  try {
    const prefix = execFileSync("bash", [script, "--prefix"], { encoding: "utf8" }).trim();
    if (existsSync(join(prefix, "bin", "flux"))) return join(prefix, "bin");
  } catch {
    // Fall through to PATH.
  }
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, "flux"))) return dir;
  }
  return undefined;
}

export async function startInstance(
  bin: string,
  dir: string,
  size = FLUX_SIZE,
): Promise<{ child: ChildProcess; uri: string }> {
  const uriFile = join(dir, "uri");
  // The initial program only publishes the URI and then reads its stdin, our pipe, which
  // flux start forwards: the instance lives as long as it does, so it ends with this
  // process even when this process is killed and runs no teardown.
  const child = spawn(
    join(bin, "flux"),
    [
      "start",
      `--test-size=${size}`,
      "sh",
      "-c",
      `echo "$FLUX_URI" > "${uriFile}.tmp" && mv "${uriFile}.tmp" "${uriFile}" && exec cat > /dev/null`,
    ],
    { detached: true, stdio: ["pipe", "ignore", "inherit"], env: { ...process.env, FLUX_URI: undefined } },
  );
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (existsSync(uriFile)) return { child, uri: readFileSync(uriFile, "utf8").trim() };
    if (child.exitCode !== null) throw new Error(`flux start exited with ${child.exitCode}`);
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error("flux start did not come up within 60 s");
}

export async function stopInstance(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // End of input ends the initial program; flux start then shuts the brokers down.
  child.stdin?.end();
  if (await Promise.race([exited.then(() => true), sleep(30_000, false)])) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const done = await Promise.race([exited.then(() => true), sleep(30_000, false)]);
  if (!done) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
}
