// Qdrant: vector store with an API key; storage and snapshots under its data folder.
import { bashHttpProbe, type ServiceFacts } from "./types.js";

export const QDRANT = Object.freeze({
  // Debian 13 slim with bash, without curl or wget. The -unprivileged variant of the same release runs
  // as 1000:1000 and owns /qdrant; the default one runs as root.
  image: "qdrant/qdrant:v1.19.0-unprivileged",
  port: 6333,
  published: true,
  uid: 1000,
  gid: 1000,
  dataPath: "/qdrant/data",
  // bash but no curl or wget; /readyz is one of the paths Qdrant answers without the API key.
  healthcheck: { tests: bashHttpProbe(6333, "/readyz"), interval: "10s", timeout: "5s", startPeriod: "20s", retries: 5 },
  waitTimeoutSeconds: 120,
  confinement: {
    capAdds: [],
    // Storage, snapshots and their temporary folders are all under the data folder (qdrantPlainEnv).
    rootFs: { readOnly: true, tmpfs: ["/tmp"] },
    // Search and optimizer threads grow with the cores.
    pidsLimit: 1024,
    // Before this program ran the -unprivileged image, Qdrant ran as root.
    formerOwners: ["0:0"],
  },
} as const satisfies ServiceFacts);

/** Environment that is not secret; the API key is added by the component as a secret. */
export const qdrantPlainEnv = (): string[] => [
  "QDRANT__TELEMETRY_DISABLED=true",
  `QDRANT__STORAGE__STORAGE_PATH=${QDRANT.dataPath}/storage`,
  `QDRANT__STORAGE__SNAPSHOTS_PATH=${QDRANT.dataPath}/snapshots`,
  // Written once at first start; by default in /qdrant, on the read-only root.
  `QDRANT_INIT_FILE_PATH=${QDRANT.dataPath}/.qdrant-initialized`,
];
