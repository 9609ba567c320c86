// The gateway client: where the gateway is, and how to talk to it. Whatever the server answers —
// an error page, a proxy's login form, JSON of another shape, a body that stalls or never ends —
// comes back as a ToolError (one line, exit code 2) or a failed StreamResult, never a crash.
import { ToolError } from "./cli.js";
import { mask } from "./mask.js";
import { runPulumi } from "./pulumiCli.js";

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
export function stackOutputs(stack: string | undefined, showSecrets = true): Record<string, unknown> | undefined {
  const args = ["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : []), ...(stack ? ["--stack", stack] : [])];
  const r = runPulumi(args, { capture: true });
  if (r.status !== 0) return undefined;
  try {
    const outputs: unknown = JSON.parse(r.stdout);
    return typeof outputs === "object" && outputs !== null && !Array.isArray(outputs) ? (outputs as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A failed exchange. `failure` is set when the exchange broke (ECONNREFUSED, timed out) and `answer`
 * when the server answered, so a report can show what it got rather than only this sentence.
 */
export class GatewayError extends ToolError {
  constructor(
    message: string,
    readonly seen: { readonly failure?: string; readonly answer?: Answer } = {},
  ) {
    super(message);
  }
}

/** Why a fetch failed, in a word when possible: ECONNREFUSED, ENOTFOUND, "timed out". */
export function fetchFailure(e: unknown): string {
  if ((e as Error).name === "TimeoutError") return "timed out";
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface Limits {
  /** For the whole exchange, body included: a server that sends headers and then stalls is caught too. */
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Far above any real model list, far below what would hurt to hold in memory. */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

const seconds = (ms: number) => `${ms / 1000} s`;
const bytes = (n: number) => (n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KB` : `${n} bytes`);

/** The first `n` characters on one line, so a quoted answer cannot break the one-line error. */
export function head(text: string, n = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (!flat) return "(empty)";
  return flat.length > n ? `${flat.slice(0, n)}…` : flat;
}

/** Reads a body piece by piece, so an endless one is cut at the limit instead of filling memory. */
async function readBody(res: Response, what: string, maxBytes: number, timeoutMs: number): Promise<string> {
  const tooBig = () => new GatewayError(`${what}: the answer is over the ${bytes(maxBytes)} limit; stopped reading`);
  if (Number(res.headers.get("content-length")) > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooBig();
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        // Cancelling closes the connection; waiting for it would let a slow server hold us.
        void reader.cancel().catch(() => {});
        throw tooBig();
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof ToolError) throw e;
    const failure = fetchFailure(e);
    const why = failure === "timed out" ? `the answer stalled; nothing complete within ${seconds(timeoutMs)}` : `the answer broke off: ${failure}`;
    throw new GatewayError(`${what}: ${why}`, { failure });
  }
  return Buffer.concat(parts).toString("utf8");
}

/** One HTTP exchange with a deadline and a size cap; every way it can go wrong is a GatewayError. */
export async function request(url: string, init: RequestInit & Limits = {}): Promise<Answer> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, maxBytes = DEFAULT_MAX_BYTES, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const failure = fetchFailure(e);
    throw new GatewayError(`cannot reach ${new URL(url).origin}: ${failure}`, { failure });
  }
  const body = await readBody(res, `${rest.method ?? "GET"} ${url}`, maxBytes, timeoutMs);
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body };
}

/** True when the gateway refused the key: 401, or LiteLLM's 400 "No connected db." for an unknown key. */
function isAuthRefusal(status: number, body: string): boolean {
  return status === 401 || status === 403 || (status === 400 && /No connected db|auth/i.test(body));
}

export interface ModelList {
  readonly ids: string[];
  /** The answer as the gateway sent it, for evidence. */
  readonly body: string;
}

const MODELS_SHAPE = '{"data":[{"id":...}]}';

/** The ids of an OpenAI-style model list, or undefined for any other shape. */
function modelIds(json: unknown): string[] | undefined {
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  const ids = data.map((m) => (m as { id?: unknown } | null)?.id);
  return ids.every((id): id is string => typeof id === "string") ? ids : undefined;
}

export async function listModels(t: GatewayTarget, limits: Limits = {}): Promise<ModelList> {
  const url = `${t.url}/v1/models`;
  const answer = await request(url, { headers: { authorization: `Bearer ${t.key}` }, ...limits });
  const { status, contentType, body } = answer;
  const fail = (message: string) => new GatewayError(mask(message, [t.key]), { answer });
  // Masked before cutting, so a key across the cut cannot leak its first half.
  const start = (n?: number) => head(mask(body, [t.key]), n);
  if (isAuthRefusal(status, body)) throw fail(`the gateway at ${t.url} refused the key (HTTP ${status}); check --key or AI_GATEWAY_KEY`);
  if (status !== 200) throw fail(`GET ${url} answered HTTP ${status}: ${start(200)}`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw fail(`GET ${url} did not answer JSON (HTTP ${status}, content-type ${contentType || "none"}): ${start()}`);
  }
  const ids = modelIds(json);
  if (!ids) throw fail(`GET ${url} answered JSON of another shape: expected ${MODELS_SHAPE}, got ${start()}`);
  return { ids, body };
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

interface Chunk {
  choices?: { delta?: { content?: unknown } }[];
  usage?: { completion_tokens?: unknown };
  error?: unknown;
}

/** An SSE line longer than this is no chat chunk; stop rather than buffer it without end. */
const MAX_LINE = 1024 * 1024;

/**
 * One streamed chat completion, measured: time to the first content chunk, total time, output tokens
 * (from `usage` when the server sends it, else one per content chunk) and tokens per second after the
 * first token. Failures come back as results, not exceptions.
 */
export async function streamChat(t: GatewayTarget, model: string, o: ChatOptions): Promise<StreamResult> {
  const t0 = performance.now();
  const timeoutMs = o.timeoutMs ?? 120_000;
  const fail = (status: number, error: string): StreamResult => ({
    model, ok: false, status, totalMs: performance.now() - t0, ttftMs: null, outputTokens: 0, tokensPerSecond: null, snippet: "", error: mask(error, [t.key]),
  });
  let res: Response;
  try {
    res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, max_tokens: o.maxTokens, messages: [{ role: "user", content: o.prompt }] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    return fail(0, fetchFailure(e));
  }
  if (res.status !== 200 || !res.body) {
    const body = await readBody(res, "", 64 * 1024, timeoutMs).catch(() => "");
    return fail(res.status, errorMessage(body) ?? `HTTP ${res.status}`);
  }

  let ttft: number | null = null;
  let chunks = 0;
  let usageTokens: number | undefined;
  let text = "";
  let streamError: string | null = null;
  const decoder = new TextDecoder();
  let buffer = "";
  const stream = res.body as unknown as AsyncIterable<Uint8Array>;
  try {
    // Leaving the loop early (a malformed line) cancels the stream and closes the connection.
    read: for await (const part of stream) {
      buffer += decoder.decode(part, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") continue;
        const chunk = parseChunk(data);
        if (!chunk) {
          streamError = `malformed stream line, not a JSON object: ${head(mask(data, [t.key]))}`;
          break read;
        }
        if (chunk.error) streamError = errorMessage(JSON.stringify(chunk)) ?? "error in stream";
        const content = Array.isArray(chunk.choices) ? chunk.choices[0]?.delta?.content : undefined;
        if (typeof content === "string" && content) {
          if (ttft === null) ttft = performance.now() - t0;
          chunks++;
          if (text.length < 200) text += content;
        }
        if (typeof chunk.usage?.completion_tokens === "number") usageTokens = chunk.usage.completion_tokens;
      }
      if (buffer.length > MAX_LINE) {
        streamError = `a stream line over ${bytes(MAX_LINE)}`;
        break;
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
    error: ok ? null : mask(streamError ?? "no content in the answer", [t.key]),
  };
}

function parseChunk(data: string): Chunk | undefined {
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Chunk) : undefined;
  } catch {
    return undefined;
  }
}

/** The `error.message` (or `error`) of a JSON error body, else the body's start; one line either way. */
export function errorMessage(body: string): string | undefined {
  try {
    const e = (JSON.parse(body) as { error?: { message?: string } | string } | null)?.error;
    const msg = typeof e === "string" ? e : e?.message;
    return typeof msg === "string" && msg ? msg.replace(/\s+/g, " ").slice(0, 120) : undefined;
  } catch {
    return body ? body.replace(/\s+/g, " ").slice(0, 120) : undefined;
  }
}
