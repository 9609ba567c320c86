// Every metric name a dashboard or alert rule may use, with where it comes from. A test refuses any
// PromQL in the repo that names a metric missing here, so a renamed metric cannot go unnoticed.
export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricFact {
  readonly name: string;
  readonly type: MetricType;
  readonly source: string;
}

const LITELLM = "LiteLLM 1.100.0 /metrics/, seen in test/litellm after real traffic";
const DCGM = "NVIDIA/dcgm-exporter etc/default-counters.csv (enabled by default)";
const NODE = "prometheus/node_exporter meminfo and filesystem collectors (default on)";
const CADVISOR = "google/cadvisor docs/storage/prometheus.md";
const LOKI = "grafana/loki distributor and server instrumentation";
const PROMETHEUS = "Prometheus: synthetic series added to every scrape";
const BACKUP = "scripts/backup.sh, through node-exporter's textfile collector";
const OFFSITE = "scripts/offsite.sh, through node-exporter's textfile collector";
const ALERTMANAGER = "Alertmanager /metrics (0.25 and 0.34), one series per integration";

export const METRICS: readonly MetricFact[] = Object.freeze([
  { name: "alertmanager_notifications_failed_total", type: "counter", source: ALERTMANAGER },
  // LiteLLM: counters carry the _total suffix, histograms _bucket/_sum/_count.
  { name: "litellm_proxy_total_requests_metric_total", type: "counter", source: LITELLM },
  { name: "litellm_proxy_failed_requests_metric_total", type: "counter", source: LITELLM },
  { name: "litellm_deployment_successful_fallbacks_total", type: "counter", source: LITELLM },
  { name: "litellm_deployment_failed_fallbacks_total", type: "counter", source: LITELLM },
  { name: "litellm_deployment_failure_responses_total", type: "counter", source: LITELLM },
  { name: "litellm_deployment_state", type: "gauge", source: LITELLM },
  { name: "litellm_request_total_latency_metric", type: "histogram", source: LITELLM },
  { name: "litellm_llm_api_time_to_first_token_metric", type: "histogram", source: LITELLM },
  { name: "litellm_input_tokens_metric_total", type: "counter", source: LITELLM },
  { name: "litellm_output_tokens_metric_total", type: "counter", source: LITELLM },
  { name: "litellm_in_flight_requests", type: "gauge", source: LITELLM },
  // DCGM exporter (MiB for framebuffer, % for utilisation).
  { name: "DCGM_FI_DEV_FB_USED", type: "gauge", source: DCGM },
  { name: "DCGM_FI_DEV_FB_FREE", type: "gauge", source: DCGM },
  { name: "DCGM_FI_DEV_GPU_UTIL", type: "gauge", source: DCGM },
  { name: "DCGM_FI_DEV_GPU_TEMP", type: "gauge", source: DCGM },
  { name: "DCGM_FI_DEV_POWER_USAGE", type: "gauge", source: DCGM },
  // node-exporter.
  { name: "node_memory_MemAvailable_bytes", type: "gauge", source: NODE },
  { name: "node_memory_MemTotal_bytes", type: "gauge", source: NODE },
  { name: "node_filesystem_avail_bytes", type: "gauge", source: NODE },
  { name: "node_filesystem_size_bytes", type: "gauge", source: NODE },
  { name: "node_cpu_seconds_total", type: "counter", source: NODE },
  // cAdvisor (per container; `name` is the container name).
  { name: "container_memory_working_set_bytes", type: "gauge", source: CADVISOR },
  { name: "container_cpu_usage_seconds_total", type: "counter", source: CADVISOR },
  // Loki.
  { name: "loki_distributor_lines_received_total", type: "counter", source: LOKI },
  { name: "loki_request_duration_seconds", type: "histogram", source: LOKI },
  // Backups (written only on success).
  { name: "ai_gateway_backup_last_success_timestamp_seconds", type: "gauge", source: BACKUP },
  { name: "ai_gateway_backup_last_size_bytes", type: "gauge", source: BACKUP },
  { name: "ai_gateway_backup_last_duration_seconds", type: "gauge", source: BACKUP },
  // Off-host copies and restic check (written only on success).
  { name: "ai_gateway_offsite_last_success_timestamp_seconds", type: "gauge", source: OFFSITE },
  { name: "ai_gateway_offsite_last_size_bytes", type: "gauge", source: OFFSITE },
  { name: "ai_gateway_offsite_last_duration_seconds", type: "gauge", source: OFFSITE },
  { name: "ai_gateway_offsite_check_last_success_timestamp_seconds", type: "gauge", source: OFFSITE },
  // Prometheus itself.
  { name: "up", type: "gauge", source: PROMETHEUS },
] satisfies MetricFact[]);

const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"];

/** True when `name` is a catalogued metric, or a series of a catalogued histogram. */
export function isKnownMetric(name: string): boolean {
  return METRICS.some((m) => m.name === name || (m.type === "histogram" && HISTOGRAM_SUFFIXES.some((s) => name === m.name + s)));
}

const PROMQL_WORDS = new Set([
  "sum", "avg", "min", "max", "count", "rate", "irate", "increase", "histogram_quantile", "by", "without", "on", "ignoring",
  "group_left", "group_right", "and", "or", "unless", "bool", "offset", "vector", "scalar", "clamp_min", "clamp_max", "abs",
  "topk", "bottomk", "label_replace", "absent", "absent_over_time", "time", "le", "inf", "nan", "avg_over_time", "max_over_time",
]);

/** Metric names a PromQL expression reads. Label matchers, grouping clauses and strings are skipped. */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/\[[^\]]*\]/g, "");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const after = stripped.slice(m.index! + word.length).trimStart();
    if (PROMQL_WORDS.has(word.toLowerCase()) || after.startsWith("(")) continue;
    if (/^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}
