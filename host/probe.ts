// What the containers and metric exporters need from the Docker host, read from the host itself: Docker's data root,
// whether it can limit swap, which optional device paths exist, and the mount propagation of `/`. The same script serves the
// program (run on every preview and up, so the mounts follow the host) and `doctor` (which explains
// each gap with its fix). Free of Pulumi, so the CLIs can load it.
import { DOCKER_SOCKET } from "../services/dockerProxy.js";

/**
 * Where the host's runtime sockets (Docker's, containerd's) appear inside cAdvisor's /rootfs: each
 * gets an empty tmpfs over it. /var/run is usually a link to /run; where it is a folder of its own,
 * its mask hides it too. Nothing cAdvisor reads is under them.
 */
export const CADVISOR_MASKED_PATHS = Object.freeze(["/rootfs/run", "/rootfs/var/run"] as const);

/** Host paths an exporter mounts only when they exist. */
export const OPTIONAL_HOST_PATHS = Object.freeze(["/dev/disk", "/dev/kmsg"] as const);
export type OptionalHostPath = (typeof OPTIONAL_HOST_PATHS)[number];

export type Propagation = "shared" | "slave" | "private";

export interface HostFacts {
  /** `docker info`'s DockerRootDir; undefined when Docker did not answer. */
  readonly dockerRoot?: string;
  /** `docker info`'s SwapLimit: whether the kernel lets Docker limit a container's swap. */
  readonly swapLimit?: boolean;
  /** `docker info`'s NCPU: the cores Docker counts, the most a container's CPU limit may be. */
  readonly cores?: number;
  /** `docker info`'s Driver: `overlayfs` means the containerd image store. */
  readonly storageDriver?: string;
  /** The group that owns the Docker socket: the socket proxy joins it to read the socket. */
  readonly socketGroup?: number;
  readonly existing: readonly OptionalHostPath[];
  /** Propagation of the host's `/` mount; undefined when /proc/self/mountinfo could not be read. */
  readonly rootPropagation?: Propagation;
}

/**
 * POSIX sh, one `key=value` per line. Mount propagation comes from /proc/self/mountinfo (the optional
 * fields between field 7 and "-": `shared:N`, `master:N`), so it needs neither findmnt nor root.
 */
export const HOST_PROBE_SCRIPT = [
  `docker info --format 'dockerRoot={{.DockerRootDir}}{{println}}swapLimit={{.SwapLimit}}{{println}}cores={{.NCPU}}{{println}}storageDriver={{.Driver}}' 2>/dev/null || echo "dockerRoot="`,
  `echo "socketGroup=$(stat -L -c %g ${DOCKER_SOCKET} 2>/dev/null)"`,
  // The same count as Docker's NCPU, for when docker info does not answer: a CPU limit above it is refused.
  `echo "nproc=$(nproc 2>/dev/null)"`,
  `for p in ${OPTIONAL_HOST_PATHS.join(" ")}; do if [ -e "$p" ]; then echo "exists=$p"; fi; done`,
  `awk '$5 == "/" { p = "private"; for (i = 7; i <= NF && $i != "-"; i++) { if ($i ~ /^shared:/) p = "shared"; else if ($i ~ /^master:/ && p != "shared") p = "slave" } r = p } END { if (r != "") print "rootPropagation=" r }' /proc/self/mountinfo`,
].join("\n");

