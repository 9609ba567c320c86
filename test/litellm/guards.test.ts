// The gateway's names and guards, proven on the real LiteLLM proxy with a rendered config: aliases and
// local tags answer from their local model, rpm is a hard limit, maxParallelRequests holds calls back,
// and a cloud model not allowed as a fallback is never tried as one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat, devConfig, MASTER_KEY, startGateway, type TestGateway } from "./harness.js";

const RPM = 3;
// A stack with every guard: gpt-4o limited per minute, gpt-4o-mini one call at a time, o3-pro served by
// name but not a fallback; an alias for a route and one for a local tag.
const GUARDED = devConfig(true, {
  cloudModels: JSON.stringify([
    { model: "openai/gpt-4o", rpm: RPM },
    { model: "openai/gpt-4o-mini", maxParallelRequests: 1 },
    "openai/o3-pro",
  ]),
  aliases: JSON.stringify({ coder: "task:code", small: "llama3.2:1b" }),
});

const chats = (s: { requests: { path: string; body: any }[] }, model?: string) =>
  s.requests.filter((r) => (r.path === "/api/chat" || r.path.endsWith("/chat/completions")) && (model === undefined || r.body?.model === model));

describe("LiteLLM with guards, aliases and local tags", () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway(GUARDED);
  });
  afterAll(() => g?.stop());

  it("lists routes, local tags, cloud models and aliases on /v1/models", async () => {
    const r = await fetch(`${g.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    const ids = ((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
    expect(ids).toEqual(["coder", "llama3.2:1b", "openai/gpt-4o", "openai/gpt-4o-mini", "openai/o3-pro", "qwen2.5-coder:1.5b", "small", "task:code", "task:docs"].sort());
  });

  it("answers an alias and a local tag from the local model", async () => {
    for (const [name, model] of [
      ["coder", "qwen2.5-coder:1.5b"],
      ["small", "llama3.2:1b"],
      ["llama3.2:1b", "llama3.2:1b"],
    ] as const) {
      const before = chats(g.ollama, model).length;
      const r = await chat(g.proxy, name, false);
      expect(r.status, r.text).toBe(200);
      expect(r.text).toBe(`local answer from ${model}`);
      expect(chats(g.ollama, model).length - before, name).toBe(1);
    }
  });

  it("gives an alias of a route the route's fallback", async () => {
    await g.ollama.setMode("fail500");
    try {
      const r = await chat(g.proxy, "coder", false);
      expect(r.status, r.text).toBe(200);
      expect(r.text).toBe("cloud answer from gpt-4o");
    } finally {
      await g.ollama.setMode("answer");
    }
  });

  it("never tries a cloud model that is not a fallback, even when everything else fails", async () => {
    await g.ollama.setMode("fail500");
    await g.openai.setMode("fail500");
    try {
      const r = await chat(g.proxy, "task:code", false);
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(chats(g.openai, "gpt-4o").length).toBeGreaterThan(0);
      expect(chats(g.openai, "o3-pro")).toHaveLength(0);
      expect(chats(g.openai, "gpt-4o-mini")).toHaveLength(0);
    } finally {
      await g.ollama.setMode("answer");
      await g.openai.setMode("answer");
    }
  });

  it("holds calls to a model beyond its maxParallelRequests until one finishes", async () => {
    g.openai.setDelay(700);
    g.openai.resetMaxInFlight();
    try {
      const results = await Promise.all([1, 2, 3].map(() => chat(g.proxy, "openai/gpt-4o-mini", false)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(g.openai.maxInFlight).toBe(1);
      // One at a time: the last answer comes after three delays.
      expect(Math.max(...results.map((r) => r.ms))).toBeGreaterThanOrEqual(3 * 700 - 100);
    } finally {
      g.openai.setDelay(0);
    }
  });

  // Last: it spends gpt-4o's budget for the minute.
  it("answers 429 once a cloud model's rpm is spent, without calling it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < RPM + 3; i++) statuses.push((await chat(g.proxy, "openai/gpt-4o", false)).status);
    const before = chats(g.openai, "gpt-4o").length;
    const refused = await chat(g.proxy, "openai/gpt-4o", false);
    expect(refused.status).toBe(429);
    expect(refused.text).toMatch(/rate limit|no deployments available/i);
    expect(chats(g.openai, "gpt-4o").length).toBe(before);
    // Earlier tests of the minute count too, so at most RPM calls got through.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(RPM);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
  });
});
