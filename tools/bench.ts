// npm run bench -- [--url U] [--key K] [--models a,b] [-n 5] [--concurrency 1] [--prompt P] [--max-tokens N] [--json FILE]
// Streams chat completions through the gateway and measures what LLM users feel: time to first
// token, tokens per second after it, and tail latency.
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { positiveInt, runTool, ToolError } from "./cli.js";
import { percentile, table } from "./format.js";
import { listModels, resolveTarget, streamChat, type GatewayTarget, type StreamResult } from "./gateway.js";
import { mask } from "./mask.js";

export interface BenchOptions {
  readonly models: readonly string[];
  readonly n: number;
  readonly concurrency: number;
  readonly prompt: string;
  readonly maxTokens: number;
}

export interface ModelSummary {
  readonly model: string;
  readonly ok: number;
  readonly failed: number;
  readonly totalMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  readonly ttftMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  readonly meanTokensPerSecond: number | null;
}

export interface BenchResult {
  readonly runs: StreamResult[];
  readonly summary: ModelSummary[];
}

export const BENCH_DEFAULTS = Object.freeze({ n: 5, concurrency: 1, prompt: "Reply with one short sentence about the sea.", maxTokens: 64 });

export function summarize(models: readonly string[], runs: readonly StreamResult[]): ModelSummary[] {
  const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99) });
  return models.map((model) => {
    const mine = runs.filter((r) => r.model === model);
    const ok = mine.filter((r) => r.ok);
    const tps = ok.map((r) => r.tokensPerSecond).filter((x): x is number => x !== null);
    return {
      model,
      ok: ok.length,
      failed: mine.length - ok.length,
      totalMs: stats(ok.map((r) => r.totalMs)),
      ttftMs: stats(ok.map((r) => r.ttftMs!)),
      meanTokensPerSecond: tps.length ? tps.reduce((a, b) => a + b, 0) / tps.length : null,
    };
  });
}

/** Runs n requests per model, at most `concurrency` at a time, in a stable order (model by model). */
export async function runBench(t: GatewayTarget, o: BenchOptions, onResult: (r: StreamResult, done: number, total: number) => void = () => {}): Promise<BenchResult> {
  const jobs = o.models.flatMap((m) => Array.from({ length: o.n }, () => m));
  const runs: StreamResult[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      runs[i] = await streamChat(t, jobs[i]!, { prompt: o.prompt, maxTokens: o.maxTokens });
      onResult(runs[i]!, ++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, jobs.length) }, worker));
  return { runs, summary: summarize(o.models, runs) };
}

const ms = (x: number | null) => (x === null ? "-" : x.toFixed(0));
const rate = (x: number | null) => (x === null ? "-" : x.toFixed(1));

export function formatRuns(runs: readonly StreamResult[]): string {
  return table(
    ["MODEL", "STATUS", "ms", "TTFT_ms", "TOK/S", "SNIPPET"],
    runs.map((r) => [r.model, r.ok ? "OK" : "FAIL", ms(r.totalMs), ms(r.ttftMs), rate(r.tokensPerSecond), r.ok ? r.snippet : `${r.status || "-"} ${r.error ?? ""}`.trim()]),
  );
}

export function formatSummary(summary: readonly ModelSummary[]): string {
  return table(
    ["MODEL", "OK", "FAIL", "p50_ms", "p95_ms", "p99_ms", "TTFT_p50", "TTFT_p95", "TTFT_p99", "TOK/S"],
    summary.map((s) => [
      s.model, String(s.ok), String(s.failed),
      ms(s.totalMs.p50), ms(s.totalMs.p95), ms(s.totalMs.p99),
      ms(s.ttftMs.p50), ms(s.ttftMs.p95), ms(s.ttftMs.p99),
      rate(s.meanTokensPerSecond),
    ]),
  );
}

const usage = `Usage: npm run bench -- [options]

  --url URL            gateway URL (or AI_GATEWAY_URL)
  --key KEY            gateway key (or AI_GATEWAY_KEY)
  --models a,b         models to bench (default: every route and cloud model the gateway lists)
  -n N                 requests per model (default ${BENCH_DEFAULTS.n})
  --concurrency C      requests in flight at once (default ${BENCH_DEFAULTS.concurrency})
  --prompt TEXT        prompt to send
  --max-tokens N       max_tokens per answer (default ${BENCH_DEFAULTS.maxTokens})
  --json FILE          also write runs and summary as JSON
  -h, --help           this text

Exit code: 0 all requests succeeded, 1 some failed, 2 the gateway could not be used.`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      models: { type: "string" },
      n: { type: "string", short: "n" },
      concurrency: { type: "string" },
      prompt: { type: "string" },
      "max-tokens": { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const target = resolveTarget(values);
  // Also refuses an unreachable gateway or a bad key before any benching starts.
  const listed = (await listModels(target)).ids;
  const models = values.models ? values.models.split(",").map((m) => m.trim()).filter(Boolean) : listed;
  if (models.length === 0) throw new ToolError("the gateway lists no models, and --models was not given");
  const opts: BenchOptions = {
    models,
    n: positiveInt("-n", values.n, BENCH_DEFAULTS.n),
    concurrency: positiveInt("--concurrency", values.concurrency, BENCH_DEFAULTS.concurrency),
    prompt: values.prompt ?? BENCH_DEFAULTS.prompt,
    maxTokens: positiveInt("--max-tokens", values["max-tokens"], BENCH_DEFAULTS.maxTokens),
  };
  const result = await runBench(target, opts, (r, done, total) => {
    process.stderr.write(`\r[${done}/${total}] ${r.model} ${r.ok ? "OK" : "FAIL"}${done === total ? "\n" : ""}`);
  });
  const secrets = [target.key];
  console.log(mask(formatRuns(result.runs), secrets));
  console.log("");
  console.log(mask(formatSummary(result.summary), secrets));
  if (values.json) writeFileSync(values.json, mask(JSON.stringify(result, null, 2), secrets) + "\n");
  return result.runs.every((r) => r.ok) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) runTool("bench", () => main(process.argv.slice(2)));
