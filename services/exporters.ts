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
} as const satisfies ServiceFacts);

/** cAdvisor's command: Docker containers only, without copying every Docker label into series labels. */
export const cadvisorCommand = (): string[] => [`-port=${CADVISOR.port}`, "-docker_only=true", "-store_container_labels=false", "-housekeeping_interval=15s"];
