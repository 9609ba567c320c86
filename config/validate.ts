// Pure validation: raw stack config (strings, as the Pulumi engine hands them over) in, a frozen
// StackConfig out. Every problem names its key, says what is wrong and gives the fix; all problems
// are reported at once so a user fixes the file in one pass.
import { isIP } from "node:net";
import { posix } from "node:path";
import { COMPROMISED_LITELLM_VERSIONS, PINNED_IMAGES, SERVICES, imageRefProblem, type ServiceName } from "./images.js";
import {
  DEFAULTS,
  type AlertThresholds,
  type BackupSettings,
  type ExporterSettings,
  type GpuSelection,
  type HostConfig,
  ROUTING_STRATEGIES,
  type RoutingStrategy,
  type KvCacheType,
  type LogShipper,
  type LokiSettings,
  type OllamaSettings,
  type PrometheusSettings,
  type Route,
  type StackConfig,
} from "./schema.js";

export const PROJECT = "ai-gateway";

/** Top-level keys of the contract. Anything else under the project namespace is a typo. */
export const CONFIG_KEYS = [
  "host",
  "routingStrategy",
  "openaiApiKey",
  "bindAddress",
  "dataRoot",
  "ollama",
  "cloudModels",
  "routes",
  "logShipper",
  "prometheus",
  "loki",
  "exporters",
  "alerts",
  "backup",
  "images",
  "memoryLimitsMb",
] as const;

export interface RawConfig {
  readonly stack: string;
  /** Project keys without the `ai-gateway:` prefix. Objects and lists arrive as JSON text. */
  readonly values: Readonly<Record<string, string>>;
  /** Bare keys whose value was stored with `--secret`. */
  readonly secretKeys: ReadonlySet<string>;
}

export interface ConfigProblem {
  readonly key: string;
  readonly problem: string;
  readonly fix: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Stack configuration is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was deployed.\n` +
        problems.map((p) => `  - ${PROJECT}:${p.key}: ${p.problem}. Fix: ${p.fix}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

const OLLAMA_KEYS = ["gpus", "models", "keepAlive", "numParallel", "maxLoadedModels", "flashAttention", "kvCacheType", "contextLength", "hosts"] as const;
const ROUTE_KEYS = ["model", "fallbacks", "timeoutSeconds"] as const;
const KV_CACHE_TYPES: readonly KvCacheType[] = ["f16", "q8_0", "q4_0"];

// Ollama model names: optional registry/namespace path, name, optional tag. Kept strict because tags
// are passed to `ollama pull` on the host.
const OLLAMA_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const CLOUD_MODEL = /^openai\/[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
// Go duration ("30m", "1h30m", "-1s") or a plain number of seconds ("-1" keeps models loaded forever).
const KEEP_ALIVE = /^(-?\d+|-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/;
// dataRoot ends up in host commands and bind mounts: no spaces, quotes or shell metacharacters.
const SAFE_PATH = /^\/[A-Za-z0-9._\/-]*$/;

const quote = (v: unknown) => JSON.stringify(v);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

class Collector {
  readonly problems: ConfigProblem[] = [];
  add(key: string, problem: string, fix: string): void {
    this.problems.push({ key, problem, fix });
  }
  unknownKeys(key: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(obj).sort()) {
      if (!allowed.includes(k)) {
        this.add(`${key}.${k}`, `unknown key ${quote(k)} (allowed: ${allowed.join(", ")})`, `remove it or correct the spelling`);
      }
    }
  }
}

function parseStructured(c: Collector, key: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    c.add(key, `expected a structured value but got the plain string ${quote(text)}`, `write it as a YAML mapping or list in Pulumi.<stack>.yaml, or use \`pulumi config set --path\``);
    return null;
  }
}

function intIn(c: Collector, key: string, v: unknown, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    c.add(key, `${quote(v)} is not a whole number from ${min} to ${max}`, `pulumi config set --path ${key} ${fallback}`);
    return fallback;
  }
  return n;
}

