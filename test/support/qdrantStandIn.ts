// Qdrant's collection-snapshot endpoints that scripts/backup.sh and scripts/restore.sh call, with the
// API key checked as Qdrant does: list, create, download, delete, and upload (recovery). The plain
// stand-in answers like a healthy Qdrant; the faulty one can also fail, pretty-print or stall on demand.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Upload {
  readonly collection: string;
  readonly bytes: Buffer;
  readonly query: URLSearchParams;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The file part of a multipart/form-data body. */
function uploadedFile(req: IncomingMessage, body: Buffer): Buffer {
  const boundary = `--${/boundary=([^;]+)/.exec(req.headers["content-type"] ?? "")![1]}`;
  const start = body.indexOf("\r\n\r\n") + 4;
  const end = body.indexOf(`\r\n${boundary}`, start);
  return Buffer.from(body.subarray(start, end));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startQdrantStandIn(key: string, collections: Readonly<Record<string, Buffer>>) {
  const uploads: Upload[] = [];
  /** Names of the snapshots deleted from Qdrant's folder, in order. */
  const deleted: string[] = [];
  let n = 0;
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://x");
    const json = (status: number, o: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(o));
    if (req.headers["api-key"] !== key) return json(401, { status: { error: "Must provide an API key" } });
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (req.method === "GET" && url.pathname === "/collections") {
      return json(200, { result: { collections: Object.keys(collections).map((name) => ({ name })) }, status: "ok" });
    }
    const c = parts[1]!;
    if (req.method === "POST" && parts[2] === "snapshots" && parts.length === 3) {
      return json(200, { result: { name: `${c}-${++n}.snapshot`, creation_time: "2026-01-01T00:00:00", size: collections[c]!.length }, status: "ok" });
    }
    if (req.method === "GET" && parts[2] === "snapshots" && parts[3]) return res.writeHead(200).end(collections[c]);
    if (req.method === "DELETE" && parts[2] === "snapshots") {
      deleted.push(parts[3]!);
      return json(200, { result: true, status: "ok" });
    }
    if (req.method === "POST" && parts[3] === "upload") {
      uploads.push({ collection: c, bytes: uploadedFile(req, body), query: url.searchParams });
      return json(200, { result: true, status: "ok" });
    }
    json(404, { status: { error: "not found" } });
  });
  return {
    url: await listen(server),
    uploads,
    deleted,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * "500": every call fails; "500-download": downloads of all but the first collection fail; "pretty":
 * JSON answers are pretty-printed; "slow": a download sends half the file, then waits for release().
 */
export type QdrantMode = "ok" | "500" | "500-download" | "pretty" | "slow";

/** A stand-in that checks which snapshots exist, records raw request paths, and fails on demand. */
export async function startFaultyQdrantStandIn(key: string, collections: Map<string, Buffer>) {
  const state = {
    mode: "ok" as QdrantMode,
    uploads: [] as Upload[],
    rawPaths: [] as string[],
    /** Snapshots in Qdrant's own folder: created and not yet deleted. */
    kept: new Set<string>(),
  };
  let n = 0;
  let gate!: () => void;
  const gateOpen = new Promise<void>((r) => (gate = r));
  let started!: () => void;
  const downloadStarted = new Promise<void>((r) => (started = r));
  const server = createServer(async (req, res) => {
    res.on("error", () => undefined);
    const body = await readBody(req);
    state.rawPaths.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? "/", "http://x");
    const json = (status: number, o: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(state.mode === "pretty" ? JSON.stringify(o, null, 2) + "\n" : JSON.stringify(o));
    if (req.headers["api-key"] !== key) return json(401, { status: { error: "Must provide an API key" } });
    if (state.mode === "500") return json(500, { status: { error: "Service internal error" } });
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (req.method === "GET" && url.pathname === "/collections") {
      return json(200, { time: 0.00001, status: "ok", result: { collections: [...collections.keys()].map((name) => ({ name })) } });
    }
    const c = parts[1]!;
    const data = collections.get(c);
    if (!data) return json(404, { status: { error: `Collection ${c} not found` } });
    if (req.method === "POST" && parts[2] === "snapshots" && parts.length === 3) {
      const name = `${c}-${++n}.snapshot`;
      state.kept.add(name);
      return json(200, { result: { name, creation_time: "2026-01-01T00:00:00", size: data.length }, status: "ok" });
    }
    if (req.method === "GET" && parts[2] === "snapshots" && parts[3]) {
      if (!state.kept.has(parts[3])) return json(404, { status: { error: "snapshot not found" } });
      if (state.mode === "500-download" && c !== [...collections.keys()][0]) return json(500, { status: { error: "Service internal error" } });
      if (state.mode === "slow") {
        // Half the file, then nothing until the test lets it go: a long download in progress.
        res.writeHead(200, { "content-length": String(data.length) });
        res.write(data.subarray(0, data.length >> 1));
        started();
        await gateOpen;
        return res.end(data.subarray(data.length >> 1));
      }
      return res.writeHead(200).end(data);
    }
    if (req.method === "DELETE" && parts[2] === "snapshots" && parts[3]) {
      state.kept.delete(parts[3]);
      return json(200, { result: true, status: "ok" });
    }
    if (req.method === "POST" && parts[2] === "snapshots" && parts[3] === "upload") {
      state.uploads.push({ collection: c, bytes: uploadedFile(req, body), query: url.searchParams });
      return json(200, { result: true, status: "ok" });
    }
    json(404, { status: { error: "not found" } });
  });
  return {
    state,
    url: await listen(server),
    downloadStarted,
    release: () => gate(),
    close: () =>
      new Promise<void>((r) => {
        gate();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
