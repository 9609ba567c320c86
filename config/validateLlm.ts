// The model side of the contract: the routing strategy, the OpenAI key, Ollama, and the routes that
// join it to the cloud models (config/validateGateway.ts).
import { DEFAULTS, ROUTING_STRATEGIES, type GpuSelection, type KvCacheType, type OllamaSettings, type Route, type RoutingStrategy } from "./schema.js";
import { bool, intIn, isPlainObject, mapping, quote, stringList, type Collector } from "./validation.js";

const OLLAMA_KEYS = ["gpus", "models", "keepAlive", "numParallel", "maxLoadedModels", "flashAttention", "kvCacheType", "contextLength", "hosts"] as const;
const ROUTE_KEYS = ["model", "fallbacks", "timeoutSeconds"] as const;
const KV_CACHE_TYPES: readonly KvCacheType[] = ["f16", "q8_0", "q4_0"];

// Ollama model names: optional registry/namespace path, name, optional tag. Kept strict because tags
// are passed to `ollama pull` on the host.
const OLLAMA_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
// Go duration ("30m", "1h30m", "-1s") or a plain number of seconds ("-1" keeps models loaded forever).
const KEEP_ALIVE = /^(-?\d+|-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/;

export function validateRoutingStrategy(c: Collector, raw: string | undefined): RoutingStrategy {
  const routingStrategy = (raw ?? DEFAULTS.routingStrategy) as RoutingStrategy;
  if (!(ROUTING_STRATEGIES as readonly string[]).includes(routingStrategy)) {
    c.add("routingStrategy", `${quote(routingStrategy)} is not one of ${ROUTING_STRATEGIES.join(", ")}`, `pulumi config set routingStrategy simple-shuffle`);
  }
  return routingStrategy;
}

/** Whether the stack has cloud models: it does once a key is set. */
export function validateOpenaiApiKey(c: Collector, apiKey: string | undefined, storedAsSecret: boolean): boolean {
  if (apiKey === undefined) return false;
  // The value itself is never echoed: it may be a real key stored by mistake in plain text.
  if (!storedAsSecret) {
    c.add("openaiApiKey", "is stored in plain text in Pulumi.<stack>.yaml", "pulumi config set --secret openaiApiKey <your key>, and rotate the key if the file was ever committed");
  } else if (apiKey.trim() === "" || /\s/.test(apiKey)) {
    c.add("openaiApiKey", "is empty or contains whitespace", "pulumi config set --secret openaiApiKey <your key> (or `pulumi config rm openaiApiKey` for a local-only stack)");
  }
  return true;
}

function parseGpus(c: Collector, v: unknown): GpuSelection {
  const key = "ollama.gpus";
  if (v === "all") return { kind: "all" };
  if (v === "none") return { kind: "none" };
  if (typeof v === "string") {
    const m = v.match(/^device=([A-Za-z0-9-]+(?:,[A-Za-z0-9-]+)*)$/);
    if (m?.[1]) return { kind: "devices", ids: m[1].split(",") };
  }
  c.add(key, `${quote(v)} is not "all", "none" or "device=<id>[,<id>...]"`, `pulumi config set --path ollama.gpus all (or "none" for a CPU-only stack, or "device=0,1")`);
  return { kind: "none" };
}

export function validateOllama(c: Collector, raw: unknown): OllamaSettings {
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
      ? [...d.hosts]
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

export function validateRoutes(c: Collector, raw: unknown, models: readonly string[], cloudModels: readonly string[]): Route[] {
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
