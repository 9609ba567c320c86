// LiteLLM: the facts of the LiteLLM image, its plain environment, and what names a config version.
import { createHash } from "node:crypto";
import type { Route, StackConfig } from "../config/schema.js";
import type { GeneratedFile } from "./files.js";
import type { ServiceFacts } from "./types.js";

export const LITELLM = Object.freeze({
  // 1.100.0 is the newest tag confirmed live on GHCR (litellm-docs PR #1235). The PyPI release of the
  // same version is what the real-proxy test suite installs, so both move together.
  image: "ghcr.io/berriai/litellm:1.100.0",
  port: 4000,
  // Behind the entry point (Caddy), which owns the gateway's published port.
  published: false,
  // The default image runs as root; LiteLLM keeps no data of its own here.
  uid: 0,
  gid: 0,
  // Not under /app: that is where the image keeps its Python environment.
  configPath: "/etc/litellm/config.yaml",
  configFolders: ["/etc/litellm"],
  // /metrics answers 307 to /metrics/; some scrapers do not follow it, so scrape the target directly.
  metricsPath: "/metrics/",
  // No curl and no wget since the Wolfi base; python3 is on PATH. /health/liveliness is unauthenticated
  // and makes no LLM call (unlike /health, which calls every model).
  healthcheck: {
    tests: [
      "CMD",
      "python3",
      "-c",
      "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:4000/health/liveliness', timeout=5).status == 200 else 1)",
    ],
    interval: "10s",
    timeout: "10s",
    // Startup loads the config and the bundled cost map; failures inside this window do not count.
    startPeriod: "1m0s",
    retries: 3,
  },
  waitTimeoutSeconds: 180,
  confinement: {
    capAdds: [],
    rootWhy: "the default image runs as root; the non-root variant is a separate image (litellm-non_root) whose 1.100.0 tag could not be confirmed",
    // Measured: with no database the proxy writes nothing outside /tmp (it only warns that it cannot fetch the remote cost map).
    rootFs: { readOnly: true, tmpfs: ["/tmp"] },
    pidsLimit: 1024,
  },
} as const satisfies ServiceFacts & Record<string, unknown>);

/** Environment that is not secret. The cost map ships in the image, so startup fetches nothing. */
export function gatewayPlainEnv(ollamaUrl: string): string[] {
  return [
    "LITELLM_MODE=PRODUCTION",
    "LITELLM_LOG=INFO",
    "LITELLM_LOCAL_MODEL_COST_MAP=True",
    // The admin UI needs a database, which this stack does not run.
    "DISABLE_ADMIN_UI=True",
    // Model-info lookups (/api/show) read this rather than the per-model api_base.
    `OLLAMA_API_BASE=${ollamaUrl}`,
  ];
}

/**
 * A short fingerprint of everything about the LiteLLM container that Docker can only change by
 * replacing it, secrets excepted: a new fingerprint is a new container, started beside the old one.
 */
export function gatewayVersion(parts: { image: string; command: readonly string[]; env: readonly string[]; files: readonly GeneratedFile[]; configPlace: string }): string {
  // configPlace: where and how its config folder is written (host/configFiles.ts): a change there
  // mounts a new folder, which replaces the container, so it must be a new version, not a second
  // container of the same name.
  const text = JSON.stringify([parts.image, parts.command, parts.env, parts.files.map((f) => [f.containerPath, f.content]), LITELLM.healthcheck, parts.configPlace]);
  return createHash("sha256").update(text).digest("hex").slice(0, 10);
}

/**
 * How long a LiteLLM container being replaced may finish its requests: the longest route budget,
 * plus a minute for the fallback that may follow it, within ten minutes.
 */
export function gatewayStopGraceSeconds(routes: readonly Route[]): number {
  return Math.min(600, Math.max(0, ...routes.map((r) => r.timeoutSeconds)) + 60);
}

/** The container's command: the image's entrypoint runs `litellm` with these arguments. */
export const gatewayCommand = (workers: number): string[] => ["--config", LITELLM.configPath, "--port", String(LITELLM.port), "--num_workers", String(workers)];

/**
 * LiteLLM's worker processes: gateway.workers, else one per core of the host, at most 4; 1 when the
 * cores are unknown. Measured with `npm run bench:gateway` (docs/performance.md) on 2 cores: at 16
 * streams, 2 workers halved the time LiteLLM adds to the first token (291 ms to 146 ms at p50) and
 * raised throughput by 43 %, and 4 workers added nothing more (and a worse p95). Each worker counts
 * rate limits alone, so an automatic count never exceeds the smallest cloud-model limit, which is
 * shared out between them.
 * With several workers LiteLLM keeps its metrics in a folder under /tmp (a tmpfs here), which it
 * creates and empties at start.
 */
export function gatewayWorkers(config: Pick<StackConfig, "gateway" | "cloudModels">, cores: number | undefined): number {
  if (config.gateway.workers !== undefined) return config.gateway.workers;
  const auto = cores === undefined ? 1 : Math.min(4, Math.max(1, cores));
  const limits = config.cloudModels.flatMap((m) => [m.rpm, m.tpm, m.maxParallelRequests]).filter((v): v is number => v !== undefined);
  return Math.max(1, Math.min(auto, ...limits));
}