export function parseHostProbe(stdout: string): HostFacts {
  let dockerRoot: string | undefined;
  let rootPropagation: Propagation | undefined;
  let swapLimit: boolean | undefined;
  let cores: number | undefined;
  let nproc: number | undefined;
  let storageDriver: string | undefined;
  let socketGroup: number | undefined;
  const existing: OptionalHostPath[] = [];
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === "dockerRoot" && value.startsWith("/")) dockerRoot = value;
    if (key === "swapLimit" && (value === "true" || value === "false")) swapLimit = value === "true";
    if (key === "cores" && /^[1-9]\d*$/.test(value)) cores = Number(value);
    if (key === "nproc" && /^[1-9]\d*$/.test(value)) nproc = Number(value);
    if (key === "storageDriver" && /^[\w.-]+$/.test(value)) storageDriver = value;
    if (key === "socketGroup" && /^\d+$/.test(value)) socketGroup = Number(value);
    if (key === "exists" && (OPTIONAL_HOST_PATHS as readonly string[]).includes(value)) existing.push(value as OptionalHostPath);
    if (key === "rootPropagation" && (value === "shared" || value === "slave" || value === "private")) rootPropagation = value;
  }
  return {
    ...(dockerRoot ? { dockerRoot } : {}),
    ...(swapLimit !== undefined ? { swapLimit } : {}),
    ...(cores !== undefined || nproc !== undefined ? { cores: cores ?? nproc } : {}),
    ...(storageDriver ? { storageDriver } : {}),
    ...(socketGroup !== undefined ? { socketGroup } : {}),
    existing: OPTIONAL_HOST_PATHS.filter((p) => existing.includes(p)),
    ...(rootPropagation ? { rootPropagation } : {}),
  };
}

/**
 * Each service's CPU limit as Docker will take it: Docker refuses a limit above the cores it counts,
 * so a larger one means "every core". Unknown cores (Docker did not answer) keep the limits as set.
 */
export function cpuLimitsForHost<K extends string>(limits: Readonly<Record<K, number>>, cores: number | undefined): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(limits).map(([s, n]) => [s, cores === undefined ? n : Math.min(n, cores)])) as Record<K, number>;
}

/** One thing the host lacks, what the stack does without it, and how to fix the host. */
/** What the probe looks at, one name each: doctor prints a line for each. */
export const HOST_ASPECTS = Object.freeze(["root-propagation", "docker-root", "dev-disk", "dev-kmsg", "swap-limit", "image-store", "docker-socket"] as const);
export type HostAspect = (typeof HOST_ASPECTS)[number];

export interface HostGap {
  readonly aspect: HostAspect;
  /** What does without: an exporter, the socket proxy (and so the log shipper), or `docker` for every container. */
  readonly exporter: "node-exporter" | "cadvisor" | "docker-proxy" | "docker";
  readonly problem: string;
  readonly effect: string;
  readonly fix: string;
}

export interface BindMount {
  readonly source: string;
  readonly target: string;
  readonly propagation?: "rslave";
}

export interface HostPlan {
  /** Whether Docker can limit swap here (see hardenedContainer's memorySwap). */
  readonly swapLimited: boolean;
  /** The cores Docker counts, when it answered: the cap on every CPU limit. */
  readonly cores?: number;
  readonly nodeExporter: { readonly rootMount: BindMount };
  readonly cadvisor: { readonly mounts: readonly BindMount[]; readonly devices: readonly string[] };
  /** The Docker socket's group, for the socket proxy; undefined when it could not be read. */
  readonly socketGroup?: number;
  readonly gaps: readonly HostGap[];
}

/**
 * What the containers can have on this host: the exporters' mounts, and whether swap can be limited. Nothing is mounted that does not exist, and each source
 * that is missing becomes a gap (reported in the stack outputs and by doctor) instead of a failed up.
 */
