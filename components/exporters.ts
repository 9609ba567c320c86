// Metric exporters, each switched in config: node-exporter (host), cAdvisor (per container) and the
// NVIDIA DCGM exporter (GPU). Only Prometheus talks to them, so none publishes a port.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ExporterSettings, GpuSelection } from "../config/schema.js";
import { CADVISOR_MASKED_PATHS, type BindMount, type HostPlan } from "../host/probe.js";
import { DOCKER_PROXY_URL } from "../services/dockerProxy.js";
import { cadvisorCommand } from "../services/exporters.js";
import type { ServiceName } from "../services/names.js";
import { dockerGpus } from "../services/ollama.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";

const readOnlyBind = (m: BindMount): docker.types.input.ContainerMount => ({
  type: "bind",
  source: m.source,
  target: m.target,
  readOnly: true,
  ...(m.propagation ? { bindOptions: { propagation: m.propagation } } : {}),
});

export interface ExportersArgs {
  readonly ctx: StackContext;
  readonly settings: ExporterSettings;
  readonly gpus: GpuSelection;
  readonly images: Readonly<Record<ServiceName, string>>;
  readonly memoryLimitsMb: Readonly<Record<ServiceName, number>>;
  /** What this host can give the exporters (renderers/hostProbe.ts). */
  readonly hostPlan: HostPlan;
  /** Host folder of *.prom files to expose (backup results), when backups run. */
  readonly textfileDir?: string;
  /** cAdvisor reads the Docker API through the socket proxy. */
  readonly dependsOn: pulumi.Resource[];
}

export class Exporters extends pulumi.ComponentResource {
  /** The exporters this stack runs, by service. */
  readonly containers: Partial<Record<"node-exporter" | "cadvisor" | "dcgm-exporter", docker.Container>> = {};

  constructor(name: string, args: ExportersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Exporters", name, {}, opts);
    const { ctx, settings, images, memoryLimitsMb: mem } = args;
    if (settings.nodeExporter) {
      this.containers["node-exporter"] = hardenedContainer(
        ctx,
        {
          service: "node-exporter",
          image: images["node-exporter"],
          memoryMb: mem["node-exporter"],
          // The host's filesystems and processes, read-only; rslave (where the host allows it) so later mounts show up too.
          command: ["--path.rootfs=/host", ...(args.textfileDir ? [`--collector.textfile.directory=/host${args.textfileDir}`] : [])],
          pidMode: "host",
          mounts: [readOnlyBind(args.hostPlan.nodeExporter.rootMount)],
        },
        { parent: this },
      ).container;
    }
    if (settings.cadvisor) {
      this.containers.cadvisor = hardenedContainer(
        ctx,
        {
          service: "cadvisor",
          image: images.cadvisor,
          memoryMb: mem.cadvisor,
          command: cadvisorCommand(DOCKER_PROXY_URL),
          // Only host paths that exist: Docker's data root as the engine reports it, /dev/disk and /dev/kmsg if present;
          // the runtime sockets under the host's root are covered by empty tmpfs.
          mounts: [
            ...args.hostPlan.cadvisor.mounts.map(readOnlyBind),
            ...CADVISOR_MASKED_PATHS.map((target): docker.types.input.ContainerMount => ({ type: "tmpfs", target, tmpfsOptions: { sizeBytes: 1024 * 1024 } })),
          ],
          ...(args.hostPlan.cadvisor.devices.length ? { devices: args.hostPlan.cadvisor.devices } : {}),
        },
        { parent: this, dependsOn: args.dependsOn },
      ).container;
    }
    const gpus = dockerGpus(args.gpus);
    // Validation refuses dcgm without GPUs; `gpus` is checked again only to satisfy the types.
    if (settings.dcgm && gpus) {
      this.containers["dcgm-exporter"] = hardenedContainer(
        ctx,
        {
          service: "dcgm-exporter",
          image: images["dcgm-exporter"],
          memoryMb: mem["dcgm-exporter"],
          // The same GPUs as Ollama.
          gpus,
        },
        { parent: this },
      ).container;
    }
    this.registerOutputs({});
  }
}
