// The typed configuration contract. Everything downstream (components, renderers, tools) reads
// these types, never pulumi.Config.
import type { ServiceName } from "../services/names.js";

export type GpuSelection = { readonly kind: "all" } | { readonly kind: "none" } | { readonly kind: "devices"; readonly ids: readonly string[] };

export type KvCacheType = "f16" | "q8_0" | "q4_0";

export interface OllamaSettings {
  readonly gpus: GpuSelection;
  /** Tags pulled ahead of time, in the order given. */
  readonly models: readonly string[];
  readonly keepAlive: string;
  readonly numParallel: number;
  /** 0 lets Ollama decide. */
  readonly maxLoadedModels: number;
  readonly flashAttention: boolean;
  readonly kvCacheType: KvCacheType;
  readonly contextLength: number;
  /** Ollama servers on other GPU hosts, each serving the same models; LiteLLM balances routes over all. */
  readonly hosts: readonly string[];
}

export interface Route {
  readonly name: string;
  /** An Ollama tag from ollama.models. */
  readonly model: string;
  /** Cloud model ids from cloudModels, tried in order. Empty on a local-only stack. */
  readonly fallbacks: readonly string[];
  /** How long the local model may take (first chunk of a stream, or the whole answer) before failover. */
  readonly timeoutSeconds: number;
}

/**
 * A cloud model and its guards. rpm and tpm are hard limits per minute (LiteLLM answers 429 beyond
 * them), maxParallelRequests caps the calls in flight (more wait). A reasoning or premium model is a
 * fallback only when allowAsFallback says so.
 */
export interface CloudModel {
  /** `openai/<model>`: its name in /v1/models and in routes' fallbacks. */
  readonly model: string;
  readonly rpm?: number;
  readonly tpm?: number;
  readonly maxParallelRequests?: number;
  readonly allowAsFallback: boolean;
  /** How long one try may take. */
  readonly timeoutSeconds: number;
  /** Tries after the first, on server and connection errors (never on a timeout or a 429; always 0 with rpm or tpm). */
  readonly retries: number;
}

/** A second name for a route, a local model or a cloud model. */
export interface Alias {
  readonly name: string;
  readonly target: string;
}

/** Guards on the gateway as a whole. */
export interface GatewaySettings {
  /** Requests in flight to LiteLLM across every model; more wait at the entry point. Unset: no cap. */
  readonly maxParallelRequests?: number;
  /** Larger request bodies are refused with 413 at the entry point. */
  readonly maxRequestMb: number;
  /** LiteLLM worker processes; unset: from the host's cores (services/litellm.ts gatewayWorkers). */
  readonly workers?: number;
}

/**
 * Where Alertmanager sends the alerts Prometheus fires. Every receiver set gets every alert; the
 * Slack webhook URL and the SMTP password are the secrets alertSlackWebhookUrl and alertSmtpPassword.
 * With none set, alerts show in Alertmanager's UI and Grafana only.
 */
export interface AlertingSettings {
  readonly webhook?: { readonly url: string };
  readonly slack?: { readonly channel: string };
  readonly email?: { readonly to: string; readonly from: string; readonly smarthost: string; readonly username?: string; readonly requireTls: boolean };
  /** How long a new group waits for more alerts before its first message. */
  readonly groupWait: string;
  /** How long before a message about alerts added to a group already sent. */
  readonly groupInterval: string;
  /** How often a warning that still fires is sent again. */
  readonly repeatInterval: string;
  /** The same for a critical alert. */
  readonly criticalRepeatInterval: string;
}

/**
 * LiteLLM's response cache, in Valkey: an identical request is answered from the cache for ttlSeconds.
 * Off by default: a cached answer is the same answer again (no sampling) and is served to whoever
 * asks the same thing with the master key.
 */
export interface CacheSettings {
  readonly enabled: boolean;
  readonly ttlSeconds: number;
}

export type LogShipper = "promtail" | "alloy";

export interface PrometheusSettings {
  /** Prometheus duration, e.g. "15d". */
  readonly retentionTime: string;
  /** Prometheus byte size, e.g. "10GB". Whichever limit is hit first applies. */
  readonly retentionSize: string;
}

export interface LokiSettings {
  /** A whole number of days (Loki's index period is 24h), e.g. "168h" or "7d". */
  readonly retentionPeriod: string;
}

export interface ExporterSettings {
  readonly nodeExporter: boolean;
  readonly cadvisor: boolean;
  /** On by default whenever Ollama has GPUs. */
  readonly dcgm: boolean;
}

export interface AlertThresholds {
  /** Share of gateway requests that fail, over 5 minutes. */
  readonly errorRatePercent: number;
  /** Share of requests answered by a fallback, over 10 minutes. */
  readonly fallbackRatePercent: number;
  /** p95 of a route's end-to-end latency, over 10 minutes. */
  readonly p95LatencySeconds: number;
  readonly gpuMemoryPercent: number;
  readonly hostMemoryPercent: number;
  readonly diskPercent: number;
}

