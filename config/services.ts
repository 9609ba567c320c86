// Which services a stack runs: derived from its config in one place, so the wiring, the scrape
// targets, the alert rules and the outputs always agree.
import { SERVICES, type ServiceName } from "../services/names.js";
import type { StackConfig } from "./schema.js";

/** What a gpu-worker runs besides its exporters and log shipper. */
const WORKER_SERVICES: readonly ServiceName[] = ["ollama", "caddy", "docker-proxy"];

export function enabledServices(config: Pick<StackConfig, "logShipper" | "exporters" | "cache"> & { readonly role?: StackConfig["role"] }): ServiceName[] {
  const worker = config.role === "gpu-worker";
  return SERVICES.filter((s) => {
    switch (s) {
      case "promtail":
      case "alloy":
        return s === config.logShipper;
      case "node-exporter":
        return config.exporters.nodeExporter;
      case "cadvisor":
        return config.exporters.cadvisor;
      case "dcgm-exporter":
        // Validation refuses dcgm on a stack without GPUs.
        return config.exporters.dcgm;
      case "valkey":
      case "redis-exporter":
        return config.cache.enabled;
      default:
        return !worker || WORKER_SERVICES.includes(s);
    }
  });
}
