// Loki: single binary, filesystem storage under its data folder, retention by its compactor.
import type { ServiceFacts } from "./types.js";

export const LOKI = Object.freeze({
  image: "grafana/loki:3.7.6",
  port: 3100,
  // Published so that the evidence tool and a user can query logs from the host.
  published: true,
  uid: 10001,
  gid: 10001,
  dataPath: "/loki",
  configPath: "/etc/loki/config.yaml",
  configFolders: ["/etc/loki"],
  // Distroless since 3.6: no shell, no wget. `-health` is built into the binary (3.6.5+, 3.7.0+) and
  // GETs /ready, which answers 503 for about 15 s after start, hence the start period.
  healthcheck: { tests: ["CMD", "/usr/bin/loki", "-health"], interval: "10s", timeout: "10s", startPeriod: "45s", retries: 5 },
  waitTimeoutSeconds: 180,
  // Everything under path_prefix (the data folder) but the compactor's temporary retention marker
  // views, which go to /tmp (grafana/loki#8207).
  confinement: { capAdds: [], rootFs: { readOnly: true, tmpfs: ["/tmp"] }, pidsLimit: 512 },
} as const satisfies ServiceFacts & Record<string, unknown>);
