// The gateway client against servers that answer badly: each bad answer must be a ToolError with a
// one-line message (exit code 2 from a tool), or a failed StreamResult, never a crash.
import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../tools/cli.js";
import { collectEvidence } from "../../../tools/evidence.js";
import { listModels, streamChat } from "../../../tools/gateway.js";

const KEY = "sk-test-gateway-key-0123456789";
const LOGIN_PAGE = `<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><form action="/login">token ${KEY}</form>${"<p>padding</p>".repeat(20)}</body></html>`;

interface Stub {
  readonly url: string;
  close(): Promise<void>;
}
let stub: Stub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

/** A server on 127.0.0.1 that answers every request with `handle`. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Stub> {
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const answer = (contentType: string, body: string) => serve((_req, res) => res.writeHead(200, { "content-type": contentType }).end(body));

/** The error listModels rejects with, checked to be a one-line ToolError. */
async function listingError(url: string, limits = {}): Promise<string> {
  const e: unknown = await listModels({ url, key: KEY }, limits).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ToolError);
  const message = (e as ToolError).message;
  expect(message).not.toContain("\n");
  return message;
}

describe("listModels against a bad answer", () => {
  it("refuses an HTML page served with 200, showing its content-type and start, masked", async () => {
    stub = await answer("text/html; charset=utf-8", LOGIN_PAGE);
    const message = await listingError(stub.url);
    expect(message).toBe(
      `GET ${stub.url}/v1/models did not answer JSON (HTTP 200, content-type text/html; charset=utf-8): <!DOCTYPE html> <html><head><title>Sign in</title></head> <body><form action="/l…`,
    );
    await stub.close();
    // The key straddles the 80-character cut: masking comes first, so not even its start shows.
    stub = await answer("text/html", `${"x".repeat(70)} ${KEY}`);
    expect(await listingError(stub.url)).toMatch(/: x{70} <masked>$/);
  });

  it("refuses JSON of another shape, saying which shape it expected", async () => {
    for (const body of ['{"data":"oops"}', '{"data":[{"name":1}]}', "[]", "null", '{"object":"list"}']) {
      stub = await answer("application/json", body);
      expect(await listingError(stub.url)).toBe(`GET ${stub.url}/v1/models answered JSON of another shape: expected {"data":[{"id":...}]}, got ${body}`);
      await stub.close();
      stub = undefined;
    }
  });

  it("gives up on a body that stalls after the headers, after the timeout", async () => {
    stub = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"data":[');
    });
    const t0 = performance.now();
    expect(await listingError(stub.url, { timeoutMs: 300 })).toBe(`GET ${stub.url}/v1/models: the answer stalled; nothing complete within 0.3 s`);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it("stops reading a body over the 5 MB limit, endless or declared", async () => {
    let sent = 0;
    stub = await serve((_req, res) => {
      // Never ends on its own: only a client that stops at the limit gets an answer.
      res.writeHead(200, { "content-type": "application/json" });
      const piece = Buffer.alloc(64 * 1024, " ");
      const pump = () => {
        while (!res.destroyed && res.write(piece)) sent += piece.length;
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    expect(await listingError(stub.url)).toBe(`GET ${stub.url}/v1/models: the answer is over the 5 MB limit; stopped reading`);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    await stub.close();
    stub = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json", "content-length": String(6 * 1024 * 1024) }).end());
    expect(await listingError(stub.url, { maxBytes: 64 * 1024 })).toBe(`GET ${stub.url}/v1/models: the answer is over the 64 KB limit; stopped reading`);
  });
});

describe("streamChat against a bad stream", () => {
  it("turns a data: line that is not JSON into a failed result", async () => {
    stub = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: "hi" } }] })}\n\n`);
      res.end("data: <html>502 Bad Gateway</html>\n\ndata: [DONE]\n\n");
    });
    const r = await streamChat({ url: stub.url, key: KEY }, "task:code", { prompt: "hi", maxTokens: 8 });
    expect(r).toMatchObject({ ok: false, status: 200, error: "malformed stream line, not a JSON object: <html>502 Bad Gateway</html>" });
    const nulls = await serve((_req, res) => res.writeHead(200, { "content-type": "text/event-stream" }).end("data: null\n\n"));
    const n = await streamChat({ url: nulls.url, key: KEY }, "m", { prompt: "hi", maxTokens: 8 });
    await nulls.close();
    expect(n).toMatchObject({ ok: false, error: "malformed stream line, not a JSON object: null" });
  });
});

describe("evidence against an HTML-answering gateway", () => {
  it("fails its sections with the reason instead of throwing", async () => {
    stub = await answer("text/html", LOGIN_PAGE);
    const path = process.env["PATH"];
    process.env["PATH"] = "/nonexistent"; // no docker: its sections fail fast and alike everywhere
    try {
      const e = await collectEvidence({ target: { url: stub.url, key: KEY }, stack: null, container: "c", prometheusUrl: stub.url, lokiUrl: stub.url, benchN: 1, secrets: [], now: Date.now });
      const byId = Object.fromEntries(e.sections.map((s) => [s.id, s]));
      expect(byId["models"]).toMatchObject({ status: "FAIL", output: expect.stringMatching(/^GET .* did not answer JSON \(HTTP 200, content-type text\/html\)/) });
      expect(byId["loki-logs"]).toMatchObject({ status: "FAIL", output: expect.stringMatching(/^HTTP 200\nunexpected answer: /) });
      expect(byId["backup"]!.status).toBe("FAIL");
      expect(JSON.stringify(e)).not.toContain(KEY);
    } finally {
      process.env["PATH"] = path;
    }
  });
});

describe("a tool run against an HTML-answering gateway", () => {
  it("ends with one line on stderr and exit code 2, no stack trace", async () => {
    stub = await answer("text/html", LOGIN_PAGE);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;
    // Asynchronous, unlike spawnSync: the stand-in answers from this process's event loop.
    const r = await promisify(execFile)(process.execPath, ["--import", tsx, resolve("tools/bench.ts"), "--url", stub.url, "--key", "k"], { encoding: "utf8" }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bench: GET http:\/\/127\.0\.0\.1:\d+\/v1\/models did not answer JSON \(HTTP 200, content-type text\/html\): <!DOCTYPE html>/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
