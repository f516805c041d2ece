/** @jsxRuntime automatic */
import { Text } from "ink";
import type { InstanceView } from "../../engine/state.js";
import { INSTANCE_GLYPHS, instanceColor, useColor } from "../theme.js";

/** Instances a scale-down is draining (still ready, out of rotation). */
export const DRAINING_GLYPH = "◌";

/** One glyph per instance, `width` cells at most (then `+N`). */
export function InstanceGlyphs({
  instances,
  width,
  draining,
}: {
  instances: InstanceView[];
  width: number;
  draining?: ReadonlySet<number>;
}) {
  const c = useColor();
  const fits = instances.length <= width;
  const shown = fits ? instances : instances.slice(0, Math.max(0, width - 3));
  const more = fits ? "" : `+${instances.length - shown.length}`;
  const pad = Math.max(0, width - shown.length - more.length);
  return (
    <Text>
      {shown.map((instance) => (
        <Text key={instance.instance} {...c(draining?.has(instance.instance) ? "gray" : instanceColor(instance.state))}>
          {draining?.has(instance.instance) ? DRAINING_GLYPH : INSTANCE_GLYPHS[instance.state]}
        </Text>
      ))}
      <Text>{more + " ".repeat(pad)}</Text>
    </Text>
  );
}
