/**
 * Experiment 3, inference time with a real model: any OpenAI-compatible
 * model server from a workload file (llama.cpp's llama-server, vLLM, …) as
 * the instances, the same clients × instances grid as experiment 2, local
 * and remote; tokens per second where the server reports usage.
 */
import { FlotillaError } from "../../engine/index.js";
import { parseCount } from "../options.js";
import { runBench, serviceUnderTest } from "./common.js";
import { type GridFlags, gridPlan } from "./grid.js";
import { runGrid } from "./grid-run.js";

export interface InferenceFlags extends GridFlags {
  prompt: string;
  maxTokens: string;
  model: string;
}

export async function benchInference(flags: InferenceFlags): Promise<number> {
  const plan = gridPlan(flags, "1,2");
  const { service, allocation } = await serviceUnderTest(flags, { name: "llm" });
  if (service.backend !== "openai" || service.command === undefined) {
    throw new FlotillaError(
      "USAGE",
      `--service ${service.name}: experiment 3 needs a model server: a service with backend: openai and a command`,
    );
  }
  const request = {
    model: flags.model,
    prompt: flags.prompt,
    max_tokens: parseCount("--max-tokens", flags.maxTokens, 1),
  };
  return runBench({
    experiment: "inference",
    flags,
    options: { ...plan, service, request },
    ...runGrid({ plan, flags, service, allocation, request, tokens: true }),
  });
}
