// npm run bench:gateway -- [--requests N] [--concurrency 1,16] [--workers 1,2] [--ttft-ms MS] [--tokens N] [--token-gap-ms MS] [--json FILE]
// What the gateway itself costs: a local OpenAI-compatible upstream with a fixed shape, and the real
// LiteLLM (the pinned release, from PyPI) with this project's rendered config in front of it. The
// same streamed requests go straight to the upstream and through LiteLLM, at each concurrency, and
// the table gives the time LiteLLM adds to the first token and to the whole answer (p50, p95), and
// the throughput of each path.
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { readStackConfig } from "../config/stackYaml.js";
import { validateStackConfig } from "../config/validate.js";
import { renderLiteLlmConfig } from "../renderers/litellm.js";
import { positiveInt, runTool, ToolError } from "./cli.js";
import { percentile, table } from "./format.js";
import { streamChat, type GatewayTarget, type StreamResult } from "./gateway.js";
import { ensureLiteLlmVenv, pinnedLiteLlmVersion, startProxy } from "./litellmProxy.js";
import { startUpstream, type UpstreamShape } from "./upstreamStandIn.js";

const MASTER_KEY = "sk-bench-master-0123456789";
const MODEL = "openai/gpt-4o";
const CHAT = { prompt: "Reply with one short sentence about the sea.", maxTokens: 64, timeoutMs: 120_000 };

export interface PathStats {
  readonly ttftP50: number;
  readonly ttftP95: number;
  readonly totalP50: number;
  readonly totalP95: number;
  readonly requestsPerSecond: number;
  readonly failed: number;
}

export interface BenchRow {
  readonly workers: number;
  readonly concurrency: number;
  readonly direct: PathStats;
  readonly gateway: PathStats;
}

/** Runs n requests, at most `concurrency` at a time, and summarizes them. */
export async function measure(target: GatewayTarget, model: string, n: number, concurrency: number): Promise<PathStats> {
  const results: StreamResult[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        next++;
        results.push(await streamChat(target, model, CHAT));
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const ok = results.filter((r) => r.ok && r.ttftMs !== null);
  const ttft = ok.map((r) => r.ttftMs!);
  const total = ok.map((r) => r.totalMs);
  const p = (v: number[], q: number) => percentile(v, q) ?? Number.NaN;
  return { ttftP50: p(ttft, 50), ttftP95: p(ttft, 95), totalP50: p(total, 50), totalP95: p(total, 95), requestsPerSecond: ok.length / seconds, failed: results.length - ok.length };
}

/** The project's rendered LiteLLM config (the dev stack, with its cloud model), as a container with `workers` gets it. */
function renderedConfig(workers: number): string {
  const raw = readStackConfig(".", "dev");
  const config = validateStackConfig({ ...raw, values: { ...raw.values, openaiApiKey: "sk-bench" }, secretKeys: new Set(["openaiApiKey"]) });
  return renderLiteLlmConfig({
    routes: config.routes,
    cloudModels: config.cloudModels,
    localModels: config.ollama.models,
    aliases: config.aliases,
    ollamaApiBase: "http://127.0.0.1:9",
    routingStrategy: config.routingStrategy,
    workers,
  });
}

const ms = (v: number) => (Number.isNaN(v) ? "-" : v.toFixed(1));

export function formatRows(rows: readonly BenchRow[]): string {
  return table(
    ["workers", "conc.", "TTFT added p50/p95 ms", "total added p50/p95 ms", "direct TTFT p50 ms", "gateway TTFT p50/p95 ms", "req/s direct", "req/s gateway", "failed"],
    rows.map((r) => [
      String(r.workers),
      String(r.concurrency),
      `${ms(r.gateway.ttftP50 - r.direct.ttftP50)} / ${ms(r.gateway.ttftP95 - r.direct.ttftP95)}`,
      `${ms(r.gateway.totalP50 - r.direct.totalP50)} / ${ms(r.gateway.totalP95 - r.direct.totalP95)}`,
      ms(r.direct.ttftP50),
      `${ms(r.gateway.ttftP50)} / ${ms(r.gateway.ttftP95)}`,
      r.direct.requestsPerSecond.toFixed(1),
      r.gateway.requestsPerSecond.toFixed(1),
      String(r.direct.failed + r.gateway.failed),
    ]),
  );
}

const list = (flag: string, v: string) =>
  v.split(",").map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 1) throw new ToolError(`${flag} takes whole numbers from 1, separated by commas; got ${JSON.stringify(v)}`);
    return n;
  });

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: "string", default: "64" },
      concurrency: { type: "string", default: "1,16" },
      workers: { type: "string", default: "1" },
      "ttft-ms": { type: "string", default: "50" },
      tokens: { type: "string", default: "32" },
      "token-gap-ms": { type: "string", default: "5" },
      json: { type: "string" },
    },
  });
  const n = positiveInt("--requests", values.requests, 64);
  const shape: UpstreamShape = { ttftMs: positiveInt("--ttft-ms", values["ttft-ms"], 50), tokens: positiveInt("--tokens", values.tokens, 32), tokenGapMs: positiveInt("--token-gap-ms", values["token-gap-ms"], 5) };
  const version = pinnedLiteLlmVersion();
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; LiteLLM ${version}`);
  console.log(`upstream: first token after ${shape.ttftMs} ms, ${shape.tokens} tokens ${shape.tokenGapMs} ms apart; ${n} streamed requests per path and concurrency\n`);
  const bin = ensureLiteLlmVenv(version);
  const upstream = await startUpstream(shape);
  const rows: BenchRow[] = [];
  try {
    for (const workers of list("--workers", values.workers!)) {
      const proxy = await startProxy(bin, renderedConfig(workers), { LITELLM_MASTER_KEY: MASTER_KEY, OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: `${upstream.url}/v1` }, workers);
      try {
        const direct: GatewayTarget = { url: upstream.url, key: "sk-bench" };
        const gateway: GatewayTarget = { url: proxy.url, key: MASTER_KEY };
        // Warm both paths: LiteLLM sets up its OpenAI client on the first call of each worker.
        await measure(gateway, MODEL, 4 * workers, workers);
        await measure(direct, MODEL.slice("openai/".length), 4, 1);
        for (const concurrency of list("--concurrency", values.concurrency!)) {
          const d = await measure(direct, MODEL.slice("openai/".length), n, concurrency);
          const g = await measure(gateway, MODEL, n, concurrency);
          rows.push({ workers, concurrency, direct: d, gateway: g });
          console.log(formatRows([rows.at(-1)!]).split("\n").at(-1));
        }
      } finally {
        await proxy.stop();
      }
    }
  } finally {
    await upstream.close();
  }
  console.log(`\n${formatRows(rows)}`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ shape, requests: n, cpus: cpus().length, litellm: version, rows }, null, 2) + "\n");
  return rows.some((r) => r.direct.failed + r.gateway.failed > 0) ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) runTool("bench:gateway", () => main(process.argv.slice(2)));