export interface BackupSettings {
  readonly enabled: boolean;
  /** Five-field cron expression, run by the host's cron as root. */
  readonly schedule: string;
  /** How many complete backups to keep. */
  readonly retention: number;
  /** Encrypted copies in a restic repository off this host; the password and credentials are secrets. */
  readonly offsite?: OffsiteSettings;
}

export interface OffsiteSettings {
  /** A restic repository: an absolute path (a mounted NAS), `sftp:user@host:/path`, `s3:...` or `rest:http(s)://...`. */
  readonly repository: string;
  /** Passed to `restic forget --keep-daily/--keep-weekly` after each copy, then `--prune`. */
  readonly keepDaily: number;
  readonly keepWeekly: number;
  /** Five-field cron expression for `restic check`. */
  readonly checkSchedule: string;
  /** When the last off-host copy counts as stale; without it, the same age as the local backup's alert. */
  readonly maxAgeHours?: number;
}

export interface SshHost {
  readonly host: string;
  readonly user: string;
  readonly port: number;
  /** Without it, the SSH agent's keys are used. */
  readonly privateKeyPath?: string;
  /** "<type> <base64>", as `ssh-keyscan` prints after the host name. */
  readonly hostKey?: string;
  /** A known_hosts file holding the host's key (hashed entries work too). */
  readonly knownHostsPath?: string;
}

export type HostConfig = { readonly kind: "local" } | { readonly kind: "ssh"; readonly ssh: SshHost };

