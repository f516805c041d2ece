/** @jsxRuntime automatic */
import { Text } from "ink";
import { type ColorName, useColor } from "../theme.js";

export interface TitlePart {
  text: string;
  color?: ColorName;
}

/** `── Services 3/4 ready ────────`: a full-width rule carrying a section's summary. */
export function SectionTitle({ title, parts = [], columns }: { title: string; parts?: TitlePart[]; columns: number }) {
  const c = useColor();
  const used = 3 + title.length + parts.reduce((sum, part) => sum + 1 + part.text.length, 0) + 1;
  return (
    <Text wrap="truncate">
      <Text {...c("blue")}>── </Text>
      <Text bold>{title}</Text>
      {parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: parts are positional
        <Text key={index} {...(part.color ? c(part.color) : {})}>
          {` ${part.text}`}
        </Text>
      ))}
      <Text {...c("blue")}>{` ${"─".repeat(Math.max(0, columns - used))}`}</Text>
    </Text>
  );
}
