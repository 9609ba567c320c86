// A gpu-worker stack's wiring: Ollama on this host's GPUs, its exporters and log shipper, and the entry
// point that lets only the gateway host in. What the gateway needs of it is one plain output
// (services/fleet.ts) and two secrets: its entry point's password, and the hash of its log-push password.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { EntryPoint } from "../components/entryPoint.js";
import { Ollama } from "../components/ollama.js";
import { enabledServices } from "../config/services.js";
import { CADDY } from "../services/caddy.js";
import { generatedFiles } from "../services/files.js";
import { FLEET, workerAnnouncement, type WorkerExporter } from "../services/fleet.js";
import { serviceArgs, type StackBase } from "./base.js";
import { hostAgents, hostOutputs } from "./hostAgents.js";

export function workerStack(base: StackBase): Record<string, unknown> {
  const { config, secrets, exposure, fleet } = base;
  const generated = generatedFiles(config, { fleet: fleet.view });
  const args = serviceArgs(base, generated);
  const on = new Set(enabledServices(config));

  new Ollama("ollama", { ...args("ollama"), settings: config.ollama });
  // Every site has basic auth: its password is the credential the gateway's relay sends.
  const entryPoint = new EntryPoint("entry-point", {
    ...args("caddy"),
    tls: config.tls,
    basicAuth: true,
    ...(secrets.tlsPrivateKey ? { tlsPrivateKey: secrets.tlsPrivateKey } : {}),
  });
  // Its own credential for the gateway's Loki: the gateway checks it against the hash this stack publishes.
  const logPush = new random.RandomPassword("log-push-password", { length: 32, special: false });
  hostAgents(base, { args, pushPassword: pulumi.secret(logPush.result) });

  const exporters = (["node-exporter", "cadvisor", "dcgm-exporter"] as const).filter((s): s is WorkerExporter => on.has(s));
  return {
    ...hostOutputs(base),
    gatewayStack: config.gatewayStack,
    // On this host: Ollama's loopback port, for doctor and a look by hand.
    ollamaUrl: exposure.urls.ollama ?? null,
    models: config.ollama.models,
    tlsMode: config.tls.mode,
    tlsRootCertificate: entryPoint.rootCertificate ?? null,
    // What the gateway reads (services/fleet.ts): where to reach this worker, and its credentials.
    [FLEET.workerOutput]: entryPoint.trust.apply((t) => workerAnnouncement(config, exporters, t, CADDY.basicAuthUser)),
    basicAuthUser: CADDY.basicAuthUser,
    [FLEET.workerPasswordOutput]: entryPoint.basicAuthPassword!,
    [FLEET.logPushHashOutput]: pulumi.secret(logPush.bcryptHash),
  };
}
