// The services a stack can run, and how their containers are named and labelled. Log shippers
// select by the labels; the tools find containers by name.

export const SERVICES = [
  "ollama",
  "litellm",
  "caddy",
  "prometheus",
  "loki",
  "promtail",
  "alloy",
  "grafana",
  "node-exporter",
  "cadvisor",
  "dcgm-exporter",
  "qdrant",
  "docker-proxy",
  "alertmanager",
  "valkey",
  "redis-exporter",
] as const;
export type ServiceName = (typeof SERVICES)[number];

export const LABEL_KEYS = Object.freeze({ stack: "ai-gateway.stack", service: "ai-gateway.service" });

export const containerName = (stack: string, service: ServiceName) => `ai-gateway-${stack}-${service}`;

/** The stack's name as a file name (cron.d) or a host name (restic) may hold it. */
export const safeStackName = (stack: string) => stack.replace(/[^A-Za-z0-9_-]/g, "-");
