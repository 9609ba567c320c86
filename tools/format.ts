// Numbers and tables for terminal output and the code blocks of PR descriptions.

/** Linear interpolation between closest ranks (numpy's default); null for no data. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const idx = (p / 100) * (s.length - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return s[lo]! + (s[hi]! - s[lo]!) * (idx - lo);
}

/** Left-aligned columns, for terminals and code blocks alike. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 2))).join("").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** A Markdown table cell: pipes escaped. */
export const cell = (s: string) => s.replace(/\|/g, "\\|");

/** A Markdown table. */
export const markdownTable = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
