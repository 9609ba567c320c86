import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { DEFAULTS, type CloudModel, type Route } from "../../config/schema.js";
import { buildLiteLlmConfig, formatWorstCase, renderLiteLlmConfig, worstCase, type LiteLlmRenderInput } from "../../renderers/litellm.js";
import { gatewayWorkers } from "../../services/litellm.js";

const cloud = (model: string, patch: Partial<CloudModel> = {}): CloudModel => ({ model, allowAsFallback: true, timeoutSeconds: DEFAULTS.cloudTimeoutSeconds, retries: DEFAULTS.cloudRetries, ...patch });
const input: LiteLlmRenderInput = {
  routes: [
    { name: "task:code", model: "qwen2.5-coder:14b", fallbacks: ["openai/gpt-4o", "openai/o3-pro"], timeoutSeconds: 45 },
    { name: "task:docs", model: "llama3.1:8b", fallbacks: ["openai/gpt-4o"], timeoutSeconds: 90 },
  ],
  cloudModels: [cloud("openai/gpt-4o", { rpm: 60, tpm: 200000, maxParallelRequests: 8 }), cloud("openai/o3-pro", { retries: 0, timeoutSeconds: 600 })],
  localModels: ["qwen2.5-coder:14b", "llama3.1:8b"],
  localTimeoutSeconds: 60,
  aliases: [
    { name: "coder", target: "task:code" },
    { name: "fast", target: "llama3.1:8b" },
  ],
  ollamaApiBase: "http://ollama:11434/",
  routingStrategy: DEFAULTS.routingStrategy,
};

