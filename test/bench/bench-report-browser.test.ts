/**
 * The report's index.html in headless Chromium (Debian's `chromium`,
 * installed by test/setup/install.sh): it needs no network, a screenshot of
 * it is not blank, and the page logs no console errors.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { inkShare } from "./png.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

describe.skipIf(CHROMIUM === undefined)("the HTML report in a browser", () => {
  it("renders every figure offline, not blank, with no console errors", async () => {
    const dir = tempDir("flotilla-bench-html-");
    const out = join(dir, "results");
    const bench = await runCli(["bench", "bootstrap", "--instances", "1,2", "--rounds", "1", "--out", out], {
      cwd: dir,
    });
    expect(bench.code, bench.stderr).toBe(0);
    const report = await runCli(["report", out], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    const index = join(out, "report", "index.html");
    const html = readFileSync(index, "utf8");
    // Self-contained: nothing to fetch.
    expect(html).not.toMatch(/<script|<link|\ssrc=|url\(/i);
    expect(html.match(/<svg/g)).toHaveLength(2);

    const screenshot = join(dir, "page.png");
    const browser = spawnSync(
      CHROMIUM!,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${join(dir, "profile")}`,
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1100,900",
        `--screenshot=${screenshot}`,
        `file://${index}`,
      ],
      { encoding: "utf8", timeout: 90_000 },
    );
    expect(browser.status, browser.stderr).toBe(0);
    expect(existsSync(screenshot)).toBe(true);
    expect(inkShare(screenshot)).toBeGreaterThan(0.005);
    const console = browser.stderr.split("\n").filter((l) => /CONSOLE|Failed to load resource|Uncaught/.test(l));
    expect(console).toEqual([]);
  }, 180_000);
});
