// Every file a stack generates, rendered once, with the path each container reads it from. The
// components upload their share of this list (plus secret files, which are never rendered),
// `npm run render` writes it, and the backups copy it back out of the running containers.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEFAULTS, type StackConfig } from "../config/schema.js";
import { enabledServices } from "../config/services.js";
import { renderCaddyfile, type CaddyTls } from "../renderers/caddy.js";
import { renderGrafanaDashboardProvider, renderGrafanaDatasources } from "../renderers/grafana.js";
import { renderLiteLlmConfig } from "../renderers/litellm.js";
import { renderLogShipperConfig } from "../renderers/logShipper.js";
import { renderLokiConfig } from "../renderers/loki.js";
import { alertRuleFiles } from "../observability/alerts.js";
import { renderPrometheusConfig, renderRuleFile } from "../renderers/prometheus.js";
import { CADDY, certificateNames } from "./caddy.js";
import { FACTS, internalUrl } from "./catalog.js";
import { planExposure } from "./exposure.js";
import { GRAFANA } from "./grafana.js";
import { gatewayWorkers, LITELLM } from "./litellm.js";
import { renderAlertmanagerConfig } from "../renderers/alertmanager.js";
import { ALERTMANAGER } from "./alertmanager.js";
import { renderValkeyConfig, VALKEY } from "./cache.js";
import { DOCKER_PROXY_URL } from "./dockerProxy.js";
import { SHIPPERS } from "./logShippers.js";
import { LOKI } from "./loki.js";
import type { ServiceName } from "./names.js";
import { PROMETHEUS, scrapeTargets } from "./prometheus.js";

export interface GeneratedFile {
  /** The container that reads it. */
  readonly service: ServiceName;
  /** Relative path in a render folder, e.g. "prometheus/prometheus.yml". */
  readonly path: string;
  /** Absolute path inside the service's container. */
  readonly containerPath: string;
  readonly content: string;
}

/** The dashboards kept in the repo, sorted by file name. */
export const DASHBOARDS_DIR = fileURLToPath(new URL("../observability/dashboards/", import.meta.url));

function litellmFiles(config: StackConfig, workers: number): GeneratedFile[] {
  const content = renderLiteLlmConfig({
    workers,
    ...(config.cache.enabled ? { cache: { host: "valkey", port: VALKEY.port, ttlSeconds: config.cache.ttlSeconds } } : {}),
    routes: config.routes,
    cloudModels: config.cloudModels,
    localModels: config.ollama.models,
    localTimeoutSeconds: DEFAULTS.routeTimeoutSeconds,
    aliases: config.aliases,
    ollamaApiBase: internalUrl("ollama"),
    extraOllamaApiBases: config.ollama.hosts,
    routingStrategy: config.routingStrategy,
  });
  return [{ service: "litellm", path: "litellm/config.yaml", containerPath: LITELLM.configPath, content }];
}

/** The entry point's TLS as the Caddyfile needs it: certificate names, or the files' paths in the container. */
export function caddyTls(config: StackConfig): CaddyTls {
  const t = config.tls;
  switch (t.mode) {
    case "off":
    case "acme":
      return t;
    case "internal":
      return { mode: "internal", names: certificateNames(config.bindAddress, t.names) };
    case "files":
      return { mode: "files", names: certificateNames(config.bindAddress, t.names), certFile: `${CADDY.tlsDir}/cert.pem`, keyFile: `${CADDY.tlsDir}/key.pem` };
  }
}

function caddyFiles(config: StackConfig): GeneratedFile[] {
  const content = renderCaddyfile({
    sites: planExposure(config).sites.map((s) => ({
      port: s.port,
      upstream: `${s.service}:${FACTS[s.service].port}`,
      basicAuth: s.basicAuth,
      retry: s.service === "litellm",
      // The gateway's own guards (config key gateway): LiteLLM enforces neither without its enterprise licence.
      ...(s.service === "litellm" ? { maxBodyMb: config.gateway.maxRequestMb, ...(config.gateway.maxParallelRequests !== undefined ? { maxInFlight: config.gateway.maxParallelRequests } : {}) } : {}),
    })),
    tls: caddyTls(config),
    adminAddress: CADDY.adminAddress,
    retrySeconds: CADDY.retrySeconds,
    retryBufferMb: CADDY.retryBufferMb,
    maxBodyMb: CADDY.maxBodyMb,
    basicAuthUser: CADDY.basicAuthUser,
    basicAuthHashEnv: CADDY.basicAuthHashEnv,
  });
  const files: GeneratedFile[] = [{ service: "caddy", path: "caddy/Caddyfile", containerPath: CADDY.caddyfilePath, content }];
  // A given certificate is public; its key is a secret file the component adds beside this list.
  if (config.tls.mode === "files") files.push({ service: "caddy", path: "caddy/tls/cert.pem", containerPath: `${CADDY.tlsDir}/cert.pem`, content: config.tls.certificate });
  return files;
}

