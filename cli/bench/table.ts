/** A plain-text table for the summaries bench commands print. */
export function table(head: string[], rows: string[][], note?: string): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const lines = [format(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(format)];
  if (note !== undefined) lines.push("", note);
  return `${lines.join("\n")}\n`;
}
