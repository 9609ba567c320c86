// Wiring only: validated config in, components out, stack outputs exported.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Backups, backupLayout } from "./components/backups.js";
import { EntryPoint } from "./components/entryPoint.js";
import { Alertmanager } from "./components/alertmanager.js";
import { RedisExporter, Valkey } from "./components/cache.js";
import { DockerProxy } from "./components/dockerProxy.js";
import { Exporters } from "./components/exporters.js";
import { Gateway } from "./components/gateway.js";
import { Grafana } from "./components/grafana.js";
import type { StackContext } from "./components/hardenedContainer.js";
import { probeHost, sshHostTarget } from "./components/host.js";
import { dockerProviderArgs } from "./host/ssh.js";
import { LogShipper } from "./components/logShipper.js";
import { Loki } from "./components/loki.js";
import { Ollama } from "./components/ollama.js";
import { Prometheus } from "./components/prometheus.js";
import { Qdrant } from "./components/qdrant.js";
import { loadStackConfig } from "./config/load.js";
import { enabledServices } from "./config/services.js";
import { cpuLimitsForHost, formatGap, planForHost, relevantGaps } from "./host/probe.js";
import { CADDY } from "./services/caddy.js";
import { DOCKER_API_CLIENTS } from "./services/dockerProxy.js";
import { hostLocalUrl, planExposure } from "./services/exposure.js";
import { filesOf, generatedFiles } from "./services/files.js";
import { gatewayWorkers } from "./services/litellm.js";
import { containerName, type ServiceName } from "./services/names.js";

const { config, secrets, localStateDir, ssh } = loadStackConfig();
const { images: image, memoryLimitsMb: memory } = config;

// A remote GPU host: Docker over SSH and every host command over the same SSH connection.
const provider = ssh ? new docker.Provider("docker", dockerProviderArgs(ssh)) : undefined;
const host = ssh ? sshHostTarget(ssh) : ({ kind: "local" } as const);
const network = new docker.Network("network", { name: `ai-gateway-${config.stack}`, driver: "bridge" }, provider ? { provider } : {});
// What this host can give the containers, read on every preview and up; what it lacks is reported, not fatal.
const hostPlan = planForHost(await probeHost(host));
// Who reaches what: only the entry point publishes on bindAddress (services/exposure.ts).
const exposure = planExposure(config);
// Names the containers' config folders without letting the name reveal anything of their secrets.
const configKey = pulumi.secret(new random.RandomPassword("config-digest-key", { length: 32, special: false }).result);
const ctx: StackContext = {
  stack: config.stack,
  host,
  exposure,
  dataRoot: config.dataRoot,
  network,
  swapLimited: hostPlan.swapLimited,
  cpuLimits: cpuLimitsForHost(config.cpuLimits, hostPlan.cores),
  configKey,
  ...(provider ? { provider } : {}),
};

// Every generated file, rendered once: each component uploads its share, `npm run render` writes
// the same list, and the backups copy them back out of the running containers.
// LiteLLM's workers follow the host's cores unless set (gateway.workers).
const workers = gatewayWorkers(config, hostPlan.cores);
const generated = generatedFiles(config, { workers });
const share = (service: ServiceName) => filesOf(generated, service);

const ollama = new Ollama("ollama", { ctx, settings: config.ollama, image: image.ollama, memoryMb: memory.ollama, files: share("ollama") });

// The response cache, with cache.enabled: Valkey, and the exporter Prometheus scrapes it through.
const valkey = config.cache.enabled ? new Valkey("valkey", { ctx, image: image.valkey, memoryMb: memory.valkey, files: share("valkey") }) : undefined;
if (valkey) {
  new RedisExporter("redis-exporter", { ctx, image: image["redis-exporter"], memoryMb: memory["redis-exporter"], files: share("redis-exporter"), password: valkey.password, dependsOn: [valkey] });
}

// LiteLLM insists on the sk- prefix for master keys; no special characters, as the key travels in env and headers.
const masterKeyPassword = new random.RandomPassword("litellm-master-key", { length: 48, special: false });
const masterKeyValue = pulumi.secret(pulumi.interpolate`sk-${masterKeyPassword.result}`);

const gateway = new Gateway("gateway", {
  ctx,
  image: image.litellm,
  memoryMb: memory.litellm,
  files: share("litellm"),
  routes: config.routes,
  ollamaUrl: ollama.internalUrl,
  masterKey: masterKeyValue,
  workers,
  ...(secrets.openaiApiKey ? { openaiApiKey: secrets.openaiApiKey } : {}),
  ...(valkey ? { cachePassword: valkey.password } : {}),
  dependsOn: [ollama, ...(valkey ? [valkey] : [])],
});

// The gateway's published port: Caddy in front of LiteLLM, so a LiteLLM config change drops no request.
const entryPoint = new EntryPoint("entry-point", {
  ctx,
  image: image.caddy,
  memoryMb: memory.caddy,
  files: share("caddy"),
  tls: config.tls,
  basicAuth: exposure.sites.some((s) => s.basicAuth),
  ...(secrets.tlsPrivateKey ? { tlsPrivateKey: secrets.tlsPrivateKey } : {}),
});

const qdrant = new Qdrant("qdrant", { ctx, image: image.qdrant, memoryMb: memory.qdrant, files: share("qdrant") });

