/** What the workload loader throws, for tests that check its messages. */
import { type FlotillaError, isFlotillaError } from "../../engine/errors.js";
import { parseWorkload } from "../../engine/workload/load.js";

/** The error `fn` throws; fails the test when it does not throw a FlotillaError. */
export function failure(fn: () => unknown): FlotillaError {
  try {
    fn();
  } catch (error) {
    if (isFlotillaError(error)) return error;
    throw error;
  }
  throw new Error("expected a FlotillaError");
}

/** The FlotillaError `promise` rejects with; fails the test when it does not. */
export async function rejection(promise: Promise<unknown>): Promise<FlotillaError> {
  try {
    await promise;
  } catch (error) {
    if (isFlotillaError(error)) return error;
    throw error;
  }
  throw new Error("expected a FlotillaError");
}

/** The problem lines (after the heading) of parsing `text` as the workload file w.yaml. */
export const problems = (text: string): string[] =>
  failure(() => parseWorkload(text, "w.yaml"))
    .message.split("\n")
    .slice(1)
    .map((l) => l.trim());
