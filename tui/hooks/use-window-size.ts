import { useStdout } from "ink";
import { useEffect, useState } from "react";

export interface WindowSize {
  columns: number;
  rows: number;
}

/** Terminal size, following resizes. `fixed` pins it (tests, `show`). */
export function useWindowSize(fixed?: WindowSize): WindowSize {
  const { stdout } = useStdout();
  const read = (): WindowSize => fixed ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
    // `fixed` is a test/show setting and does not change over a mount.
  }, [stdout, fixed]);
  return fixed ?? size;
}
