/** @jsxRuntime automatic */
import { Text } from "ink";
import { splitCells } from "../format.js";
import { SEGMENT_COLORS, SEGMENT_GLYPHS, useColor } from "../theme.js";

/**
 * Three stacked segments, `cells` wide in all (the share of `scale` this bar
 * takes), padded to `width`. Each segment has its own glyph so the bar reads
 * without colour.
 */
export function StackedBar({
  values,
  scale,
  width,
}: {
  values: readonly [number, number, number];
  scale: number;
  width: number;
}) {
  const c = useColor();
  const sum = values.reduce((total, value) => total + value, 0);
  const cells = scale > 0 ? Math.max(sum > 0 ? 1 : 0, Math.round((sum / scale) * width)) : 0;
  const split = splitCells(values, Math.min(width, cells));
  const used = split.reduce((total, n) => total + n, 0);
  return (
    <Text>
      {split.map((n, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the three segments are fixed positions
        <Text key={index} {...c(SEGMENT_COLORS[index] ?? "gray")}>
          {(SEGMENT_GLYPHS[index] ?? "?").repeat(n)}
        </Text>
      ))}
      <Text>{" ".repeat(Math.max(0, width - used))}</Text>
    </Text>
  );
}