function prometheusFiles(config: StackConfig): GeneratedFile[] {
  const on = new Set(enabledServices(config));
  const rules = alertRuleFiles(config.alerts, { gpu: on.has("dcgm-exporter"), host: on.has("node-exporter"), backup: config.backup.enabled, backupSchedule: config.backup.schedule, ...(config.backup.offsite ? { offsite: config.backup.offsite } : {}) });
  return [
    {
      service: "prometheus",
      path: "prometheus/prometheus.yml",
      containerPath: `${PROMETHEUS.configDir}/prometheus.yml`,
      content: renderPrometheusConfig({ stack: config.stack, targets: scrapeTargets(config), ruleFiles: [`${PROMETHEUS.rulesDir}/*.yml`], alertmanager: `alertmanager:${ALERTMANAGER.port}` }),
    },
    ...rules.map((r) => ({
      service: "prometheus" as const,
      path: `prometheus/${PROMETHEUS.rulesDir}/${r.name}.yml`,
      containerPath: `${PROMETHEUS.configDir}/${PROMETHEUS.rulesDir}/${r.name}.yml`,
      content: renderRuleFile(r),
    })),
  ];
}

function cacheFiles(config: StackConfig): GeneratedFile[] {
  if (!config.cache.enabled) return [];
  return [{ service: "valkey", path: "valkey/valkey.conf", containerPath: VALKEY.configPath, content: renderValkeyConfig(config.memoryLimitsMb.valkey) }];
}

function alertmanagerFiles(config: StackConfig): GeneratedFile[] {
  const content = renderAlertmanagerConfig({ alerting: config.alerting, slackWebhookUrlFile: ALERTMANAGER.slackWebhookUrlFile, smtpPasswordFile: ALERTMANAGER.smtpPasswordFile });
  return [{ service: "alertmanager", path: "alertmanager/alertmanager.yml", containerPath: ALERTMANAGER.configPath, content }];
}

function lokiFiles(config: StackConfig): GeneratedFile[] {
  const content = renderLokiConfig({ settings: config.loki, dataPath: LOKI.dataPath, httpPort: LOKI.port });
  return [{ service: "loki", path: "loki/config.yaml", containerPath: LOKI.configPath, content }];
}

function logShipperFiles(config: StackConfig): GeneratedFile[] {
  const shipper = config.logShipper;
  const facts = SHIPPERS[shipper];
  const content = renderLogShipperConfig({
    shipper,
    stack: config.stack,
    lokiPushUrl: `${internalUrl("loki")}/loki/api/v1/push`,
    dockerHost: DOCKER_PROXY_URL,
    statePath: facts.dataPath,
    httpPort: facts.port,
  });
  return [{ service: shipper, path: `${shipper}/${facts.configPath.split("/").pop()}`, containerPath: facts.configPath, content }];
}

function grafanaFiles(): GeneratedFile[] {
  const input = { prometheusUrl: internalUrl("prometheus"), lokiUrl: internalUrl("loki"), alertmanagerUrl: internalUrl("alertmanager"), dashboardsPath: GRAFANA.dashboardsPath };
  const dashboards = readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f): GeneratedFile => ({ service: "grafana", path: `grafana/dashboards/${f}`, containerPath: `${GRAFANA.dashboardsPath}/${f}`, content: readFileSync(`${DASHBOARDS_DIR}${f}`, "utf8") }));
  return [
    { service: "grafana", path: "grafana/provisioning/datasources/ai-gateway.yaml", containerPath: `${GRAFANA.provisioningPath}/datasources/ai-gateway.yaml`, content: renderGrafanaDatasources(input) },
    { service: "grafana", path: "grafana/provisioning/dashboards/ai-gateway.yaml", containerPath: `${GRAFANA.provisioningPath}/dashboards/ai-gateway.yaml`, content: renderGrafanaDashboardProvider(input) },
    ...dashboards,
  ];
}

/** The stack's generated files, in a fixed order: the one list every consumer reads. */
export function generatedFiles(config: StackConfig, host: { readonly workers?: number } = {}): GeneratedFile[] {
  return [...litellmFiles(config, host.workers ?? gatewayWorkers(config, undefined)), ...caddyFiles(config), ...prometheusFiles(config), ...alertmanagerFiles(config), ...cacheFiles(config), ...lokiFiles(config), ...logShipperFiles(config), ...grafanaFiles()];
}

/** One service's share of the list. */
export const filesOf = (files: readonly GeneratedFile[], service: ServiceName): GeneratedFile[] => files.filter((f) => f.service === service);