describe("renderLiteLlmConfig", () => {
  const parsed = YAML.parse(renderLiteLlmConfig(input));

  it("turns each route into a model_list entry served by ollama_chat at the Ollama container", () => {
    const local = parsed.model_list.filter((m: any) => m.model_name.startsWith("task:"));
    expect(local.map((m: any) => [m.model_name, m.litellm_params.model, m.litellm_params.api_base])).toEqual([
      ["task:code", "ollama_chat/qwen2.5-coder:14b", "http://ollama:11434"],
      ["task:docs", "ollama_chat/llama3.1:8b", "http://ollama:11434"],
    ]);
  });

  it("sets each route's budget as timeout and stream_timeout, and never retries a timeout", () => {
    const code = parsed.model_list.find((m: any) => m.model_name === "task:code").litellm_params;
    expect([code.timeout, code.stream_timeout]).toEqual([45, 45]);
    expect(parsed.router_settings.retry_policy.TimeoutErrorRetries).toBe(0);
    expect(parsed.litellm_settings.request_timeout).toBeLessThan(6000);
    const gpt = parsed.model_list.find((m: any) => m.model_name === "openai/gpt-4o").litellm_params;
    expect([gpt.timeout, gpt.num_retries]).toEqual([DEFAULTS.cloudTimeoutSeconds, DEFAULTS.cloudRetries]);
    const o3 = parsed.model_list.find((m: any) => m.model_name === "openai/o3-pro").litellm_params;
    expect([o3.timeout, o3.num_retries, o3.stream_timeout]).toEqual([600, 0, 60]);
  });

  it("serves every local model under its own tag, with a route's budget and no retry or fallback", () => {
    const tags = parsed.model_list.filter((m: any) => !m.model_name.startsWith("task:") && !m.model_name.startsWith("openai/"));
    expect(tags.map((m: any) => [m.model_name, m.litellm_params.model, m.litellm_params.timeout, m.litellm_params.num_retries])).toEqual([
      ["qwen2.5-coder:14b", "ollama_chat/qwen2.5-coder:14b", 60, 0],
      ["llama3.1:8b", "ollama_chat/llama3.1:8b", 60, 0],
    ]);
    expect(parsed.router_settings.fallbacks.flatMap((f: object) => Object.keys(f))).not.toContain("qwen2.5-coder:14b");
  });

  it("renders aliases as LiteLLM model group aliases, and gives an alias of a route the route's fallbacks", () => {
    expect(parsed.router_settings.model_group_alias).toEqual({ coder: "task:code", fast: "llama3.1:8b" });
    // LiteLLM looks fallbacks up by the name asked for, not the group it resolves to.
    expect(parsed.router_settings.fallbacks).toContainEqual({ coder: ["openai/gpt-4o", "openai/o3-pro"] });
  });

  it("turns rpm and tpm into hard limits and caps calls in flight, per cloud model, with its own retries", () => {
    const gpt = parsed.model_list.find((m: any) => m.model_name === "openai/gpt-4o").litellm_params;
    expect([gpt.rpm, gpt.tpm, gpt.max_parallel_requests]).toEqual([60, 200000, 8]);
    expect(parsed.router_settings.optional_pre_call_checks).toEqual(["enforce_model_rate_limits"]);
    // A 429 is never retried (LiteLLM would wait out its retry-after first); server errors are, per model.
    expect(parsed.router_settings.retry_policy.RateLimitErrorRetries).toBe(0);
    const unlimited = buildLiteLlmConfig({ ...input, cloudModels: input.cloudModels.map((m) => cloud(m.model)) });
    expect((unlimited["router_settings"] as Record<string, unknown>)["optional_pre_call_checks"]).toBeUndefined();
  });

  it("computes each route's worst case from the config: the local budget, then every try of every fallback", () => {
    const w = worstCase(input.routes[0]!, input.cloudModels);
    expect(w.seconds).toBe(45 + 3 * 300 + 1 * 600);
    expect(w.tries).toEqual([
      { model: "qwen2.5-coder:14b", tries: 1, secondsEach: 45 },
      { model: "openai/gpt-4o", tries: 3, secondsEach: 300 },
      { model: "openai/o3-pro", tries: 1, secondsEach: 600 },
    ]);
    expect(formatWorstCase(w)).toBe("task:code: at most 1545 s (qwen2.5-coder:14b 1 × 45 s, then openai/gpt-4o 3 × 300 s, then openai/o3-pro 1 × 600 s), plus LiteLLM's backoff between retries");
  });

  it("sends a request that fails on one host of a route on to another, only where several hosts serve it", () => {
    const settings = (i: Partial<LiteLlmRenderInput>) => buildLiteLlmConfig({ ...input, ...i })["router_settings"] as Record<string, unknown>;
    expect(settings({})["enable_weighted_failover"]).toBeUndefined();
    expect(settings({ extraOllamaApiBases: ["http://gpu-09.lan:11434"] })["enable_weighted_failover"]).toBe(true);
    expect(settings({ fleet: [{ host: "gpu-02", apiBase: "http://caddy:4080/gpu-02/ollama", models: ["qwen2.5-coder:14b"] }] })["enable_weighted_failover"]).toBe(true);
    // LiteLLM does it for simple-shuffle only.
    expect(settings({ extraOllamaApiBases: ["http://gpu-09.lan:11434"], routingStrategy: "least-busy" })["enable_weighted_failover"]).toBeUndefined();
    // A hung model is then tried on each host before the cloud: the worst case counts them (at most 1 + max_fallbacks).
    expect(worstCase(input.routes[0]!, input.cloudModels, 3).tries[0]).toEqual({ model: "qwen2.5-coder:14b", tries: 3, secondsEach: 45 });
    expect(worstCase(input.routes[0]!, input.cloudModels, 9).tries[0]!.tries).toBe(6);
  });

  it("builds router_settings.fallbacks from the routes, in order", () => {
    expect(parsed.router_settings.fallbacks).toEqual([
      { "task:code": ["openai/gpt-4o", "openai/o3-pro"] },
      { "task:docs": ["openai/gpt-4o"] },
      { coder: ["openai/gpt-4o", "openai/o3-pro"] },
    ]);
  });

  it("points cloud models at os.environ/OPENAI_API_KEY and the master key at os.environ/LITELLM_MASTER_KEY", () => {
    for (const m of parsed.model_list.filter((m: any) => m.model_name.startsWith("openai/"))) {
      expect(m.litellm_params.api_key).toBe("os.environ/OPENAI_API_KEY");
    }
    expect(parsed.general_settings.master_key).toBe("os.environ/LITELLM_MASTER_KEY");
    expect(parsed.litellm_settings.callbacks).toEqual(["prometheus"]);
  });

  it("quotes every name that holds a colon", () => {
    const text = renderLiteLlmConfig(input);
    expect(text).toContain('model_name: "task:code"');
    expect(text).toContain('- "task:code":');
    expect(text).toContain('model: "ollama_chat/qwen2.5-coder:14b"');
    expect(text).not.toMatch(/^\s*-?\s*task:code:/m);
  });

  it("leaves out fallbacks when no route has one", () => {
    const local = buildLiteLlmConfig({ ...input, cloudModels: [], routes: input.routes.map((r) => ({ ...r, fallbacks: [] })) });
    expect((local["router_settings"] as Record<string, unknown>)["fallbacks"]).toBeUndefined();
  });
});

