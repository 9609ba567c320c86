// Turns the routes and cloud models of a stack into LiteLLM's proxy config. Pure: same input, same text.
// Facts behind each setting are in ../shared/reference/litellm.md.
import type { Route, RoutingStrategy } from "../config/schema.js";
import { toYaml } from "./yaml.js";

export interface LiteLlmRenderInput {
  readonly routes: readonly Route[];
  readonly cloudModels: readonly string[];
  /** Where LiteLLM reaches Ollama, without a trailing slash (the provider appends /api/chat). */
  readonly ollamaApiBase: string;
  /** Ollama on other GPU hosts: each route gets one more deployment per host under the same name. */
  readonly extraOllamaApiBases?: readonly string[];
  readonly routingStrategy: RoutingStrategy;
}

/** Environment variables the config refers to; the container must define them. */
export const LITELLM_ENV = Object.freeze({
  masterKey: "LITELLM_MASTER_KEY",
  openaiApiKey: "OPENAI_API_KEY",
});

// Cloud answers (and the slow reasoning models) get more room than a local route: they are the last resort.
export const CLOUD_TIMEOUT_SECONDS = 300;
export const CLOUD_STREAM_TIMEOUT_SECONDS = 60;
// Outer cap for anything without its own timeout; LiteLLM's built-in default is 6000 s.
export const REQUEST_TIMEOUT_SECONDS = 600;
// Retries run on the same model group before any fallback, and LiteLLM backs off between them (about
// 2.5 s measured for a single-deployment group). A local route is not retried: its fallback is the
// better second try. The cloud, which has nothing behind it, retries.
export const LOCAL_RETRIES = 0;
export const CLOUD_RETRIES = 2;
// After more than this many failures within COOLDOWN_SECONDS, a deployment is cooled down and requests
// go straight to the fallback instead of waiting out a hung local model's timeout each time.
// Single-deployment groups (our routes) are only cooled down when allowed_fails differs from
// LiteLLM's own default of 3: a value of 3 counts as "not set" (litellm/router_utils/cooldown_handlers.py).
export const ALLOWED_FAILS = 2;
export const COOLDOWN_SECONDS = 30;

const deploymentId = (prefix: string, name: string) => `${prefix}-${name.replace(/[^A-Za-z0-9]+/g, "-")}`;

export function buildLiteLlmConfig(input: LiteLlmRenderInput): Record<string, unknown> {
  const bases = [input.ollamaApiBase, ...(input.extraOllamaApiBases ?? [])].map((b) => b.replace(/\/+$/, ""));
  // Clients keep calling the route's name; LiteLLM spreads it over every host that serves it.
  const local = input.routes.flatMap((r) => bases.map((apiBase, i) => ({
    model_name: r.name,
    litellm_params: {
      model: `ollama_chat/${r.model}`,
      api_base: apiBase,
      // timeout bounds a whole answer, stream_timeout the wait for the first streamed chunk: either way
      // a hung local model gives up after the route's budget and the fallback takes over.
      timeout: r.timeoutSeconds,
      stream_timeout: r.timeoutSeconds,
      num_retries: LOCAL_RETRIES,
    },
    model_info: { id: deploymentId("local", r.name) + (i === 0 ? "" : `-${i + 1}`), mode: "chat", input_cost_per_token: 0, output_cost_per_token: 0 },
  })));
  const cloud = input.cloudModels.map((m) => ({
    model_name: m,
    litellm_params: {
      model: m,
      api_key: `os.environ/${LITELLM_ENV.openaiApiKey}`,
      timeout: CLOUD_TIMEOUT_SECONDS,
      stream_timeout: CLOUD_STREAM_TIMEOUT_SECONDS,
      num_retries: CLOUD_RETRIES,
    },
    model_info: { id: deploymentId("cloud", m), mode: "chat" },
  }));
  const fallbacks = input.routes.filter((r) => r.fallbacks.length > 0).map((r) => ({ [r.name]: [...r.fallbacks] }));

  return {
    model_list: [...local, ...cloud],
    router_settings: {
      routing_strategy: input.routingStrategy,
      ...(fallbacks.length > 0 ? { fallbacks } : {}),
      // Each deployment sets its own num_retries; this covers anything that does not.
      num_retries: 0,
      // Per exception type, these win over num_retries. A timeout is never retried, so failover starts
      // right after the route's budget instead of (retries + 1) times it. LiteLLM 1.100.0 accepts an
      // InternalServerErrorRetries key but never reads it, so 500s follow num_retries.
      retry_policy: {
        TimeoutErrorRetries: 0,
        RateLimitErrorRetries: CLOUD_RETRIES,
        BadRequestErrorRetries: 0,
        AuthenticationErrorRetries: 0,
        ContentPolicyViolationErrorRetries: 0,
      },
      allowed_fails: ALLOWED_FAILS,
      cooldown_time: COOLDOWN_SECONDS,
    },
    litellm_settings: {
      request_timeout: REQUEST_TIMEOUT_SECONDS,
      drop_params: true,
      callbacks: ["prometheus"],
      json_logs: true,
    },
    general_settings: {
      master_key: `os.environ/${LITELLM_ENV.masterKey}`,
    },
  };
}

export function renderLiteLlmConfig(input: LiteLlmRenderInput): string {
  return toYaml(buildLiteLlmConfig(input), "LiteLLM proxy config, rendered by ai-gateway from the stack config. Do not edit: change the stack config and run `pulumi up`.");
}
