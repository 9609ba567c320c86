// The one way this program runs a container. Each service's facts (probe, port, owner, data folder,
// confinement) come from services/; this helper adds everything every container must have: an in-image
// healthcheck and a wait for it, restart policy, log rotation, memory, CPU and process limits, no
// capabilities beyond those its facts give back, no-new-privileges, a read-only root filesystem where
// the image allows one, its own user, ports bound to bindAddress only, labels, and the stack's private network.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { checkConfigFiles, configBundle, configDeleteScript, configVersion, configWriteScript, type ConfigFile } from "../host/configFiles.js";
import { FACTS } from "../services/catalog.js";
import type { Exposure } from "../services/exposure.js";
import { LABEL_KEYS, containerName, type ServiceName } from "../services/names.js";
import { hostCommand, hostFolder, type HostTarget } from "./host.js";

/** What every component gets from the wiring: where it runs and what it joins. */
export interface StackContext {
  readonly stack: string;
  readonly host: HostTarget;
  /** Which host ports each container publishes, on which address (services/exposure.ts). */
  readonly exposure: Exposure;
  readonly dataRoot: string;
  readonly network: docker.Network;
  /** Whether Docker can limit swap on the host (host/probe.ts). */
  readonly swapLimited: boolean;
  /** Each service's CPU limit in cores, already capped at the host's cores (Docker refuses more). */
  readonly cpuLimits: Readonly<Record<ServiceName, number>>;
  /** The stack's key for naming config folders (host/configFiles.ts configVersion); a secret. */
  readonly configKey: pulumi.Output<string>;
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
  /** Its config files, generated and secret: written on the host and mounted read-only (host/configFiles.ts). */
  readonly configFiles?: pulumi.Input<pulumi.Input<ConfigFile>[]>;
  readonly gpus?: string;
  readonly pidMode?: "host";
  /** Extra groups (numeric ids) the service's user joins: the Docker socket's group for the proxy. */
  readonly groupAdds?: readonly string[];
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

/**
 * A CPU limit in tenths of a core as the docker provider reads it back from Docker's NanoCPUs, so
 * the next preview shows no change: a whole number of cores is "2.0" (but "10." where the digits
 * hold ten zeros), anything else has its one decimal ("0.5", "1.5"). The provider's formatting
 * (helpers.go nanoInt64ToDecimalString, pulumi-docker 5.x) was checked on a real engine.
 */
export function dockerCpus(cores: number): string {
  const tenths = Math.round(cores * 10);
  const nine = `${Math.floor(tenths / 10)}.${tenths % 10}00000000`;
  if ([...nine].filter((ch) => ch === "0").length === 9) return nine.slice(0, nine.indexOf(".") + 2);
  return nine.replace(/0+$/, "");
}

/** Every tmpfs: no set-uid programs or device files, and a size cap so a runaway write fills memory only up to it. */
export const TMPFS_OPTIONS = "rw,nosuid,nodev,size=64m";

/**
 * The process limit. The docker provider (v5) has no pids-limit field, and an `nproc` ulimit is no
 * substitute: the kernel counts it per user across the whole host and never applies it to root. So
 * the limit is set on the container's pids cgroup with `docker update --pids-limit` once it exists,
 * again whenever it is replaced; Docker keeps it across restarts. `doctor` checks it.
 */
export const pidsLimitScript = (containerName: string, limit: number) => `docker update --pids-limit ${limit} ${containerName} >/dev/null`;

// The docker provider stores changes to these but never applies them to a running container
// (they are neither ForceNew nor handled by its update): replacing is the only way they take effect.
// `mounts` is ForceNew in the provider's schema, yet a changed mount source was applied as an
// in-place update that did nothing (seen on a real engine): a new config folder must replace the container.
const APPLY_BY_REPLACEMENT = ["healthcheck", "init", "tmpfs", "cpuPeriod", "cpuQuota", "mounts"];

export interface HardenedContainer {
  readonly container: docker.Container;
  /** The Docker container name: what `docker logs` and `docker exec` take. */
  readonly name: string;
  /** The host folder mounted as the service's data folder, when it has one. */
  readonly dataFolder?: string;
}

export const dataFolderPath = (ctx: Pick<StackContext, "dataRoot">, service: ServiceName) => `${ctx.dataRoot}/${service}`;

/** Where the config files of each container version live on the host: `<dataRoot>/config/<container>-<digest>`. */
export const configRoot = (ctx: Pick<StackContext, "dataRoot">) => `${ctx.dataRoot}/config`;

/**
 * A container's config files, written on the host into a folder named by their digest, and mounted
 * read-only folder by folder. A change writes a new folder (create-first), which changes the mounts
 * and so replaces the container; the old folder goes when the old container has gone.
 */
function configFolder(
  ctx: StackContext,
  resourceName: string,
  folders: readonly string[],
  files: pulumi.Input<pulumi.Input<ConfigFile>[]>,
  parent: pulumi.Resource,
): { readonly write: pulumi.Resource; readonly mounts: pulumi.Input<docker.types.input.ContainerMount>[] } {
  const all = pulumi.output(files) as pulumi.Output<ConfigFile[]>;
  const base = `${configRoot(ctx)}/${resourceName}`;
  const version = pulumi.all([all, ctx.configKey]).apply(([f, key]) => {
    checkConfigFiles(f, folders);
    return configVersion(f, { base, folders }, key);
  });
  const dir = pulumi.interpolate`${base}-${version}`;
  const write = hostCommand(
    ctx.host,
    `${resourceName}-config`,
    { create: dir.apply((d) => configWriteScript(d, folders)), delete: dir.apply(configDeleteScript), stdin: all.apply(configBundle), triggers: [version], createFirst: true },
    { parent },
  );
  return { write: write.resource, mounts: folders.map((target) => ({ type: "bind", source: pulumi.interpolate`${dir}${target}`, target, readOnly: true })) };
}

export function hardenedContainer(
  ctx: StackContext,
  spec: ContainerSpec,
  opts: { readonly parent: pulumi.Resource; readonly dependsOn?: pulumi.Input<pulumi.Resource>[] },
): HardenedContainer {
  // The service's own facts (services/): probe, port, owner, data folder and confinement.
  const facts = FACTS[spec.service];
  const confinement = facts.confinement;
  const dataFolder = facts.dataPath ? dataFolderPath(ctx, spec.service) : undefined;
  // The data folder is created with the owner the image runs as, before the container starts.
  const folder = dataFolder
    ? hostFolder(
        ctx.host,
        `${spec.service}-data`,
        {
          path: dataFolder,
          uid: facts.uid,
          gid: facts.gid,
          mode: "0750",
          ...(confinement.formerOwners ? { formerOwners: confinement.formerOwners, container: containerName(ctx.stack, spec.service) } : {}),
        },
        { parent: opts.parent },
      )
    : undefined;
  const name = containerName(ctx.stack, spec.service) + (spec.instance ? `-${spec.instance}` : "");
  const resourceName = spec.instance ? `${spec.service}-${spec.instance}` : spec.service;
  const config = spec.configFiles ? configFolder(ctx, resourceName, facts.configFolders ?? [], spec.configFiles, opts.parent) : undefined;
  const mounts: pulumi.Input<docker.types.input.ContainerMount>[] = [
    ...(spec.mounts ?? []),
    ...(dataFolder && facts.dataPath ? [{ type: "bind", source: dataFolder, target: facts.dataPath }] : []),
    ...(config ? config.mounts : []),
  ];
  const dependsOn = [...(opts.dependsOn ?? []), ...(folder ? [folder.resource] : []), ...(config ? [config.write] : [])];
  const image = new docker.RemoteImage(
    `${spec.service}-image`,
    // keepLocally: a replaced or rolled-back container should not have to pull its old image again.
    { name: spec.image, keepLocally: true },
    { parent: opts.parent, ...(ctx.provider ? { provider: ctx.provider } : {}) },
  );
  const container = new docker.Container(
    resourceName,
    {
      name,
      user: `${facts.uid}:${facts.gid}`,
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
      cpus: dockerCpus(ctx.cpuLimits[spec.service]),
      capabilities: { drops: ["ALL"], ...(confinement.capAdds.length ? { adds: confinement.capAdds.map((c) => c.cap) } : {}) },
      readOnly: confinement.rootFs.readOnly,
      ...(confinement.rootFs.readOnly && confinement.rootFs.tmpfs.length
        ? { tmpfs: Object.fromEntries(confinement.rootFs.tmpfs.map((p) => [p, TMPFS_OPTIONS])) }
        : {}),
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
      ...(spec.gpus ? { gpus: spec.gpus } : {}),
      ...(spec.pidMode ? { pidMode: spec.pidMode } : {}),
      ...(spec.groupAdds ? { groupAdds: [...spec.groupAdds] } : {}),
      ...(spec.devices ? { devices: spec.devices.map((d) => ({ hostPath: d, containerPath: d })) } : {}),
    },
    {
      parent: opts.parent,
      ...(ctx.provider ? { provider: ctx.provider } : {}),
      replaceOnChanges: APPLY_BY_REPLACEMENT,
      // A fixed name cannot exist twice: the old container goes first. (The provider asks for this
      // itself when its own diff replaces; a replacement forced by replaceOnChanges needs it said.)
      // A versioned one (instance) starts beside the old one instead.
      ...(spec.instance ? {} : { deleteBeforeReplace: true }),
      ...(dependsOn.length ? { dependsOn } : {}),
    },
  );
  hostCommand(
    ctx.host,
    `${resourceName}-pids-limit`,
    { create: container.name.apply((n) => pidsLimitScript(n, confinement.pidsLimit)), triggers: [container.id] },
    { parent: opts.parent, dependsOn: [container] },
  );
  return { container, name, ...(dataFolder ? { dataFolder } : {}) };
}
