// The gateway's names and guards: cloud models with their limits, aliases, the gateway-wide limits,
// and the rule that no two things the gateway serves share a name.
import { DEFAULTS, type Alias, type CacheSettings, type CloudModel, type GatewaySettings, type Route } from "./schema.js";
import { bool, intIn, isPlainObject, mapping, quote, type Collector } from "./validation.js";

const CLOUD_MODEL = /^openai\/[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const CLOUD_KEYS = ["model", "rpm", "tpm", "maxParallelRequests", "allowAsFallback", "timeoutSeconds", "retries"] as const;
const GATEWAY_KEYS = ["maxParallelRequests", "maxRequestMb", "workers"] as const;
const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/**
 * Reasoning and premium models cost many times more per answer and can take minutes: OpenAI's o-series
 * (o1, o3, o3-pro, o4-mini, ...), gpt-4.5 and anything named -pro. They are fallbacks only when
 * marked allowAsFallback: true.
 */
export const PREMIUM_MODEL = /^openai\/(o\d[A-Za-z0-9._:-]*|gpt-4\.5[A-Za-z0-9._:-]*|[A-Za-z0-9._:-]*-pro(-[A-Za-z0-9._:-]*)?)$/;

function optionalInt(c: Collector, key: string, v: unknown, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) {
    c.add(key, `${quote(v)} is not a whole number from 1 to ${max}`, `set a positive limit, or leave the key out for none`);
    return undefined;
  }
  return v;
}

/** `cloudModels`: each entry an id (`"openai/gpt-4o"`) or `{model, rpm, tpm, maxParallelRequests, allowAsFallback, timeoutSeconds, retries}`. */
export function validateCloudModels(c: Collector, raw: unknown): CloudModel[] {
  const entries: unknown[] = raw === undefined ? [...DEFAULTS.cloudModels] : Array.isArray(raw) ? raw : [];
  if (raw !== undefined && !Array.isArray(raw)) {
    c.add("cloudModels", `expected a list of "openai/<model>" ids or {model, rpm, ...} entries, got ${quote(raw)}`, `e.g. cloudModels: ["openai/gpt-4o"]`);
  }
  const out: CloudModel[] = [];
  entries.forEach((entry, i) => {
    const key = `cloudModels[${i}]`;
    const o = typeof entry === "string" ? { model: entry } : isPlainObject(entry) ? entry : undefined;
    if (!o) {
      c.add(key, `expected "openai/<model>" or {model, rpm, tpm, maxParallelRequests, allowAsFallback}, got ${quote(entry)}`, `e.g. {model: "openai/gpt-4o", rpm: 60}`);
      return;
    }
    c.unknownKeys(key, o, CLOUD_KEYS);
    const model = o["model"];
    if (typeof model !== "string" || !CLOUD_MODEL.test(model)) {
      c.add(`${key}.model`, `${quote(model)} is not a cloud model id of the form "openai/<model>"`, `e.g. "openai/gpt-4o"`);
      return;
    }
    if (out.some((m) => m.model === model)) {
      c.add(key, `${quote(model)} is listed twice`, `keep one entry for it, with all its limits`);
      return;
    }
    const allow = o["allowAsFallback"];
    if (allow !== undefined && typeof allow !== "boolean") c.add(`${key}.allowAsFallback`, `${quote(allow)} is not true or false`, `allowAsFallback: true`);
    const rpm = optionalInt(c, `${key}.rpm`, o["rpm"], 1_000_000);
    const tpm = optionalInt(c, `${key}.tpm`, o["tpm"], 1_000_000_000);
    const maxParallelRequests = optionalInt(c, `${key}.maxParallelRequests`, o["maxParallelRequests"], 10_000);
    // Once a rate-limited model's budget runs out between two tries, LiteLLM sleeps out its limit's
    // 60 s retry-after before the next (seen on the real proxy): such a model is tried once.
    const limited = rpm !== undefined || tpm !== undefined;
    if (limited && typeof o["retries"] === "number" && o["retries"] > 0) {
      c.add(`${key}.retries`, `a model with rpm or tpm is tried once: once its limit is spent between tries, LiteLLM waits out the 60 s retry-after before the next`, `remove retries (or set it to 0), or remove rpm and tpm`);
    }
    out.push({
      model,
      ...(rpm !== undefined ? { rpm } : {}),
      ...(tpm !== undefined ? { tpm } : {}),
      ...(maxParallelRequests !== undefined ? { maxParallelRequests } : {}),
      allowAsFallback: typeof allow === "boolean" ? allow : !PREMIUM_MODEL.test(model),
      timeoutSeconds: intIn(c, `${key}.timeoutSeconds`, o["timeoutSeconds"], 1, 1800, DEFAULTS.cloudTimeoutSeconds),
      retries: limited ? 0 : intIn(c, `${key}.retries`, o["retries"], 0, 5, DEFAULTS.cloudRetries),
    });
  });
  return out;
}

