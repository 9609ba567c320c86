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
import { planExposure, type FleetExposure } from "./exposure.js";
import { FLEET, relayUrl, WORKER_EXPOSED, type FleetWorker, type GatewayAnnouncement } from "./fleet.js";
import { GRAFANA } from "./grafana.js";
import { gatewayWorkers, LITELLM } from "./litellm.js";
import { renderAlertmanagerConfig } from "../renderers/alertmanager.js";
import { ALERTMANAGER } from "./alertmanager.js";
import { renderValkeyConfig, VALKEY } from "./cache.js";
import { DOCKER_PROXY_URL } from "./dockerProxy.js";
import { SHIPPERS, shipperPushFiles } from "./logShippers.js";
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

/** What the other stacks of the fleet published, once read: a worker's gateway, or a gateway's workers. */
export interface FleetView {
  readonly gateway?: GatewayAnnouncement;
  readonly workers?: readonly FleetWorker[];
}

/** Who the entry point lets in from the rest of the fleet. */
export function fleetExposure(config: StackConfig, fleet: FleetView): FleetExposure {
  if (config.role === "gpu-worker") {
    if (!fleet.gateway) throw new Error(`a gpu-worker's files need its gateway's ${FLEET.gatewayOutput} output (stack ${config.gatewayStack})`);
    return { worker: { services: enabledServices(config).filter((s) => WORKER_EXPOSED.includes(s)), gatewayAddress: fleet.gateway.address } };
  }
  return { workers: (fleet.workers ?? []).map((w) => ({ host: w.host, address: w.address })) };
}

/** The file a worker's certificate authority is pinned from, inside the gateway's Caddy. */
export const workerTrustFile = (host: string) => `${CADDY.fleetTrustDir}/${host}.pem`;

