/**
 * `flotilla report DIR`: figures (SVG) and one self-contained HTML page from
 * a bench results directory or a session directory. The charting library is
 * evaluated only when a figure is drawn (cli/report/render.ts), so no other
 * command pays for it at start-up.
 */
import type { Command } from "commander";
import { writeReport } from "../report/index.js";

export function register(program: Command): void {
  program
    .command("report")
    .description("draw figures (SVG) and an HTML page from a bench results directory or a session directory")
    .argument("<dir>", "a `flotilla bench` results directory or a `flotilla run` session directory")
    .option("--out <dir>", "where to write the report (default DIR/report)")
    .option("--json", "print what was written as one JSON object")
    .action(async (dir: string, flags: { out?: string; json?: boolean }) => {
      const written = await writeReport(dir, flags.out);
      if (flags.json) process.stdout.write(`${JSON.stringify(written)}\n`);
      else process.stdout.write(`flotilla report: ${written.figures.length} figures, ${written.index}\n`);
    });
}
