// Turns the routes and cloud models of a stack into LiteLLM's proxy config. Pure: same input, same text.
// Facts behind each setting are in ../shared/reference/litellm.md.
import type { Route } from "../config/schema.js";
import { toYaml } from "./yaml.js";

export interface LiteLlmRenderInput {
  readonly routes: readonly Route[];
  readonly cloudModels: readonly string[];
  /** Where LiteLLM reaches Ollama, without a trailing slash (the provider appends /api/chat). */
  readonly ollamaApiBase: string;
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
// After this many failures within a minute a deployment is cooled down, so requests stop waiting out
// the timeout of a hung local model and go to the fallback at once. Single-deployment groups (our
// routes) are only cooled down when allowed_fails is set.
export const ALLOWED_FAILS = 3;
export const COOLDOWN_SECONDS = 30;

const deploymentId = (prefix: string, name: string) => `${prefix}-${name.replace(/[^A-Za-z0-9]+/g, "-")}`;

export function buildLiteLlmConfig(input: LiteLlmRenderInput): Record<string, unknown> {
  const apiBase = input.ollamaApiBase.replace(/\/+$/, "");
  const local = input.routes.map((r) => ({
    model_name: r.name,
    litellm_params: {
      model: `ollama_chat/${r.model}`,
      api_base: apiBase,
      // timeout bounds a whole answer, stream_timeout the wait for the first streamed chunk: either way
      // a hung local model gives up after the route's budget and the fallback takes over.
      timeout: r.timeoutSeconds,
      stream_timeout: r.timeoutSeconds,
    },
    model_info: { id: deploymentId("local", r.name), mode: "chat", input_cost_per_token: 0, output_cost_per_token: 0 },
  }));
  const cloud = input.cloudModels.map((m) => ({
    model_name: m,
    litellm_params: {
      model: m,
      api_key: `os.environ/${LITELLM_ENV.openaiApiKey}`,
      timeout: CLOUD_TIMEOUT_SECONDS,
      stream_timeout: CLOUD_STREAM_TIMEOUT_SECONDS,
    },
    model_info: { id: deploymentId("cloud", m), mode: "chat" },
  }));
  const fallbacks = input.routes.filter((r) => r.fallbacks.length > 0).map((r) => ({ [r.name]: [...r.fallbacks] }));

  return {
    model_list: [...local, ...cloud],
    router_settings: {
      routing_strategy: "simple-shuffle",
      ...(fallbacks.length > 0 ? { fallbacks } : {}),
      // Retries run on the same group before any fallback; a timeout is not retried, so failover
      // starts right after the route's budget instead of (retries + 1) times it.
      num_retries: 1,
      retry_policy: {
        TimeoutErrorRetries: 0,
        InternalServerErrorRetries: 1,
        RateLimitErrorRetries: 2,
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
