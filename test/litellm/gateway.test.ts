// The rendered dev-stack config, loaded by the real LiteLLM proxy (the PyPI release of the pinned
// image tag), in front of local stand-ins for Ollama and OpenAI.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig } from "../../config/validate.js";
import { LITELLM, gatewayPlainEnv } from "../../services/litellm.js";
import { CLOUD_RETRIES, COOLDOWN_SECONDS, renderLiteLlmConfig } from "../../renderers/litellm.js";
import { METRICS } from "../../observability/metrics.js";
import { ensureLiteLlmVenv, pinnedLiteLlmVersion, startProxy, type RunningProxy } from "./proxy.js";
import { startOllamaStandIn, startOpenAiStandIn, type StandIn } from "./standins.js";

const MASTER_KEY = "sk-test-master-0123456789";
const OPENAI_KEY = "sk-test-openai-abcdef0123";
// The only changes the test makes to what the renderer produced: upstream endpoints (api_base, and the
// OpenAI base URL variable) point at the stand-ins, and every route's timeoutSeconds is shortened from
// the dev stack's 60 s so a hung model fails over in seconds.
const TEST_ROUTE_TIMEOUT_SECONDS = 3;
// What failover may take beyond the route's budget: LiteLLM's own bookkeeping plus the cloud answer.
const FAILOVER_MARGIN_MS = 2000;

interface ChatResult {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
  readonly headers: Headers;
}