/** A fallback that is a premium model not marked allowAsFallback is refused, naming both. */
export function checkFallbacksAllowed(c: Collector, routes: readonly Route[], cloudModels: readonly CloudModel[]): void {
  for (const r of routes) {
    r.fallbacks.forEach((f, i) => {
      const m = cloudModels.find((x) => x.model === f);
      if (m && !m.allowAsFallback) {
        const index = cloudModels.indexOf(m);
        c.add(
          `routes["${r.name}"].fallbacks[${i}]`,
          `${quote(f)} is not allowed as a fallback (cloudModels[${index}].allowAsFallback is false${PREMIUM_MODEL.test(f) ? ": a reasoning or premium model is a fallback only when marked so" : ""})`,
          `remove it from the route's fallbacks, or set cloudModels[${index}] to {model: ${quote(f)}, allowAsFallback: true} with rpm and maxParallelRequests to cap it`,
        );
      }
    });
  }
}

/** `aliases`: a mapping from an extra name to a route, a local model tag or a cloud model. */
export function validateAliases(c: Collector, raw: unknown, targets: readonly string[]): Alias[] {
  if (raw === undefined || raw === null) return [];
  if (!isPlainObject(raw)) {
    c.add("aliases", `expected a mapping from alias to a route, model tag or cloud model, got ${quote(raw)}`, `e.g. aliases: {coder: "task:code"}`);
    return [];
  }
  const out: Alias[] = [];
  for (const name of Object.keys(raw).sort()) {
    const target = raw[name];
    if (!ALIAS_NAME.test(name)) {
      c.add(`aliases["${name}"]`, `${quote(name)} is not a valid model name`, `use letters, digits, ".", "_", "-", ":" and "/"`);
    } else if (typeof target !== "string" || !targets.includes(target)) {
      c.add(`aliases["${name}"]`, `${quote(target)} is not a route, a tag in ollama.models or a cloud model (${targets.join(", ")})`, `point it at one of those names`);
    } else {
      out.push({ name, target });
    }
  }
  return out;
}

/**
 * Every name the gateway serves is one model group: route names, local tags, cloud models and aliases
 * must all differ. A clash is refused naming both keys.
 */
export function checkNameCollisions(c: Collector, names: readonly { readonly name: string; readonly key: string }[]): void {
  const seen = new Map<string, string>();
  for (const { name, key } of names) {
    const first = seen.get(name);
    if (first !== undefined) {
      c.add(key, `${quote(name)} is already served by ${first}`, `rename one of the two: every route, local model tag, cloud model and alias is a separate name in /v1/models`);
    } else {
      seen.set(name, key);
    }
  }
}

export function validateCache(c: Collector, raw: unknown): CacheSettings {
  const o = mapping(c, "cache", raw, ["enabled", "ttlSeconds"]);
  return {
    enabled: bool(c, "cache.enabled", o["enabled"], DEFAULTS.cache.enabled),
    ttlSeconds: intIn(c, "cache.ttlSeconds", o["ttlSeconds"], 1, 30 * 24 * 3600, DEFAULTS.cache.ttlSeconds),
  };
}

export function validateGateway(c: Collector, raw: unknown, cloudModels: readonly CloudModel[]): GatewaySettings {
  const o = mapping(c, "gateway", raw, GATEWAY_KEYS);
  const maxParallelRequests = optionalInt(c, "gateway.maxParallelRequests", o["maxParallelRequests"], 100_000);
  const workers = optionalInt(c, "gateway.workers", o["workers"], 16);
  // Each worker counts a model's limits on its own, so each gets an equal share (services/litellm.ts):
  // a limit smaller than the workers could not be shared without exceeding it.
  if (workers !== undefined) {
    cloudModels.forEach((m, i) => {
      for (const k of ["rpm", "tpm", "maxParallelRequests"] as const) {
        const v = m[k];
        if (v !== undefined && v < workers) {
          c.add(`cloudModels[${i}].${k}`, `${v} is less than gateway.workers (${workers}): each worker counts alone, so the limit is shared out and must give each at least 1`, `raise cloudModels[${i}].${k} to at least ${workers}, or lower gateway.workers`);
        }
      }
    });
  }
  return {
    ...(maxParallelRequests !== undefined ? { maxParallelRequests } : {}),
    maxRequestMb: intIn(c, "gateway.maxRequestMb", o["maxRequestMb"], 1, 1024, DEFAULTS.gateway.maxRequestMb),
    ...(workers !== undefined ? { workers } : {}),
  };
}
