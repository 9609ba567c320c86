// The one way this program runs a container. Each service's facts (probe, port, owner, data folder)
// come from services/; this helper adds everything every container must have: an in-image healthcheck and a
// wait for it, restart policy, log rotation, a memory limit, no-new-privileges, ports bound to
// bindAddress only, labels, and the stack's private network.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { FACTS } from "../services/catalog.js";
import type { Exposure } from "../services/exposure.js";
import { LABEL_KEYS, containerName, type ServiceName } from "../services/names.js";
import { hostFolder, type HostTarget } from "./host.js";

/** What every component gets from the wiring: where it runs and what it joins. */
export interface StackContext {
  readonly stack: string;
  readonly host: HostTarget;
  /** Which host ports each container publishes, on which address (services/exposure.ts). */
  readonly exposure: Exposure;
  readonly dataRoot: string;
  readonly network: docker.Network;
  /** Whether Docker can limit swap on the host (renderers/hostProbe.ts). */
  readonly swapLimited: boolean;
  /** Set for a remote Docker host; the default provider (local socket or DOCKER_HOST) otherwise. */
  readonly provider?: docker.Provider;
}

export interface ContainerSpec {
  readonly service: ServiceName;
  /** The image to run: the pin in the service's facts, or the stack's override. */
  readonly image: string;
  readonly memoryMb: number;
  readonly command?: readonly string[];
  readonly envs?: pulumi.Input<pulumi.Input<string>[]>;
  readonly mounts?: readonly docker.types.input.ContainerMount[];
  readonly uploads?: pulumi.Input<pulumi.Input<docker.types.input.ContainerUpload>[]>;
  readonly gpus?: string;
  readonly capabilityAdds?: readonly string[];
  readonly pidMode?: "host";
  readonly devices?: readonly string[];
  /**
   * Set for a service whose container is replaced new-first: a suffix of the Pulumi name and the
   * container name, so the next version is a new resource that starts beside this one, and this
   * one is removed only at the end of the update. Leave unset for a fixed name.
   */
  readonly instance?: string;
  /** How long a stop waits for the service to finish its work before Docker kills it. */
  readonly stopGraceSeconds?: number;
}

/**
 * The provider stops a container it deletes with a timeout of 0 unless told otherwise, which is
 * an immediate SIGKILL: no request finishes, no database flushes. Every service gets this long.
 */
export const DEFAULT_STOP_GRACE_SECONDS = 30;

/**
 * Docker fills in some values the program leaves unset, and the provider reads them back, so every
 * preview would then show a change. Each one is set here to what Docker would store:
 * - memorySwap: Docker stores twice the memory limit. Equal to `memory` it also means no swap at all,
 *   so the memory limit is a real limit. On a host whose kernel cannot limit swap Docker stores -1
 *   whatever it is asked, so -1 is what the program asks for there (and the outputs say so).
 * - healthcheck durations: read back in Go's canonical form ("1m0s", not "1m"); every field is set,
 *   so none is filled in from an image's own HEALTHCHECK.
 * - Checked and not needed: shmSize, ipcMode, runtime, logDriver, stopSignal, init and hostname are
 *   computed by the provider (no diff when unset); ports, mounts, devices, capabilities and
 *   networksAdvanced read back as given; ulimits and logOpts pick up the daemon's default-ulimits and
 *   log-opts from daemon.json only if the host sets them.
 * - securityOpts: Docker adds `label=disable` to a container that shares the host's PID namespace
 *   (node-exporter); without it here, `up --refresh` replaces that container every time.
 */
export function securityOpts(spec: Pick<ContainerSpec, "pidMode">): string[] {
  return ["no-new-privileges:true", ...(spec.pidMode === "host" ? ["label=disable"] : [])];
}

export const LOG_ROTATION = Object.freeze({ "max-size": "10m", "max-file": "5" });

// The docker provider stores changes to these but never applies them to a running container
// (they are neither ForceNew nor handled by its update): replacing is the only way they take effect.
const APPLY_BY_REPLACEMENT = ["healthcheck", "init", "tmpfs", "cpuPeriod", "cpuQuota"];

