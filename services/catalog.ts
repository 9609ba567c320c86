// Every service's facts in one table, and what follows from them: which ports are published and
// where a service is reached on the stack network.
import { CADDY } from "./caddy.js";
import { ALERTMANAGER } from "./alertmanager.js";
import { REDIS_EXPORTER, VALKEY } from "./cache.js";
import { DOCKER_PROXY } from "./dockerProxy.js";
import { CADVISOR, DCGM_EXPORTER, NODE_EXPORTER } from "./exporters.js";
import { GRAFANA } from "./grafana.js";
import { LITELLM } from "./litellm.js";
import { SHIPPERS } from "./logShippers.js";
import { LOKI } from "./loki.js";
import type { ServiceName } from "./names.js";
import { OLLAMA } from "./ollama.js";
import { PROMETHEUS } from "./prometheus.js";
import { QDRANT } from "./qdrant.js";
import type { ServiceFacts } from "./types.js";

export const FACTS: Readonly<Record<ServiceName, ServiceFacts>> = Object.freeze({
  ollama: OLLAMA,
  litellm: LITELLM,
  caddy: CADDY,
  prometheus: PROMETHEUS,
  loki: LOKI,
  promtail: SHIPPERS.promtail,
  alloy: SHIPPERS.alloy,
  grafana: GRAFANA,
  "node-exporter": NODE_EXPORTER,
  cadvisor: CADVISOR,
  "dcgm-exporter": DCGM_EXPORTER,
  qdrant: QDRANT,
  "docker-proxy": DOCKER_PROXY,
  alertmanager: ALERTMANAGER,
  valkey: VALKEY,
  "redis-exporter": REDIS_EXPORTER,
});

/** The host port a service publishes on bindAddress (the same number as inside), or undefined. */
export function publishedPort(service: ServiceName): number | undefined {
  const f = FACTS[service];
  return f.published ? f.port : undefined;
}


/** Where other containers on the stack network reach a service: its name is its DNS alias. */
export function internalUrl(service: ServiceName): string {
  const port = FACTS[service].port;
  if (port === undefined) throw new Error(`${service} listens on no port`);
  return `http://${service}:${port}`;
}
