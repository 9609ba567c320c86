// The fleet's two entry points with the real Caddy, as rendered: a worker's (basic auth, only the
// gateway's address let in, its own CA) and the gateway's relay to it (the worker's CA pinned, its
// credential added, Ollama health-checked into a metric), and the gateway's Loki site taking the
// worker's log pushes with the worker's own credential. Stand-ins play Ollama, node-exporter and Loki.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { renderCaddyfile } from "../../renderers/caddy.js";
import { CADDY } from "../../services/caddy.js";
import { FLEET } from "../../services/fleet.js";
import { freePort } from "../../tools/litellmProxy.js";
import { caddyPasswordHash, localCaddySettings, runCaddy, waitForLocalCa } from "../support/caddy.js";
import { requiresTool } from "../support/requires.js";

const caddy = requiresTool("caddy", "apt-get install -y caddy", ["version"]);
const WORKER_PASSWORD = "worker-entry-password";
const PUSH_PASSWORD = "worker-log-push-password";

interface Seen {
  readonly url: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
}

async function standIn(name: string, seen: Seen[]): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ url: req.url ?? "", method: req.method ?? "", headers: req.headers });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ service: name }));
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  return server;
}
const portOf = (s: Server) => (s.address() as AddressInfo).port;

function get(url: string, opts: { method?: string; headers?: Record<string, string>; ca?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  if (url.startsWith("https:")) {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method: opts.method ?? "GET", headers: opts.headers ?? {}, ...(opts.ca ? { ca: opts.ca } : {}), servername: "localhost", timeout: 10_000 }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end(opts.body);
    });
  }
  return fetch(url, { method: opts.method ?? "GET", headers: opts.headers ?? {}, ...(opts.body ? { body: opts.body } : {}), signal: AbortSignal.timeout(10_000) }).then(async (r) => ({ status: r.status, body: await r.text() }));
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

// The relay dials the worker by address, without SNI: the worker's first name is its address, as in production.
const common = localCaddySettings(["127.0.0.1", "localhost"]);

