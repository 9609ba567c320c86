// Local stand-ins for the two upstreams LiteLLM talks to: Ollama's native chat API and OpenAI's
// chat completions API. Each can answer, fail with HTTP 500, hang, or refuse connections, and
// records every request it receives. They listen on 127.0.0.1 only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Mode = "answer" | "fail500" | "hang" | "refuse";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: any;
}

export interface StandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  setMode(mode: Mode): Promise<void>;
  /** Answers this long after a request arrives (0: at once). */
  setDelay(ms: number): void;
  /** The most requests it has held at the same time since the last reset. */
  readonly maxInFlight: number;
  resetMaxInFlight(): void;
  close(): Promise<void>;
}

type Handler = (req: RecordedRequest, res: ServerResponse) => void;

async function startStandIn(handler: Handler): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let mode: Mode = "answer";
  let port = 0;
  let delayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* keep the raw text */
      }
      const recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
      requests.push(recorded);
      if (mode === "hang") return; // never answer; the socket is destroyed on close()
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on("close", () => inFlight--);
      const answer = () => {
        if (mode === "fail500") {
          res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "stand-in failure" }));
          return;
        }
        handler(recorded, res);
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const listen = () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });

  await listen();
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async setMode(next) {
      if (next === mode) return;
      if (mode === "refuse") await listen();
      if (next === "refuse") await stop();
      if (mode === "hang") for (const s of sockets) s.destroy();
      mode = next;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    resetMaxInFlight() {
      maxInFlight = inFlight;
    },
    close: () => (mode === "refuse" ? Promise.resolve() : stop()),
  };
}

const words = (model: string, who: string) => [`${who}`, " answer", ` from ${model}`];

/** Speaks /api/chat (NDJSON when streaming, one JSON object otherwise) and /api/show. */
export function startOllamaStandIn(): Promise<StandIn> {
  return startStandIn((req, res) => {
    const model = String(req.body?.model ?? "");
    if (req.path === "/api/show") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ modelfile: "", parameters: "", template: "{{ .Prompt }}", details: { family: "llama", parameter_size: "1B", quantization_level: "Q4_K_M" }, model_info: {}, capabilities: ["completion"] }));
      return;
    }
    if (req.path !== "/api/chat") {
      res.writeHead(404).end();
      return;
    }
    const parts = words(model, "local");
    const done = { model, created_at: "2026-01-01T00:00:00Z", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 7, eval_count: parts.length, total_duration: 1, eval_duration: 1 };
    if (req.body?.stream === false) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...done, message: { role: "assistant", content: parts.join("") } }));
      return;
    }
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (const p of parts) res.write(JSON.stringify({ model, created_at: "2026-01-01T00:00:00Z", message: { role: "assistant", content: p }, done: false }) + "\n");
    res.end(JSON.stringify(done) + "\n");
  });
}

/** Speaks POST /v1/chat/completions, plain JSON or server-sent events. */
export function startOpenAiStandIn(): Promise<StandIn> {
  return startStandIn((req, res) => {
    const model = String(req.body?.model ?? "");
    if (!req.path.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const parts = words(model, "cloud");
    const base = { id: "chatcmpl-standin", created: 1767225600, model };
    const usage = { prompt_tokens: 7, completion_tokens: parts.length, total_tokens: 7 + parts.length };
    if (!req.body?.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: parts.join("") }, finish_reason: "stop" }], usage }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    parts.forEach((p, i) => send({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: i === 0 ? { role: "assistant", content: p } : { content: p }, finish_reason: null }] }));
    send({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage });
    res.end("data: [DONE]\n\n");
  });
}
