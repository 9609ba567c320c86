// Prometheus: scrape config and alert rules rendered from the stack config, data under dataRoot.
import * as pulumi from "@pulumi/pulumi";
import type { PrometheusSettings, StackConfig } from "../config/schema.js";
import { enabledServices } from "../config/services.js";
import { alertRuleFiles, renderPrometheusConfig, renderRuleFile, type ScrapeTarget } from "../renderers/prometheus.js";
import { CADVISOR, DCGM_EXPORTER, NODE_EXPORTER } from "./exporters.js";
import type { GeneratedFile } from "./files.js";
import { asUploads } from "./files.js";
import { LITELLM } from "./gateway.js";
import { GRAFANA } from "./grafana.js";
import { hardenedContainer, type Healthcheck, type StackContext } from "./hardenedContainer.js";
import { SHIPPERS } from "./logShipper.js";
import { LOKI } from "./loki.js";
import { QDRANT } from "./qdrant.js";

export const PROMETHEUS = Object.freeze({
  port: 9090,
  // The default image's USER is nobody.
  uid: 65534,
  gid: 65534,
  dataPath: "/prometheus",
  configDir: "/etc/prometheus",
  // Relative paths in prometheus.yml resolve against the config file's folder.
  rulesDir: "rules",
  litellmKeyFile: "secrets/litellm-master-key",
  qdrantKeyFile: "secrets/qdrant-api-key",
  // promtool ships in the image and needs no shell (the distroless variant has none).
  healthcheck: { tests: ["CMD", "promtool", "check", "healthy", "--url=http://127.0.0.1:9090"], interval: "10s", timeout: "5s", startPeriod: "30s", retries: 5 } satisfies Healthcheck,
  waitTimeoutSeconds: 120,
});

export const prometheusInternalUrl = (): string => `http://prometheus:${PROMETHEUS.port}`;

/** What Prometheus scrapes for a stack config. Ollama has no /metrics; LiteLLM covers its requests. */
export function scrapeTargets(config: StackConfig): ScrapeTarget[] {
  const shipper = SHIPPERS[config.logShipper];
  const on = new Set(enabledServices(config));
  return [
    { job: "prometheus", address: `localhost:${PROMETHEUS.port}` },
    // /metrics answers 307; LiteLLM 1.100.0 also wants a key there by default.
    { job: "litellm", address: `litellm:${LITELLM.port}`, metricsPath: LITELLM.metricsPath, bearerTokenFile: PROMETHEUS.litellmKeyFile },
    { job: "loki", address: `loki:${LOKI.port}` },
    { job: config.logShipper, address: `${config.logShipper}:${shipper.port}` },
    { job: "grafana", address: `grafana:${GRAFANA.port}` },
    // Qdrant's /metrics is not on its list of paths open without the key.
    { job: "qdrant", address: `qdrant:${QDRANT.port}`, bearerTokenFile: PROMETHEUS.qdrantKeyFile },
    ...(on.has("node-exporter") ? [{ job: "node-exporter", address: `node-exporter:${NODE_EXPORTER.port}` }] : []),
    ...(on.has("cadvisor") ? [{ job: "cadvisor", address: `cadvisor:${CADVISOR.port}` }] : []),
    ...(on.has("dcgm-exporter") ? [{ job: "dcgm-exporter", address: `dcgm-exporter:${DCGM_EXPORTER.port}` }] : []),
  ];
}

export function prometheusFiles(config: StackConfig): GeneratedFile[] {
  const on = new Set(enabledServices(config));
  const rules = alertRuleFiles(config.alerts, { gpu: on.has("dcgm-exporter"), host: on.has("node-exporter"), backup: config.backup.enabled });
  return [
    {
      service: "prometheus",
      path: "prometheus/prometheus.yml",
      containerPath: `${PROMETHEUS.configDir}/prometheus.yml`,
      content: renderPrometheusConfig({ stack: config.stack, targets: scrapeTargets(config), ruleFiles: [`${PROMETHEUS.rulesDir}/*.yml`] }),
    },
    ...rules.map((r) => ({
      service: "prometheus" as const,
      path: `prometheus/${PROMETHEUS.rulesDir}/${r.name}.yml`,
      containerPath: `${PROMETHEUS.configDir}/${PROMETHEUS.rulesDir}/${r.name}.yml`,
      content: renderRuleFile(r),
    })),
  ];
}

export interface PrometheusArgs {
  readonly ctx: StackContext;
  readonly settings: PrometheusSettings;
  /** prometheusFiles(config): the scrape config and rules depend on most of the stack. */
  readonly files: readonly GeneratedFile[];
  readonly image: string;
  readonly memoryMb: number;
  /** LiteLLM's /metrics/ needs a key (the master key is the only one without a database), as does Qdrant's. */
  readonly litellmKey: pulumi.Output<string>;
  readonly qdrantKey: pulumi.Output<string>;
}

export class Prometheus extends pulumi.ComponentResource {
  readonly internalUrl = prometheusInternalUrl();

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Prometheus", name, {}, opts);
    const prometheus = args.settings;
    hardenedContainer(
      args.ctx,
      {
        service: "prometheus",
        image: args.image,
        healthcheck: PROMETHEUS.healthcheck,
        waitTimeoutSeconds: PROMETHEUS.waitTimeoutSeconds,
        memoryMb: args.memoryMb,
        ports: [{ internal: PROMETHEUS.port, external: PROMETHEUS.port }],
        // Replacing the command drops the image's default flags, so all of them are spelled out.
        command: [
          `--config.file=${PROMETHEUS.configDir}/prometheus.yml`,
          `--storage.tsdb.path=${PROMETHEUS.dataPath}`,
          `--storage.tsdb.retention.time=${prometheus.retentionTime}`,
          `--storage.tsdb.retention.size=${prometheus.retentionSize}`,
        ],
        data: { containerPath: PROMETHEUS.dataPath, uid: PROMETHEUS.uid, gid: PROMETHEUS.gid },
        uploads: pulumi.secret(
          pulumi.all([
            ...asUploads(args.files),
            ...[
              [PROMETHEUS.litellmKeyFile, args.litellmKey],
              [PROMETHEUS.qdrantKeyFile, args.qdrantKey],
            ].map(([file, content]) => ({
              file: `${PROMETHEUS.configDir}/${file}`,
              content,
              owner: String(PROMETHEUS.uid),
              group: String(PROMETHEUS.gid),
              permissions: "0400",
            })),
          ]),
        ),
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
