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
    scrape_configs: jobs.map((t) => ({
      job_name: t.job,
      ...(t.metricsPath ? { metrics_path: t.metricsPath } : {}),
      // The token is read from a file at scrape time: it never appears in this text.
      ...(t.bearerTokenFile ? { authorization: { type: "Bearer", credentials_file: t.bearerTokenFile } } : {}),
      static_configs: [{ targets: [t.address], labels: { service: t.job } }],
    })),
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
