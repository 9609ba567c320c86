// The backup section of the contract: whether, when and how many.
import { cronProblem } from "./cron.js";
import { DEFAULTS, type BackupSettings, type ExporterSettings } from "./schema.js";
import { bool, intIn, mapping, quote, type Collector } from "./validation.js";

export function validateBackup(c: Collector, raw: unknown, exporters: ExporterSettings): BackupSettings {
  const d = DEFAULTS.backup;
  const o = mapping(c, "backup", raw, ["enabled", "schedule", "retention"]);
  const schedule = o["schedule"] ?? d.schedule;
  if (typeof schedule !== "string") {
    c.add("backup.schedule", `${quote(schedule)} is not a cron expression`, `e.g. backup.schedule: "${d.schedule}"`);
  } else {
    const problem = cronProblem(schedule);
    if (problem) c.add("backup.schedule", `"${schedule}" ${problem}`, `use five fields, e.g. "${d.schedule}" (03:15 every day)`);
  }
  const backup = {
    enabled: bool(c, "backup.enabled", o["enabled"], d.enabled),
    schedule: typeof schedule === "string" ? schedule.trim().split(/\s+/).join(" ") : d.schedule,
    retention: intIn(c, "backup.retention", o["retention"], 1, 365, d.retention),
  };
  if (backup.enabled && !exporters.nodeExporter) {
    c.add("backup.enabled", "backups report success through node-exporter, which exporters.nodeExporter turns off", "enable exporters.nodeExporter, or set backup.enabled to false");
  }
  return backup;
}
