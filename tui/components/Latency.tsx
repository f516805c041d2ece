/** @jsxRuntime automatic */
import { Box, Text } from "ink";
import type { SessionState } from "../../engine/state.js";
import { cell, formatDuration, formatLatency } from "../format.js";
import { windowStart } from "../layout.js";
import { bootstrapBreakdown, type Percentile, requestBreakdown, serviceMetrics } from "../selectors.js";
import { SEGMENT_COLORS, SEGMENT_GLYPHS, useColor } from "../theme.js";
import { SectionTitle, type TitlePart } from "./SectionTitle.js";
import { StackedBar } from "./StackedBar.js";

export interface LatencyProps {
  state: SessionState;
  percentile: Percentile;
  selected: number;
  rows: number;
  columns: number;
}

/**
 * Per service: request time split into communication / service / inference
 * (from the latest metrics event) and bootstrap split into launch / init /
 * publish (from the ready events). Bars share one scale per side, so
 * services compare at a glance, as in the paper's figures.
 */
export function Latency({ state, percentile, selected, rows, columns }: LatencyProps) {
  const c = useColor();
  const nameWidth = Math.min(14, Math.max(6, Math.floor(columns / 8)));
  const labelWidth = 8;
  const half = Math.floor((columns - nameWidth - 3) / 2);
  const barWidth = Math.max(4, half - labelWidth - 1);
  const rowsData = state.services.map((service) => ({
    name: service.name,
    request: requestBreakdown(serviceMetrics(state, service.name), percentile),
    boot: bootstrapBreakdown(service),
  }));
  const requestScale = Math.max(
    0,
    ...rowsData.map((r) => (r.request ? r.request.communication + r.request.service + r.request.inference : 0)),
  );
  const bootScale = Math.max(0, ...rowsData.map((r) => (r.boot ? r.boot.launch + r.boot.init + r.boot.publish : 0)));
  const start = windowStart(rowsData.length, rows, selected);
  const legend = (names: readonly string[]): TitlePart[] =>
    names.map((name, index) => ({ text: `${SEGMENT_GLYPHS[index]}${name}`, color: SEGMENT_COLORS[index] ?? "gray" }));
  return (
    <Box flexDirection="column" width={columns}>
      <SectionTitle
        title={`Latency ${percentile === "p50" ? "median" : "p95"}`}
        columns={columns}
        parts={[...legend(["comm", "svc", "infer"]), { text: "│" }, ...legend(["launch", "init", "publish"])]}
      />
      {rowsData.slice(start, start + rows).map((row) => (
        <Text key={row.name} wrap="truncate">
          <Text>{`  ${cell(row.name, nameWidth - 2)} `}</Text>
          {row.request ? (
            <StackedBar
              values={[row.request.communication, row.request.service, row.request.inference]}
              scale={requestScale}
              width={barWidth}
            />
          ) : (
            <Text {...c("gray")}>{cell("no requests yet", barWidth)}</Text>
          )}
          <Text>{` ${cell(formatLatency(row.request?.total), labelWidth)}`}</Text>
          <Text {...c("blue")}>│ </Text>
          {row.boot ? (
            <StackedBar
              values={[row.boot.launch, row.boot.init, row.boot.publish]}
              scale={bootScale}
              width={barWidth}
            />
          ) : (
            <Text {...c("gray")}>{cell("not ready yet", barWidth)}</Text>
          )}
          <Text>{` ${row.boot ? formatDuration(row.boot.launch + row.boot.init + row.boot.publish) : "–"}`}</Text>
        </Text>
      ))}
    </Box>
  );
}
