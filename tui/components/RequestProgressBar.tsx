/** @jsxRuntime automatic */
import { Text } from "ink";
import type { RequestProgress } from "../../engine/events.js";
import { formatDuration, formatRate, usageBar } from "../format.js";
import { useColor } from "../theme.js";

/**
 * An inference task's requests: a bar of done/total, the counts, errors (red
 * when any), the rate and the time left at that rate.
 */
export function RequestProgressBar({ requests, width }: { requests: RequestProgress; width: number }) {
  const c = useColor();
  const eta = requests.eta_ms === undefined ? "" : ` eta ${formatDuration(requests.eta_ms)}`;
  return (
    <Text>
      <Text {...c("cyan")}>{usageBar(requests.done, requests.total, width)}</Text>
      <Text>{` ${requests.done}/${requests.total}`}</Text>
      {requests.errors > 0 ? <Text {...c("red")}>{` ${requests.errors} err`}</Text> : null}
      <Text {...c("gray")}>{` ${formatRate(requests.rate)} req/s${eta}`}</Text>
    </Text>
  );
}
