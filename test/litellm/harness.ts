// What the real-LiteLLM suites share: the proxy (the PyPI release of the pinned image tag) with a
// stack's rendered config, in front of local stand-ins for Ollama and OpenAI, and a chat client.
import { readStackConfig } from "../../config/stackYaml.js";
import type { StackConfig } from "../../config/schema.js";
import { validateStackConfig } from "../../config/validate.js";
import { gatewayPlainEnv } from "../../services/litellm.js";
import { renderLiteLlmConfig } from "../../renderers/litellm.js";
import { ensureLiteLlmVenv, pinnedLiteLlmVersion, startProxy, type RunningProxy } from "../../tools/litellmProxy.js";
import { startOllamaStandIn, startOpenAiStandIn, type StandIn } from "./standins.js";

export const MASTER_KEY = "sk-test-master-0123456789";
export const OPENAI_KEY = "sk-test-openai-abcdef0123";
// The only changes the test makes to what the renderer produced: upstream endpoints (api_base, and the
// OpenAI base URL variable) point at the stand-ins, and every route's timeoutSeconds is shortened from
// the dev stack's 60 s so a hung model fails over in seconds.
export const TEST_ROUTE_TIMEOUT_SECONDS = 3;
// What failover may take beyond the route's budget: LiteLLM's own bookkeeping plus the cloud answer.
export const FAILOVER_MARGIN_MS = 2000;

export interface ChatResult {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
  readonly headers: Headers;
}

export async function chat(proxy: RunningProxy, model: string, stream: boolean, key = MASTER_KEY): Promise<ChatResult> {
  const t0 = performance.now();
  const r = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, stream, max_tokens: 16, messages: [{ role: "user", content: "ping" }] }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = await r.text();
  const ms = performance.now() - t0;
  if (r.status !== 200) return { status: r.status, text: body, ms, headers: r.headers };
  if (!stream) return { status: 200, text: JSON.parse(body).choices[0].message.content, ms, headers: r.headers };
  let text = "";
  for (const line of body.split("\n")) {
    const data = line.startsWith("data: ") ? line.slice(6).trim() : "";
    if (!data || data === "[DONE]") continue;
    const chunk = JSON.parse(data);
    if (chunk.error) return { status: 500, text: JSON.stringify(chunk.error), ms, headers: r.headers };
    text += chunk.choices?.[0]?.delta?.content ?? "";
  }
  return { status: 200, text, ms, headers: r.headers };
}

/** The dev stack, with or without a cloud key, and any other values patched in. */
export function devConfig(withCloud: boolean, patch: Record<string, string> = {}): StackConfig {
  const raw = readStackConfig(".", "dev");
  const values = { ...raw.values, ...patch, ...(withCloud ? { openaiApiKey: OPENAI_KEY } : {}) };
  return validateStackConfig({ ...raw, values, secretKeys: withCloud ? new Set(["openaiApiKey"]) : raw.secretKeys });
}

export function containerEnv(ollamaUrl: string, withCloud: boolean, openaiUrl: string): Record<string, string> {
  const env = Object.fromEntries(gatewayPlainEnv(ollamaUrl).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  return {
    ...env,
    LITELLM_MASTER_KEY: MASTER_KEY,
    ...(withCloud ? { OPENAI_API_KEY: OPENAI_KEY } : {}),
    // Where LiteLLM's OpenAI provider sends requests when a model has no api_base of its own.
    OPENAI_BASE_URL: `${openaiUrl}/v1`,
  };
}

export interface TestGateway {
  readonly ollama: StandIn;
  readonly openai: StandIn;
  readonly proxy: RunningProxy;
  readonly config: StackConfig;
  stop(): Promise<void>;
}

/** Both stand-ins and the real proxy in front of them, with the dev stack's rendered config. */
/** A Redis-protocol server on loopback for the response cache (cache.enabled), and its password. */
export interface TestCache {
  readonly port: number;
  readonly password: string;
}

export async function startGateway(config: StackConfig, cache?: TestCache): Promise<TestGateway> {
  const withCloud = config.cloudEnabled;
  const bin = ensureLiteLlmVenv(pinnedLiteLlmVersion());
  const ollama = await startOllamaStandIn();
  const openai = await startOpenAiStandIn();
  const routes = config.routes.map((r) => ({ ...r, timeoutSeconds: TEST_ROUTE_TIMEOUT_SECONDS }));
  const yaml = renderLiteLlmConfig({
    routes,
    cloudModels: config.cloudModels,
    localModels: config.ollama.models,
    localTimeoutSeconds: TEST_ROUTE_TIMEOUT_SECONDS,
    aliases: config.aliases,
    ollamaApiBase: ollama.url,
    routingStrategy: config.routingStrategy,
    // The stack's cache settings, with the loopback server instead of the valkey container.
    ...(cache && config.cache.enabled ? { cache: { host: "127.0.0.1", port: cache.port, ttlSeconds: config.cache.ttlSeconds } } : {}),
  });
  const proxy = await startProxy(bin, yaml, { ...containerEnv(ollama.url, withCloud, openai.url), ...(cache ? { REDIS_PASSWORD: cache.password } : {}) });
  return {
    ollama,
    openai,
    proxy,
    config,
    async stop() {
      await proxy.stop();
      await ollama.close();
      await openai.close();
    },
  };
}

