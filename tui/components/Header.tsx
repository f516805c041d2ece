/** @jsxRuntime automatic */
import { Box, Text } from "ink";
import type { SessionState } from "../../engine/state.js";
import { formatDuration, usageBar } from "../format.js";
import { resourceUsage } from "../selectors.js";
import { type ColorName, useColor } from "../theme.js";

export interface HeaderProps {
  state: SessionState;
  now: number;
  columns: number;
  mode: "run" | "watch" | "show";
}

function allocationText(state: SessionState, now: number): { text: string; color: ColorName } {
  const allocation = state.allocation;
  if (!allocation) return { text: "allocation –", color: "gray" };
  const job = allocation.job_id === undefined ? "" : `job ${allocation.job_id} `;
  switch (allocation.state) {
    case "pending": {
      const waited = formatDuration(now - (allocation.pending_since ?? allocation.since));
      const where = allocation.queue_position === undefined ? "" : ` #${allocation.queue_position}`;
      const why = allocation.reason ? ` (${allocation.reason})` : "";
      return { text: `${job}pending ${waited} in queue${where}${why}`, color: "yellow" };
    }
    case "active": {
      // A queue wait worth mentioning (batch systems); local allocations take milliseconds.
      const waited =
        allocation.wait_ms && allocation.wait_ms >= 1_000 ? ` (waited ${formatDuration(allocation.wait_ms)})` : "";
      return { text: `${job}active${waited}`, color: "green" };
    }
    case "released":
      return { text: "released", color: "gray" };
    case "failed":
      return { text: `failed${allocation.reason ? `: ${allocation.reason}` : ""}`, color: "red" };
    default:
      return { text: allocation.state, color: "gray" };
  }
}

export function Header({ state, now, columns, mode }: HeaderProps) {
  const c = useColor();
  const session = state.session;
  const started = session?.ts;
  const elapsed = started === undefined ? undefined : (state.end?.ts ?? now) - started;
  const deadline = state.allocation?.deadline;
  const left = deadline === undefined || state.end ? undefined : deadline - now;
  const allocation = allocationText(state, now);
  const usage = resourceUsage(state);
  const end = state.end;
  const shape = usage
    ? `${usage.nodes} node${usage.nodes === 1 ? "" : "s"} × ${usage.cores} cores × ${usage.gpus} GPUs  `
    : "";
  const coreText = usage ? ` ${usage.usedCores}/${usage.cores}  ` : "";
  const gpuText = usage ? ` ${usage.usedGpus}/${usage.gpus}` : "";
  // The two bars share what the text leaves of the line.
  const barWidth = Math.max(
    3,
    Math.min(20, Math.floor((columns - shape.length - coreText.length - gpuText.length - 12) / 2)),
  );
  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="truncate">
        <Text bold>{mode === "watch" ? "flotilla watch" : "flotilla"}</Text>
        <Text bold> {session?.workload ?? "–"}</Text>
        <Text> {state.allocation?.platform ?? session?.platform ?? "–"} </Text>
        <Text {...c(allocation.color)}>{allocation.text}</Text>
        <Text> elapsed {formatDuration(elapsed)}</Text>
        {left === undefined ? null : <Text {...c(left < 60_000 ? "red" : "gray")}> left {formatDuration(left)}</Text>}
        {end ? (
          <Text {...c(end.exit_code === 0 ? "green" : "red")}>
            {`  ended: ${end.exit_code === 0 ? "ok" : `exit ${end.exit_code}`}${end.reason && end.exit_code !== 0 ? `, ${end.reason}` : ""}`}
          </Text>
        ) : null}
        <Text {...c("gray")}> {session?.session_id ?? "waiting for the session to start"}</Text>
      </Text>
      <Text wrap="truncate">
        {usage ? (
          <>
            <Text>{shape}cores </Text>
            <Text {...c("cyan")}>{usageBar(usage.usedCores, usage.cores, barWidth)}</Text>
            <Text>{coreText}GPUs </Text>
            <Text {...c("magenta")}>{usageBar(usage.usedGpus, usage.gpus, usage.gpus === 0 ? 0 : barWidth)}</Text>
            <Text>{gpuText}</Text>
          </>
        ) : (
          <Text {...c("gray")}>no allocation yet</Text>
        )}
      </Text>
    </Box>
  );
}
