/** @jsxRuntime automatic */
import { Box, Text } from "ink";
import type { SessionState } from "../../engine/state.js";
import { clock } from "../format.js";
import { levelColor, useColor } from "../theme.js";
import { SectionTitle } from "./SectionTitle.js";

/** The newest notable events (failures, restarts, warnings), oldest of them first. */
export function Events({ state, rows, columns }: { state: SessionState; rows: number; columns: number }) {
  const c = useColor();
  const shown = rows > 0 ? state.notable.slice(-rows) : [];
  return (
    <Box flexDirection="column" width={columns}>
      <SectionTitle
        title="Events"
        columns={columns}
        parts={[state.notable.length === 0 ? { text: "none", color: "gray" } : { text: String(state.notable.length) }]}
      />
      {shown.map((event, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: stateless text rows; equal events may repeat
        <Text key={`${event.ts}:${index}`} wrap="truncate" {...c(levelColor(event.level))}>
          {`  ${clock(event.ts)} ${event.level === "error" ? "✖" : "!"} ${event.message}`}
        </Text>
      ))}
    </Box>
  );
}
