import { setTimeout as sleep } from "node:timers/promises";
import { Text } from "ink";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { useNow } from "../../tui/hooks/use-now.js";

let renders = 0;

function Clock({ data }: { data: number }) {
  renders += 1;
  const now = useNow(200);
  return <Text>{`${data} ${now}`}</Text>;
}

describe("useNow", () => {
  it("ticks on its own when nothing else redraws, and adds no frames while data keeps redrawing", async () => {
    renders = 0;
    const app = render(<Clock data={0} />);
    await sleep(700);
    // Idle: about one tick per 200 ms.
    expect(renders).toBeGreaterThanOrEqual(3);
    expect(renders).toBeLessThanOrEqual(6);
    renders = 0;
    for (let i = 1; i <= 10; i += 1) {
      app.rerender(<Clock data={i} />);
      await sleep(70);
    }
    // Data redraws every 70 ms: the clock adds none of its own.
    expect(renders).toBe(10);
    app.unmount();
  });
});
