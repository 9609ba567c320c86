// Wiring only: validated config in, components out, stack outputs exported.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { loadStackConfig } from "./config/load.js";
import { Exporters } from "./components/exporters.js";
import { Gateway, LITELLM } from "./components/gateway.js";
import { GRAFANA, Grafana } from "./components/grafana.js";
import type { StackContext } from "./components/hardenedContainer.js";
import { LogShipper } from "./components/logShipper.js";
import { LOKI, Loki } from "./components/loki.js";
import { OLLAMA, Ollama } from "./components/ollama.js";
import { PROMETHEUS, Prometheus, prometheusFiles } from "./components/prometheus.js";
import { hostUrl } from "./components/urls.js";
import { enabledServices } from "./config/services.js";

const { config, secrets } = loadStackConfig();
const { images: image, memoryLimitsMb: memory } = config;

const network = new docker.Network("network", { name: `ai-gateway-${config.stack}`, driver: "bridge" });
const ctx: StackContext = { stack: config.stack, host: { kind: "local" }, bindAddress: config.bindAddress, dataRoot: config.dataRoot, network };

const ollama = new Ollama("ollama", { ctx, settings: config.ollama, image: image.ollama, memoryMb: memory.ollama });

// LiteLLM insists on the sk- prefix for master keys; no special characters, as the key travels in env and headers.
const masterKeyPassword = new random.RandomPassword("litellm-master-key", { length: 48, special: false });
const masterKeyValue = pulumi.secret(pulumi.interpolate`sk-${masterKeyPassword.result}`);

new Gateway("gateway", {
  ctx,
  image: image.litellm,
  memoryMb: memory.litellm,
  routes: config.routes,
  cloudModels: config.cloudModels,
  ollamaUrl: ollama.internalUrl,
  masterKey: masterKeyValue,
  ...(secrets.openaiApiKey ? { openaiApiKey: secrets.openaiApiKey } : {}),
  dependsOn: [ollama],
});

const prometheus = new Prometheus("prometheus", {
  ctx,
  settings: config.prometheus,
  files: prometheusFiles(config),
  image: image.prometheus,
  memoryMb: memory.prometheus,
  litellmKey: masterKeyValue,
});
new Exporters("exporters", { ctx, settings: config.exporters, gpus: config.ollama.gpus, images: image, memoryLimitsMb: memory });
const loki = new Loki("loki", { ctx, settings: config.loki, image: image.loki, memoryMb: memory.loki });
new LogShipper("log-shipper", { ctx, shipper: config.logShipper, image: image[config.logShipper], memoryMb: memory[config.logShipper], dependsOn: [loki] });
const grafana = new Grafana("grafana", { ctx, image: image.grafana, memoryMb: memory.grafana, prometheusUrl: prometheus.internalUrl, dependsOn: [prometheus, loki] });

export const gatewayUrl = hostUrl(config.bindAddress, LITELLM.port);
export const ollamaUrl = hostUrl(config.bindAddress, OLLAMA.port);
export const masterKey = masterKeyValue;
export const routes = config.routes.map((r) => r.name);
export const cloudModels = config.cloudModels;
export const grafanaUrl = hostUrl(config.bindAddress, GRAFANA.port);
export const grafanaAdminPassword = grafana.adminPassword;
export const prometheusUrl = hostUrl(config.bindAddress, PROMETHEUS.port);
export const lokiUrl = hostUrl(config.bindAddress, LOKI.port);
export const logShipper = config.logShipper;
// Only the images this stack runs: the shipper not chosen and disabled exporters are left out.
export const images = Object.fromEntries(enabledServices(config).map((s) => [s, config.images[s]]));
