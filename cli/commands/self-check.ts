import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { FlotillaError } from "../../engine/index.js";

/**
 * `flotilla self-check` (hidden): proves the parts of the single binary that
 * bundling can break — zeromq's native addon (a message round trip over
 * inproc and loopback TCP), the config store (conf), and Ink/React/yoga (a
 * layout rendered to a string; with --tty also one live frame on stdout).
 */
export interface SelfCheckReport {
  ok: true;
  single_binary: boolean;
  zeromq: { version: string; addon: string | undefined; round_trips: string[] };
  conf: { round_trip: boolean };
  ink: { rendered: string };
}

const MARK = "flotilla self-check";

/** The native addons this process has mapped: proof of which file was actually loaded. */
function loadedAddons(): string[] {
  try {
    const maps = readFileSync("/proc/self/maps", "utf8");
    const files = maps.split("\n").map((line) => line.slice(line.indexOf("/")));
    return [...new Set(files.filter((file) => file.startsWith("/") && file.endsWith(".node")))];
  } catch {
    return [];
  }
}

async function zeromqRoundTrips(): Promise<SelfCheckReport["zeromq"]> {
  const zmq = await import("zeromq");
  const round_trips: string[] = [];
  // TCP with CURVE, as every TCP listener of Flotilla's runs: it proves the addon was built with it.
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  for (const address of [`inproc://self-check-${process.pid}`, "tcp://127.0.0.1:*"]) {
    const tcp = address.startsWith("tcp:");
    const reply = new zmq.Reply(tcp ? { curveServer: true, curveSecretKey: server.secretKey } : {});
    const request = new zmq.Request({
      receiveTimeout: 5000,
      sendTimeout: 5000,
      ...(tcp
        ? { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey }
        : {}),
    });
    try {
      await reply.bind(address);
      request.connect(reply.lastEndpoint ?? address);
      await request.send("ping");
      const [asked] = await reply.receive();
      await reply.send(`pong:${asked?.toString()}`);
      const [answer] = await request.receive();
      if (answer?.toString() !== "pong:ping") throw new Error(`unexpected reply ${String(answer)}`);
      round_trips.push(address.split(":")[0]!);
    } finally {
      request.close();
      reply.close();
    }
  }
  const addon = loadedAddons().find((file) => /zeromq|addon/.test(file));
  return { version: zmq.version, addon, round_trips };
}

async function confRoundTrip(): Promise<SelfCheckReport["conf"]> {
  const { default: Conf } = await import("conf");
  const dir = await mkdtemp(join(tmpdir(), "flotilla-self-check-"));
  try {
    const store = new Conf<{ probe: number }>({ cwd: dir, projectName: "flotilla" });
    store.set("probe", 42);
    const again = new Conf<{ probe: number }>({ cwd: dir, projectName: "flotilla" });
    return { round_trip: again.get("probe") === 42 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function inkRender(tty: boolean): Promise<SelfCheckReport["ink"]> {
  const { default: React } = await import("react");
  const { Box, Text, render, renderToString } = await import("ink");
  const frame = React.createElement(
    Box,
    { borderStyle: "round", paddingX: 1, width: 40 },
    React.createElement(Text, { color: "green" }, `${MARK}: ink frame`),
  );
  const rendered = renderToString(frame, { columns: 60 });
  if (tty) {
    const live = render(frame, { stdout: process.stdout, patchConsole: false, exitOnCtrlC: false });
    await new Promise((resolve) => setTimeout(resolve, 100));
    live.unmount();
    await live.waitUntilExit();
  }
  return { rendered };
}

export async function selfCheck(options: { tty?: boolean }): Promise<SelfCheckReport> {
  const { isSea } = await import("node:sea");
  const zeromq = await zeromqRoundTrips();
  const conf = await confRoundTrip();
  if (!conf.round_trip) throw new FlotillaError("INTERNAL", "self-check: the config store did not read back its value");
  const ink = await inkRender(options.tty === true);
  return { ok: true, single_binary: isSea(), zeromq, conf, ink };
}

export function register(program: Command): void {
  program
    .command("self-check", { hidden: true })
    .description("check that the binary's native addon, config store and terminal UI work")
    .option("--json", "print the report as one JSON object")
    .option("--tty", "also draw one live Ink frame on stdout (for a terminal)")
    .action(async (options: { json?: boolean; tty?: boolean }) => {
      const report = await selfCheck(options);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const lines = [
        `single binary: ${report.single_binary ? "yes" : "no"}`,
        `zeromq ${report.zeromq.version}: round trip over ${report.zeromq.round_trips.join(", ")}`,
        `zeromq addon: ${report.zeromq.addon ?? "(not found in /proc/self/maps)"}`,
        `conf: round trip ok`,
        report.ink.rendered,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
