// Turns the routes and cloud models of a stack into LiteLLM's proxy config. Pure: same input, same text.
// Facts behind each setting are in ../shared/reference/litellm.md.
import type { Alias, CloudModel, Route, RoutingStrategy } from "../config/schema.js";
import { toYaml } from "./yaml.js";

export interface LiteLlmRenderInput {
  readonly routes: readonly Route[];
  readonly cloudModels: readonly CloudModel[];
  /** Local model tags (ollama.models), each served under its own name with the local rules. */
  readonly localModels?: readonly string[];
  /** How long a local model called by its tag may take, as a route's budget. */
  readonly localTimeoutSeconds?: number;
  readonly aliases?: readonly Alias[];
  /** LiteLLM's worker processes: each counts limits alone, so each gets an equal share. */
  readonly workers?: number;
  /** The response cache in Valkey (Redis protocol); none when unset. */
  readonly cache?: { readonly host: string; readonly port: number; readonly ttlSeconds: number };
  /** Where LiteLLM reaches Ollama, without a trailing slash (the provider appends /api/chat). */
  readonly ollamaApiBase: string;
  /** Ollama on other GPU hosts: each route gets one more deployment per host under the same name. */
  readonly extraOllamaApiBases?: readonly string[];
  /** Fleet workers (services/fleet.ts): a deployment on each one that serves the model, through the relay. */
  readonly fleet?: readonly { readonly host: string; readonly apiBase: string; readonly models: readonly string[] }[];
  readonly routingStrategy: RoutingStrategy;
}

/** Environment variables the config refers to; the container must define them. */
export const LITELLM_ENV = Object.freeze({
  masterKey: "LITELLM_MASTER_KEY",
  openaiApiKey: "OPENAI_API_KEY",
  cachePassword: "REDIS_PASSWORD",
});

// A cloud model's first streamed chunk: a long one-try budget (CloudModel.timeoutSeconds) is for the
// whole answer, not for the wait before it starts.
export const CLOUD_STREAM_TIMEOUT_SECONDS = 60;
// Outer cap for anything without its own timeout; LiteLLM's built-in default is 6000 s.
export const REQUEST_TIMEOUT_SECONDS = 600;
// Retries run on the same model group before any fallback, and LiteLLM backs off between them (about
// 2.5 s measured for a single-deployment group). A local route is not retried: its fallback is the
// better second try. The cloud, which has nothing behind it, retries (CloudModel.retries, default 2).
export const LOCAL_RETRIES = 0;
// After more than this many failures within COOLDOWN_SECONDS, a deployment is cooled down and requests
// go straight to the fallback instead of waiting out a hung local model's timeout each time.
// Single-deployment groups (our routes) are only cooled down when allowed_fails differs from
// LiteLLM's own default of 3: a value of 3 counts as "not set" (litellm/router_utils/cooldown_handlers.py).
export const ALLOWED_FAILS = 2;
export const COOLDOWN_SECONDS = 30;
// LiteLLM's own bound on fallbacks per request (router max_fallbacks), which also bounds how many other
// hosts of a route a failed request moves on to.
export const MAX_FALLBACKS = 5;

const deploymentId = (prefix: string, name: string) => `${prefix}-${name.replace(/[^A-Za-z0-9]+/g, "-")}`;

/**
 * Per exception type, these win over a deployment's num_retries, which then covers server and
 * connection errors. A timeout is never retried, so failover starts right after the budget. Nor is a
 * rate limit: LiteLLM waits out the answer's retry-after (60 s for its own rpm check) before each
 * retry, which held a request for minutes in the real-proxy tests; a 429 goes to the next fallback or
 * back to the client instead. LiteLLM 1.100.0 accepts an InternalServerErrorRetries key but never
 * reads it.
 */
