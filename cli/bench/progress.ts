/**
 * Progress of a bench run, picked once: NDJSON lines on stdout with --json
 * (like `run --json`), a redrawn bar on a terminal, plain lines otherwise.
 */
export interface Progress {
  start(experiment: string, dir: string, total: number): void;
  /** A measurement begins (`done` finished so far). */
  step(done: number, label: string): void;
  /** A measurement's record. */
  measured(record: Record<string, unknown>): void;
  note(message: string): void;
  finish(result: Record<string, unknown>): void;
}

const line = (body: Record<string, unknown>) => `${JSON.stringify({ v: 1, ts: Date.now(), ...body })}\n`;

export function ndjsonProgress(out: NodeJS.WritableStream = process.stdout): Progress {
  let total = 0;
  return {
    start(experiment, dir, count) {
      total = count;
      out.write(line({ type: "bench:start", experiment, results_dir: dir, total }));
    },
    step(done, label) {
      out.write(line({ type: "bench:progress", done, total, label }));
    },
    measured(record) {
      out.write(line({ type: "bench:measurement", ...record }));
    },
    note(message) {
      out.write(line({ type: "bench:note", message }));
    },
    finish(result) {
      out.write(line({ type: "bench:result", ...result }));
    },
  };
}

/** A bar on a terminal (stderr), redrawn in place; the summary table goes to stdout. */
export function ttyProgress(err: NodeJS.WriteStream = process.stderr): Progress {
  let total = 0;
  const draw = (done: number, label: string) => {
    const width = 30;
    const filled = total === 0 ? 0 : Math.round((done / total) * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const text = ` ${bar} ${done}/${total} ${label}`;
    err.write(`\r\x1b[2K${text.slice(0, (err.columns ?? 100) - 1)}`);
  };
  return {
    start(experiment, dir, count) {
      total = count;
      err.write(`flotilla bench ${experiment}: ${count} measurements, results in ${dir}\n`);
    },
    step: draw,
    measured() {},
    note(message) {
      err.write(`\r\x1b[2K${message}\n`);
    },
    finish() {
      err.write("\r\x1b[2K");
    },
  };
}

export function textProgress(err: NodeJS.WritableStream = process.stderr): Progress {
  let total = 0;
  return {
    start(experiment, dir, count) {
      total = count;
      err.write(`flotilla bench ${experiment}: ${count} measurements, results in ${dir}\n`);
    },
    step(done, label) {
      err.write(`[${done + 1}/${total}] ${label}\n`);
    },
    measured() {},
    note(message) {
      err.write(`${message}\n`);
    },
    finish() {},
  };
}

export function chooseProgress(json: boolean): Progress {
  if (json) return ndjsonProgress();
  return process.stderr.isTTY ? ttyProgress() : textProgress();
}
