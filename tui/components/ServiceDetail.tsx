/** @jsxRuntime automatic */
import { Box, Text } from "ink";
import type { ServiceMetrics } from "../../engine/events.js";
import type { ScaleDecision, ServiceView } from "../../engine/state.js";
import { cell, formatDuration, formatIds, formatLatency } from "../format.js";
import { windowStart } from "../layout.js";
import { decisionLine, drainingIndexes, type ScaleRange } from "../scale.js";
import { INSTANCE_GLYPHS, instanceColor, useColor } from "../theme.js";
import { DRAINING_GLYPH } from "./InstanceGlyphs.js";
import { SectionTitle, type TitlePart } from "./SectionTitle.js";

export interface ServiceDetailProps {
  service: ServiceView;
  /** The service's latest metrics, when requests have been answered. */
  metrics?: ServiceMetrics | undefined;
  selected: number;
  /** Live stderr lines of the selected instance (from its log file), when known. */
  stderr: string[];
  rows: number;
  columns: number;
  now: number;
  /** Its autoscale range, when it has one. */
  range?: ScaleRange | undefined;
  /** Its newest scale decisions, oldest first. */
  decisions?: ScaleDecision[];
}

const W = { index: 4, state: 14, node: 10, gpus: 7, restarts: 9, since: 7 } as const;

export function ServiceDetail(props: ServiceDetailProps) {
  const { service, metrics, selected, stderr, rows, columns, now, range, decisions = [] } = props;
  const c = useColor();
  const instance = service.instances[selected];
  const tail = stderr.length > 0 ? stderr : (instance?.stderr_tail ?? []);
  // The newest scale decisions take up to half the rows, then the instances (at least one row), then the stderr tail.
  const decisionRows = rows >= 4 ? Math.min(decisions.length, Math.max(1, Math.floor((rows - 2) / 2))) : 0;
  const scaleLines = decisions.length > 0 && decisionRows > 0 ? decisionRows + 1 : 0;
  const left = rows - scaleLines;
  const draining = drainingIndexes(service, decisions);
  const instanceRows = Math.max(1, Math.min(service.instances.length, left - 1 - Math.min(tail.length, 3)));
  const tailRows = Math.max(0, left - instanceRows - 1);
  const start = windowStart(service.instances.length, instanceRows, selected);
  const endpointWidth = Math.max(10, columns - 2 - Object.values(W).reduce((sum, w) => sum + w, 0));
  return (
    <Box flexDirection="column" width={columns}>
      <SectionTitle
        title={`Service ${service.name}`}
        columns={columns}
        parts={[
          ...(range ? [{ text: `autoscale ${range.min}..${range.max} ·` }] : []),
          ...firstToken(metrics),
          { text: "esc back · ↑↓ instance", color: "gray" },
        ]}
      />
      <Text wrap="truncate" {...c("gray")}>
        {`  ${cell("#", W.index)}${cell("STATE", W.state)}${cell("NODE", W.node)}${cell("GPUS", W.gpus)}${cell("ENDPOINT", endpointWidth)}${cell("RESTARTS", W.restarts)}${cell("SINCE", W.since)}`}
      </Text>
      {service.instances.slice(start, start + instanceRows).map((view, offset) => {
        const isSelected = start + offset === selected;
        return (
          <Text key={view.instance} wrap="truncate" inverse={isSelected}>
            <Text>{isSelected ? "▸ " : "  "}</Text>
            <Text>{cell(String(view.instance), W.index)}</Text>
            {draining.has(view.instance) ? (
              <Text {...c("gray")}>{cell(`${DRAINING_GLYPH} draining`, W.state)}</Text>
            ) : (
              <Text {...c(instanceColor(view.state))}>
                {cell(`${INSTANCE_GLYPHS[view.state]} ${view.state}`, W.state)}
              </Text>
            )}
            <Text>
              {cell(view.node || "–", W.node)}
              {cell(formatIds(view.gpus), W.gpus)}
              {cell(view.endpoint ?? (view.remote ? "remote" : "–"), endpointWidth)}
              {cell(String(view.restarts), W.restarts)}
              {cell(formatDuration(now - view.since), W.since)}
            </Text>
          </Text>
        );
      })}
      {scaleLines > 0 ? (
        <>
          <Text wrap="truncate" {...c("gray")}>
            {`  scale decisions${service.scale && service.scale.count > decisionRows ? ` (last ${decisionRows} of ${service.scale.count})` : ""}`}
          </Text>
          {decisions.slice(-decisionRows).map((decision) => (
            <Text
              key={`${decision.ts}:${decision.from}:${decision.to}`}
              wrap="truncate"
              {...(decision.held_back ? c("yellow") : {})}
            >
              {"  "}
              {decisionLine(decision)}
            </Text>
          ))}
        </>
      ) : null}
      <Text wrap="truncate" {...c("gray")}>
        {instance
          ? `  stderr of ${service.name}.${instance.instance}${instance.error ? ` — ${instance.error}` : ""}${tail.length === 0 ? ": (empty)" : ""}`
          : "  no instances"}
      </Text>
      {tail.slice(-tailRows).map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: stateless text rows; equal lines may repeat
        <Text key={`${index}:${line}`} wrap="truncate" {...c("red")}>
          {"  "}
          {line}
        </Text>
      ))}
    </Box>
  );
}

/** Streamed requests' time to the first piece (the first token), once there is one. */
function firstToken(metrics: ServiceMetrics | undefined): TitlePart[] {
  const first = metrics?.latency.first_piece;
  if (first === undefined || first.count === 0) return [];
  return [{ text: `first token p50 ${formatLatency(first.p50)} p95 ${formatLatency(first.p95)} ·` }];
}
