import { readFile } from "node:fs/promises";
import { useEffect, useState } from "react";
import { type ScaleRanges, scaleRanges } from "../scale.js";
import { workloadCopyPath } from "../session-paths.js";

const NONE: ScaleRanges = Object.freeze({});

/**
 * The autoscale ranges of the session's workload, read once from its copy
 * in the session directory: events carry each decision, not the range.
 */
export function useScaleRanges(sessionDir: string | undefined): ScaleRanges {
  const [ranges, setRanges] = useState<ScaleRanges>(NONE);
  useEffect(() => {
    if (sessionDir === undefined) return;
    let live = true;
    readFile(workloadCopyPath(sessionDir), "utf8").then(
      (text) => {
        const next = scaleRanges(text);
        if (live && Object.keys(next).length > 0) setRanges(next);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [sessionDir]);
  return ranges;
}
