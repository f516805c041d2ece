/**
 * `flotilla keygen NAME`: a CURVE key pair for `flotilla serve` and
 * `flotilla request` (docs/security.md), in the ZeroMQ certificate format:
 * NAME.key_secret (both keys, 0600) and NAME.key (public key, 0644).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import {
  certificateText,
  errorMessage,
  exitCodeFor,
  FlotillaError,
  isFlotillaError,
  newKeyPair,
  writePrivateFile,
  writePublicFile,
} from "../../engine/index.js";

interface KeygenFlags {
  dir: string;
  force?: boolean;
  json?: boolean;
}

function keygen(name: string, flags: KeygenFlags): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new FlotillaError("USAGE", `NAME must be letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  }
  const secretFile = resolve(join(flags.dir, `${name}.key_secret`));
  const publicFile = resolve(join(flags.dir, `${name}.key`));
  const existing = [secretFile, publicFile].filter((file) => existsSync(file));
  if (existing.length > 0 && flags.force !== true) {
    throw new FlotillaError(
      "USAGE",
      `${existing.join(" and ")} already exist${existing.length > 1 ? "" : "s"}; pass --force to replace`,
    );
  }
  const pair = newKeyPair();
  try {
    writePrivateFile(secretFile, certificateText(pair));
    writePublicFile(publicFile, certificateText({ publicKey: pair.publicKey }));
  } catch (error) {
    throw new FlotillaError("USAGE", `cannot write the key files: ${errorMessage(error)}`, { cause: error });
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ public_key: pair.publicKey, public_file: publicFile, secret_file: secretFile })}\n`,
    );
  } else {
    process.stdout.write(`${pair.publicKey}\n`);
    process.stderr.write(`flotilla keygen: wrote ${secretFile} (secret, 0600) and ${publicFile} (public, 0644)\n`);
  }
}

export function register(program: Command): void {
  program
    .command("keygen")
    .description("Make a CURVE key pair for flotilla serve / request: NAME.key_secret (0600) and NAME.key (0644)")
    .argument("<name>", "file name stem, e.g. host or client")
    .option("--dir <dir>", "where to write the files", ".")
    .option("--force", "replace existing files")
    .option("--json", "print {public_key, public_file, secret_file} as JSON")
    .action((name: string, flags: KeygenFlags) => {
      try {
        keygen(name, flags);
      } catch (error) {
        process.stderr.write(`flotilla keygen: ${errorMessage(error)}\n`);
        process.exitCode = isFlotillaError(error) ? exitCodeFor(error.code) : 1;
      }
    });
}