export function planForHost(facts: HostFacts): HostPlan {
  const gaps: HostGap[] = [];
  // rslave lets node-exporter see filesystems mounted after it started; Docker refuses it unless `/`
  // is itself a shared or slave mount.
  const rootShared = facts.rootPropagation === "shared" || facts.rootPropagation === "slave";
  if (!rootShared) {
    gaps.push({
      aspect: "root-propagation",
      exporter: "node-exporter",
      problem: facts.rootPropagation ? "/ is a private mount on the host" : "the propagation of / could not be read",
      effect: "/ is mounted without rslave: filesystems mounted after node-exporter starts are missing until it restarts",
      fix: "sudo mount --make-rshared / (systemd hosts do this at boot; on others add it to the boot scripts)",
    });
  }
  // No /var/run: cAdvisor's upstream instructions mount it only for the runtime sockets, which are
  // root on the host. The Docker API comes through the socket proxy instead, and the sockets under
  // /rootfs are hidden (CADVISOR_MASKED_PATHS).
  const cadvisorMounts: BindMount[] = [
    { source: "/", target: "/rootfs" },
    { source: "/sys", target: "/sys" },
  ];
  if (facts.dockerRoot) {
    // cAdvisor asks Docker for its root and reads the layers there, so the path inside is the host's.
    cadvisorMounts.push({ source: facts.dockerRoot, target: facts.dockerRoot });
  } else {
    gaps.push({
      aspect: "docker-root",
      exporter: "cadvisor",
      problem: "docker info did not report Docker's data root",
      effect: "per-container filesystem usage is missing",
      fix: "make `docker info` work for the deploy user (docker group), then run pulumi up again",
    });
  }
  if (facts.existing.includes("/dev/disk")) {
    cadvisorMounts.push({ source: "/dev/disk", target: "/dev/disk" });
  } else {
    gaps.push({
      aspect: "dev-disk",
      exporter: "cadvisor",
      problem: "/dev/disk does not exist on the host",
      effect: "cAdvisor cannot map filesystem UUIDs and labels to devices, so some filesystem series lack their device",
      fix: "none needed on VMs and container hosts without udev; elsewhere start udev (systemd-udevd), which creates /dev/disk",
    });
  }
  // An unknown answer (no Docker) keeps the limit: that is what a healthy host reports.
  const swapLimited = facts.swapLimit !== false;
  if (!swapLimited) {
    gaps.push({
      aspect: "swap-limit",
      exporter: "docker",
      problem: "Docker cannot limit swap on this host (docker info: SwapLimit false)",
      effect: "containers may use swap beyond their memory limit",
      fix: "enable swap accounting: boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1) or add swapaccount=1 to the kernel command line",
    });
  }
  const devices = facts.existing.includes("/dev/kmsg") ? ["/dev/kmsg"] : [];
  if (!devices.length) {
    gaps.push({
      aspect: "dev-kmsg",
      exporter: "cadvisor",
      problem: "/dev/kmsg does not exist on the host",
      effect: "out-of-memory kills are not counted (container_oom_events_total)",
      fix: "give the host a kernel log device (/dev/kmsg); container hosts such as LXC need it passed through",
    });
  }
  if (facts.storageDriver === "overlayfs") {
    gaps.push({
      aspect: "image-store",
      exporter: "cadvisor",
      problem: "Docker keeps images in the containerd image store (storage driver overlayfs)",
      effect: "cAdvisor then needs containerd's socket, which is root on the host and is not given to it, so per-container CPU, memory and network series are missing",
      fix: 'switch Docker back to its own image store ("features": {"containerd-snapshotter": false} in /etc/docker/daemon.json, then restart Docker and pull the images again), or set exporters.cadvisor to false',
    });
  }
  if (facts.socketGroup === undefined) {
    gaps.push({
      aspect: "docker-socket",
      exporter: "docker-proxy",
      problem: `the group of ${DOCKER_SOCKET} could not be read`,
      effect: "the socket proxy may not be able to read the socket, and without it the log shipper and cAdvisor see no containers",
      fix: `make ${DOCKER_SOCKET} readable by its group (the docker group) and visible to the deploy user, then run pulumi up again`,
    });
  }
  return {
    swapLimited,
    ...(facts.cores !== undefined ? { cores: facts.cores } : {}),
    nodeExporter: { rootMount: { source: "/", target: "/host", ...(rootShared ? { propagation: "rslave" as const } : {}) } },
    cadvisor: { mounts: cadvisorMounts, devices },
    ...(facts.socketGroup !== undefined ? { socketGroup: facts.socketGroup } : {}),
    gaps,
  };
}

/** The gaps that matter to a stack: those of exporters it runs, and Docker's own. */
export function relevantGaps(gaps: readonly HostGap[], exporters: { readonly nodeExporter: boolean; readonly cadvisor: boolean }): HostGap[] {
  // The socket proxy always runs: the log shipper needs it.
  return gaps.filter((g) => (g.exporter === "node-exporter" ? exporters.nodeExporter : g.exporter === "cadvisor" ? exporters.cadvisor : true));
}

export const formatGap = (g: HostGap) => `${g.exporter}: ${g.problem}; ${g.effect}. Fix: ${g.fix}`;
