// A gpu-worker stack's wiring: Ollama on this host's GPUs, its exporters and log shipper, and the entry
// point that lets only the gateway host in. What the gateway needs of it is one plain output
// (services/fleet.ts) and two secrets: its entry point's password, and the hash of its log-push password.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DockerProxy } from "../components/dockerProxy.js";
import { EntryPoint } from "../components/entryPoint.js";
import { Exporters } from "../components/exporters.js";
import { LogShipper } from "../components/logShipper.js";
import { Ollama } from "../components/ollama.js";
import { enabledServices } from "../config/services.js";
import { formatGap, relevantGaps } from "../host/probe.js";
import { CADDY } from "../services/caddy.js";
import { DOCKER_API_CLIENTS } from "../services/dockerProxy.js";
import { filesOf, generatedFiles } from "../services/files.js";
import { FLEET, workerAnnouncement, type WorkerExporter } from "../services/fleet.js";
import type { ServiceName } from "../services/names.js";
import type { StackBase } from "./base.js";

export function workerStack(base: StackBase): Record<string, unknown> {
  const { config, secrets, ctx, hostPlan, exposure, fleet } = base;
  const { images: image, memoryLimitsMb: memory } = config;
  const generated = generatedFiles(config, { fleet: fleet.view });
  const share = (service: ServiceName) => filesOf(generated, service);
  const on = new Set(enabledServices(config));

  const ollama = new Ollama("ollama", { ctx, settings: config.ollama, image: image.ollama, memoryMb: memory.ollama, files: share("ollama") });
  // Every site has basic auth: its password is the credential the gateway's relay sends.
  const entryPoint = new EntryPoint("entry-point", {
    ctx,
    image: image.caddy,
    memoryMb: memory.caddy,
    files: share("caddy"),
    tls: config.tls,
    basicAuth: true,
    ...(secrets.tlsPrivateKey ? { tlsPrivateKey: secrets.tlsPrivateKey } : {}),
  });
  const dockerProxy = new DockerProxy("docker-proxy", {
    ctx,
    image: image["docker-proxy"],
    memoryMb: memory["docker-proxy"],
    files: share("docker-proxy"),
    clients: DOCKER_API_CLIENTS.filter((s) => on.has(s)),
    ...(hostPlan.socketGroup !== undefined ? { socketGroup: hostPlan.socketGroup } : {}),
  });
  new Exporters("exporters", { ctx, hostPlan, settings: config.exporters, gpus: config.ollama.gpus, images: image, memoryLimitsMb: memory, dependsOn: [dockerProxy] });
  // Its own credential for the gateway's Loki: the gateway checks it against the hash this stack publishes.
  const logPush = new random.RandomPassword("log-push-password", { length: 32, special: false });
  new LogShipper("log-shipper", {
    ctx,
    shipper: config.logShipper,
    image: image[config.logShipper],
    memoryMb: memory[config.logShipper],
    files: share(config.logShipper),
    pushPassword: pulumi.secret(logPush.result),
    dependsOn: [dockerProxy],
  });

  const exporters = (["node-exporter", "cadvisor", "dcgm-exporter"] as const).filter((s): s is WorkerExporter => on.has(s));
  return {
    role: config.role,
    gatewayStack: config.gatewayStack,
    // On this host: Ollama's loopback port, for doctor and a look by hand.
    ollamaUrl: exposure.urls.ollama ?? null,
    models: config.ollama.models,
    tlsMode: config.tls.mode,
    tlsRootCertificate: entryPoint.rootCertificate ?? null,
    hostGaps: relevantGaps(hostPlan.gaps, config.exporters).map(formatGap),
    images: Object.fromEntries(enabledServices(config).map((s) => [s, config.images[s]])),
    // What the gateway reads (services/fleet.ts): where to reach this worker, and its credentials.
    [FLEET.workerOutput]: entryPoint.trust.apply((t) => workerAnnouncement(config, exporters, t, CADDY.basicAuthUser)),
    basicAuthUser: CADDY.basicAuthUser,
    [FLEET.workerPasswordOutput]: entryPoint.basicAuthPassword!,
    [FLEET.logPushHashOutput]: pulumi.secret(logPush.bcryptHash),
  };
}
