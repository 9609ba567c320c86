// The response cache on the real LiteLLM, with the rendered cache settings and a real Redis-protocol
// server (Debian's redis-server, which Valkey is a fork of) on loopback, with a password.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { requiresTool } from "../support/requires.js";
import { devConfig, MASTER_KEY, startGateway, type TestGateway } from "./harness.js";
import { freePort } from "../../tools/litellmProxy.js";

const redis = requiresTool("redis-server", "apt-get install -y redis-server", ["--version"]);
const PASSWORD = "cache-test-password-0123456789";


async function ask(g: TestGateway, cache?: Record<string, unknown>): Promise<{ status: number; ms: number; text: string }> {
  const t0 = performance.now();
  const r = await fetch(`${g.proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o", max_tokens: 16, messages: [{ role: "user", content: "the same question" }], ...(cache ? { cache } : {}) }),
  });
  const text = await r.text();
  return { status: r.status, ms: performance.now() - t0, text };
}

describe("LiteLLM's response cache", () => {
  let server: ChildProcess | undefined;
  let g: TestGateway | undefined;
  const upstream = () => g!.openai.requests.filter((r) => r.path.endsWith("/chat/completions")).length;

  beforeAll(async () => {
    if (redis.why && spawnSync("redis-server", ["--version"]).status !== 0) return;
    const port = await freePort();
    // The password reaches redis-server on its command line here only: a test on loopback.
    server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", PASSWORD, "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    g = await startGateway(devConfig(true, { cache: JSON.stringify({ enabled: true, ttlSeconds: 60 }) }), { port, password: PASSWORD });
    // The upstream answers slowly, as a model does, so a cached answer shows in the time too.
    g.openai.setDelay(400);
  }, 200_000);
  afterAll(async () => {
    await g?.stop();
    server?.kill();
  });

  redis.it(`answers a repeated request from the cache, without reaching the upstream, and faster${redis.why}`, async () => {
    const first = await ask(g!);
    expect(first.status, first.text).toBe(200);
    const hits = upstream();
    const second = await ask(g!);
    expect(second.status, second.text).toBe(200);
    expect(JSON.parse(second.text).choices[0].message.content).toBe(JSON.parse(first.text).choices[0].message.content);
    expect(upstream()).toBe(hits);
    expect(second.ms).toBeLessThan(first.ms / 2);
    console.log(`cache: first ${first.ms.toFixed(0)} ms (upstream), repeated ${second.ms.toFixed(0)} ms (cache)`);
  });

  redis.it(`lets a request skip the cache with LiteLLM's own {"cache": {"no-cache": true}}${redis.why}`, async () => {
    const hits = upstream();
    const r = await ask(g!, { "no-cache": true });
    expect(r.status, r.text).toBe(200);
    expect(upstream()).toBe(hits + 1);
  });
});