const RETRY_POLICY = Object.freeze({
  TimeoutErrorRetries: 0,
  RateLimitErrorRetries: 0,
  BadRequestErrorRetries: 0,
  AuthenticationErrorRetries: 0,
  ContentPolicyViolationErrorRetries: 0,
});

/** The longest one request to a route can take, and how often each model is tried, from the config alone. */
export interface WorstCase {
  readonly route: string;
  readonly seconds: number;
  readonly tries: readonly { readonly model: string; readonly tries: number; readonly secondsEach: number }[];
}

/**
 * A route's worst case: its local model once on each host that serves it (never retried on the same
 * one; with several hosts a failure moves to the next, see failover below), each up to its budget,
 * then each fallback tried 1 + retries times, each try up to that model's timeout. LiteLLM's backoff
 * between retries (a few seconds) comes on top.
 */
export function worstCase(route: Route, cloudModels: readonly CloudModel[], localHosts = 1): WorstCase {
  const tries = [
    { model: route.model, tries: (1 + LOCAL_RETRIES) * Math.min(localHosts, 1 + MAX_FALLBACKS), secondsEach: route.timeoutSeconds },
    ...route.fallbacks.map((f) => {
      const m = cloudModels.find((c) => c.model === f);
      if (!m) throw new Error(`route ${route.name} falls back to ${f}, which is not a cloud model of the stack`);
      return { model: f, tries: 1 + m.retries, secondsEach: m.timeoutSeconds };
    }),
  ];
  return { route: route.name, seconds: tries.reduce((s, t) => s + t.tries * t.secondsEach, 0), tries };
}

export const formatWorstCase = (w: WorstCase) =>
  `${w.route}: at most ${w.seconds} s (${w.tries.map((t) => `${t.model} ${t.tries} × ${t.secondsEach} s`).join(", then ")}), plus LiteLLM's backoff between retries`;

