// The log shipper: Promtail (the default the rollout asked for, end-of-life since 2026-03-02) or
// Grafana Alloy, its successor. One config key switches between them.
import type { LogShipper } from "../config/schema.js";
import { bashHttpProbe, type ServiceFacts } from "./types.js";

interface ShipperFacts extends ServiceFacts {
  readonly port: number;
  readonly configFolders: readonly string[];
  readonly configPath: string;
  /** Promtail's positions file, or Alloy's storage folder: the service's data folder. */
  readonly dataPath: string;
  readonly command: readonly string[];
}

// Both images are Ubuntu-based with bash and without curl or wget, and run as root by default. They
// read the Docker API through the socket proxy, over the network, so they need no root: each runs as
// a user of its own and writes only its state (the data folder).
const shipper = (
  s: Omit<ShipperFacts, "published" | "healthcheck" | "waitTimeoutSeconds" | "confinement" | "configFolders"> & { readonly readyPath: string },
): ShipperFacts => ({
  image: s.image,
  port: s.port,
  published: false,
  uid: s.uid,
  gid: s.gid,
  configPath: s.configPath,
  configFolders: [s.configPath.slice(0, s.configPath.lastIndexOf("/"))],
  dataPath: s.dataPath,
  command: s.command,
  healthcheck: { tests: bashHttpProbe(s.port, s.readyPath), interval: "10s", timeout: "5s", startPeriod: "20s", retries: 5 },
  waitTimeoutSeconds: 120,
  // Until they read the API through the socket proxy, both ran as root.
  confinement: { capAdds: [], rootFs: { readOnly: true, tmpfs: ["/tmp"] }, pidsLimit: 256, formerOwners: ["0:0"] },
});

export const SHIPPERS: Readonly<Record<LogShipper, ShipperFacts>> = Object.freeze({
  promtail: shipper({
    // The last Promtail image ever published: Promtail reached end of life on 2026-03-02.
    image: "grafana/promtail:3.6.11",
    port: 9080,
    // The image has no user of its own; nobody is enough to write the positions file.
    uid: 65534,
    gid: 65534,
    configPath: "/etc/promtail/config.yml",
    dataPath: "/var/lib/promtail",
    command: ["-config.file=/etc/promtail/config.yml"],
    readyPath: "/ready",
  }),
  alloy: shipper({
    // Alloy tags keep the "v".
    image: "grafana/alloy:v1.19.2",
    port: 12345,
    // The image's own alloy user; Grafana documents running as it with a read-only root when the
    // storage path is a volume (docs/sources/access_permissions/kubernetes.md).
    uid: 473,
    gid: 473,
    configPath: "/etc/alloy/config.alloy",
    dataPath: "/var/lib/alloy/data",
    // Alloy listens on 127.0.0.1 by default; Prometheus scrapes it over the stack network.
    command: ["run", "--server.http.listen-addr=0.0.0.0:12345", "--storage.path=/var/lib/alloy/data", "/etc/alloy/config.alloy"],
    // /-/healthy fails when any component is unhealthy, too strict for liveness.
    readyPath: "/-/ready",
  }),
});

/** A fleet worker's shipper: the files beside its config for pushing to the gateway's Loki. */
export function shipperPushFiles(shipper: LogShipper): { readonly caFile: string; readonly passwordFile: string } {
  const dir = SHIPPERS[shipper].configFolders[0]!;
  return { caFile: `${dir}/gateway-ca.pem`, passwordFile: `${dir}/log-push-password` };
}