function bool(c: Collector, key: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  c.add(key, `${quote(v)} is not true or false`, `pulumi config set --path ${key} ${fallback}`);
  return fallback;
}

function stringList(c: Collector, key: string, v: unknown, pattern: RegExp, what: string, example: string): string[] | undefined {
  if (!Array.isArray(v)) {
    c.add(key, `expected a list of ${what}, got ${quote(v)}`, `set it as a YAML list, e.g. [${quote(example)}]`);
    return undefined;
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item !== "string" || !pattern.test(item)) {
      c.add(`${key}[${i}]`, `${quote(item)} is not a valid ${what}`, `use a value like ${quote(example)}`);
    } else if (out.includes(item)) {
      c.add(`${key}[${i}]`, `${quote(item)} is listed twice`, `remove the duplicate`);
    } else {
      out.push(item);
    }
  });
  return out;
}

function parseGpus(c: Collector, v: unknown): GpuSelection {
  const key = "ollama.gpus";
  if (v === undefined) return { kind: "all" };
  if (v === "all") return { kind: "all" };
  if (v === "none") return { kind: "none" };
  if (typeof v === "string") {
    const m = v.match(/^device=([A-Za-z0-9-]+(?:,[A-Za-z0-9-]+)*)$/);
    if (m?.[1]) return { kind: "devices", ids: m[1].split(",") };
  }
  c.add(key, `${quote(v)} is not "all", "none" or "device=<id>[,<id>...]"`, `pulumi config set --path ollama.gpus all (or "none" for a CPU-only stack, or "device=0,1")`);
  return { kind: "none" };
}

/** A mapping of known keys; anything else is reported. Returns {} for an absent value. */
function mapping(c: Collector, key: string, raw: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) {
    c.add(key, `expected a mapping with keys ${allowed.join(", ")}, got ${quote(raw)}`, `see README, "Configuration"`);
    return {};
  }
  c.unknownKeys(key, raw, allowed);
  return raw;
}

function validateOllama(c: Collector, raw: unknown): OllamaSettings {
  const d = DEFAULTS.ollama;
  const o = mapping(c, "ollama", raw, OLLAMA_KEYS);
  const models =
    o["models"] === undefined
      ? [...d.models]
      : stringList(c, "ollama.models", o["models"], OLLAMA_TAG, "Ollama model tag", "qwen2.5-coder:7b") ?? [];
  if (o["models"] !== undefined && Array.isArray(o["models"]) && o["models"].length === 0) {
    c.add("ollama.models", "the list is empty, so no route has a local model", `list at least one tag, e.g. ["llama3.1:8b"]`);
  }
  const keepAliveRaw = o["keepAlive"] ?? d.keepAlive;
  let keepAlive: string = d.keepAlive;
  if (typeof keepAliveRaw === "number" && Number.isInteger(keepAliveRaw)) keepAlive = String(keepAliveRaw);
  else if (typeof keepAliveRaw === "string" && KEEP_ALIVE.test(keepAliveRaw)) keepAlive = keepAliveRaw;
  else c.add("ollama.keepAlive", `${quote(keepAliveRaw)} is not a duration`, `use a Go duration such as "30m" or "24h", or -1 to keep models loaded`);
  const kv = o["kvCacheType"] ?? d.kvCacheType;
  let kvCacheType: KvCacheType = d.kvCacheType;
  if (typeof kv === "string" && (KV_CACHE_TYPES as readonly string[]).includes(kv)) kvCacheType = kv as KvCacheType;
  else c.add("ollama.kvCacheType", `${quote(kv)} is not one of ${KV_CACHE_TYPES.join(", ")}`, `pulumi config set --path ollama.kvCacheType q8_0`);
  const flashAttention = bool(c, "ollama.flashAttention", o["flashAttention"], d.flashAttention);
  if (kvCacheType !== "f16" && !flashAttention) {
    c.add("ollama.kvCacheType", `${quote(kvCacheType)} needs flash attention, but ollama.flashAttention is false`, `set ollama.kvCacheType to "f16" or ollama.flashAttention to true`);
  }
  const hosts =
    o["hosts"] === undefined
      ? []
      : stringList(c, "ollama.hosts", o["hosts"], /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, "Ollama base URL", "http://gpu-02.lan:11434") ?? [];
  return {
    hosts,
    gpus: parseGpus(c, o["gpus"] ?? d.gpus),
    models,
    keepAlive,
    numParallel: intIn(c, "ollama.numParallel", o["numParallel"], 1, 64, d.numParallel),
    maxLoadedModels: intIn(c, "ollama.maxLoadedModels", o["maxLoadedModels"], 0, 64, d.maxLoadedModels),
    flashAttention,
    kvCacheType,
    contextLength: intIn(c, "ollama.contextLength", o["contextLength"], 512, 1_048_576, d.contextLength),
  };
}

