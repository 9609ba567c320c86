// Loki as a single binary with filesystem storage, and retention applied by its compactor.
import type { LokiSettings } from "../config/schema.js";
import { toYaml } from "./yaml.js";

export interface LokiRenderInput {
  readonly settings: LokiSettings;
  /** Where Loki keeps chunks, index and compactor state inside the container. */
  readonly dataPath: string;
  readonly httpPort: number;
}

export function buildLokiConfig(input: LokiRenderInput): Record<string, unknown> {
  const d = input.dataPath;
  return {
    // One tenant: the stack is the only writer and only Grafana reads.
    auth_enabled: false,
    server: { http_listen_port: input.httpPort, log_level: "info" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: d,
      storage: { filesystem: { chunks_directory: `${d}/chunks`, rules_directory: `${d}/rules` } },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: {
      configs: [{ from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }],
    },
    // Without retention_enabled the compactor never deletes anything and logs live forever.
    compactor: {
      working_directory: `${d}/compactor`,
      retention_enabled: true,
      delete_request_store: "filesystem",
    },
    limits_config: { retention_period: input.settings.retentionPeriod },
    analytics: { reporting_enabled: false },
  };
}

export function renderLokiConfig(input: LokiRenderInput): string {
  return toYaml(buildLokiConfig(input), "Loki config, rendered by ai-gateway. Do not edit: change the stack config and run `pulumi up`.");
}