function litellmFiles(config: StackConfig, workers: number, fleet: FleetView): GeneratedFile[] {
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
    fleet: (fleet.workers ?? []).map((w) => ({ host: w.host, apiBase: relayUrl("caddy", w.host, "ollama"), models: w.models })),
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

function caddyFiles(config: StackConfig, fleet: FleetView): GeneratedFile[] {
  const workers = fleet.workers ?? [];
  const content = renderCaddyfile({
    sites: planExposure(config, fleetExposure(config, fleet)).sites.map((s) => ({
      port: s.port,
      upstream: `${s.service}:${FACTS[s.service].port}`,
      basicAuth: s.basicAuth,
      retry: s.service === "litellm",
      // The gateway's own guards (config key gateway): LiteLLM enforces neither without its enterprise licence.
      ...(s.service === "litellm" ? { maxBodyMb: config.gateway.maxRequestMb, ...(config.gateway.maxParallelRequests !== undefined ? { maxInFlight: config.gateway.maxParallelRequests } : {}) } : {}),
      ...(s.allowFrom ? { allowFrom: s.allowFrom } : {}),
      ...(s.pushers
        ? { pushers: { path: FLEET.lokiPushPath, users: s.pushers.map((p, i) => ({ user: p.host, address: p.address, hashEnv: `${CADDY.fleetLogHashEnvPrefix}${i + 1}` })) } }
        : {}),
    })),
    tls: caddyTls(config),
    adminAddress: CADDY.adminAddress,
    retrySeconds: CADDY.retrySeconds,
    retryBufferMb: CADDY.retryBufferMb,
    maxBodyMb: CADDY.maxBodyMb,
    basicAuthUser: CADDY.basicAuthUser,
    basicAuthHashEnv: CADDY.basicAuthHashEnv,
    relay: {
      port: FLEET.relayPort,
      healthInterval: FLEET.healthInterval,
      workers: workers.map((w, i) => ({
        host: w.host,
        authEnv: `${CADDY.fleetAuthEnvPrefix}${i + 1}`,
        ...(w.trust ? { trustFile: workerTrustFile(w.host) } : {}),
        services: [{ name: "ollama", upstream: w.ollamaUrl, healthPath: FLEET.ollamaHealthPath }, ...w.exporters.map((e) => ({ name: e.service, upstream: e.url }))],
      })),
    },
  });
  const files: GeneratedFile[] = [{ service: "caddy", path: "caddy/Caddyfile", containerPath: CADDY.caddyfilePath, content }];
  // A given certificate is public; its key is a secret file the component adds beside this list.
  if (config.tls.mode === "files") files.push({ service: "caddy", path: "caddy/tls/cert.pem", containerPath: `${CADDY.tlsDir}/cert.pem`, content: config.tls.certificate });
  for (const w of workers) {
    if (w.trust) files.push({ service: "caddy", path: `caddy/fleet/${w.host}.pem`, containerPath: workerTrustFile(w.host), content: w.trust });
  }
  return files;
}

function prometheusFiles(config: StackConfig, workers: readonly FleetWorker[]): GeneratedFile[] {
  const on = new Set(enabledServices(config));
  // GPU and host rules for the fleet: any host with DCGM or node-exporter brings them in.
  const gpu = on.has("dcgm-exporter") || workers.some((w) => w.exporters.some((e) => e.service === "dcgm-exporter"));
  const hostRules = on.has("node-exporter") || workers.some((w) => w.exporters.some((e) => e.service === "node-exporter"));
  const rules = alertRuleFiles(config.alerts, { gpu, host: hostRules, fleet: workers.length > 0, backup: config.backup.enabled, backupSchedule: config.backup.schedule, ...(config.backup.offsite ? { offsite: config.backup.offsite } : {}) });
  return [
    {
      service: "prometheus",
      path: "prometheus/prometheus.yml",
      containerPath: `${PROMETHEUS.configDir}/prometheus.yml`,
      content: renderPrometheusConfig({ stack: config.stack, targets: scrapeTargets(config, workers), ruleFiles: [`${PROMETHEUS.rulesDir}/*.yml`], alertmanager: `alertmanager:${ALERTMANAGER.port}` }),
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

function logShipperFiles(config: StackConfig, fleet: FleetView): GeneratedFile[] {
  const shipper = config.logShipper;
  const facts = SHIPPERS[shipper];
  // A worker pushes to its gateway's Loki through the gateway's entry point, as itself.
  const gateway = config.role === "gpu-worker" ? fleet.gateway : undefined;
  const pushFiles = shipperPushFiles(shipper);
  const content = renderLogShipperConfig({
    shipper,
    stack: config.stack,
    lokiPushUrl: gateway ? gateway.lokiPushUrl : `${internalUrl("loki")}/loki/api/v1/push`,
    dockerHost: DOCKER_PROXY_URL,
    statePath: facts.dataPath,
    httpPort: facts.port,
    ...(gateway ? { push: { user: config.stack, passwordFile: pushFiles.passwordFile, ...(gateway.trust ? { caFile: pushFiles.caFile } : {}) } } : {}),
  });
  const dir = facts.configFolders[0]!;
  const file = (containerPath: string, text: string): GeneratedFile => ({ service: shipper, path: `${shipper}/${containerPath.slice(dir.length + 1)}`, containerPath, content: text });
  return [file(facts.configPath, content), ...(gateway?.trust ? [file(pushFiles.caFile, gateway.trust)] : [])];
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

/**
 * The stack's generated files, in a fixed order: the one list every consumer reads. A fleet host's
 * files also depend on what the other stacks published (fleet), read before anything is rendered.
 */
export function generatedFiles(config: StackConfig, host: { readonly workers?: number; readonly fleet?: FleetView } = {}): GeneratedFile[] {
  const fleet = host.fleet ?? {};
  if (config.role === "gpu-worker") return [...caddyFiles(config, fleet), ...logShipperFiles(config, fleet)];
  const workers = fleet.workers ?? [];
  return [
    ...litellmFiles(config, host.workers ?? gatewayWorkers(config, undefined), fleet),
    ...caddyFiles(config, fleet),
    ...prometheusFiles(config, workers),
    ...alertmanagerFiles(config),
    ...cacheFiles(config),
    ...lokiFiles(config),
    ...logShipperFiles(config, fleet),
    ...grafanaFiles(),
  ];
}

/** One service's share of the list. */
export const filesOf = (files: readonly GeneratedFile[], service: ServiceName): GeneratedFile[] => files.filter((f) => f.service === service);