function validateRoutes(c: Collector, raw: unknown, models: readonly string[], cloudModels: readonly string[]): Route[] {
  const table: Record<string, unknown> =
    raw === undefined ? (DEFAULTS.routes as unknown as Record<string, unknown>) : isPlainObject(raw) ? raw : {};
  if (raw !== undefined && raw !== null && !isPlainObject(raw)) {
    c.add("routes", `expected a mapping from route name to {model, fallbacks, timeoutSeconds}, got ${quote(raw)}`, `see README, "Configuration"`);
  }
  const routes: Route[] = [];
  for (const name of Object.keys(table).sort()) {
    const key = `routes["${name}"]`;
    const r = table[name];
    if (!ROUTE_NAME.test(name)) {
      // No "/": that keeps route names apart from cloud model ids ("openai/...") in /v1/models.
      c.add(key, `${quote(name)} is not a valid route name`, `use letters, digits, ".", "_", "-" and ":", e.g. "task:code"`);
      continue;
    }
    if (!isPlainObject(r)) {
      c.add(key, `expected {model, fallbacks, timeoutSeconds}, got ${quote(r)}`, `set model to one of ollama.models`);
      continue;
    }
    c.unknownKeys(key, r, ROUTE_KEYS);
    const model = r["model"];
    if (typeof model !== "string" || !models.includes(model)) {
      c.add(`${key}.model`, `${quote(model)} is not in ollama.models (${models.join(", ") || "empty"})`, `add it to ollama.models so it is pulled, or pick one of those tags`);
    }
    const fallbacks: string[] = [];
    const fb = r["fallbacks"] ?? [];
    if (!Array.isArray(fb)) {
      c.add(`${key}.fallbacks`, `expected a list of cloud model ids, got ${quote(fb)}`, `e.g. fallbacks: ["openai/gpt-4o"]`);
    } else {
      fb.forEach((f, i) => {
        if (typeof f !== "string" || !cloudModels.includes(f)) {
          c.add(`${key}.fallbacks[${i}]`, `${quote(f)} is not in cloudModels (${cloudModels.join(", ") || "empty"})`, `add it to cloudModels or remove it from the route`);
        } else if (!fallbacks.includes(f)) {
          fallbacks.push(f);
        }
      });
    }
    let timeoutSeconds: number = DEFAULTS.routeTimeoutSeconds;
    const t = r["timeoutSeconds"];
    if (t !== undefined) {
      if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
        c.add(`${key}.timeoutSeconds`, `${quote(t)} is not a positive number of seconds`, `set it to e.g. ${DEFAULTS.routeTimeoutSeconds}, or leave it out for the default`);
      } else if (t > 3600) {
        c.add(`${key}.timeoutSeconds`, `${t} s is over an hour, so a hung model would block clients that long`, `use at most 3600`);
      } else {
        timeoutSeconds = t;
      }
    }
    routes.push({ name, model: typeof model === "string" ? model : "", fallbacks, timeoutSeconds });
  }
  return routes;
}


