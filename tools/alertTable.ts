// The alert table of docs/observability.md, rendered from the alert definitions themselves, so the
// docs list every alert the stack can fire, with its default threshold (written by `npm run docs:tables`).
import { DEFAULTS } from "../config/schema.js";
import { alertRuleFiles } from "../observability/alerts.js";
import { cell } from "./format.js";

// Rule files that exist only when a part of the stack runs; the others are always there.
const ONLY_WHEN: Readonly<Record<string, string>> = Object.freeze({
  gpu: "only with the DCGM exporter (`exporters.dcgm`, on when Ollama has GPUs)",
  host: "only with node-exporter (`exporters.nodeExporter`)",
  backup: "only with `backup.enabled`",
  fleet: "only on a gateway with `workers`",
});

/** `2m` → `2 min`, `26h` → `26 h`: the durations Prometheus takes, as a reader says them. */
function duration(d: string): string {
  const m = /^(\d+)([smh])$/.exec(d);
  if (!m) return d;
  return `${m[1]} ${{ s: "s", m: "min", h: "h" }[m[2] as "s" | "m" | "h"]}`;
}

/** The Markdown table of every alert, rendered with the default thresholds and every part on. */
export function alertTable(): string {
  const files = alertRuleFiles(DEFAULTS.alerts, { gpu: true, host: true, backup: true, offsite: DEFAULTS.offsite, fleet: true });
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
