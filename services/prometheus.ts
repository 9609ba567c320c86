// Prometheus: the facts of the image, and what it scrapes on the stack network.
import type { StackConfig } from "../config/schema.js";
import { enabledServices } from "../config/services.js";
import type { ScrapeTarget } from "../renderers/prometheus.js";
import { ALERTMANAGER } from "./alertmanager.js";
import { REDIS_EXPORTER } from "./cache.js";
import { CADVISOR, DCGM_EXPORTER, NODE_EXPORTER } from "./exporters.js";
import { GRAFANA } from "./grafana.js";
import { LITELLM } from "./litellm.js";
import { SHIPPERS } from "./logShippers.js";
import { LOKI } from "./loki.js";
import { QDRANT } from "./qdrant.js";
import { FLEET, type FleetWorker } from "./fleet.js";
import type { ServiceFacts } from "./types.js";

export const PROMETHEUS = Object.freeze({
  // Default (busybox) variant: runs as nobody (65534); the -distroless variant would be 65532.
  image: "prom/prometheus:v3.14.0",
  port: 9090,
  published: true,
  // The default image's USER is nobody.
  uid: 65534,
  gid: 65534,
  dataPath: "/prometheus",
  configDir: "/etc/prometheus",
  configFolders: ["/etc/prometheus"],
  // Relative paths in prometheus.yml resolve against the config file's folder.
  rulesDir: "rules",
  litellmKeyFile: "secrets/litellm-master-key",
  qdrantKeyFile: "secrets/qdrant-api-key",
  // promtool ships in the image and needs no shell (the distroless variant has none).
  healthcheck: { tests: ["CMD", "promtool", "check", "healthy", "--url=http://127.0.0.1:9090"], interval: "10s", timeout: "5s", startPeriod: "30s", retries: 5 },
  waitTimeoutSeconds: 120,
  // Writes only its TSDB, the data folder.
  confinement: { capAdds: [], rootFs: { readOnly: true, tmpfs: [] }, pidsLimit: 512 },
} as const satisfies ServiceFacts & Record<string, unknown>);

/** What Prometheus scrapes for a stack config. Ollama has no /metrics; LiteLLM covers its requests. */
export function scrapeTargets(config: StackConfig, workers: readonly FleetWorker[] = []): ScrapeTarget[] {
  const shipper = SHIPPERS[config.logShipper];
  const on = new Set(enabledServices(config));
  const host = config.stack;
  const local: ScrapeTarget[] = [
    { job: "prometheus", address: `localhost:${PROMETHEUS.port}` },
    // /metrics answers 307; LiteLLM 1.100.0 also wants a key there by default.
    { job: "litellm", address: `litellm:${LITELLM.port}`, metricsPath: LITELLM.metricsPath, bearerTokenFile: PROMETHEUS.litellmKeyFile },
    { job: "loki", address: `loki:${LOKI.port}` },
    { job: config.logShipper, address: `${config.logShipper}:${shipper.port}` },
    { job: "grafana", address: `grafana:${GRAFANA.port}` },
    { job: "alertmanager", address: `alertmanager:${ALERTMANAGER.port}` },
    // Qdrant's /metrics is not on its list of paths open without the key.
    { job: "qdrant", address: `qdrant:${QDRANT.port}`, bearerTokenFile: PROMETHEUS.qdrantKeyFile },
    ...(on.has("node-exporter") ? [{ job: "node-exporter", address: `node-exporter:${NODE_EXPORTER.port}` }] : []),
    ...(on.has("cadvisor") ? [{ job: "cadvisor", address: `cadvisor:${CADVISOR.port}` }] : []),
    ...(on.has("dcgm-exporter") ? [{ job: "dcgm-exporter", address: `dcgm-exporter:${DCGM_EXPORTER.port}` }] : []),
    ...(on.has("redis-exporter") ? [{ job: "valkey", address: `redis-exporter:${REDIS_EXPORTER.port}` }] : []),
  ];
  // Each worker's exporters, through the relay (services/fleet.ts), under the same jobs as this host's.
  const relay = `caddy:${FLEET.relayPort}`;
  const remote: ScrapeTarget[] = workers.flatMap((w) =>
    w.exporters.map((e) => ({ job: e.service, address: relay, metricsPath: `/${w.host}/${e.service}/metrics`, host: w.host, instance: new URL(e.url).host })),
  );
  // The relay's own metrics: whether each worker's Ollama answers (caddy_reverse_proxy_upstreams_healthy),
  // its upstreams named by the worker they belong to.
  const relayMetrics: ScrapeTarget[] =
    workers.length > 0
      ? [
          {
            job: FLEET_RELAY_JOB,
            address: relay,
            metricRelabels: workers.map((w) => ({ source: "upstream", regex: `${escapeRegex(new URL(w.ollamaUrl).hostname)}:[0-9]+`, target: "host", replacement: w.host })),
          },
        ]
      : [];
  return [...local.map((t) => ({ ...t, host })), ...remote, ...relayMetrics.map((t) => ({ ...t, host }))];
}

/** The job that scrapes the gateway's relay to its workers. */
export const FLEET_RELAY_JOB = "fleet-relay";

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The command, with retention from the stack config. Replacing it drops the image's default flags, so all are spelled out. */
export function prometheusCommand(s: { readonly retentionTime: string; readonly retentionSize: string }): string[] {
  return [
    `--config.file=${PROMETHEUS.configDir}/prometheus.yml`,
    `--storage.tsdb.path=${PROMETHEUS.dataPath}`,
    `--storage.tsdb.retention.time=${s.retentionTime}`,
    `--storage.tsdb.retention.size=${s.retentionSize}`,
  ];
}
