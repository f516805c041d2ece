/**
 * The steps that stop a run, in order: cancel tasks, stop services, sweep any
 * process group still registered. Each step gets the same grace between
 * SIGTERM and SIGKILL; `hurry()` (a second Ctrl-C) makes later steps use none.
 */
export type TeardownStep = (graceMs: number) => Promise<unknown> | unknown;

export class Teardown {
  private readonly steps: TeardownStep[] = [];
  private hurried = false;
  private running: Promise<void> | undefined;

  constructor(private readonly graceMs: number) {}

  get grace(): number {
    return this.hurried ? 0 : this.graceMs;
  }

  add(step: TeardownStep): void {
    this.steps.push(step);
  }

  /** Adds a step that runs before every step added so far. */
  first(step: TeardownStep): void {
    this.steps.unshift(step);
  }

  hurry(): void {
    this.hurried = true;
  }

  /** Runs every step once, in order; a failing step does not stop the others. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps) {
        try {
          await step(this.grace);
        } catch {
          // Teardown must reach the end: a later step still has processes to stop.
        }
      }
    })();
    return this.running;
  }
}
