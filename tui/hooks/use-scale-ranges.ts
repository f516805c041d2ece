import { readFileSync } from "node:fs";
import { useMemo } from "react";
import { type ScaleRanges, scaleRanges } from "../scale.js";
import { workloadCopyPath } from "../session-paths.js";

const NONE: ScaleRanges = Object.freeze({});

/**
 * The autoscale ranges of the session's workload, read from its copy in the
 * session directory (events carry each decision, not the range). Read once
 * per session, synchronously: the copy is written before the session's
 * first event, and `show` prints its one frame at once.
 */
export function useScaleRanges(sessionDir: string | undefined): ScaleRanges {
  return useMemo(() => {
    if (sessionDir === undefined) return NONE;
    try {
      return scaleRanges(readFileSync(workloadCopyPath(sessionDir), "utf8"));
    } catch {
      return NONE;
    }
  }, [sessionDir]);
}
