/** @jsxRuntime automatic */
import { Box, Text } from "ink";
import type { ServiceView, SessionState } from "../../engine/state.js";
import { cell, formatCount, formatIds, formatLatency, formatRate } from "../format.js";
import { windowStart } from "../layout.js";
import {
  decisionsOf,
  drainingIndexes,
  isAutoscaled,
  rangeOf,
  type ScaleRanges,
  scaleCell,
  targetCount,
} from "../scale.js";
import { present, readyCount, serviceGpus, serviceMetrics } from "../selectors.js";
import { useColor } from "../theme.js";
import { InstanceGlyphs } from "./InstanceGlyphs.js";
import { SectionTitle } from "./SectionTitle.js";

export interface ServicesProps {
  state: SessionState;
  selected: number;
  rows: number;
  columns: number;
  /** Autoscale ranges by service name from the session's workload copy (before the first decision; see rangeOf). */
  ranges?: ScaleRanges;
}

/** Widths of the fixed columns; the name column takes what is left. */
const W = { ready: 6, gpus: 8, queue: 6, inflight: 6, rate: 7, p50: 8, p95: 8 } as const;

export function glyphWidth(columns: number): number {
  return Math.max(6, Math.min(32, columns - 70));
}

/** The SCALE column, shown when a service is autoscaled: reasons in full from 100 columns on. */
export function scaleWidth(columns: number): number {
  return columns >= 100 ? 22 : 14;
}

export function Services({ state, selected, rows, columns, ranges = {} }: ServicesProps) {
  const c = useColor();
  const services = state.services;
  const scaled = services.some((service) => isAutoscaled(service, rangeOf(service, ranges)));
  const scaleCells = scaled ? scaleWidth(columns) : 0;
  const glyphs = glyphWidth(columns - scaleCells);
  const fixed = 2 + W.ready + scaleCells + glyphs + 1 + W.gpus + W.queue + W.inflight + W.rate + W.p50 + W.p95;
  const nameWidth = Math.max(6, columns - fixed - 1);
  const start = windowStart(services.length, rows, selected);
  const visible = services.slice(start, start + rows);
  const hidden = services.length - visible.length;
  // An instance being drained is still ready but no longer counts: it is on its way out.
  const readyNow = (service: ServiceView, draining: ReadonlySet<number>) => readyCount(service) - draining.size;
  const drainingOf = (service: ServiceView) => drainingIndexes(service, decisionsOf(state, service.name));
  const ready = services.reduce((sum, service) => sum + readyNow(service, drainingOf(service)), 0);
  const total = services.reduce((sum, service) => sum + targetCount(service, rangeOf(service, ranges)), 0);
  return (
    <Box flexDirection="column" width={columns}>
      <SectionTitle
        title="Services"
        columns={columns}
        parts={[
          { text: `${ready}/${total} ready`, color: ready === total && total > 0 ? "green" : "yellow" },
          ...(hidden > 0 ? [{ text: `(+${hidden} more)`, color: "gray" as const }] : []),
        ]}
      />
      <Text wrap="truncate" {...c("gray")}>
        {`  ${cell("NAME", nameWidth)}${cell("READY", W.ready)}${scaled ? cell("SCALE", scaleCells) : ""}${cell(glyphs + 1 > "INSTANCES".length ? "INSTANCES" : "INST", glyphs + 1)}${cell("GPUS", W.gpus)}${cell("QUEUE", W.queue)}${cell("INFL", W.inflight)}${cell("REQ/S", W.rate)}${cell("P50", W.p50)}${cell("P95", W.p95)}`}
      </Text>
      {services.length === 0 ? <Text {...c("gray")}> no services</Text> : null}
      {visible.map((service, offset) => {
        const index = start + offset;
        const metrics = serviceMetrics(state, service.name);
        const total = present(metrics?.latency.total);
        const isSelected = index === selected;
        const range = rangeOf(service, ranges);
        const autoscaled = isAutoscaled(service, range);
        const draining = drainingOf(service);
        const readyHere = readyNow(service, draining);
        const target = targetCount(service, range);
        const allReady = readyHere === target && readyHere > 0;
        // Drained instances of an autoscaled service are history, not capacity: only the live ones get a glyph.
        const shown =
          autoscaled && state.end === undefined
            ? service.instances.filter((instance) => instance.state !== "stopped")
            : service.instances;
        return (
          <Text key={service.name} wrap="truncate" inverse={isSelected}>
            <Text>{isSelected ? "▸ " : "  "}</Text>
            <Text bold>{cell(service.name, nameWidth)}</Text>
            <Text {...c(allReady ? "green" : "yellow")}>{cell(`${readyHere}/${target}`, W.ready)}</Text>
            {scaled ? <Text>{cell(scaleCell(service, range, scaleCells < 22), scaleCells)}</Text> : null}
            <InstanceGlyphs instances={shown} width={glyphs} draining={draining} />
            <Text>
              {" "}
              {cell(formatIds(serviceGpus(service)), W.gpus)}
              {cell(formatCount(metrics?.queue_depth), W.queue)}
              {cell(formatCount(metrics?.inflight), W.inflight)}
              {cell(formatRate(metrics?.rate), W.rate)}
              {cell(formatLatency(total?.p50), W.p50)}
              {cell(formatLatency(total?.p95), W.p95)}
            </Text>
          </Text>
        );
      })}
    </Box>
  );
}
