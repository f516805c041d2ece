import { useEffect, useState } from "react";

/** Wall clock ticking every `intervalMs` (elapsed and walltime-left counters); `fixed` pins it. */
export function useNow(intervalMs: number, fixed?: number): number {
  const [now, setNow] = useState(() => fixed ?? Date.now());
  useEffect(() => {
    if (fixed !== undefined) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, fixed]);
  return fixed ?? now;
}
