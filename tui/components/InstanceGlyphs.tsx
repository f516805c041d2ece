/** @jsxRuntime automatic */
import { Text } from "ink";
import type { InstanceView } from "../../engine/state.js";
import { INSTANCE_GLYPHS, instanceColor, useColor } from "../theme.js";

/** One glyph per instance, `width` cells at most (then `+N`). */
export function InstanceGlyphs({ instances, width }: { instances: InstanceView[]; width: number }) {
  const c = useColor();
  const fits = instances.length <= width;
  const shown = fits ? instances : instances.slice(0, Math.max(0, width - 3));
  const more = fits ? "" : `+${instances.length - shown.length}`;
  const pad = Math.max(0, width - shown.length - more.length);
  return (
    <Text>
      {shown.map((instance) => (
        <Text key={instance.instance} {...c(instanceColor(instance.state))}>
          {INSTANCE_GLYPHS[instance.state]}
        </Text>
      ))}
      <Text>{more + " ".repeat(pad)}</Text>
    </Text>
  );
}
