// The metric exporters: node-exporter (host), cAdvisor (per container) and the NVIDIA DCGM exporter
// (GPU). Only Prometheus talks to them, so none publishes a port.
import { bashHttpProbe, type ServiceFacts } from "./types.js";

export const NODE_EXPORTER = Object.freeze({
  image: "quay.io/prometheus/node-exporter:v1.12.1",
  port: 9100,
  published: false,
  // Busybox image, USER nobody.
  uid: 65534,
  gid: 65534,
  // Busybox image: wget exists. There is no health endpoint; / answers 200.
  healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9100/"], interval: "10s", timeout: "5s", startPeriod: "10s", retries: 3 },
  waitTimeoutSeconds: 60,
  // Reads the host's /proc, /sys and filesystems through the read-only /host mount; writes nothing.
  confinement: {
    capAdds: [],
    rootFs: { readOnly: true, tmpfs: [] },
    pidsLimit: 128,
    hostAccess:
      "the host's root, read-only at /host, and its process namespace: host metrics come from there. As nobody, outside the Docker socket's group, it cannot use the socket it can see",
  },
} as const satisfies ServiceFacts);

export const CADVISOR = Object.freeze({
  // Only on ghcr.io since v0.53; gcr.io answers "manifest unknown".
  image: "ghcr.io/google/cadvisor:v0.60.5",
  port: 8080,
  published: false,
  uid: 0,
  gid: 0,
  // The image's own HEALTHCHECK script (busybox wget on /healthz, port read from the command line).
  healthcheck: { tests: ["CMD", "/usr/bin/healthcheck.sh"], interval: "10s", timeout: "5s", startPeriod: "20s", retries: 3 },
  waitTimeoutSeconds: 90,
  confinement: {
    capAdds: [
      {
        cap: "CAP_DAC_READ_SEARCH",
        why: "per-container disk usage walks each container's layer under Docker's data root, where folders belong to the containers' own users",
      },
      { cap: "CAP_SYSLOG", why: "out-of-memory kills are read from /dev/kmsg, which needs it where the kernel restricts dmesg (kernel.dmesg_restrict=1, the default on several distributions)" },
    ],
    rootWhy: "it reads the cgroups, the layers under Docker's data root and /dev/kmsg, which belong to root; it talks to Docker only through the socket proxy",
    // Writes nothing: logs go to stderr, the probe is busybox wget.
    rootFs: { readOnly: true, tmpfs: [] },
    pidsLimit: 256,
    hostAccess:
      "read-only: the host's root at /rootfs (with empty tmpfs over its run folders, where the runtime sockets are), /sys, Docker's data root, /dev/disk; and /dev/kmsg. Per-container metrics are read from there",
  },
} as const satisfies ServiceFacts);

export const DCGM_EXPORTER = Object.freeze({
  // From 4.5.3-4.8.2 on only the -distroless image is published.
  image: "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless",
  port: 9400,
  published: false,
  uid: 0,
  gid: 0,
  // Distroless with bash but no coreutils: only the bash-builtin probe works. /health is always 200 once up.
  healthcheck: { tests: bashHttpProbe(9400, "/health"), interval: "10s", timeout: "5s", startPeriod: "30s", retries: 5 },
  waitTimeoutSeconds: 120,
  confinement: {
    capAdds: [
      {
        cap: "CAP_SYS_ADMIN",
        why: "NVIDIA runs the exporter with it; its embedded host engine has refused to start without it (dcgm-exporter#402, #407), and no GPU here could show otherwise",
      },
    ],
    rootWhy: "the distroless image has no other user, and NVIDIA documents capabilities for it only as root",
    // The embedded host engine logs to /var/log/nv-hostengine.log.
    rootFs: { readOnly: true, tmpfs: ["/tmp", "/var/log"] },
    pidsLimit: 256,
    hostAccess: "the GPUs Ollama gets",
  },
} as const satisfies ServiceFacts);

/** cAdvisor's command: Docker containers only, without copying every Docker label into series labels. */
export const cadvisorCommand = (dockerHost: string): string[] => [
  `-port=${CADVISOR.port}`,
  // The Docker API through the socket proxy: cAdvisor never sees the socket.
  `-docker=${dockerHost}`,
  "-docker_only=true",
  "-store_container_labels=false",
  "-housekeeping_interval=15s",
];
