// The rendered dev-stack config, loaded by the real LiteLLM proxy (the PyPI release of the pinned
// image tag), in front of local stand-ins for Ollama and OpenAI.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LITELLM } from "../../services/litellm.js";
import { COOLDOWN_SECONDS } from "../../renderers/litellm.js";
import { DEFAULTS } from "../../config/schema.js";
import { METRICS } from "../../observability/metrics.js";
import { chat, devConfig, FAILOVER_MARGIN_MS, MASTER_KEY, OPENAI_KEY, startGateway, TEST_ROUTE_TIMEOUT_SECONDS, type TestGateway } from "./harness.js";
import type { RunningProxy } from "../../tools/litellmProxy.js";
import type { StandIn } from "./standins.js";

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
    gateway = await startGateway(devConfig(true));
    ({ ollama, openai, proxy } = gateway);
    routeModels = Object.fromEntries(gateway.config.routes.map((r) => [r.name, r.model]));
    cloudModels = gateway.config.cloudModels.map((m) => m.model);
  });
  afterAll(() => gateway?.stop());

  it("lists every route, local model tag and cloud model on /v1/models for the master key, and refuses anyone else", async () => {
    const ok = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(ok.status).toBe(200);
    const ids = ((await ok.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
    expect(ids).toEqual([...Object.keys(routeModels), ...gateway!.config.ollama.models, ...cloudModels].sort());
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
      expect(cloudCalls(openai).length - before).toBe(1 + DEFAULTS.cloudRetries);
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
    gateway = await startGateway(devConfig(false));
    ({ ollama, openai, proxy } = gateway);
  });
  afterAll(() => gateway?.stop());

  it("lists only the routes and the local model tags", async () => {
    const r = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort()).toEqual(["llama3.2:1b", "qwen2.5-coder:1.5b", "task:code", "task:docs"]);
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