const prometheus = new Prometheus("prometheus", {
  ctx,
  settings: config.prometheus,
  files: share("prometheus"),
  image: image.prometheus,
  memoryMb: memory.prometheus,
  litellmKey: masterKeyValue,
  qdrantKey: qdrant.readOnlyKey,
});
const backups = backupLayout(config.dataRoot);
// The one container with the Docker socket: the log shipper and cAdvisor read the API through it.
const on = new Set(enabledServices(config));
const dockerProxy = new DockerProxy("docker-proxy", {
  ctx,
  image: image["docker-proxy"],
  memoryMb: memory["docker-proxy"],
  files: share("docker-proxy"),
  clients: DOCKER_API_CLIENTS.filter((s) => on.has(s)),
  ...(hostPlan.socketGroup !== undefined ? { socketGroup: hostPlan.socketGroup } : {}),
});
new Exporters("exporters", {
  ctx,
  hostPlan,
  settings: config.exporters,
  gpus: config.ollama.gpus,
  images: image,
  memoryLimitsMb: memory,
  ...(config.backup.enabled ? { textfileDir: backups.textfileDir } : {}),
  dependsOn: [dockerProxy],
});
// Where the alerts go: Prometheus sends them to Alertmanager, which sends them to the configured receivers.
new Alertmanager("alertmanager", {
  ctx,
  image: image.alertmanager,
  memoryMb: memory.alertmanager,
  files: share("alertmanager"),
  ...(secrets.alertSlackWebhookUrl ? { slackWebhookUrl: secrets.alertSlackWebhookUrl } : {}),
  ...(secrets.alertSmtpPassword ? { smtpPassword: secrets.alertSmtpPassword } : {}),
});
const loki = new Loki("loki", { ctx, image: image.loki, memoryMb: memory.loki, files: share("loki") });
new LogShipper("log-shipper", { ctx, shipper: config.logShipper, image: image[config.logShipper], memoryMb: memory[config.logShipper], files: share(config.logShipper), dependsOn: [loki, dockerProxy] });
const grafana = new Grafana("grafana", { ctx, image: image.grafana, memoryMb: memory.grafana, files: share("grafana"), dependsOn: [prometheus, loki] });

/** The name of a service's running container: LiteLLM's carries its config version. */
const runningName = (service: ServiceName) => (service === "litellm" ? gateway.containerName : containerName(config.stack, service));

const backupQdrant = hostLocalUrl(exposure, "qdrant")!;
if (config.backup.enabled) {
  new Backups("backups", {
    ctx,
    input: {
      stack: config.stack,
      settings: config.backup,
      layout: backups,
      // The backup runs on the host: Qdrant's loopback port, or the entry point where it holds that
      // port (a wildcard bindAddress; validation then requires Caddy's own CA, which the host has).
      qdrantUrl: backupQdrant.url,
      ...(backupQdrant.viaEntryPoint ? { qdrantCaFile: `${entryPoint.dataFolder}${CADDY.rootCertPath.slice(CADDY.dataPath.length)}` } : {}),
      grafanaData: grafana.dataFolder!,
      grafanaContainer: runningName("grafana"),
      configSources: generated.map((f) => `${runningName(f.service)}:${f.containerPath}`),
      ...(localStateDir ? { stateDir: localStateDir } : {}),
    },
    qdrantApiKey: qdrant.apiKey,
    ...(secrets.backupOffsite ? { offsiteSecrets: secrets.backupOffsite } : {}),
    dependsOn: [qdrant, grafana],
  });
}

const urlOf = (service: ServiceName) => exposure.urls[service] ?? null;
export const gatewayUrl = urlOf("litellm");
export const gatewayContainer = gateway.containerName;
export const ollamaUrl = urlOf("ollama");
export const masterKey = masterKeyValue;
export const routes = config.routes.map((r) => r.name);
export const cloudModels = config.cloudModels.map((m) => m.model);
export const aliases = Object.fromEntries(config.aliases.map((a) => [a.name, a.target]));
export const grafanaUrl = urlOf("grafana");
export const grafanaAdminPassword = grafana.adminPassword;
export const prometheusUrl = urlOf("prometheus");
export const alertmanagerUrl = urlOf("alertmanager");
// Where alerts go: the receivers set under alerting (none: Alertmanager's UI and Grafana only).
export const alertReceivers = [...(config.alerting.webhook ? ["webhook"] : []), ...(config.alerting.slack ? ["slack"] : []), ...(config.alerting.email ? ["email"] : [])];
export const lokiUrl = urlOf("loki");
export const logShipper = config.logShipper;
export const qdrantUrl = urlOf("qdrant");
export const qdrantApiKey = qdrant.apiKey;
export const tlsMode = config.tls.mode;
// tls.mode internal: the root of Caddy's own CA; save it and use it as `curl --cacert`.
export const tlsRootCertificate = entryPoint.rootCertificate ?? null;
// The services in `expose`, behind basic auth on bindAddress: user and (secret) password.
export const exposedServices = config.expose;
export const basicAuthUser = entryPoint.basicAuthPassword ? CADDY.basicAuthUser : null;
export const basicAuthPassword = entryPoint.basicAuthPassword ?? null;
export const backupsDir = config.backup.enabled ? backups.backupsDir : null;
// What this host cannot give the stack (a metric source, a swap limit), each with its fix; empty when none.
export const hostGaps = relevantGaps(hostPlan.gaps, config.exporters).map(formatGap);
// Only the images this stack runs: the shipper not chosen and disabled exporters are left out.
export const images = Object.fromEntries(enabledServices(config).map((s) => [s, config.images[s]]));
