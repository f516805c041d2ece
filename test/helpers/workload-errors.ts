/** What the workload loader throws, for tests that check its messages. */

import { expect } from "vitest";
import { type FlotillaError, isFlotillaError } from "../../engine/errors.js";
import type { CheckContext } from "../../engine/workload/after.js";
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

/**
 * The located problem lines of parsing `text` as w.yaml, or [] when it is
 * valid; `context` is what a submission to a running session may refer to.
 */
export function problemLines(text: string, context: CheckContext = {}): string[] {
  try {
    parseWorkload(text, "w.yaml", undefined, context);
    return [];
  } catch (error) {
    if (!isFlotillaError(error)) throw error;
    expect(error.code).toBe("WORKLOAD_INVALID");
    return error.message
      .split("\n")
      .slice(1)
      .map((l) => l.trim());
  }
}

/** A workload text of `version: 1` and these lines. */
export const yaml = (...lines: string[]): string => ["version: 1", ...lines, ""].join("\n");