export function buildLiteLlmConfig(input: LiteLlmRenderInput): Record<string, unknown> {
  // Rounded down, so the workers together never pass the limit (validation keeps every share at least 1).
  const share = (limit: number) => Math.max(1, Math.floor(limit / (input.workers ?? 1)));
  const bases = [input.ollamaApiBase, ...(input.extraOllamaApiBases ?? [])].map((b) => b.replace(/\/+$/, ""));
  // A local model group: clients call its name, and LiteLLM spreads it over every host that serves it.
  // timeout bounds a whole answer, stream_timeout the wait for the first streamed chunk: either way a
  // hung local model gives up after the budget and the fallback (if any) takes over.
  // Fleet workers are named by host, so removing one leaves the other deployments' ids as they were.
  const localGroup = (name: string, prefix: string, tag: string, timeoutSeconds: number) =>
    [
      ...bases.map((apiBase, i) => ({ apiBase, suffix: i === 0 ? "" : `-${i + 1}` })),
      // "-worker-": a worker stack named "2" must not take the id of the second ollama.hosts entry.
      ...(input.fleet ?? []).filter((w) => w.models.includes(tag)).map((w) => ({ apiBase: w.apiBase, suffix: `-worker-${w.host}` })),
    ].map(({ apiBase, suffix }) => ({
      model_name: name,
      litellm_params: { model: `ollama_chat/${tag}`, api_base: apiBase, timeout: timeoutSeconds, stream_timeout: timeoutSeconds, num_retries: LOCAL_RETRIES },
      model_info: { id: deploymentId(prefix, name) + suffix, mode: "chat", input_cost_per_token: 0, output_cost_per_token: 0 },
    }));
  const local = input.routes.flatMap((r) => localGroup(r.name, "local", r.model, r.timeoutSeconds));
  // Every pulled model under its own tag, with a route's rules but no fallback: who names a local model wants that model.
  const tags = (input.localModels ?? []).flatMap((t) => localGroup(t, "tag", t, input.localTimeoutSeconds ?? 60));
  const cloud = input.cloudModels.map((m) => ({
    model_name: m.model,
    litellm_params: {
      model: m.model,
      api_key: `os.environ/${LITELLM_ENV.openaiApiKey}`,
      timeout: m.timeoutSeconds,
      stream_timeout: Math.min(CLOUD_STREAM_TIMEOUT_SECONDS, m.timeoutSeconds),
      num_retries: m.retries,
      // Hard limits per minute with the rate-limit pre-call check below; in-flight calls beyond
      // max_parallel_requests wait (LiteLLM's per-deployment semaphore).
      ...(m.rpm !== undefined ? { rpm: share(m.rpm) } : {}),
      ...(m.tpm !== undefined ? { tpm: share(m.tpm) } : {}),
      ...(m.maxParallelRequests !== undefined ? { max_parallel_requests: share(m.maxParallelRequests) } : {}),
    },
    model_info: { id: deploymentId("cloud", m.model), mode: "chat" },
  }));
  const aliases = input.aliases ?? [];
  const fallbackOf = new Map(input.routes.filter((r) => r.fallbacks.length > 0).map((r) => [r.name, [...r.fallbacks]]));
  // Fallbacks are looked up by the name the client asked for, so an alias of a route carries the route's own.
  const fallbacks = [
    ...input.routes.filter((r) => fallbackOf.has(r.name)).map((r) => ({ [r.name]: fallbackOf.get(r.name)! })),
    ...aliases.filter((a) => fallbackOf.has(a.target)).map((a) => ({ [a.name]: fallbackOf.get(a.target)! })),
  ];
  const limited = input.cloudModels.some((m) => m.rpm !== undefined || m.tpm !== undefined);
  // Several hosts serve a route: a request that fails on one (a dead worker answers 502/503 through the
  // relay) is sent on to another before any cloud fallback, instead of failing or paying for the cloud
  // until the failed host is cooled down. LiteLLM does this only for simple-shuffle.
  const severalHosts = bases.length + (input.fleet?.length ?? 0) > 1;
  const failover = severalHosts && input.routingStrategy === "simple-shuffle";

  return {
    model_list: [...local, ...tags, ...cloud],
    router_settings: {
      routing_strategy: input.routingStrategy,
      ...(fallbacks.length > 0 ? { fallbacks } : {}),
      ...(aliases.length > 0 ? { model_group_alias: Object.fromEntries(aliases.map((a) => [a.name, a.target])) } : {}),
      // Without it LiteLLM reads rpm and tpm as routing weights only.
      ...(limited ? { optional_pre_call_checks: ["enforce_model_rate_limits"] } : {}),
      ...(failover ? { enable_weighted_failover: true } : {}),
      // Each deployment sets its own num_retries; this covers anything that does not.
      num_retries: 0,
      retry_policy: { ...RETRY_POLICY },
      allowed_fails: ALLOWED_FAILS,
      cooldown_time: COOLDOWN_SECONDS,
    },
    litellm_settings: {
      request_timeout: REQUEST_TIMEOUT_SECONDS,
      drop_params: true,
      callbacks: ["prometheus"],
      json_logs: true,
      // An identical request is answered from Valkey; a client skips it per call with
      // {"cache": {"no-cache": true}} (do not read) or {"cache": {"no-store": true}} (do not write).
      ...(input.cache
        ? {
            cache: true,
            cache_params: { type: "redis", host: input.cache.host, port: input.cache.port, password: `os.environ/${LITELLM_ENV.cachePassword}`, ttl: input.cache.ttlSeconds, namespace: "ai-gateway" },
          }
        : {}),
    },
    general_settings: {
      master_key: `os.environ/${LITELLM_ENV.masterKey}`,
    },
  };
}

export function renderLiteLlmConfig(input: LiteLlmRenderInput): string {
  return toYaml(buildLiteLlmConfig(input), "LiteLLM proxy config, rendered by ai-gateway from the stack config. Do not edit: change the stack config and run `pulumi up`.");
}
