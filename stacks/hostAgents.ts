// What every host of a fleet runs beside its role's services, wired the same way on a gateway and a
// worker: the Docker socket proxy, the exporters, and the log shipper that reads the API through it.
import type * as pulumi from "@pulumi/pulumi";
import { DockerProxy } from "../components/dockerProxy.js";
import { Exporters } from "../components/exporters.js";
import { LogShipper } from "../components/logShipper.js";
import { enabledServices } from "../config/services.js";
import { formatGap, relevantGaps } from "../host/probe.js";
import { DOCKER_API_CLIENTS } from "../services/dockerProxy.js";
import type { ServiceArgs } from "../components/serviceComponent.js";
import type { ServiceName } from "../services/names.js";
import type { StackBase } from "./base.js";

export interface HostAgentOptions {
  /** Each service's component arguments (stacks/base.ts serviceArgs). */
  readonly args: (service: ServiceName) => ServiceArgs;
  /** node-exporter's textfile folder (the backups' metrics), when the stack has backups. */
  readonly textfileDir?: string;
  /** What the log shipper waits for besides the socket proxy (the local Loki on a gateway). */
  readonly shipperDependsOn?: pulumi.Resource[];
  /** A worker's password for pushing to its gateway's Loki (secret). */
  readonly pushPassword?: pulumi.Output<string>;
}

export function hostAgents(base: StackBase, o: HostAgentOptions): void {
  const { config, ctx, hostPlan } = base;
  const { images: image, memoryLimitsMb: memory } = config;
  const on = new Set(enabledServices(config));
  // The one container with the Docker socket: the log shipper and cAdvisor read the API through it.
  const dockerProxy = new DockerProxy("docker-proxy", {
    ...o.args("docker-proxy"),
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
    ...(o.textfileDir ? { textfileDir: o.textfileDir } : {}),
    dependsOn: [dockerProxy],
  });
  new LogShipper("log-shipper", {
    ...o.args(config.logShipper),
    shipper: config.logShipper,
    ...(o.pushPassword ? { pushPassword: o.pushPassword } : {}),
    dependsOn: [...(o.shipperDependsOn ?? []), dockerProxy],
  });
}

/** The outputs both roles have: what the host lacks, and the images the stack runs. */
export function hostOutputs(base: StackBase): Record<string, unknown> {
  const { config, hostPlan } = base;
  return {
    role: config.role,
    // What this host cannot give the stack (a metric source, a swap limit), each with its fix; empty when none.
    hostGaps: relevantGaps(hostPlan.gaps, config.exporters).map(formatGap),
    // Only the images this stack runs: the shipper not chosen and disabled exporters are left out.
    images: Object.fromEntries(enabledServices(config).map((s) => [s, config.images[s]])),
  };
}
