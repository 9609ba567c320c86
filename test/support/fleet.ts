// A fleet for the tests: the prod gateway with the example worker (Pulumi.gpu-02.yaml) and a second
// one made from it (gpu-03, on a service backend's full stack name), and the stack outputs each
// publishes, as a StackReference would read them under mocks.
import type { StackConfig } from "../../config/schema.js";
import { enabledServices } from "../../config/services.js";
import { readStackConfig } from "../../config/stackYaml.js";
import type { RawConfig } from "../../config/validate.js";
import { validateStackConfig } from "../../config/validate.js";
import { CADDY } from "../../services/caddy.js";
import { FLEET, gatewayAnnouncement, readWorker, workerAnnouncement, type FleetWorker, type WorkerExporter } from "../../services/fleet.js";
import { LOKI } from "../../services/loki.js";
import type { MockedStack } from "./program.js";

/** A stand-in for a CA's root certificate; each host gets its own. */
export const fakeCa = (host: string) => `-----BEGIN CERTIFICATE-----\nMIIBfake${host.replace(/[^A-Za-z0-9]/g, "")}\n-----END CERTIFICATE-----\n`;

export const workerRaw = readStackConfig(".", "gpu-02");
/** gpu-03: the example worker on another host and address. */
export const worker3Raw: RawConfig = {
  ...workerRaw,
  stack: "gpu-03",
  values: { ...workerRaw.values, bindAddress: "10.20.0.13", host: workerRaw.values["host"]!.replace("gpu-02.lan", "gpu-03.lan"), tls: JSON.stringify({ mode: "internal", names: ["gpu-03.lan"] }) },
};
export const prodRaw = readStackConfig(".", "prod");
/** The prod gateway with both workers, gpu-03 named as a service backend names it. */
export const GPU03_REF = "acme/ai-gateway/gpu-03";
export const twoWorkerRaw: RawConfig = { ...prodRaw, values: { ...prodRaw.values, workers: JSON.stringify(["gpu-02", GPU03_REF]) } };

const exportersOf = (c: StackConfig) => enabledServices(c).filter((s): s is WorkerExporter => s === "node-exporter" || s === "cadvisor" || s === "dcgm-exporter");

/** What a worker stack publishes, as its outputs read through a stack reference. */
export function workerOutputs(raw: RawConfig, change: (a: ReturnType<typeof workerAnnouncement>) => unknown = (a) => a): MockedStack {
  const c = validateStackConfig(raw);
  return {
    outputs: {
      [FLEET.workerOutput]: change(workerAnnouncement(c, exportersOf(c), fakeCa(c.stack), CADDY.basicAuthUser)),
      [FLEET.workerPasswordOutput]: `entry-password-of-${c.stack}`,
      [FLEET.logPushHashOutput]: `$2a$10$log-push-hash-of-${c.stack}`,
    },
    secretOutputNames: [FLEET.workerPasswordOutput, FLEET.logPushHashOutput],
  };
}

/** What the prod gateway publishes for its workers. */
export function gatewayOutputs(raw: RawConfig = prodRaw): MockedStack {
  return { outputs: { [FLEET.gatewayOutput]: gatewayAnnouncement(validateStackConfig(raw), LOKI.port, fakeCa(raw.stack)) } };
}

/** Both workers' outputs, under the names the gateway's workers key gives them. */
export const fleetStacks = (): Record<string, MockedStack> => ({ "gpu-02": workerOutputs(workerRaw), [GPU03_REF]: workerOutputs(worker3Raw) });

/** The two workers as the gateway reads them (for the renderers' tests). */
export function twoWorkers(): FleetWorker[] {
  return [
    ["gpu-02", workerRaw],
    [GPU03_REF, worker3Raw],
  ].map(([ref, raw], i) => readWorker(`workers[${i}]`, ref as string, workerOutputs(raw as RawConfig).outputs[FLEET.workerOutput]) as FleetWorker);
}

/** What the prod stack's stack references read: its one worker (Pulumi.prod.yaml lists gpu-02). */
export const prodStacks = (): Record<string, MockedStack> => ({ "gpu-02": workerOutputs(workerRaw) });
/** What the gpu-02 worker's stack reference reads: the prod gateway. */
export const workerStacks = (): Record<string, MockedStack> => ({ prod: gatewayOutputs() });
