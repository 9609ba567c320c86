// The log shipper: Promtail (the default the rollout asked for, end-of-life since 2026-03-02) or
// Grafana Alloy, its successor. One config key switches between them.
import type { LogShipper } from "../config/schema.js";
import { bashHttpProbe, type ServiceFacts } from "./types.js";

export const DOCKER_SOCKET = "/var/run/docker.sock";

interface ShipperFacts extends ServiceFacts {
  readonly port: number;
  readonly configPath: string;
  /** Promtail's positions file, or Alloy's storage folder: the service's data folder. */
  readonly dataPath: string;
  readonly command: readonly string[];
}

// Both images are Ubuntu-based with bash and without curl or wget, and run as root (reading the
// Docker socket needs it anyway).
const shipper = (s: Omit<ShipperFacts, "published" | "uid" | "gid" | "healthcheck" | "waitTimeoutSeconds"> & { readonly readyPath: string }): ShipperFacts => ({
  image: s.image,
  port: s.port,
  published: false,
  uid: 0,
  gid: 0,
  configPath: s.configPath,
  dataPath: s.dataPath,
  command: s.command,
  healthcheck: { tests: bashHttpProbe(s.port, s.readyPath), interval: "10s", timeout: "5s", startPeriod: "20s", retries: 5 },
  waitTimeoutSeconds: 120,
});

export const SHIPPERS: Readonly<Record<LogShipper, ShipperFacts>> = Object.freeze({
  promtail: shipper({
    // The last Promtail image ever published: Promtail reached end of life on 2026-03-02.
    image: "grafana/promtail:3.6.11",
    port: 9080,
    configPath: "/etc/promtail/config.yml",
    dataPath: "/var/lib/promtail",
    command: ["-config.file=/etc/promtail/config.yml"],
    readyPath: "/ready",
  }),
  alloy: shipper({
    // Alloy tags keep the "v".
    image: "grafana/alloy:v1.19.2",
    port: 12345,
    configPath: "/etc/alloy/config.alloy",
    dataPath: "/var/lib/alloy/data",
    // Alloy listens on 127.0.0.1 by default; Prometheus scrapes it over the stack network.
    command: ["run", "--server.http.listen-addr=0.0.0.0:12345", "--storage.path=/var/lib/alloy/data", "/etc/alloy/config.alloy"],
    // /-/healthy fails when any component is unhealthy, too strict for liveness.
    readyPath: "/-/ready",
  }),
});