async function chat(proxy: RunningProxy, model: string, stream: boolean, key = MASTER_KEY): Promise<ChatResult> {
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

function devConfig(withCloud: boolean) {
  const raw = readStackConfig(".", "dev");
  return validateStackConfig(
    withCloud ? { ...raw, values: { ...raw.values, openaiApiKey: OPENAI_KEY }, secretKeys: new Set(["openaiApiKey"]) } : raw,
  );
}

function containerEnv(ollamaUrl: string, withCloud: boolean, openaiUrl: string): Record<string, string> {
  const env = Object.fromEntries(gatewayPlainEnv(ollamaUrl).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  return {
    ...env,
    LITELLM_MASTER_KEY: MASTER_KEY,
    ...(withCloud ? { OPENAI_API_KEY: OPENAI_KEY } : {}),
    // Where LiteLLM's OpenAI provider sends requests when a model has no api_base of its own.
    OPENAI_BASE_URL: `${openaiUrl}/v1`,
  };
}

interface TestGateway {
  readonly ollama: StandIn;
  readonly openai: StandIn;
  readonly proxy: RunningProxy;
  readonly config: ReturnType<typeof devConfig>;
  stop(): Promise<void>;
}

/** Both stand-ins and the real proxy in front of them, with the dev stack's rendered config. */
async function startGateway(withCloud: boolean): Promise<TestGateway> {
  const bin = ensureLiteLlmVenv(pinnedLiteLlmVersion());
  const ollama = await startOllamaStandIn();
  const openai = await startOpenAiStandIn();
  const config = devConfig(withCloud);
  const routes = config.routes.map((r) => ({ ...r, timeoutSeconds: TEST_ROUTE_TIMEOUT_SECONDS }));
  const yaml = renderLiteLlmConfig({ routes, cloudModels: config.cloudModels, ollamaApiBase: ollama.url, routingStrategy: config.routingStrategy });
  const proxy = await startProxy(bin, yaml, containerEnv(ollama.url, withCloud, openai.url));
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

const cloudCalls = (openai: StandIn) => openai.requests.filter((r) => r.path.endsWith("/chat/completions"));
const ollamaChats = (ollama: StandIn) => ollama.requests.filter((r) => r.path === "/api/chat");

describe("LiteLLM with the dev stack's config and a cloud key", () => {
  let ollama: StandIn;
  let openai: StandIn;
  let proxy: RunningProxy;
  let routeModels: Record<string, string>;
  let cloudModels: readonly string[];
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    gateway = await startGateway(true);
    ({ ollama, openai, proxy } = gateway);
    routeModels = Object.fromEntries(gateway.config.routes.map((r) => [r.name, r.model]));
    cloudModels = gateway.config.cloudModels;
  });
  afterAll(() => gateway?.stop());

  it("lists every route and cloud model on /v1/models for the master key, and refuses anyone else", async () => {
    const ok = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(ok.status).toBe(200);
    const ids = ((await ok.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
    expect(ids).toEqual([...Object.keys(routeModels), ...cloudModels].sort());
    expect((await fetch(`${proxy.url}/v1/models`)).status).toBe(401);
    // Without a database LiteLLM cannot look a non-master key up, and says so with a 400
    // "No connected db." rather than a 401. The key is refused and nothing is listed either way.
    const wrong = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: "Bearer sk-wrong" } });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("No connected db");
    const chatWrong = await chat(proxy, "task:code", false, "sk-wrong");
    expect(chatWrong.status).toBe(400);
    expect(ollamaChats(ollama)).toHaveLength(0);
  });

  for (const route of ["task:code", "task:docs"]) {
    for (const stream of [false, true]) {
      it(`serves ${route} (${stream ? "streaming" : "not streaming"}) from the local model`, async () => {
        const before = ollamaChats(ollama).length;
        const cloudBefore = cloudCalls(openai).length;
        const r = await chat(proxy, route, stream);
        expect(r.status, r.text).toBe(200);
        expect(r.text).toBe(`local answer from ${routeModels[route]}`);
        const upstream = ollamaChats(ollama).slice(before);
        expect(upstream).toHaveLength(1);
        expect(upstream[0]!.body.model).toBe(routeModels[route]);
        expect(cloudCalls(openai).length).toBe(cloudBefore);
      });
    }
  }

  it("serves a cloud model directly, with the OpenAI key from the container's environment", async () => {
    const r = await chat(proxy, cloudModels[0]!, false);
    expect(r.status, r.text).toBe(200);
    expect(r.text).toBe(`cloud answer from ${cloudModels[0]!.replace(/^openai\//, "")}`);
    expect(cloudCalls(openai).at(-1)!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    // The first cloud call after start also sets up LiteLLM's OpenAI client; later ones do not.
    console.log(`first cloud call: ${r.ms.toFixed(0)} ms`);
  });

  for (const mode of ["fail500", "refuse"] as const) {
    it(`fails over to the cloud at once when the local model ${mode === "fail500" ? "answers 500" : "refuses connections"}`, async () => {
      await ollama.setMode(mode);
      try {
        const times: number[] = [];
        for (let i = 0; i < 2; i++) {
          const before = ollamaChats(ollama).length;
          const r = await chat(proxy, "task:code", false);
          expect(r.status, r.text).toBe(200);
          expect(r.text).toBe(`cloud answer from ${cloudModels[0]!.replace(/^openai\//, "")}`);
          expect(cloudCalls(openai).at(-1)!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
          // A local route is not retried: its fallback is the second try.
          expect(ollamaChats(ollama).length - before).toBe(mode === "fail500" ? 1 : 0);
          times.push(r.ms);
        }
        console.log(`failover ${mode} -> cloud: ${times.map((t) => t.toFixed(0)).join(" ms, then ")} ms`);
        for (const t of times) expect(t).toBeLessThan(500);
      } finally {
        await ollama.setMode("answer");
      }
    });
  }

  it("retries the cloud, and returns an error when local and cloud both fail", async () => {
    await ollama.setMode("fail500");
    await openai.setMode("fail500");
    try {
      const before = cloudCalls(openai).length;
      const r = await chat(proxy, "task:code", false);
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(JSON.parse(r.text)).toHaveProperty("error");
      expect(cloudCalls(openai).length - before).toBe(1 + CLOUD_RETRIES);
      console.log(`local and cloud failing: HTTP ${r.status} after ${r.ms.toFixed(0)} ms`);
    } finally {
      await ollama.setMode("answer");
      await openai.setMode("answer");
    }
  });

  it("fails over to the cloud within the route's budget when the local model hangs", async () => {
    await ollama.setMode("hang");
    try {
      for (const stream of [false, true]) {
        const r = await chat(proxy, "task:docs", stream);
        expect(r.status, r.text).toBe(200);
        expect(r.text).toMatch(/^cloud answer/);
        console.log(`failover hang -> cloud (${stream ? "stream" : "no stream"}): ${r.ms.toFixed(0)} ms, budget ${TEST_ROUTE_TIMEOUT_SECONDS * 1000} ms`);
        expect(r.ms).toBeGreaterThanOrEqual(TEST_ROUTE_TIMEOUT_SECONDS * 1000 - 100);
        expect(r.ms).toBeLessThan(TEST_ROUTE_TIMEOUT_SECONDS * 1000 + FAILOVER_MARGIN_MS);
      }
    } finally {
      await ollama.setMode("answer");
    }
  });

  it("exposes litellm_ metrics on the scrape path, without a redirect, to the master key only", async () => {
    // LiteLLM 1.100.0 requires a key for /metrics by default (require_auth_for_metrics_endpoint).
    expect((await fetch(`${proxy.url}${LITELLM.metricsPath}`, { redirect: "manual" })).status).toBe(401);
    const r = await fetch(`${proxy.url}${LITELLM.metricsPath}`, { redirect: "manual", headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(r.status).toBe(200);
    const text = await r.text();
    // Every LiteLLM metric the dashboards and alert rules read exists in the real proxy's output.
    for (const m of METRICS.filter((x) => x.name.startsWith("litellm_"))) {
      const series = m.type === "histogram" ? `${m.name}_bucket` : m.name;
      expect(text, m.name).toMatch(new RegExp(`^${series}(\\{| )`, "m"));
    }
    const bare = await fetch(`${proxy.url}/metrics`, { redirect: "manual", headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(bare.status).toBe(307);
  });

  it("answers /health/liveliness without a key, and the container's healthcheck command passes", async () => {
    expect((await fetch(`${proxy.url}/health/liveliness`)).status).toBe(200);
    const [, exe, ...args] = LITELLM.healthcheck.tests;
    expect(exe).toBe("python3");
    // The probe is run exactly as the container runs it, with the venv's python3; only the port
    // differs, because the container listens on 4000 and this proxy on a free port.
    const script = args[1]!;
    expect(script.split(":4000/").length).toBe(2);
    const r = spawnSync(`${proxy.bin}/python3`, [args[0]!, script.replace(":4000/", `:${proxy.port}/`)], { encoding: "utf8", timeout: 15_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("cools a hung local model down after repeated failures, so later requests fail over at once", async () => {
    await ollama.setMode("hang");
    try {
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await chat(proxy, "task:docs", false);
        expect(r.status, r.text).toBe(200);
        times.push(r.ms);
      }
      console.log(`hung model, consecutive failovers: ${times.map((t) => t.toFixed(0)).join(", ")} ms (cooldown ${COOLDOWN_SECONDS} s)`);
      expect(times.at(-1)!).toBeLessThan(1000);
    } finally {
      await ollama.setMode("answer");
    }
  });
});

describe("LiteLLM on a local-only stack (no openaiApiKey)", () => {
  let ollama: StandIn;
  let openai: StandIn;
  let proxy: RunningProxy;

  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    gateway = await startGateway(false);
    ({ ollama, openai, proxy } = gateway);
  });
  afterAll(() => gateway?.stop());

  it("lists only the routes", async () => {
    const r = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort()).toEqual(["task:code", "task:docs"]);
  });

  for (const mode of ["fail500", "hang", "refuse"] as const) {
    it(`turns a local model that ${mode === "fail500" ? "answers 500" : mode === "hang" ? "hangs" : "refuses connections"} into a clean error, not a hang`, async () => {
      await ollama.setMode(mode);
      try {
        const r = await chat(proxy, "task:code", false);
        console.log(`local-only, ${mode}: HTTP ${r.status} after ${r.ms.toFixed(0)} ms`);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(JSON.parse(r.text)).toHaveProperty("error");
        expect(r.ms).toBeLessThan(TEST_ROUTE_TIMEOUT_SECONDS * 1000 + FAILOVER_MARGIN_MS);
        expect(cloudCalls(openai)).toHaveLength(0);
      } finally {
        await ollama.setMode("answer");
      }
    });
  }
});
