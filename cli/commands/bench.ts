/**
 * `flotilla bench bootstrap|response|inference`: the three experiments of
 * the paper, and `flotilla bench autoscale`, run with this binary on this
 * machine (docs/benchmarks.md). Each
 * writes a results directory that `flotilla report` turns into figures.
 */
import { type Command, Option } from "commander";
import { PLATFORMS } from "../../engine/index.js";
import { benchAutoscale } from "../bench/autoscale.js";
import { benchBootstrap } from "../bench/bootstrap.js";
import { benchInference } from "../bench/inference.js";
import { benchResponse } from "../bench/response.js";

function common(cmd: Command, instances: string): Command {
  return cmd
    .option("--instances <list>", `service instance counts, comma-separated (default ${instances})`)
    .option("--rounds <n>", "rounds per configuration", "3")
    .option("--out <dir>", "results directory (default: a new one under flotilla-bench/)")
    .option("--json", "NDJSON progress events and the final result on stdout")
    .addOption(new Option("--platform <name>", "where instances run").choices([...PLATFORMS]))
    .option("--nodes <n>", "nodes per measurement (Slurm)")
    .option("--cores <n>", "cores per node (default on local: what the measurement places)")
    .option("--gpus <n>", "GPUs per node (default on local: one fake GPU id per instance)");
}

function grid(cmd: Command): Command {
  return cmd
    .option("--clients <list>", "client counts, comma-separated", "1,4,16")
    .option("--requests <n>", "requests per configuration (strong scaling); per instance (weak scaling)", "256")
    .option("--scaling <list>", "strong, weak or both", "strong,weak")
    .option(
      "--modes <list>",
      "local instances, remote ones (flotilla serve behind a latency proxy), or both",
      "local,remote",
    )
    .option("--delay <ms>", "remote: one-way delay the proxy adds", "25")
    .option("--jitter <ms>", "remote: up to this much more delay, uniformly drawn", "0")
    .option("--window <n>", "requests each client keeps in flight (1: a blocking client)", "1");
}

// Static imports on purpose: a dynamic import() would make esbuild wrap every engine
// module these reach for lazy initialisation, which costs every command's start-up
// more than evaluating these few function definitions does.
async function run(bench: (flags: never) => Promise<number>, flags: unknown): Promise<void> {
  process.exitCode = await bench(flags as never);
}

export function register(program: Command): void {
  const bench = program
    .command("bench")
    .description(
      "run the paper's experiments (and the autoscale one) on this machine and write a results directory for `flotilla report`",
    );
  common(
    bench
      .command("bootstrap")
      .description("experiment 1: time to launch, initialise and publish N service instances, each on its own GPU")
      .option("--workload <file>", "take the service from this workload file instead of the NOOP host")
      .option("--service <name>", "the service of --workload to start"),
    "1,2,4,8,16,32,64",
  ).action((flags) => run(benchBootstrap, flags));
  grid(
    common(
      bench
        .command("response")
        .description("experiment 2: response time of a NOOP model, clients × instances, next to the prototype baseline")
        .option("--no-baseline", "skip the prototype-style baseline (Python with pyzmq)")
        .option("--python <path>", "the Python with pyzmq and msgpack for the baseline", "/usr/bin/python3"),
      "1,4,16",
    ),
  ).action((flags) => run(benchResponse, flags));
  grid(
    common(
      bench
        .command("inference")
        .description("experiment 3: inference time of a real OpenAI-compatible model server, clients × instances")
        .requiredOption("--workload <file>", "workload file with the model server as a service (backend: openai)")
        .option("--service <name>", "the service of --workload (default: its only one)")
        .option("--prompt <text>", "the prompt every request sends", "Once upon a time")
        .option("--max-tokens <n>", "tokens to generate per request", "16")
        .option("--model <name>", "the model field of each request", "default"),
      "1,2",
    ),
  ).action((flags) => run(benchInference, flags));
  bench
    .command("autoscale")
    .description("bursty requests to a NOOP service: fixed min, fixed max and autoscale min..max, p99 and GPU-seconds")
    .option("--min <n>", "instances of the small fixed arm, and autoscale's min", "1")
    .option("--max <n>", "instances of the large fixed arm (the baseline), and autoscale's max", "4")
    .option("--bursts <n>", "bursts of requests, one inference task each", "3")
    .option("--requests <n>", "requests per burst", "200")
    .option("--concurrency <n>", "requests in flight during a burst", "8")
    .option("--gap <s>", "idle seconds between bursts", "5")
    .option("--delay <ms>", "the NOOP model's time per request", "50")
    .option("--max-inflight <n>", "requests one instance works on at once", "2")
    .option("--target <n>", "autoscale target_outstanding", "2")
    .option("--up-after <duration>", "autoscale up_after", "1s")
    .option("--down-after <duration>", "autoscale down_after", "1s")
    .option("--rounds <n>", "rounds of the three arms", "1")
    .option("--out <dir>", "results directory (default: a new one under flotilla-bench/)")
    .option("--json", "NDJSON progress events and the final result on stdout")
    .addOption(new Option("--platform <name>", "where instances run").choices([...PLATFORMS]))
    .option("--nodes <n>", "nodes per measurement (Slurm)")
    .option("--cores <n>", "cores per node (default on local: max + 2)")
    .option("--gpus <n>", "GPUs per node (default on local: max fake GPU ids)")
    .action((flags) => run(benchAutoscale, flags));
}
