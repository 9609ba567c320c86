// Real HTTPS through the real Caddy, run with the rendered Caddyfile in front of local stand-ins:
// the gateway gets the request with its Authorization header, plain HTTP is redirected, the
// certificate chains to Caddy's own CA (the root the stack outputs), an exposed service wants basic
// auth, a service that is not exposed has no port at all, and oversized bodies stop at the edge.
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { renderCaddyfile } from "../../renderers/caddy.js";
import { CADDY } from "../../services/caddy.js";
import { caddyPasswordHash, isModernCaddy, localCaddySettings, runCaddy, waitForLocalCa } from "../support/caddy.js";
import { requiresTool } from "../support/requires.js";
import { freePort } from "../../tools/litellmProxy.js";

const caddy = requiresTool("caddy", "apt-get install -y caddy", ["version"]);
const PASSWORD = "exposed-service-password";

interface Seen {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}


/** The most requests the gateway stand-in has held at once. */
const inFlight = { now: 0, max: 0 };

/** A stand-in that records what reached it and answers with its name; /slow answers after 400 ms. */
async function standIn(name: string, seen: Seen[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      inFlight.max = Math.max(inFlight.max, ++inFlight.now);
      const answer = () => {
        inFlight.now--;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ service: name }));
      };
      if (req.url === "/slow") setTimeout(answer, 400);
      else answer();
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  return { server, port: (server.address() as AddressInfo).port };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function https(port: number, opts: { path?: string; method?: string; headers?: Record<string, string>; body?: Buffer | string; ca?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", servername: "localhost", port, path: opts.path ?? "/", method: opts.method ?? "GET", headers: opts.headers ?? {}, ...(opts.ca ? { ca: opts.ca } : {}), timeout: 10_000 },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

function plainHttp(port: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: "/v1/models", timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the entry point, with the real Caddy", () => {
  const seen: Record<string, Seen[]> = { gateway: [], ollama: [] };
  const servers: Server[] = [];
  let proc: ChildProcess | undefined;
  let dir = "";
  const ports = { gateway: 0, ollama: 0, unexposed: 0 };
  let ca = "";

  beforeAll(async () => {
    if (!caddy.why && spawnSync("caddy", ["version"]).status !== 0) return;
    dir = mkdtempSync(join(tmpdir(), "aigw-caddy-tls-"));
    const gateway = await standIn("gateway", seen["gateway"]!);
    const ollama = await standIn("ollama", seen["ollama"]!);
    servers.push(gateway.server, ollama.server);
    ports.gateway = await freePort();
    ports.ollama = await freePort();
    ports.unexposed = await freePort();
    // The rendered Caddyfile, with stand-ins on loopback instead of the stack network's names.
    const text = renderCaddyfile({
      sites: [
        // The gateway's own guards (config key gateway): its body limit and requests in flight.
        { port: ports.gateway, upstream: `127.0.0.1:${gateway.port}`, basicAuth: false, retry: true, maxBodyMb: 1, maxInFlight: 2 },
        { port: ports.ollama, upstream: `127.0.0.1:${ollama.port}`, basicAuth: true, retry: false },
      ],
      ...localCaddySettings(["localhost", "127.0.0.1"]),
    });
    const running = runCaddy(dir, text, { [CADDY.basicAuthHashEnv]: caddyPasswordHash(PASSWORD) });
    proc = running.proc;
    // Ready once the local CA exists and the gateway site answers over TLS with it.
    ca = await waitForLocalCa(dir, ports.gateway, running);
    seen["gateway"]!.length = 0;
  }, 30_000);

  afterAll(async () => {
    proc?.kill("SIGTERM");
    for (const s of servers) s.close();
  });

  caddy.it(`passes a chat request to the gateway over TLS with its Authorization header intact${caddy.why}`, async () => {
    const body = JSON.stringify({ model: "task:code", messages: [{ role: "user", content: "hi" }] });
    const r = await https(ports.gateway, { method: "POST", path: "/v1/chat/completions", ca, headers: { authorization: "Bearer sk-test-master-key", "content-type": "application/json" }, body });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ service: "gateway" });
    expect(seen["gateway"]!.at(-1)).toMatchObject({ url: "/v1/chat/completions", headers: { authorization: "Bearer sk-test-master-key" } });
    // Security headers on every answer, and no Server banner.
    expect(r.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(r.headers["server"]).toBeUndefined();
  });

  caddy.it(`presents a certificate that chains to Caddy's own CA, and to nothing a client trusts by default${caddy.why}`, async () => {
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    await expect(https(ports.gateway, { path: "/v1/models" })).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
    expect((await https(ports.gateway, { path: "/v1/models", ca })).status).toBe(200);
  });

  caddy.it(`redirects plain HTTP on the same port to HTTPS${caddy.why}`, async () => {
    const r = await plainHttp(ports.gateway);
    expect([301, 302, 307, 308]).toContain(r.status);
    expect(r.headers.location).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${ports.gateway}/v1/models$`));
  });

  caddy.it(`wants basic auth for an exposed service, and has no port at all for one that is not exposed${caddy.why}`, async () => {
    const denied = await https(ports.ollama, { path: "/api/tags", ca });
    expect(denied.status).toBe(401);
    expect(seen["ollama"]).toHaveLength(0);
    const auth = `Basic ${Buffer.from(`${CADDY.basicAuthUser}:${PASSWORD}`).toString("base64")}`;
    const allowed = await https(ports.ollama, { path: "/api/tags", ca, headers: { authorization: auth } });
    expect(allowed.status).toBe(200);
    expect(seen["ollama"]).toHaveLength(1);
    await expect(https(ports.unexposed, { ca })).rejects.toThrow(/ECONNREFUSED/);
  });

  // The pinned Caddy (2.11) answers 413; Debian's 2.6 cuts the body off the same way but reports it
  // as 502. Either way the service never gets the oversized request.
  caddy.it(`holds requests to the gateway beyond gateway.maxParallelRequests until one finishes, and drops none${caddy.why}`, async () => {
    inFlight.max = 0;
    const t0 = performance.now();
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => https(ports.gateway, { path: "/slow", ca })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(inFlight.max).toBe(2);
    // Six requests of 400 ms, two at a time: at least three rounds.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3 * 400 - 50);
  });

  caddy.it(`stops a request body over the gateway's limit (gateway.maxRequestMb) at the edge (413 on Caddy 2.7+)${caddy.why}`, async () => {
    const before = seen["gateway"]!.length;
    const r = await https(ports.gateway, { method: "POST", path: "/v1/chat/completions", ca, headers: { "content-type": "application/json" }, body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
    expect(isModernCaddy() ? [413] : [413, 502]).toContain(r.status);
    expect(seen["gateway"]!.length).toBe(before);
  });
});
