// The monitoring side of the contract: the log shipper, Prometheus and Loki retention, the exporters
// and the alert thresholds.
import { DEFAULTS, type AlertThresholds, type ExporterSettings, type GpuSelection, type LogShipper, type LokiSettings, type PrometheusSettings } from "./schema.js";
import { bool, mapping, quote, type Collector } from "./validation.js";

// Prometheus durations ("15d", "1d12h") and byte sizes ("10GB").
const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const PROM_SIZE = /^\d+(B|KB|MB|GB|TB|PB|EB)$/;
const HOURS_PER_UNIT: Record<string, number> = { h: 1, d: 24, w: 168 };

export function validateLogShipper(c: Collector, raw: string | undefined): LogShipper {
  const logShipper = (raw ?? DEFAULTS.logShipper) as LogShipper;
  if (logShipper !== "promtail" && logShipper !== "alloy") {
    c.add("logShipper", `${quote(logShipper)} is not "promtail" or "alloy"`, `pulumi config set logShipper alloy`);
  }
  return logShipper;
}

export function validatePrometheus(c: Collector, raw: unknown): PrometheusSettings {
  const o = mapping(c, "prometheus", raw, ["retentionTime", "retentionSize"]);
  const d = DEFAULTS.prometheus;
  const retentionTime = o["retentionTime"] ?? d.retentionTime;
  const retentionSize = o["retentionSize"] ?? d.retentionSize;
  if (typeof retentionTime !== "string" || !PROM_DURATION.test(retentionTime)) {
    c.add("prometheus.retentionTime", `${quote(retentionTime)} is not a Prometheus duration`, `use e.g. "15d" or "4w"`);
  }
  if (typeof retentionSize !== "string" || !PROM_SIZE.test(retentionSize)) {
    c.add("prometheus.retentionSize", `${quote(retentionSize)} is not a size such as "10GB"`, `use a whole number with B, KB, MB, GB or TB, e.g. "10GB"`);
  }
  return { retentionTime: String(retentionTime), retentionSize: String(retentionSize) };
}

export function validateLoki(c: Collector, raw: unknown): LokiSettings {
  const o = mapping(c, "loki", raw, ["retentionPeriod"]);
  const period = o["retentionPeriod"] ?? DEFAULTS.loki.retentionPeriod;
  const m = typeof period === "string" ? period.match(/^(\d+)(h|d|w)$/) : null;
  const hours = m ? Number(m[1]) * HOURS_PER_UNIT[m[2]!]! : NaN;
  if (!(hours >= 24 && hours % 24 === 0)) {
    c.add("loki.retentionPeriod", `${quote(period)} is not a whole number of days`, `Loki's retention must be a multiple of its 24h index period: use e.g. "168h" or "30d"`);
  }
  return { retentionPeriod: String(period) };
}

export function validateExporters(c: Collector, raw: unknown, gpus: GpuSelection): ExporterSettings {
  const o = mapping(c, "exporters", raw, ["nodeExporter", "cadvisor", "dcgm"]);
  const dcgm = bool(c, "exporters.dcgm", o["dcgm"], gpus.kind !== "none");
  if (dcgm && gpus.kind === "none") {
    c.add("exporters.dcgm", "the DCGM exporter needs a GPU, but ollama.gpus is \"none\"", `set exporters.dcgm to false, or give Ollama GPUs`);
  }
  return {
    nodeExporter: bool(c, "exporters.nodeExporter", o["nodeExporter"], DEFAULTS.exporters.nodeExporter),
    cadvisor: bool(c, "exporters.cadvisor", o["cadvisor"], DEFAULTS.exporters.cadvisor),
    dcgm,
  };
}

export function validateAlerts(c: Collector, raw: unknown): AlertThresholds {
  const d = DEFAULTS.alerts;
  const keys = Object.keys(d) as (keyof AlertThresholds)[];
  const o = mapping(c, "alerts", raw, keys);
  const out = { ...d } as Record<keyof AlertThresholds, number>;
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    const max = k === "p95LatencySeconds" ? 3600 : 100;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > max) {
      c.add(`alerts.${k}`, `${quote(v)} is not a number above 0 and at most ${max}`, `e.g. alerts.${k}: ${d[k]}`);
    } else {
      out[k] = v;
    }
  }
  return out;
}
