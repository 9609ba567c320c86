// What the bench, evidence and pr-body tools share: where the stack is, how to talk to the gateway,
// how to measure a streamed answer, and how to keep secrets out of anything they print.
import { runPulumi } from "./pulumiCli.js";

/** A problem that ends a tool with one line on stderr and exit code 2, never a stack trace. */
export class ToolError extends Error {
  override readonly name = "ToolError";
}

export interface GatewayTarget {
  readonly url: string;
  readonly key: string;
}

export const HOW_TO_GET_TARGET = [
  "Pass --url and --key, or set AI_GATEWAY_URL and AI_GATEWAY_KEY. From a deployed stack:",
  "  export AI_GATEWAY_URL=$(npx pulumi stack output gatewayUrl)",
  "  export AI_GATEWAY_KEY=$(npx pulumi stack output --show-secrets masterKey)",
].join("\n");

export function resolveTarget(flags: { url?: string | undefined; key?: string | undefined }, env: NodeJS.ProcessEnv = process.env): GatewayTarget {
  const url = flags.url ?? env["AI_GATEWAY_URL"];
  const key = flags.key ?? env["AI_GATEWAY_KEY"];
  if (!url || !key) throw new ToolError(`no gateway ${!url ? "URL" : "key"} given.\n${HOW_TO_GET_TARGET}`);
  return { url: url.replace(/\/+$/, ""), key };
}

/** Stack outputs through the Pulumi CLI, when it is installed; undefined otherwise. */
export function stackOutputs(stack: string | undefined): Record<string, unknown> | undefined {
  const args = ["stack", "output", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])];
  const r = runPulumi(args, { capture: true });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

// LiteLLM master keys and OpenAI keys both start with sk-; keep a short prefix and the last four.
const SECRET_SHAPE = /sk-[A-Za-z0-9_-]{8,}/g;

/** Masks every `sk-…` string and every given secret value. */
export function mask(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("<masked>");
  return out.replace(SECRET_SHAPE, (m) => `sk-…${m.slice(-4)}`);
}

/** `set (sk-…abcd)` or `missing`: proof that a key is there without printing it. */
export function describeKey(value: string | undefined): string {
  const v = value?.trim();
  if (!v) return "missing";
  return `set (${v.startsWith("sk-") ? "sk-" : ""}…${v.slice(-4)})`;
}

/** Why a fetch failed, in a word when possible: ECONNREFUSED, ENOTFOUND, "timed out". */
export function fetchFailure(e: unknown): string {
  if ((e as Error).name === "TimeoutError") return "timed out";
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

async function request(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) });
  } catch (e) {
    throw new ToolError(`cannot reach ${new URL(url).origin}: ${fetchFailure(e)}`);
  }
}

/** True when the gateway refused the key: 401, or LiteLLM's 400 "No connected db." for an unknown key. */
function isAuthRefusal(status: number, body: string): boolean {
  return status === 401 || status === 403 || (status === 400 && /No connected db|auth/i.test(body));
}

export async function listModels(t: GatewayTarget): Promise<string[]> {
  const r = await request(`${t.url}/v1/models`, { headers: { authorization: `Bearer ${t.key}` } });
  const body = await r.text();
  if (isAuthRefusal(r.status, body)) throw new ToolError(`the gateway at ${t.url} refused the key (HTTP ${r.status}); check --key or AI_GATEWAY_KEY`);
  if (r.status !== 200) throw new ToolError(`GET ${t.url}/v1/models answered HTTP ${r.status}: ${mask(body.slice(0, 200), [t.key])}`);
  return ((JSON.parse(body) as { data: { id: string }[] }).data ?? []).map((m) => m.id);
}

/** Route names never contain "/"; cloud model ids always do ("openai/..."). */
export const isRoute = (id: string) => !id.includes("/");

export interface StreamResult {
  readonly model: string;
  readonly ok: boolean;
  readonly status: number;
  readonly totalMs: number;
  readonly ttftMs: number | null;
  readonly outputTokens: number;
  readonly tokensPerSecond: number | null;
  readonly snippet: string;
  readonly error: string | null;
}

export interface ChatOptions {
  readonly prompt: string;
  readonly maxTokens: number;
  readonly timeoutMs?: number;
}

/**
 * One streamed chat completion, measured: time to the first content chunk, total time, output tokens
 * (from `usage` when the server sends it, else one per content chunk) and tokens per second after the
 * first token. Failures come back as results, not exceptions.
 */
export async function streamChat(t: GatewayTarget, model: string, o: ChatOptions): Promise<StreamResult> {
  const t0 = performance.now();
  const fail = (status: number, error: string): StreamResult => ({
    model, ok: false, status, totalMs: performance.now() - t0, ttftMs: null, outputTokens: 0, tokensPerSecond: null, snippet: "", error,
  });
  let res: Response;
  try {
    res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, max_tokens: o.maxTokens, messages: [{ role: "user", content: o.prompt }] }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 120_000),
    });
  } catch (e) {
    return fail(0, fetchFailure(e));
  }
  if (res.status !== 200 || !res.body) {
    const body = await res.text().catch(() => "");
    return fail(res.status, errorMessage(body) ?? `HTTP ${res.status}`);
  }

  let ttft: number | null = null;
  let chunks = 0;
  let usageTokens: number | undefined;
  let text = "";
  let streamError: string | null = null;
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(part, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[]; usage?: { completion_tokens?: number }; error?: unknown };
        if (chunk.error) streamError = errorMessage(JSON.stringify(chunk)) ?? "error in stream";
        const content = chunk.choices?.[0]?.delta?.content;
        if (content) {
          if (ttft === null) ttft = performance.now() - t0;
          chunks++;
          if (text.length < 200) text += content;
        }
        if (chunk.usage?.completion_tokens !== undefined) usageTokens = chunk.usage.completion_tokens;
      }
    }
  } catch (e) {
    streamError = fetchFailure(e);
  }
  const totalMs = performance.now() - t0;
  const outputTokens = usageTokens ?? chunks;
  const genMs = ttft === null ? 0 : totalMs - ttft;
  const ok = streamError === null && ttft !== null;
  return {
    model,
    ok,
    status: res.status,
    totalMs,
    ttftMs: ttft,
    outputTokens,
    tokensPerSecond: outputTokens > 1 && genMs > 0 ? ((outputTokens - 1) * 1000) / genMs : null,
    snippet: text.replace(/\s+/g, " ").trim().slice(0, 40),
    error: ok ? null : streamError ?? "no content in the answer",
  };
}

function errorMessage(body: string): string | undefined {
  try {
    const e = (JSON.parse(body) as { error?: { message?: string } | string }).error;
    const msg = typeof e === "string" ? e : e?.message;
    return msg ? msg.replace(/\s+/g, " ").slice(0, 120) : undefined;
  } catch {
    return body ? body.replace(/\s+/g, " ").slice(0, 120) : undefined;
  }
}

/** Linear interpolation between closest ranks (numpy's default); null for no data. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const idx = (p / 100) * (s.length - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return s[lo]! + (s[hi]! - s[lo]!) * (idx - lo);
}

/** Left-aligned columns, for terminals and code blocks alike. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 2))).join("").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** Runs a tool's main: ToolError → one line and exit 2; anything else is a bug and keeps its trace. */
export function runTool(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof ToolError || (e instanceof Error && String((e as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS"))) {
        console.error(`${name}: ${e.message}`);
        process.exitCode = 2;
      } else {
        throw e;
      }
    },
  );
}
