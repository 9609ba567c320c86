// Metric exporters, each switched in config: node-exporter (host), cAdvisor (per container) and the
// NVIDIA DCGM exporter (GPU). Only Prometheus talks to them, so none publishes a port.
import * as pulumi from "@pulumi/pulumi";
import type { ExporterSettings, GpuSelection } from "../config/schema.js";
import type { ServiceName } from "../config/images.js";
import { bashHttpProbe, hardenedContainer, type Healthcheck, type StackContext } from "./hardenedContainer.js";
import { dockerGpus } from "./ollama.js";
import type { BindMount, HostPlan } from "../renderers/hostProbe.js";
import type * as docker from "@pulumi/docker";

const readOnlyBind = (m: BindMount): docker.types.input.ContainerMount => ({
  type: "bind",
  source: m.source,
  target: m.target,
  readOnly: true,
  ...(m.propagation ? { bindOptions: { propagation: m.propagation } } : {}),
});

export const NODE_EXPORTER = Object.freeze({
  port: 9100,
  // Busybox image: wget exists. There is no health endpoint; / answers 200.
  healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9100/"], interval: "10s", timeout: "5s", startPeriod: "10s", retries: 3 } satisfies Healthcheck,
});

export const CADVISOR = Object.freeze({
  port: 8080,
  // The image's own HEALTHCHECK script (busybox wget on /healthz, port read from the command line).
  healthcheck: { tests: ["CMD", "/usr/bin/healthcheck.sh"], interval: "10s", timeout: "5s", startPeriod: "20s", retries: 3 } satisfies Healthcheck,
});

export const DCGM_EXPORTER = Object.freeze({
  port: 9400,
  // Distroless with bash but no coreutils: only the bash-builtin probe works. /health is always 200 once up.
  healthcheck: { tests: bashHttpProbe(9400, "/health"), interval: "10s", timeout: "5s", startPeriod: "30s", retries: 5 } satisfies Healthcheck,
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
}

export class Exporters extends pulumi.ComponentResource {
  constructor(name: string, args: ExportersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Exporters", name, {}, opts);
    const { ctx, settings, images, memoryLimitsMb: mem } = args;
    if (settings.nodeExporter) {
      hardenedContainer(
        ctx,
        {
          service: "node-exporter",
          image: images["node-exporter"],
          healthcheck: NODE_EXPORTER.healthcheck,
          waitTimeoutSeconds: 60,
          memoryMb: mem["node-exporter"],
          ports: [],
          // The host's filesystems and processes, read-only; rslave (where the host allows it) so later mounts show up too.
          command: ["--path.rootfs=/host", ...(args.textfileDir ? [`--collector.textfile.directory=/host${args.textfileDir}`] : [])],
          pidMode: "host",
          mounts: [readOnlyBind(args.hostPlan.nodeExporter.rootMount)],
        },
        { parent: this },
      );
    }
    if (settings.cadvisor) {
      hardenedContainer(
        ctx,
        {
          service: "cadvisor",
          image: images.cadvisor,
          healthcheck: CADVISOR.healthcheck,
          waitTimeoutSeconds: 90,
          memoryMb: mem.cadvisor,
          ports: [],
          // Docker containers only, and without copying every Docker label into series labels.
          command: [`-port=${CADVISOR.port}`, "-docker_only=true", "-store_container_labels=false", "-housekeeping_interval=15s"],
          // Only host paths that exist: Docker's data root as the engine reports it, /dev/disk and /dev/kmsg if present.
          mounts: args.hostPlan.cadvisor.mounts.map(readOnlyBind),
          ...(args.hostPlan.cadvisor.devices.length ? { devices: args.hostPlan.cadvisor.devices } : {}),
        },
        { parent: this },
      );
    }
    const gpus = dockerGpus(args.gpus);
    // Validation refuses dcgm without GPUs; `gpus` is checked again only to satisfy the types.
    if (settings.dcgm && gpus) {
      hardenedContainer(
        ctx,
        {
          service: "dcgm-exporter",
          image: images["dcgm-exporter"],
          healthcheck: DCGM_EXPORTER.healthcheck,
          waitTimeoutSeconds: 120,
          memoryMb: mem["dcgm-exporter"],
          ports: [],
          // The same GPUs as Ollama. SYS_ADMIN lets DCGM read profiling counters.
          gpus,
          capabilityAdds: ["SYS_ADMIN"],
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
