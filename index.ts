// Wiring only: validated config in, components out, stack outputs exported.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { loadStackConfig } from "./config/load.js";
import { Gateway, LITELLM } from "./components/gateway.js";
import type { StackContext } from "./components/hardenedContainer.js";
import { OLLAMA, Ollama } from "./components/ollama.js";
import { hostUrl } from "./components/urls.js";

const { config, secrets } = loadStackConfig();

const network = new docker.Network("network", { name: `ai-gateway-${config.stack}`, driver: "bridge" });
const ctx: StackContext = { stack: config.stack, host: { kind: "local" }, bindAddress: config.bindAddress, dataRoot: config.dataRoot, network };

const ollama = new Ollama("ollama", { ctx, settings: config.ollama, image: config.images.ollama, memoryMb: config.memoryLimitsMb.ollama });

// LiteLLM insists on the sk- prefix for master keys; no special characters, as the key travels in env and headers.
const masterKeyPassword = new random.RandomPassword("litellm-master-key", { length: 48, special: false });
const masterKeyValue = pulumi.secret(pulumi.interpolate`sk-${masterKeyPassword.result}`);

new Gateway("gateway", {
  ctx,
  image: config.images.litellm,
  memoryMb: config.memoryLimitsMb.litellm,
  routes: config.routes,
  cloudModels: config.cloudModels,
  ollamaUrl: ollama.internalUrl,
  masterKey: masterKeyValue,
  ...(secrets.openaiApiKey ? { openaiApiKey: secrets.openaiApiKey } : {}),
  dependsOn: [ollama],
});

export const gatewayUrl = hostUrl(config.bindAddress, LITELLM.port);
export const ollamaUrl = hostUrl(config.bindAddress, OLLAMA.port);
export const masterKey = masterKeyValue;
export const routes = config.routes.map((r) => r.name);
export const cloudModels = config.cloudModels;
export const images = config.images;
