// A local OpenAI-compatible upstream for `npm run bench:gateway`: streams a fixed answer with a fixed
// time to first token and a fixed gap between tokens, so what differs between a direct request and
// one through the gateway is the gateway alone. Loopback only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface UpstreamShape {
  readonly ttftMs: number;
  readonly tokens: number;
  readonly tokenGapMs: number;
}

export interface Upstream {
  readonly url: string;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startUpstream(shape: UpstreamShape): Promise<Upstream> {
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      if (!req.url?.endsWith("/chat/completions")) {
        res.writeHead(404).end();
        return;
      }
      const model = String((JSON.parse(body || "{}") as { model?: unknown }).model ?? "");
      const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1767225600, model };
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      await sleep(shape.ttftMs);
      for (let i = 0; i < shape.tokens; i++) {
        if (i > 0) await sleep(shape.tokenGapMs);
        res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: i === 0 ? { role: "assistant", content: "tok" } : { content: " tok" }, finish_reason: null }] })}\n\n`);
      }
      const usage = { prompt_tokens: 8, completion_tokens: shape.tokens, total_tokens: 8 + shape.tokens };
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage })}\n\n`);
      res.end("data: [DONE]\n\n");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
