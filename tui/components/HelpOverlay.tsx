/** @jsxRuntime automatic */
import { Box, Text } from "ink";
import { SERVICE_STATES } from "../../engine/events.js";
import type { DashboardMode } from "../hooks/use-keys.js";
import { INSTANCE_GLYPHS, instanceColor, useColor } from "../theme.js";
import { DRAINING_GLYPH } from "./InstanceGlyphs.js";

const QUIT: Record<DashboardMode, string> = {
  run: "quit (asks first while work is running; then tears down)",
  // watch only reads the session's files: leaving it stops nothing.
  watch: "stop watching (the session keeps running)",
  show: "quit",
};

const KEYS: Array<[string, string]> = [
  ["?", "show or hide this help"],
  ["↑ ↓, tab", "select a service (an instance in the detail view)"],
  ["enter", "open / close the selected service's detail"],
  ["esc", "close the detail or this help"],
  ["p", "switch latency bars between median and p95"],
];

export function HelpOverlay({ columns, mode }: { columns: number; mode: DashboardMode }) {
  const c = useColor();
  const keys: Array<[string, string]> = [["q, Ctrl-C", QUIT[mode]], ...KEYS];
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={Math.min(columns, 76)}>
      <Text bold>Keys</Text>
      {keys.map(([key, what]) => (
        <Text key={key} wrap="truncate">
          <Text {...c("cyan")}>{key.padEnd(12)}</Text>
          {what}
        </Text>
      ))}
      <Text bold>Instance states</Text>
      <Text wrap="truncate">
        {SERVICE_STATES.map((state) => (
          <Text key={state} {...c(instanceColor(state))}>
            {`${INSTANCE_GLYPHS[state]} ${state}  `}
          </Text>
        ))}
      </Text>
      <Text wrap="truncate" {...c("gray")}>
        {`${DRAINING_GLYPH} draining: an autoscaled instance a scale-down takes out, until it stops`}
      </Text>
      <Text bold>Latency bars</Text>
      <Text wrap="truncate">█ communication ▓ service ░ inference │ █ launch ▓ init ░ publish</Text>
      <Text {...c("gray")}>press ? or esc to close</Text>
    </Box>
  );
}
