// npm run docs:alerts
// Writes the alert table of docs/observability.md from the alert definitions themselves, so the
// docs list every alert the stack can fire, with its default threshold, and never drift from the rules.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DEFAULTS } from "../config/schema.js";
import { alertRuleFiles } from "../observability/alerts.js";

export const ALERTS_BEGIN = "<!-- alerts:begin -->";
export const ALERTS_END = "<!-- alerts:end -->";
export const OBSERVABILITY_DOC = fileURLToPath(new URL("../docs/observability.md", import.meta.url));

// Rule files that exist only when a part of the stack runs; the others are always there.
const ONLY_WHEN: Readonly<Record<string, string>> = Object.freeze({
  gpu: "only with the DCGM exporter (`exporters.dcgm`, on when Ollama has GPUs)",
  host: "only with node-exporter (`exporters.nodeExporter`)",
  backup: "only with `backup.enabled`",
});

/** `2m` → `2 min`, `26h` → `26 h`: the durations Prometheus takes, as a reader says them. */
function duration(d: string): string {
  const m = /^(\d+)([smh])$/.exec(d);
  if (!m) return d;
  return `${m[1]} ${{ s: "s", m: "min", h: "h" }[m[2] as "s" | "m" | "h"]}`;
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

/** The Markdown table of every alert, rendered with the default thresholds and every part on. */
export function alertTable(): string {
  const files = alertRuleFiles(DEFAULTS.alerts, { gpu: true, host: true, backup: true, offsite: DEFAULTS.offsite });
  const rows = files.flatMap((f) =>
    f.rules.map((r) => {
      // The off-host alerts sit in backup.yml but need backup.offsite as well.
      const when = r.alert.startsWith("Offsite") ? "only with `backup.offsite`" : ONLY_WHEN[f.name];
      const file = `\`${f.name}.yml\`` + (when ? `, ${when}` : "");
      return `| \`${r.alert}\` | ${r.severity} | ${cell(r.summary)} | ${duration(r.for)} | ${file} |`;
    }),
  );
  return ["| Alert | Severity | Fires when | For | Rule file |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** The text with the table between the markers replaced; throws when a marker is missing. */
export function withAlertTable(text: string, table: string = alertTable()): string {
  const begin = text.indexOf(ALERTS_BEGIN);
  const end = text.indexOf(ALERTS_END);
  if (begin < 0 || end < begin) throw new Error(`the markers ${ALERTS_BEGIN} and ${ALERTS_END} are missing or out of order`);
  return `${text.slice(0, begin + ALERTS_BEGIN.length)}\n${table}\n${text.slice(end)}`;
}

/** What is between the markers now, without the line breaks that frame it. */
export function currentAlertTable(text: string): string | undefined {
  const begin = text.indexOf(ALERTS_BEGIN);
  const end = text.indexOf(ALERTS_END);
  if (begin < 0 || end < begin) return undefined;
  return text.slice(begin + ALERTS_BEGIN.length, end).replace(/^\n/, "").replace(/\n$/, "");
}

/** Rewrites the doc in place; returns whether anything changed. */
export function writeAlertTable(path: string = OBSERVABILITY_DOC): boolean {
  const before = readFileSync(path, "utf8");
  const after = withAlertTable(before);
  if (after !== before) writeFileSync(path, after);
  return after !== before;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const changed = writeAlertTable();
  process.stdout.write(`${OBSERVABILITY_DOC}: alert table ${changed ? "rewritten" : "already up to date"}\n`);
}
