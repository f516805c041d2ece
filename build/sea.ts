import { execFileSync } from "node:child_process";
import { chmod, copyFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { ZEROMQ_ASSET } from "./runtime/assets.js";

/** The fuse string Node's SEA support looks for (see Node's single-executable docs). */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export interface SeaInput {
  /** The CommonJS script the binary runs. */
  main: string;
  /** More SEA assets: name → file. */
  assets?: Record<string, string>;
  /** Native addon carried as the `zeromq.node` asset. */
  addon: string;
  configFile: string;
  blob: string;
  output: string;
  /** Embed V8's code cache for the main script (faster start, bigger binary). */
  useCodeCache: boolean;
}

/** Node's SEA recipe: config → blob → copy of this node → blob injected. */
export async function makeSea(input: SeaInput): Promise<void> {
  const config = {
    main: input.main,
    output: input.blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: input.useCodeCache,
    assets: { [ZEROMQ_ASSET]: input.addon, ...input.assets },
  };
  await writeFile(input.configFile, `${JSON.stringify(config, null, 2)}\n`);
  execFileSync(process.execPath, ["--experimental-sea-config", input.configFile], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  // Built beside the target and renamed over it: whoever runs dist/flotilla
  // meanwhile (a test, a user) gets the old binary or the new one, never half of one.
  const partial = `${input.output}.partial`;
  await rm(partial, { force: true });
  await copyFile(process.execPath, partial);
  await chmod(partial, 0o755);
  // postject's CLI in a child process, so its harmless ELF note warnings can be filtered out.
  const postject = createRequire(import.meta.url).resolve("postject/dist/cli.js");
  const output = execFileSync(
    process.execPath,
    [postject, partial, "NODE_SEA_BLOB", input.blob, "--sentinel-fuse", SEA_FUSE],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  for (const line of output.split("\n")) {
    if (line.trim() && !line.includes("Can't find string offset for section name")) console.log(line);
  }
  await rename(partial, input.output);
}
