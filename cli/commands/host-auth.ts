/**
 * The authentication flags of `serve` and `service-host` (docs/security.md):
 * a TCP bind needs CURVE keys (--curve-secret and --curve-clients) or an
 * explicit --insecure; an ipc:// bind is private to its owner without them.
 */
import type { Command } from "commander";
import { FlotillaError, type HostConfig, readAllowList, readSecretKeyFile } from "../../engine/host.js";

export interface AuthFlags {
  curveSecret?: string;
  curveClients?: string;
  insecure?: boolean;
}

export function addAuthOptions(cmd: Command): Command {
  return cmd
    .option(
      "--curve-secret <file>",
      "the host's CURVE secret key: a file from flotilla keygen (NAME.key_secret), mode 0600",
    )
    .option(
      "--curve-clients <file|dir>",
      "client public keys allowed in: a file (one key per line, or a NAME.key) or a directory of them",
    )
    .option("--insecure", "serve TCP without authentication: anyone who can reach the port can use it");
}

/** The host's CURVE settings, or undefined for an ipc bind or --insecure. Throws USAGE when keys are missing. */
export function hostCurve(bind: string, flags: AuthFlags): HostConfig["curve"] {
  const keyed = flags.curveSecret !== undefined || flags.curveClients !== undefined;
  if (flags.insecure === true) {
    if (keyed) throw new FlotillaError("USAGE", "--insecure turns authentication off: drop it or the --curve-* flags");
    return undefined;
  }
  if (!keyed) {
    if (!bind.startsWith("tcp://")) return undefined;
    throw new FlotillaError(
      "USAGE",
      `refusing to serve ${bind} without authentication: any user who can reach it could send requests.\n` +
        "  Make keys with `flotilla keygen host` and `flotilla keygen client`, then pass\n" +
        "  --curve-secret host.key_secret --curve-clients client.key (and give clients host.key);\n" +
        "  or bind ipc://PATH (private to you); or pass --insecure to serve without authentication.",
    );
  }
  if (flags.curveSecret === undefined || flags.curveClients === undefined) {
    throw new FlotillaError("USAGE", "CURVE needs both --curve-secret FILE and --curve-clients FILE|DIR");
  }
  return {
    secretKey: readSecretKeyFile("--curve-secret", flags.curveSecret),
    allowedClients: readAllowList("--curve-clients", flags.curveClients),
  };
}

/** With --insecure on TCP, says on stderr what that means. */
export function warnIfInsecure(name: string, bind: string, flags: AuthFlags): void {
  if (flags.insecure !== true || !bind.startsWith("tcp://")) return;
  process.stderr.write(
    `flotilla ${name}: WARNING: --insecure: ${bind} accepts requests from anyone who can reach it, ` +
      "other users of this machine included; use CURVE keys (flotilla keygen) or an ipc:// socket instead\n",
  );
}
