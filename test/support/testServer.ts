// A local stand-in for a deployed stack, for the bench/evidence/pr-body tests: an OpenAI-compatible
// gateway that streams with controlled delays (and can fail, hang or refuse the key), plus the few
// endpoints of Prometheus, Grafana, Loki and Qdrant the evidence tool reads. Loopback only.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ServerBehaviour {
  /** Delay before the first content chunk. */
  ttftMs: number;
  /** Delay between content chunks. */
  tokenDelayMs: number;
  tokens: number;
  /** Send a final chunk with `usage` (OpenAI's stream_options.include_usage). */
  usage: boolean;
  /** completion_tokens reported in `usage`, when it should differ from the chunks sent. */
  usageTokens?: number;
  mode: "ok" | "fail500" | "hang" | "unauthorized";
  /** Models for which requests fail with 500 even when mode is ok. */
  failingModels: string[];
  models: string[];
  /** A line planted in the gateway's /metrics/ output, e.g. to prove it is masked. */
  metricsExtra: string;
  lokiLines: string[];
  /** ai_gateway_backup_last_success_timestamp_seconds, or null for none. */
  lastBackup: number | null;
}

export interface TestServer {
  readonly url: string;
  readonly behaviour: ServerBehaviour;
  maxInFlight: number;
  requests: number;
  close(): Promise<void>;
}

export const KEY = "sk-test-gateway-key-0123456789";
/** The fixed clock of the evidence tests: 2026-01-01T00:00:00Z. */
export const NOW_SECONDS = 1767225600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startTestServer(patch: Partial<ServerBehaviour> = {}): Promise<TestServer> {
  const behaviour: ServerBehaviour = {
    ttftMs: 0,
    tokenDelayMs: 0,
    tokens: 5,
    usage: true,
    mode: "ok",
    failingModels: [],
    models: ["task:code", "task:docs", "openai/gpt-4o"],
    metricsExtra: "",
    lokiLines: ["line one", "line two"],
    lastBackup: NOW_SECONDS - 3600,
    ...patch,
  };
  let inFlight = 0;
  const hanging = new Set<ServerResponse>();
  const state = { maxInFlight: 0, requests: 0 };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const authed = req.headers.authorization === `Bearer ${KEY}` && behaviour.mode !== "unauthorized";

    switch (url.pathname) {
      case "/-/healthy":
        return res.writeHead(200).end("Prometheus Server is Healthy.\n");
      case "/api/health":
        return json(200, { database: "ok", version: "13.2.0" });
      case "/api/v1/query":
        return json(200, { status: "success", data: { resultType: "vector", result: behaviour.lastBackup === null ? [] : [{ metric: {}, value: [1767225600, String(behaviour.lastBackup)] }] } });
      case "/readyz":
        return res.writeHead(200).end("all shards are ready");
      case "/loki/api/v1/query_range":
        return json(200, { status: "success", data: { resultType: "streams", result: [{ stream: { service: "litellm" }, values: behaviour.lokiLines.map((l, i) => [`17000000000000000${i}`, l]) }] } });
    }
    if (!authed) return json(401, { error: { message: "Authentication Error, invalid key", type: "auth_error" } });
    if (url.pathname === "/v1/models") return json(200, { object: "list", data: behaviour.models.map((id) => ({ id, object: "model" })) });
    if (url.pathname === "/metrics/") return res.writeHead(200).end(`litellm_proxy_total_requests_metric_total{requested_model="task:code"} 3.0\n${behaviour.metricsExtra}\n`);
    if (url.pathname !== "/v1/chat/completions") return json(404, { error: "not found" });

    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { model: string; stream?: boolean };
    state.requests++;
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      if (behaviour.mode === "hang") {
        hanging.add(res);
        await new Promise((r) => res.on("close", r));
        return;
      }
      if (behaviour.mode === "fail500" || behaviour.failingModels.includes(body.model)) return json(500, { error: { message: `stand-in failure for ${body.model}` } });
      const words = Array.from({ length: behaviour.tokens }, (_, i) => `w${i} `);
      if (!body.stream) {
        return json(200, { object: "chat.completion", model: body.model, choices: [{ index: 0, message: { role: "assistant", content: words.join("") } }] });
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      await sleep(behaviour.ttftMs);
      for (let i = 0; i < words.length; i++) {
        if (i > 0 && behaviour.tokenDelayMs) await sleep(behaviour.tokenDelayMs);
        send({ object: "chat.completion.chunk", model: body.model, choices: [{ index: 0, delta: { content: words[i] } }] });
      }
      send({ object: "chat.completion.chunk", model: body.model, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
      if (behaviour.usage) send({ object: "chat.completion.chunk", model: body.model, choices: [], usage: { prompt_tokens: 3, completion_tokens: behaviour.usageTokens ?? behaviour.tokens, total_tokens: 3 + (behaviour.usageTokens ?? behaviour.tokens) } });
      res.end("data: [DONE]\n\n");
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    behaviour,
    get maxInFlight() {
      return state.maxInFlight;
    },
    set maxInFlight(v: number) {
      state.maxInFlight = v;
    },
    get requests() {
      return state.requests;
    },
    set requests(v: number) {
      state.requests = v;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const h of hanging) h.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