export const ROUTING_STRATEGIES = ["simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** A stack's part in a fleet: the whole gateway, or a GPU host serving a gateway stack. */
export type Role = "gateway" | "gpu-worker";

export interface StackConfig {
  readonly stack: string;
  /** gateway: the whole stack. gpu-worker: Ollama, exporters, log shipper and entry point only. */
  readonly role: Role;
  /** A gateway's gpu-worker stacks (stack references), each adding its Ollama to every route it serves. */
  readonly workers: readonly string[];
  /** A worker's gateway stack (a stack reference): where its logs go, and the one host let in. */
  readonly gatewayStack?: string;
  /** Where the containers and host commands run. */
  readonly host: HostConfig;
  /** How LiteLLM spreads a route over its deployments (one per Ollama host). */
  readonly routingStrategy: RoutingStrategy;
  /** True when openaiApiKey is set (as a secret). Without it the stack is local-only. */
  readonly cloudEnabled: boolean;
  readonly bindAddress: string;
  /** bindAddress may be 0.0.0.0 or :: only with this set: every interface, public ones included. */
  readonly allowAllInterfaces: boolean;
  /** The entry point's TLS. */
  readonly tls: TlsSettings;
  /** Services without authentication of their own that are also reachable on bindAddress, behind the entry point with basic auth. */
  readonly expose: readonly ExposableService[];
  readonly dataRoot: string;
  readonly ollama: OllamaSettings;
  /** Cloud models with their guards, empty on a local-only stack. */
  readonly cloudModels: readonly CloudModel[];
  /** Sorted by name, so rendering does not depend on the order keys were written in. */
  readonly routes: readonly Route[];
  /** Sorted by name. Every local model is also served under its own tag (ollama.models). */
  readonly aliases: readonly Alias[];
  readonly gateway: GatewaySettings;
  readonly cache: CacheSettings;
  readonly logShipper: LogShipper;
  readonly prometheus: PrometheusSettings;
  readonly loki: LokiSettings;
  readonly exporters: ExporterSettings;
  readonly alerts: AlertThresholds;
  readonly alerting: AlertingSettings;
  readonly backup: BackupSettings;
  readonly images: Readonly<Record<ServiceName, string>>;
  readonly memoryLimitsMb: Readonly<Record<ServiceName, number>>;
  /** The most CPU each container may use, in cores; capped at the host's cores when it has fewer. */
  readonly cpuLimits: Readonly<Record<ServiceName, number>>;
}

/**
 * Defaults sized for one 24 GB GPU. README's config table explains each choice.
 * Two mid-size models (a 14B coder at Q4 is about 9 GB, an 8B at Q4 about 5 GB) stay resident together,
 * with room left for a q8_0 KV cache of 2 parallel slots at 8k context each.
 */
/**
 * The entry point's certificate: signed by Caddy's own CA (`internal`), issued by an ACME CA for a
 * public name (`acme`), or given (`files`: the certificate here, the key in the secret tlsPrivateKey).
 * `off` is plain HTTP, allowed only on a loopback bindAddress. `names` are the extra DNS names or IP
 * addresses clients use to reach the host, which the certificate must cover.
 */
export type TlsSettings =
  | { readonly mode: "off" }
  | { readonly mode: "internal"; readonly names: readonly string[] }
  | { readonly mode: "acme"; readonly domain: string; readonly email: string }
  | { readonly mode: "files"; readonly names: readonly string[]; readonly certificate: string };

/** Services that have no authentication of their own: exposed only behind the entry point, with basic auth. */
export const EXPOSABLE_SERVICES = ["ollama", "loki", "prometheus"] as const;
export type ExposableService = (typeof EXPOSABLE_SERVICES)[number];

export const DEFAULTS = Object.freeze({
  bindAddress: "127.0.0.1",
  // Caddy's own CA signs the entry point's certificate: HTTPS with nothing to set up.
  tls: Object.freeze({ mode: "internal" as const }),
  expose: Object.freeze([] as ExposableService[]),
  dataRoot: "/data/stack",
  cloudModels: Object.freeze(["openai/gpt-4o"]),
  // One try of a cloud model may take this long: long answers and slow reasoning models need room.
  cloudTimeoutSeconds: 300,
  // Tries after the first on a cloud model (errors other than timeouts): it has nothing behind it.
  cloudRetries: 2,
  aliases: Object.freeze({} as Record<string, string>),
  // 32 MB: a long context is well under a megabyte, images sent inline a few each.
  gateway: Object.freeze({ maxRequestMb: 32 }),
  // An hour: long enough for CI reruns and agents asking again, short enough that answers do not go stale.
  cache: Object.freeze({ enabled: false, ttlSeconds: 3600 }),
  ollama: Object.freeze({
    gpus: "all",
    models: Object.freeze(["qwen2.5-coder:14b", "llama3.1:8b"]),
    // Long enough that a model stays warm between bursts, so a cold load (seconds to minutes)
    // does not eat the route's failover budget on the next request.
    keepAlive: "30m",
    numParallel: 2,
    maxLoadedModels: 2,
    flashAttention: true,
    kvCacheType: "q8_0" as KvCacheType,
    contextLength: 8192,
    hosts: Object.freeze([] as string[]),
  }),
  routingStrategy: "simple-shuffle" as RoutingStrategy,
  routeTimeoutSeconds: 60,
  routes: Object.freeze({
    "task:code": Object.freeze({ model: "qwen2.5-coder:14b", fallbacks: Object.freeze(["openai/gpt-4o"]) }),
    "task:docs": Object.freeze({ model: "llama3.1:8b", fallbacks: Object.freeze(["openai/gpt-4o"]) }),
  }),
  // Promtail is the default because the rollout this replaces asked for it; Alloy is its successor.
  logShipper: "promtail" as LogShipper,
  prometheus: Object.freeze({ retentionTime: "15d", retentionSize: "10GB" }),
  loki: Object.freeze({ retentionPeriod: "168h" }),
  exporters: Object.freeze({ nodeExporter: true, cadvisor: true }),
  alerts: Object.freeze({
    errorRatePercent: 5,
    fallbackRatePercent: 20,
    p95LatencySeconds: 30,
    gpuMemoryPercent: 95,
    hostMemoryPercent: 90,
    diskPercent: 85,
  } satisfies AlertThresholds),
  memoryLimitsMb: Object.freeze({
    ollama: 32768,
    litellm: 2048,
    caddy: 256,
    prometheus: 2048,
    loki: 1024,
    promtail: 256,
    alloy: 512,
    grafana: 512,
    "node-exporter": 128,
    cadvisor: 256,
    "dcgm-exporter": 512,
    qdrant: 2048,
    "docker-proxy": 256,
    alertmanager: 256,
    valkey: 512,
    "redis-exporter": 256,
  } satisfies Record<ServiceName, number>),
  // Enough that none of them is the bottleneck in normal use, and little enough that a runaway
  // exporter or a heavy query cannot starve Ollama and LiteLLM. Ollama's is high for CPU offload.
  cpuLimits: Object.freeze({
    ollama: 16,
    litellm: 4,
    caddy: 2,
    prometheus: 2,
    loki: 2,
    promtail: 0.5,
    alloy: 1,
    grafana: 2,
    "node-exporter": 0.5,
    cadvisor: 1,
    "dcgm-exporter": 0.5,
    qdrant: 4,
    "docker-proxy": 0.2,
    alertmanager: 0.5,
    valkey: 1,
    "redis-exporter": 0.2,
  } satisfies Record<ServiceName, number>),
  // Critical alerts are repeated hourly while they fire, warnings twice a working day.
  alerting: Object.freeze({ groupWait: "30s", groupInterval: "5m", repeatInterval: "4h", criticalRepeatInterval: "1h" }),
  // 03:15 UTC daily, a week of copies.
  backup: Object.freeze({ enabled: true, schedule: "15 3 * * *", retention: 7 } satisfies BackupSettings),
  // A week of daily copies and a month of weekly ones off-host; the repository is checked on Sundays at 04:45.
  offsite: Object.freeze({ keepDaily: 7, keepWeekly: 4, checkSchedule: "45 4 * * 0" }),
});
