// Prometheus: the scrape config and the alert rules, as pure functions of the stack config.
// Everything here is valid for both the pinned Prometheus 3 and the promtool CI checks it with.
import type { RuleFile } from "../observability/alerts.js";
import { toYaml } from "./yaml.js";

export interface ScrapeTarget {
  readonly job: string;
  /** host:port on the stack network. */
  readonly address: string;
  readonly metricsPath?: string;
  /** A file inside the Prometheus container holding a bearer token. */
  readonly bearerTokenFile?: string;
  /** The host the metrics come from (the stack's own, or a fleet worker's): label `host`. */
  readonly host?: string;
  /** Label `instance`, where the address scraped is not the target itself (a worker, through the relay). */
  readonly instance?: string;
  /** Labels set on the scraped series: `target` is `replacement` where `source` matches `regex` (anchored). */
  readonly metricRelabels?: readonly { readonly source: string; readonly regex: string; readonly target: string; readonly replacement: string }[];
}

export interface PrometheusRenderInput {
  readonly stack: string;
  readonly targets: readonly ScrapeTarget[];
  /** Paths of the rule files inside the container. */
  readonly ruleFiles: readonly string[];
  /** host:port of Alertmanager on the stack network, which Prometheus sends firing alerts to. */
  readonly alertmanager?: string;
}

export const SCRAPE_INTERVAL = "15s";

export function buildPrometheusConfig(input: PrometheusRenderInput): Record<string, unknown> {
  const jobs = [...input.targets].sort((a, b) => a.job.localeCompare(b.job));
  return {
    global: {
      scrape_interval: SCRAPE_INTERVAL,
      evaluation_interval: SCRAPE_INTERVAL,
      external_labels: { stack: input.stack },
    },
    rule_files: [...input.ruleFiles],
    ...(input.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [input.alertmanager] }] }] } } : {}),
    // One scrape config per job, a static config per target: the same job on several hosts (a fleet)
    // differs by label host, and by path where a worker is scraped through the gateway's relay.
    scrape_configs: [...new Set(jobs.map((t) => t.job))].map((job) => {
      const targets = jobs.filter((t) => t.job === job);
      const first = targets[0]!;
      const relabels = targets.flatMap((t) => t.metricRelabels ?? []);
      return {
        job_name: job,
        ...(first.metricsPath ? { metrics_path: first.metricsPath } : {}),
        // The token is read from a file at scrape time: it never appears in this text.
        ...(first.bearerTokenFile ? { authorization: { type: "Bearer", credentials_file: first.bearerTokenFile } } : {}),
        static_configs: targets.map((t) => ({
          targets: [t.address],
          labels: {
            service: job,
            ...(t.host ? { host: t.host } : {}),
            ...(t.instance ? { instance: t.instance } : {}),
            // A target's own path, where it differs from the job's: Prometheus reads it from this label.
            ...(t.metricsPath !== first.metricsPath ? { __metrics_path__: t.metricsPath ?? "/metrics" } : {}),
          },
        })),
        ...(relabels.length > 0
          ? { metric_relabel_configs: relabels.map((r) => ({ source_labels: [r.source], regex: r.regex, target_label: r.target, replacement: r.replacement })) }
          : {}),
      };
    }),
  };
}

export function renderPrometheusConfig(input: PrometheusRenderInput): string {
  return toYaml(buildPrometheusConfig(input), "Prometheus config, rendered by ai-gateway. Do not edit: change the stack config and run `pulumi up`.");
}

export function renderRuleFile(file: RuleFile): string {
  return toYaml(
    {
      groups: [
        {
          name: file.name,
          rules: file.rules.map((r) => ({
            alert: r.alert,
            expr: r.expr,
            for: r.for,
            labels: { severity: r.severity },
            annotations: { summary: r.summary, description: r.description },
          })),
        },
      ],
    },
    `Alert rules (${file.name}), rendered by ai-gateway from the alerts config.`,
  );
}