// Prometheus durations ("15d", "1d12h") and byte sizes ("10GB").
const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const PROM_SIZE = /^\d+(B|KB|MB|GB|TB|PB|EB)$/;
const HOURS_PER_UNIT: Record<string, number> = { h: 1, d: 24, w: 168 };

function validatePrometheus(c: Collector, raw: unknown): PrometheusSettings {
  const o = mapping(c, "prometheus", raw, ["retentionTime", "retentionSize"]);
  const d = DEFAULTS.prometheus;
  const retentionTime = o["retentionTime"] ?? d.retentionTime;
  const retentionSize = o["retentionSize"] ?? d.retentionSize;
  if (typeof retentionTime !== "string" || !PROM_DURATION.test(retentionTime)) {
    c.add("prometheus.retentionTime", `${quote(retentionTime)} is not a Prometheus duration`, `use e.g. "15d" or "4w"`);
  }
  if (typeof retentionSize !== "string" || !PROM_SIZE.test(retentionSize)) {
    c.add("prometheus.retentionSize", `${quote(retentionSize)} is not a size such as "10GB"`, `use a whole number with B, KB, MB, GB or TB, e.g. "10GB"`);
  }
  return { retentionTime: String(retentionTime), retentionSize: String(retentionSize) };
}

function validateLoki(c: Collector, raw: unknown): LokiSettings {
  const o = mapping(c, "loki", raw, ["retentionPeriod"]);
  const period = o["retentionPeriod"] ?? DEFAULTS.loki.retentionPeriod;
  const m = typeof period === "string" ? period.match(/^(\d+)(h|d|w)$/) : null;
  const hours = m ? Number(m[1]) * HOURS_PER_UNIT[m[2]!]! : NaN;
  if (!(hours >= 24 && hours % 24 === 0)) {
    c.add("loki.retentionPeriod", `${quote(period)} is not a whole number of days`, `Loki's retention must be a multiple of its 24h index period: use e.g. "168h" or "30d"`);
  }
  return { retentionPeriod: String(period) };
}

function validateExporters(c: Collector, raw: unknown, gpus: GpuSelection): ExporterSettings {
  const o = mapping(c, "exporters", raw, ["nodeExporter", "cadvisor", "dcgm"]);
  const dcgm = bool(c, "exporters.dcgm", o["dcgm"], gpus.kind !== "none");
  if (dcgm && gpus.kind === "none") {
    c.add("exporters.dcgm", "the DCGM exporter needs a GPU, but ollama.gpus is \"none\"", `set exporters.dcgm to false, or give Ollama GPUs`);
  }
  return {
    nodeExporter: bool(c, "exporters.nodeExporter", o["nodeExporter"], DEFAULTS.exporters.nodeExporter),
    cadvisor: bool(c, "exporters.cadvisor", o["cadvisor"], DEFAULTS.exporters.cadvisor),
    dcgm,
  };
}

function validateAlerts(c: Collector, raw: unknown): AlertThresholds {
  const d = DEFAULTS.alerts;
  const keys = Object.keys(d) as (keyof AlertThresholds)[];
  const o = mapping(c, "alerts", raw, keys);
  const out = { ...d } as Record<keyof AlertThresholds, number>;
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    const max = k === "p95LatencySeconds" ? 3600 : 100;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > max) {
      c.add(`alerts.${k}`, `${quote(v)} is not a number above 0 and at most ${max}`, `e.g. alerts.${k}: ${d[k]}`);
    } else {
      out[k] = v;
    }
  }
  return out;
}

// minute hour day-of-month month day-of-week; each field `*`, `n`, `a-b`, with `/step`, comma lists.
const CRON_FIELDS: readonly (readonly [string, number, number])[] = [
  ["minute", 0, 59],
  ["hour", 0, 23],
  ["day of month", 1, 31],
  ["month", 1, 12],
  ["day of week", 0, 7],
];

