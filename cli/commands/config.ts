/**
 * `flotilla config set|get|unset|path`: the user's per-cluster defaults
 * (docs/config.md). Keys: platform, slurm.account, slurm.partition,
 * slurm.qos, slurm.constraint, slurm.reservation, slurm.extra_args.
 */
import type { Command } from "commander";
import { CONFIG_KEYS, checkKey, openConfig } from "../config.js";

function print(value: unknown): void {
  process.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
}

export function register(program: Command): void {
  const config = program
    .command("config")
    .description("per-user defaults: default platform, Slurm account, partition, qos, extra args");

  config
    .command("set")
    .description(`set a key (${CONFIG_KEYS.join(", ")})`)
    .argument("<key>", "e.g. slurm.account")
    .argument("<value>", "e.g. abc123; slurm.extra_args takes a JSON list or space-separated arguments")
    // Values of slurm.extra_args start with "--": they are the value, not options of ours.
    .allowUnknownOption()
    .action(async (key: string, value: string) => {
      const store = await openConfig(process.env);
      store.set(checkKey(key), value);
    });

  config
    .command("get")
    .description("print one key's value, or the whole config as JSON")
    .argument("[key]", "e.g. slurm.account")
    .action(async (key: string | undefined) => {
      const store = await openConfig(process.env);
      if (key === undefined) {
        process.stdout.write(`${JSON.stringify(store.all(), null, 2)}\n`);
        return;
      }
      const value = store.get(checkKey(key));
      // An unset key prints nothing and exits 1, so scripts can test for it.
      if (value === undefined) process.exitCode = 1;
      else print(value);
    });

  config
    .command("unset")
    .description("remove a key")
    .argument("<key>", "e.g. slurm.qos")
    .action(async (key: string) => {
      const store = await openConfig(process.env);
      store.unset(checkKey(key));
    });

  config
    .command("path")
    .description("print where the config file lives")
    .action(async () => {
      print((await openConfig(process.env)).path);
    });
}