describe("a worker's entry point and the gateway's relay to it, with the real Caddy", () => {
  const seen: Record<string, Seen[]> = { ollama: [], node: [], loki: [] };
  const servers: Server[] = [];
  const procs: ChildProcess[] = [];
  const ports = { ollamaSite: 0, nodeSite: 0, closedSite: 0, relay: 0, lokiSite: 0, foreignPushSite: 0 };
  let workerCa = "";
  let gatewayCa = "";
  let ollamaServer: Server | undefined;

  beforeAll(async () => {
    if (caddy.why) return;
    ollamaServer = await standIn("ollama", seen["ollama"]!);
    const node = await standIn("node-exporter", seen["node"]!);
    const loki = await standIn("loki", seen["loki"]!);
    servers.push(node, loki);
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();

    // The worker: every site with basic auth, and only the gateway's address (here loopback) let in.
    const workerDir = mkdtempSync(join(tmpdir(), "aigw-fleet-worker-"));
    const worker = runCaddy(
      workerDir,
      renderCaddyfile({
        ...common,
        sites: [
          { port: ports.ollamaSite, upstream: `127.0.0.1:${portOf(ollamaServer)}`, basicAuth: true, retry: false, allowFrom: ["127.0.0.1"] },
          { port: ports.nodeSite, upstream: `127.0.0.1:${portOf(node)}`, basicAuth: true, retry: false, allowFrom: ["127.0.0.1"] },
          // As the worker's sites look to any other address than its gateway's.
          { port: ports.closedSite, upstream: `127.0.0.1:${portOf(node)}`, basicAuth: true, retry: false, allowFrom: ["10.255.255.1"] },
        ],
      }),
      { [CADDY.basicAuthHashEnv]: caddyPasswordHash(WORKER_PASSWORD) },
    );
    procs.push(worker.proc);
    workerCa = await waitForLocalCa(workerDir, ports.ollamaSite, worker);

    // The gateway: the relay with the worker's CA pinned, and Loki's site for the worker's pushes.
    const gatewayDir = mkdtempSync(join(tmpdir(), "aigw-fleet-gateway-"));
    writeFileSync(join(gatewayDir, "gpu-02.pem"), workerCa);
    const gateway = runCaddy(
      gatewayDir,
      renderCaddyfile({
        ...common,
        sites: [
          {
            port: ports.lokiSite,
            upstream: `127.0.0.1:${portOf(loki)}`,
            basicAuth: false,
            retry: false,
            pushers: { path: FLEET.lokiPushPath, users: [{ user: "gpu-02", address: "127.0.0.1", hashEnv: `${CADDY.fleetLogHashEnvPrefix}1` }] },
          },
          // As Loki's site looks to a client at any address but the worker's, credential or not.
          {
            port: ports.foreignPushSite,
            upstream: `127.0.0.1:${portOf(loki)}`,
            basicAuth: false,
            retry: false,
            pushers: { path: FLEET.lokiPushPath, users: [{ user: "gpu-02", address: "10.255.255.1", hashEnv: `${CADDY.fleetLogHashEnvPrefix}1` }] },
          },
        ],
        relay: {
          port: ports.relay,
          healthInterval: "1s",
          workers: [
            {
              host: "gpu-02",
              authEnv: `${CADDY.fleetAuthEnvPrefix}1`,
              trustFile: join(gatewayDir, "gpu-02.pem"),
              services: [
                { name: "ollama", upstream: `https://127.0.0.1:${ports.ollamaSite}`, healthPath: FLEET.ollamaHealthPath },
                { name: "node-exporter", upstream: `https://127.0.0.1:${ports.nodeSite}` },
              ],
            },
          ],
        },
      }),
      {
        [`${CADDY.fleetAuthEnvPrefix}1`]: Buffer.from(`${CADDY.basicAuthUser}:${WORKER_PASSWORD}`).toString("base64"),
        [`${CADDY.fleetLogHashEnvPrefix}1`]: caddyPasswordHash(PUSH_PASSWORD),
      },
    );
    procs.push(gateway.proc);
    gatewayCa = await waitForLocalCa(gatewayDir, ports.lokiSite, gateway);
    for (const s of Object.values(seen)) s.length = 0;
  }, 60_000);

  afterAll(() => {
    for (const p of procs) p.kill("SIGTERM");
    for (const s of [...servers, ...(ollamaServer ? [ollamaServer] : [])]) s.close();
  });

  caddy.it(`reaches the worker's Ollama and exporter through the relay, with the credential added and the worker's CA pinned${caddy.why}`, async () => {
    const tags = await get(`http://127.0.0.1:${ports.relay}/gpu-02/ollama/api/tags`);
    expect(tags).toEqual({ status: 200, body: JSON.stringify({ service: "ollama" }) });
    const metrics = await get(`http://127.0.0.1:${ports.relay}/gpu-02/node-exporter/metrics`);
    expect(metrics.body).toBe(JSON.stringify({ service: "node-exporter" }));
    // The worker's services got the path without the relay's prefix.
    expect(seen["ollama"]!.filter((s) => s.url !== FLEET.ollamaHealthPath).map((s) => s.url)).toEqual(["/api/tags"]);
    expect(seen["node"]!.map((s) => s.url)).toEqual(["/metrics"]);
  });

  caddy.it(`refuses the worker's sites without the credential, and to any address but the gateway's even with it${caddy.why}`, async () => {
    const before = seen["ollama"]!.length;
    expect((await get(`https://127.0.0.1:${ports.ollamaSite}/api/tags`, { ca: workerCa })).status).toBe(401);
    expect((await get(`https://127.0.0.1:${ports.ollamaSite}/api/tags`, { ca: workerCa, headers: { authorization: basic(CADDY.basicAuthUser, "wrong") } })).status).toBe(401);
    expect((await get(`https://127.0.0.1:${ports.closedSite}/metrics`, { ca: workerCa, headers: { authorization: basic(CADDY.basicAuthUser, WORKER_PASSWORD) } })).status).toBe(403);
    expect(seen["ollama"]!.slice(before).filter((s) => s.url !== FLEET.ollamaHealthPath)).toEqual([]);
  });

  caddy.it(`takes the worker's log pushes with its own credential only, and nothing else on Loki's site${caddy.why}`, async () => {
    const push = (auth?: string) =>
      get(`https://127.0.0.1:${ports.lokiSite}${FLEET.lokiPushPath}`, { method: "POST", ca: gatewayCa, body: "{}", headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) } });
    expect((await push(basic("gpu-02", PUSH_PASSWORD))).status).toBe(200);
    expect((await push()).status).toBe(401);
    expect((await push(basic("gpu-02", WORKER_PASSWORD))).status).toBe(401);
    // From any other address, even with the worker's credential: refused.
    const foreign = await get(`https://127.0.0.1:${ports.foreignPushSite}${FLEET.lokiPushPath}`, { method: "POST", ca: gatewayCa, body: "{}", headers: { "content-type": "application/json", authorization: basic("gpu-02", PUSH_PASSWORD) } });
    expect(foreign.status).toBe(403);
    // Loki is not exposed: a query with the worker's credential goes nowhere.
    expect((await get(`https://127.0.0.1:${ports.lokiSite}/loki/api/v1/labels`, { ca: gatewayCa, headers: { authorization: basic("gpu-02", PUSH_PASSWORD) } })).status).toBe(403);
    expect(seen["loki"]!.map((s) => `${s.method} ${s.url}`)).toEqual([`POST ${FLEET.lokiPushPath}`]);
  });

  caddy.it(`health-checks the worker's Ollama into caddy_reverse_proxy_upstreams_healthy, and answers 503 at once while it is down${caddy.why}`, async () => {
    const healthy = async () => {
      const text = (await get(`http://127.0.0.1:${ports.relay}/metrics`)).body;
      const line = text.split("\n").find((l) => l.startsWith(`caddy_reverse_proxy_upstreams_healthy{upstream="127.0.0.1:${ports.ollamaSite}"}`));
      return line ? Number(line.split(" ").pop()) : undefined;
    };
    expect(await healthy()).toBe(1);
    expect(seen["ollama"]!.some((s) => s.url === FLEET.ollamaHealthPath && s.headers.authorization === basic(CADDY.basicAuthUser, WORKER_PASSWORD))).toBe(true);
    ollamaServer!.close();
    ollamaServer!.closeAllConnections();
    ollamaServer = undefined;
    let down: number | undefined;
    for (let i = 0; i < 50 && down !== 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      down = await healthy();
    }
    expect(down).toBe(0);
    const t0 = performance.now();
    expect((await get(`http://127.0.0.1:${ports.relay}/gpu-02/ollama/api/tags`)).status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
