// Qdrant: vector store with an API key; storage and snapshots under its data folder.
import { bashHttpProbe, type ServiceFacts } from "./types.js";

export const QDRANT = Object.freeze({
  // Debian 13 slim with bash, without curl or wget; runs as root (the -unprivileged variant as 1000).
  image: "qdrant/qdrant:v1.19.0",
  port: 6333,
  published: true,
  uid: 0,
  gid: 0,
  dataPath: "/qdrant/data",
  // bash but no curl or wget; /readyz is one of the paths Qdrant answers without the API key.
  healthcheck: { tests: bashHttpProbe(6333, "/readyz"), interval: "10s", timeout: "5s", startPeriod: "20s", retries: 5 },
  waitTimeoutSeconds: 120,
} as const satisfies ServiceFacts);

/** Environment that is not secret; the API key is added by the component as a secret. */
export const qdrantPlainEnv = (): string[] => [
  "QDRANT__TELEMETRY_DISABLED=true",
  `QDRANT__STORAGE__STORAGE_PATH=${QDRANT.dataPath}/storage`,
  `QDRANT__STORAGE__SNAPSHOTS_PATH=${QDRANT.dataPath}/snapshots`,
];