/** What is wrong with a cron expression, or undefined. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `has ${fields.length} fields, cron needs 5 (minute hour day-of-month month day-of-week)`;
  for (let i = 0; i < 5; i++) {
    const [name, min, max] = CRON_FIELDS[i]!;
    for (const part of fields[i]!.split(",")) {
      const m = part.match(/^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/);
      if (!m) return `${name} field "${fields[i]}" is not a number, a range, a list or */step`;
      const [, , a, b, step] = m;
      for (const n of [a, b]) if (n !== undefined && (Number(n) < min || Number(n) > max)) return `${name} ${n} is outside ${min}-${max}`;
      if (a !== undefined && b !== undefined && Number(a) > Number(b)) return `${name} range ${a}-${b} runs backwards`;
      if (step !== undefined && Number(step) < 1) return `${name} step must be at least 1`;
    }
  }
  return undefined;
}

function validateBackup(c: Collector, raw: unknown): BackupSettings {
  const d = DEFAULTS.backup;
  const o = mapping(c, "backup", raw, ["enabled", "schedule", "retention"]);
  const schedule = o["schedule"] ?? d.schedule;
  if (typeof schedule !== "string") {
    c.add("backup.schedule", `${quote(schedule)} is not a cron expression`, `e.g. backup.schedule: "${d.schedule}"`);
  } else {
    const problem = cronProblem(schedule);
    if (problem) c.add("backup.schedule", `"${schedule}" ${problem}`, `use five fields, e.g. "${d.schedule}" (03:15 every day)`);
  }
  return {
    enabled: bool(c, "backup.enabled", o["enabled"], d.enabled),
    schedule: typeof schedule === "string" ? schedule.trim().split(/\s+/).join(" ") : d.schedule,
    retention: intIn(c, "backup.retention", o["retention"], 1, 365, d.retention),
  };
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const HOST_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}$/;

function validateHost(c: Collector, raw: unknown): HostConfig {
  const o = mapping(c, "host", raw, ["ssh"]);
  if (o["ssh"] === undefined) return { kind: "local" };
  const s = mapping(c, "host.ssh", o["ssh"], ["host", "user", "port", "privateKeyPath", "hostKey", "knownHostsPath"]);
  const host = s["host"];
  const user = s["user"];
  if (typeof host !== "string" || (!HOSTNAME.test(host) && isIP(host) === 0)) {
    c.add("host.ssh.host", `${quote(host)} is not a host name or IP address`, `e.g. host.ssh.host: gpu-01.lan`);
  }
  if (typeof user !== "string" || !/^[a-z_][a-z0-9_-]*$/i.test(user)) {
    c.add("host.ssh.user", `${quote(user)} is not a user name`, `e.g. host.ssh.user: deploy (a member of the docker group)`);
  }
  const port = intIn(c, "host.ssh.port", s["port"], 1, 65535, 22);
  for (const k of ["privateKeyPath", "knownHostsPath"] as const) {
    const v = s[k];
    if (v !== undefined && (typeof v !== "string" || !posix.isAbsolute(v))) c.add(`host.ssh.${k}`, `${quote(v)} is not an absolute path`, `write the full path, e.g. /home/me/.ssh/${k === "privateKeyPath" ? "id_ed25519" : "known_hosts"}`);
  }
  const hostKey = s["hostKey"];
  if (hostKey !== undefined && (typeof hostKey !== "string" || !HOST_KEY.test(hostKey))) {
    c.add("host.ssh.hostKey", `${quote(hostKey)} is not "<key type> <base64 key>"`, `take it from \`ssh-keyscan -t ed25519 ${typeof host === "string" ? host : "<host>"}\` (without the host name)`);
  }
  if (hostKey === undefined && s["knownHostsPath"] === undefined) {
    // Trusting whatever key answers would hand the Docker socket (root on the host) to anyone in the middle.
    c.add("host.ssh", "no host key: the SSH host key must be pinned for a remote host", `set host.ssh.hostKey (from \`ssh-keyscan -t ed25519 <host>\`) or host.ssh.knownHostsPath`);
  }
  return {
    kind: "ssh",
    ssh: {
      host: String(host),
      user: String(user),
      port,
      ...(typeof s["privateKeyPath"] === "string" ? { privateKeyPath: s["privateKeyPath"] } : {}),
      ...(typeof hostKey === "string" ? { hostKey } : {}),
      ...(typeof s["knownHostsPath"] === "string" ? { knownHostsPath: s["knownHostsPath"] } : {}),
    },
  };
}

