// bench against a local stand-in gateway with controlled delays.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main, runBench, summarize } from "../../../tools/bench.js";
import { ToolError } from "../../../tools/cli.js";
import { percentile } from "../../../tools/format.js";
import { streamChat, type StreamResult } from "../../../tools/gateway.js";
import { KEY, startTestServer, type TestServer } from "../../support/testServer.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

const opts = { prompt: "hi", maxTokens: 16 };
// Timer slack on a busy 2-core CI machine, where other test files run beside this one; the delays
// themselves are exact on the server side.
const TOLERANCE_MS = 100;

describe("one streamed request", () => {
  it("measures TTFT, total time and tokens/s that agree with the injected delays", async () => {
    server = await startTestServer({ tokens: 6 });
    // The first request of a process also pays for setting up fetch; measure a warm client.
    await streamChat({ url: server.url, key: KEY }, "task:code", opts);
    Object.assign(server.behaviour, { ttftMs: 300, tokenDelayMs: 50 });
    const r = await streamChat({ url: server.url, key: KEY }, "task:code", opts);
    expect(r.ok).toBe(true);
    expect(r.ttftMs!).toBeGreaterThanOrEqual(300);
    expect(r.ttftMs!).toBeLessThan(300 + TOLERANCE_MS);
    expect(r.totalMs).toBeGreaterThanOrEqual(300 + 5 * 50);
    expect(r.totalMs).toBeLessThan(300 + 5 * 50 + TOLERANCE_MS);
    // 5 tokens after the first, over 5 × 50 ms: 20 tokens/s, slower only by the slack.
    expect(r.tokensPerSecond!).toBeGreaterThan(5 / ((5 * 50 + TOLERANCE_MS) / 1000));
    expect(r.tokensPerSecond!).toBeLessThanOrEqual(20 + 0.5);
    expect(r.snippet).toBe("w0 w1 w2 w3 w4 w5");
  });

  it("takes output tokens from usage when sent, and counts chunks otherwise", async () => {
    server = await startTestServer({ tokens: 4, usageTokens: 9 });
    expect((await streamChat({ url: server.url, key: KEY }, "m", opts)).outputTokens).toBe(9);
    server.behaviour.usage = false;
    expect((await streamChat({ url: server.url, key: KEY }, "m", opts)).outputTokens).toBe(4);
  });

  it("turns 500s, refused keys and time-outs into failed results with the reason", async () => {
    server = await startTestServer({ mode: "fail500" });
    const failed = await streamChat({ url: server.url, key: KEY }, "task:code", opts);
    expect(failed).toMatchObject({ ok: false, status: 500, error: "stand-in failure for task:code" });
    server.behaviour.mode = "hang";
    const hung = await streamChat({ url: server.url, key: KEY }, "task:code", { ...opts, timeoutMs: 200 });
    expect(hung).toMatchObject({ ok: false, error: "timed out" });
  });
});

describe("a bench run", () => {
  it("honours the concurrency limit", async () => {
    server = await startTestServer({ ttftMs: 80 });
    const r = await runBench({ url: server.url, key: KEY }, { models: ["task:code", "task:docs"], n: 4, concurrency: 3, prompt: "hi", maxTokens: 8 });
    expect(r.runs).toHaveLength(8);
    expect(server.maxInFlight).toBe(3);
    expect(r.runs.map((x) => x.model)).toEqual(["task:code", "task:code", "task:code", "task:code", "task:docs", "task:docs", "task:docs", "task:docs"]);
  });

  it("summarises p50/p95/p99 by linear interpolation, failures apart", () => {
    const run = (model: string, totalMs: number, ok = true): StreamResult => ({ model, ok, status: ok ? 200 : 500, totalMs, ttftMs: ok ? totalMs / 10 : null, outputTokens: 5, tokensPerSecond: ok ? 10 : null, snippet: "", error: null });
    const runs = [100, 200, 300, 400, 500].map((t) => run("a", t)).concat(run("a", 9999, false));
    const [s] = summarize(["a"], runs);
    expect(s).toMatchObject({ model: "a", ok: 5, failed: 1, meanTokensPerSecond: 10 });
    expect(s!.totalMs).toEqual({ p50: 300, p95: 480, p99: 496 });
    expect(s!.ttftMs.p50).toBe(30);
    expect(percentile([], 50)).toBeNull();
  });
});

describe("the bench CLI", () => {
  const output = () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    return lines;
  };

  it("prints a row per request and a summary per model, writes JSON, and exits 0", async () => {
    server = await startTestServer();
    const lines = output();
    const json = join(mkdtempSync(join(tmpdir(), "bench-")), "bench.json");
    expect(await main(["--url", server.url, "--key", KEY, "-n", "2", "--json", json])).toBe(0);
    const text = lines.join("\n");
    expect(text).toMatch(/^MODEL\s+STATUS\s+ms\s+TTFT_ms\s+TOK\/S\s+SNIPPET$/m);
    expect(text.match(/^task:code\s+OK\s/gm)).toHaveLength(2);
    expect(text).toMatch(/^MODEL\s+OK\s+FAIL\s+p50_ms\s+p95_ms\s+p99_ms\s+TTFT_p50\s+TTFT_p95\s+TTFT_p99\s+TOK\/S$/m);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.runs).toHaveLength(6); // every listed model: two routes and one cloud model
    expect(Object.keys(doc.runs[0]).sort()).toEqual(["error", "model", "ok", "outputTokens", "snippet", "status", "tokensPerSecond", "totalMs", "ttftMs"]);
    expect(doc.summary.map((s: { model: string }) => s.model)).toEqual(["task:code", "task:docs", "openai/gpt-4o"]);
  });

  it("shows failed requests as FAIL rows with the reason, and exits 1", async () => {
    server = await startTestServer({ failingModels: ["task:docs"] });
    const lines = output();
    expect(await main(["--url", server.url, "--key", KEY, "-n", "1", "--models", "task:code,task:docs"])).toBe(1);
    expect(lines.join("\n")).toMatch(/^task:docs\s+FAIL\s+\d+\s+-\s+-\s+500 stand-in failure for task:docs$/m);
  });

  it("refuses a bad key or an unreachable gateway with one line and exit code 2", async () => {
    server = await startTestServer();
    await expect(main(["--url", server.url, "--key", "sk-wrong-key-000000"])).rejects.toThrow(/refused the key \(HTTP 401\)/);
    const closed = server.url;
    await server.close();
    server = undefined;
    await expect(main(["--url", closed, "--key", KEY])).rejects.toThrow(ToolError);
    await expect(main([])).rejects.toThrow(/pulumi stack output gatewayUrl/);
    const r = spawnSync(process.execPath, ["--import", "tsx/esm", "tools/bench.ts", "--url", closed, "--key", KEY], { encoding: "utf8", env: { ...process.env, AI_GATEWAY_URL: "" } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([`bench: cannot reach ${closed}: ECONNREFUSED`]);
  });
});