// Properties over arbitrary valid route tables.
const tagArb = fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}:[a-z0-9.]{1,6}$/);
const cloudArb = fc.uniqueArray(fc.stringMatching(/^openai\/[a-z0-9][a-z0-9.-]{0,10}$/), { minLength: 0, maxLength: 4 });
const withGuards = (ids: readonly string[]) => ids.map((m, i) => cloud(m, i % 2 ? { rpm: 10 + i } : {}));
const tableArb = cloudArb.chain((ids) =>
  fc
    .uniqueArray(
      fc.record({
        name: fc.stringMatching(/^task:[a-z]{1,8}$/),
        model: tagArb,
        fallbacks: ids.length ? fc.subarray(ids) : fc.constant([] as string[]),
        timeoutSeconds: fc.integer({ min: 1, max: 3600 }),
      }),
      { selector: (r) => r.name, minLength: 1, maxLength: 6 },
    )
    .map((routes) => ({ routes: routes as Route[], cloudModels: withGuards(ids), ollamaApiBase: "http://ollama:11434", routingStrategy: DEFAULTS.routingStrategy })),
);

describe("renderer properties", () => {
  it("every fallback names a model that the config serves", () => {
    fc.assert(
      fc.property(tableArb, (inp) => {
        const doc = YAML.parse(renderLiteLlmConfig(inp));
        const served = new Set(doc.model_list.map((m: any) => m.model_name));
        for (const entry of doc.router_settings.fallbacks ?? []) {
          for (const [from, to] of Object.entries(entry)) {
            expect(served.has(from)).toBe(true);
            for (const t of to as string[]) expect(served.has(t)).toBe(true);
          }
        }
        expect(doc.model_list.length).toBe(inp.routes.length + inp.cloudModels.length);
      }),
    );
  });

  it("is deterministic and round-trips through YAML to the structure it was built from", () => {
    fc.assert(
      fc.property(tableArb, (inp) => {
        const text = renderLiteLlmConfig(inp);
        expect(renderLiteLlmConfig(inp)).toBe(text);
        expect(YAML.parse(text)).toEqual(buildLiteLlmConfig(inp));
      }),
    );
  });

  it("never contains a secret value, whatever the secrets are", () => {
    fc.assert(
      fc.property(tableArb, fc.stringMatching(/^sk-[A-Za-z0-9]{20,40}$/), (inp, secret) => {
        const before = { ...process.env };
        process.env["OPENAI_API_KEY"] = secret;
        process.env["LITELLM_MASTER_KEY"] = secret;
        try {
          expect(renderLiteLlmConfig(inp)).not.toContain(secret);
        } finally {
          process.env = before;
        }
      }),
    );
  });
});

describe("LiteLLM's workers", () => {
  const base = { cloudModels: [] as CloudModel[], gateway: { maxRequestMb: 32 } };
  it("follow the host's cores, one each up to 4, unless gateway.workers says", () => {
    expect([undefined, 1, 2, 3, 8, 64].map((cores) => gatewayWorkers(base, cores))).toEqual([1, 1, 2, 3, 4, 4]);
    expect(gatewayWorkers({ ...base, gateway: { maxRequestMb: 32, workers: 3 } }, 64)).toBe(3);
  });

  it("never outnumber the smallest cloud-model limit, which each worker gets an equal share of", () => {
    const limited = { ...base, cloudModels: [cloud("openai/o3-pro", { rpm: 3, maxParallelRequests: 2 })] };
    expect(gatewayWorkers(limited, 64)).toBe(2);
    const doc = buildLiteLlmConfig({ ...input, cloudModels: [cloud("openai/gpt-4o", { rpm: 61, tpm: 200001, maxParallelRequests: 9 })], workers: 4 }) as any;
    const p = doc.model_list.find((m: any) => m.model_name === "openai/gpt-4o").litellm_params;
    // Rounded down: four workers together stay within each limit.
    expect([p.rpm, p.tpm, p.max_parallel_requests]).toEqual([15, 50000, 2]);
  });
});