export interface HardenedContainer {
  readonly container: docker.Container;
  /** The Docker container name: what `docker logs` and `docker exec` take. */
  readonly name: string;
  /** The host folder mounted as the service's data folder, when it has one. */
  readonly dataFolder?: string;
}

export const dataFolderPath = (ctx: Pick<StackContext, "dataRoot">, service: ServiceName) => `${ctx.dataRoot}/${service}`;

export function hardenedContainer(
  ctx: StackContext,
  spec: ContainerSpec,
  opts: { readonly parent: pulumi.Resource; readonly dependsOn?: pulumi.Input<pulumi.Resource>[] },
): HardenedContainer {
  // The service's own facts (services/): probe, port, owner and data folder.
  const facts = FACTS[spec.service];
  const dataFolder = facts.dataPath ? dataFolderPath(ctx, spec.service) : undefined;
  // The data folder is created with the owner the image runs as, before the container starts.
  const folder = dataFolder
    ? hostFolder(ctx.host, `${spec.service}-data`, { path: dataFolder, uid: facts.uid, gid: facts.gid, mode: "0750" }, { parent: opts.parent })
    : undefined;
  const mounts: docker.types.input.ContainerMount[] = [
    ...(spec.mounts ?? []),
    ...(dataFolder && facts.dataPath ? [{ type: "bind", source: dataFolder, target: facts.dataPath }] : []),
  ];
  const dependsOn = [...(opts.dependsOn ?? []), ...(folder ? [folder.resource] : [])];
  const image = new docker.RemoteImage(
    `${spec.service}-image`,
    // keepLocally: a replaced or rolled-back container should not have to pull its old image again.
    { name: spec.image, keepLocally: true },
    { parent: opts.parent, ...(ctx.provider ? { provider: ctx.provider } : {}) },
  );
  const name = containerName(ctx.stack, spec.service) + (spec.instance ? `-${spec.instance}` : "");
  const container = new docker.Container(
    spec.instance ? `${spec.service}-${spec.instance}` : spec.service,
    {
      name,
      image: image.imageId,
      restart: "unless-stopped",
      healthcheck: { ...facts.healthcheck, tests: [...facts.healthcheck.tests] },
      wait: true,
      waitTimeout: facts.waitTimeoutSeconds,
      destroyGraceSeconds: spec.stopGraceSeconds ?? DEFAULT_STOP_GRACE_SECONDS,
      logDriver: "json-file",
      logOpts: { ...LOG_ROTATION },
      memory: spec.memoryMb,
      memorySwap: ctx.swapLimited ? spec.memoryMb : -1,
      securityOpts: securityOpts(spec),
      // Only the entry point binds to bindAddress; every other published port to 127.0.0.1. The rest
      // is reached on the stack network.
      ports: ctx.exposure.bindings[spec.service].map((b) => ({ internal: b.port, external: b.port, ip: b.ip, protocol: "tcp" })),
      labels: [
        { label: LABEL_KEYS.stack, value: ctx.stack },
        { label: LABEL_KEYS.service, value: spec.service },
      ],
      // The service name is the DNS alias other containers use on the stack network.
      networksAdvanced: [{ name: ctx.network.name, aliases: [spec.service] }],
      ...(spec.command ? { command: [...spec.command] } : {}),
      ...(spec.envs ? { envs: spec.envs } : {}),
      ...(mounts.length ? { mounts } : {}),
      ...(spec.uploads ? { uploads: spec.uploads } : {}),
      ...(spec.gpus ? { gpus: spec.gpus } : {}),
      ...(spec.capabilityAdds ? { capabilities: { adds: [...spec.capabilityAdds] } } : {}),
      ...(spec.pidMode ? { pidMode: spec.pidMode } : {}),
      ...(spec.devices ? { devices: spec.devices.map((d) => ({ hostPath: d, containerPath: d })) } : {}),
    },
    {
      parent: opts.parent,
      ...(ctx.provider ? { provider: ctx.provider } : {}),
      replaceOnChanges: APPLY_BY_REPLACEMENT,
      ...(dependsOn.length ? { dependsOn } : {}),
    },
  );
  return { container, name, ...(dataFolder ? { dataFolder } : {}) };
}