function validateServiceMap<T extends string | number>(
  c: Collector,
  key: string,
  raw: unknown,
  base: Readonly<Record<ServiceName, T>>,
  check: (service: ServiceName, v: unknown) => { value: T } | { problem: string; fix: string },
): Record<ServiceName, T> {
  const out: Record<ServiceName, T> = { ...base };
  const o = mapping(c, key, raw, SERVICES);
  for (const service of SERVICES) {
    if (o[service] === undefined) continue;
    const r = check(service, o[service]);
    if ("value" in r) out[service] = r.value;
    else c.add(`${key}.${service}`, r.problem, r.fix);
  }
  return out;
}

export function validateStackConfig(raw: RawConfig): StackConfig {
  const c = new Collector();
  const v = raw.values;

  for (const k of Object.keys(v).sort()) {
    if (!(CONFIG_KEYS as readonly string[]).includes(k)) {
      c.add(k, `unknown configuration key (known: ${CONFIG_KEYS.join(", ")})`, `pulumi config rm ${k}, or correct the spelling`);
    }
  }

  const host = validateHost(c, parseStructured(c, "host", v["host"]));
  const routingStrategy = (v["routingStrategy"] ?? DEFAULTS.routingStrategy) as RoutingStrategy;
  if (!(ROUTING_STRATEGIES as readonly string[]).includes(routingStrategy)) {
    c.add("routingStrategy", `${quote(routingStrategy)} is not one of ${ROUTING_STRATEGIES.join(", ")}`, `pulumi config set routingStrategy simple-shuffle`);
  }

  const apiKey = v["openaiApiKey"];
  const cloudEnabled = apiKey !== undefined;
  if (apiKey !== undefined) {
    // The value itself is never echoed: it may be a real key stored by mistake in plain text.
    if (!raw.secretKeys.has("openaiApiKey")) {
      c.add("openaiApiKey", "is stored in plain text in Pulumi.<stack>.yaml", "pulumi config set --secret openaiApiKey <your key>, and rotate the key if the file was ever committed");
    } else if (apiKey.trim() === "" || /\s/.test(apiKey)) {
      c.add("openaiApiKey", "is empty or contains whitespace", "pulumi config set --secret openaiApiKey <your key> (or `pulumi config rm openaiApiKey` for a local-only stack)");
    }
  }

  const bindAddress = v["bindAddress"] ?? DEFAULTS.bindAddress;
  if (isIP(bindAddress) === 0) {
    c.add("bindAddress", `${quote(bindAddress)} is not an IP address`, `pulumi config set bindAddress 127.0.0.1 (or the host's LAN address, or 0.0.0.0 for all interfaces)`);
  }

  const dataRoot = v["dataRoot"] ?? DEFAULTS.dataRoot;
  if (!posix.isAbsolute(dataRoot)) {
    c.add("dataRoot", `${quote(dataRoot)} is not an absolute path`, `pulumi config set dataRoot /data/stack`);
  } else if (!SAFE_PATH.test(dataRoot) || posix.normalize(dataRoot) !== dataRoot || dataRoot === "/" || dataRoot.endsWith("/")) {
    c.add("dataRoot", `${quote(dataRoot)} must be a normalised folder below / using only letters, digits, ".", "_", "-" and "/"`, `pulumi config set dataRoot /data/stack`);
  }

  const ollama = validateOllama(c, parseStructured(c, "ollama", v["ollama"]));

  const cloudRaw = parseStructured(c, "cloudModels", v["cloudModels"]);
  const cloudModels =
    cloudRaw === undefined
      ? [...DEFAULTS.cloudModels]
      : stringList(c, "cloudModels", cloudRaw, CLOUD_MODEL, `cloud model id of the form "openai/<model>"`, "openai/gpt-4o") ?? [];

  const routes = validateRoutes(c, parseStructured(c, "routes", v["routes"]), ollama.models, cloudModels);

  const logShipper = (v["logShipper"] ?? DEFAULTS.logShipper) as LogShipper;
  if (logShipper !== "promtail" && logShipper !== "alloy") {
    c.add("logShipper", `${quote(logShipper)} is not "promtail" or "alloy"`, `pulumi config set logShipper alloy`);
  }
  const prometheus = validatePrometheus(c, parseStructured(c, "prometheus", v["prometheus"]));
  const loki = validateLoki(c, parseStructured(c, "loki", v["loki"]));
  const exporters = validateExporters(c, parseStructured(c, "exporters", v["exporters"]), ollama.gpus);
  const alerts = validateAlerts(c, parseStructured(c, "alerts", v["alerts"]));
  const backup = validateBackup(c, parseStructured(c, "backup", v["backup"]));
  if (backup.enabled && !exporters.nodeExporter) {
    c.add("backup.enabled", "backups report success through node-exporter, which exporters.nodeExporter turns off", "enable exporters.nodeExporter, or set backup.enabled to false");
  }

  const images = validateServiceMap<string>(c, "images", parseStructured(c, "images", v["images"]), PINNED_IMAGES, (service, ref) => {
    if (typeof ref !== "string") return { problem: `expected an image reference string, got ${quote(ref)}`, fix: `e.g. ${quote(PINNED_IMAGES[service])}` };
    const problem = imageRefProblem(service, ref);
    return problem
      ? { problem, fix: service === "litellm" ? `pin a release other than ${COMPROMISED_LITELLM_VERSIONS.join(", ")}, e.g. ${quote(PINNED_IMAGES.litellm)}` : `pin an exact version, e.g. ${quote(PINNED_IMAGES[service])}` }
      : { value: ref };
  });

  const memoryLimitsMb = validateServiceMap<number>(c, "memoryLimitsMb", parseStructured(c, "memoryLimitsMb", v["memoryLimitsMb"]), DEFAULTS.memoryLimitsMb, (service, mb) =>
    typeof mb === "number" && Number.isInteger(mb) && mb >= 256 && mb <= 4_194_304
      ? { value: mb }
      : { problem: `${quote(mb)} is not a whole number of MiB from 256 up`, fix: `e.g. memoryLimitsMb: {${service}: ${DEFAULTS.memoryLimitsMb[service]}}` },
  );

  if (c.problems.length > 0) throw new ConfigError(c.problems);

  // A local-only stack has nothing to fail over to: cloud models and fallbacks are dropped here, once,
  // so no renderer has to remember it.
  return deepFreeze({
    stack: raw.stack,
    host,
    routingStrategy,
    cloudEnabled,
    bindAddress,
    dataRoot,
    ollama,
    cloudModels: cloudEnabled ? cloudModels : [],
    routes: cloudEnabled ? routes : routes.map((r) => ({ ...r, fallbacks: [] })),
    logShipper,
    prometheus,
    loki,
    exporters,
    alerts,
    backup,
    images,
    memoryLimitsMb,
  });
}

function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const value of Object.values(o)) deepFreeze(value);
  }
  return o;
}
