// The backup and restore scripts, run for real against a Qdrant stand-in (the snapshot endpoints the
// scripts call) in temp folders: round trip, refusal of partial or corrupt backups, failed runs, retention.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SCRIPTS_DIR, backupInstallScript, backupRemoveScript } from "../../components/backups.js";
import { renderBackupEnv } from "../../renderers/backup.js";
import { requiresTool } from "../support/requires.js";

const KEY = "qdrant-test-key-123";
const COLLECTIONS: Record<string, Buffer> = {
  code: Buffer.from("snapshot bytes of the code collection \x00\x01\x02"),
  docs: Buffer.from("snapshot bytes of the docs collection ".repeat(50)),
};
const REAL_CURL = execFileSync("sh", ["-c", "command -v curl"], { encoding: "utf8" }).trim();
const curlCommandLines = () => (existsSync(join(root, "curl-args.log")) ? readFileSync(join(root, "curl-args.log"), "utf8").trim().split("\n") : []);
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

interface Upload {
  readonly collection: string;
  readonly bytes: Buffer;
  readonly query: URLSearchParams;
}

/** Qdrant's collection-snapshot endpoints, with the API key checked as Qdrant does. */
async function startQdrant() {
  const uploads: Upload[] = [];
  const deleted: string[] = [];
  let n = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://x");
    const json = (status: number, o: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(o));
    if (req.headers["api-key"] !== KEY) return json(401, { status: { error: "Must provide an API key" } });
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "GET" && url.pathname === "/collections") {
      return json(200, { result: { collections: Object.keys(COLLECTIONS).map((name) => ({ name })) }, status: "ok" });
    }
    const c = parts[1]!;
    if (req.method === "POST" && parts[2] === "snapshots" && parts.length === 3) {
      return json(200, { result: { name: `${c}-${++n}.snapshot`, creation_time: "2026-01-01T00:00:00", size: COLLECTIONS[c]!.length }, status: "ok" });
    }
    if (req.method === "GET" && parts[2] === "snapshots" && parts[3]) return res.writeHead(200).end(COLLECTIONS[c]);
    if (req.method === "DELETE" && parts[2] === "snapshots") {
      deleted.push(parts[3]!);
      return json(200, { result: true, status: "ok" });
    }
    if (req.method === "POST" && parts[3] === "upload") {
      // The file part of a multipart/form-data body.
      const boundary = `--${/boundary=([^;]+)/.exec(req.headers["content-type"] ?? "")![1]}`;
      const start = body.indexOf("\r\n\r\n") + 4;
      const end = body.indexOf(`\r\n${boundary}`, start);
      uploads.push({ collection: c, bytes: body.subarray(start, end), query: url.searchParams });
      return json(200, { result: true, status: "ok" });
    }
    json(404, { status: { error: "not found" } });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    uploads,
    deleted,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let root: string;
let qdrant: Awaited<ReturnType<typeof startQdrant>>;
let envFile: string;
const paths = () => ({
  backups: join(root, "backups"),
  textfile: join(root, "backup", "textfile"),
  grafana: join(root, "grafana"),
  state: join(root, "state"),
});

function writeEnv(qdrantUrl: string, retention = 3, grafanaData = paths().grafana) {
  const env = renderBackupEnv({
    stack: "dev",
    settings: { enabled: true, schedule: "15 3 * * *", retention },
    layout: { toolDir: join(root, "backup"), backupsDir: paths().backups, textfileDir: paths().textfile, cronDir: join(root, "cron.d") },
    qdrantUrl,
    grafanaData,
    grafanaContainer: "",
    configSources: ["ai-gateway-dev-litellm:/app/config.yaml"],
    stateDir: paths().state,
  });
  writeFileSync(envFile, env);
}

function run(script: "backup.sh" | "restore.sh", args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      "bash",
      [join(SCRIPTS_DIR, script), ...args],
      { env: { ...process.env, PATH: `${join(root, "bin")}:${process.env["PATH"]}`, ...extraEnv }, timeout: 30_000 },
      (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}
const backup = (ts: string) => run("backup.sh", [envFile], { BACKUP_TIMESTAMP: ts });
const restore = (dir: string) => run("restore.sh", [envFile, dir]);
const listBackups = () => (existsSync(paths().backups) ? readdirSync(paths().backups).sort() : []);
const grafanaFiles = () =>
  Object.fromEntries(
    readdirSync(paths().grafana, { recursive: true, encoding: "utf8" })
      .sort()
      .map((f) => [f, statSync(join(paths().grafana, f)).isDirectory() ? "<dir>" : readFileSync(join(paths().grafana, f), "utf8")]),
  );

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "aigw-backup-"));
  qdrant = await startQdrant();
  envFile = join(root, "backup.env");
  mkdirSync(join(root, "backup"), { recursive: true });
  writeFileSync(join(root, "backup", "qdrant-api-key"), KEY);
  mkdirSync(join(paths().grafana, "plugins"), { recursive: true });
  writeFileSync(join(paths().grafana, "grafana.db"), "sqlite bytes");
  writeFileSync(join(paths().grafana, "plugins", "p.txt"), "plugin");
  mkdirSync(paths().state, { recursive: true });
  writeFileSync(join(paths().state, "dev.json"), "{}");
  // `docker cp <container>:<path> -` writes a tar stream; the stand-in writes a recognisable one.
  mkdirSync(join(root, "bin"));
  writeFileSync(join(root, "bin", "docker"), '#!/bin/sh\n[ "$1" = cp ] && [ "$3" = - ] && echo "tar of $2" && exit 0\nexit 1\n');
  chmodSync(join(root, "bin", "docker"), 0o755);
  // curl is the real one, behind a shim that records every command line it was given (what `ps` shows).
  writeFileSync(join(root, "bin", "curl"), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${join(root, "curl-args.log")}\nexec ${REAL_CURL} "$@"\n`);
  chmodSync(join(root, "bin", "curl"), 0o755);
  writeEnv(qdrant.url);
});
afterEach(async () => {
  await qdrant.close();
  rmSync(root, { recursive: true, force: true });
});

describe("backup → restore", () => {
  it("round-trips Qdrant and Grafana data, with a checksum manifest and success metrics", async () => {
    const r = await backup("20260101T031500Z");
    expect(r.stderr).toContain("complete:");
    expect(r.code).toBe(0);
    const dir = join(paths().backups, "20260101T031500Z");
    const manifest = readFileSync(join(dir, "MANIFEST.sha256"), "utf8");
    expect(manifest.split("\n").filter(Boolean).map((l) => l.split("  ")[1]).sort()).toEqual([
      "./config/ai-gateway-dev-litellm_app_config.yaml.tar",
      "./grafana.tar.gz",
      "./pulumi-state.tar.gz",
      "./qdrant/code.snapshot",
      "./qdrant/docs.snapshot",
    ]);
    expect(readFileSync(join(dir, "qdrant", "docs.snapshot"))).toEqual(COLLECTIONS["docs"]);
    expect(qdrant.deleted.sort()).toEqual(["code-1.snapshot", "docs-2.snapshot"]);
    const metrics = readFileSync(join(paths().textfile, "ai_gateway_backup.prom"), "utf8");
    expect(metrics).toMatch(/^ai_gateway_backup_last_success_timestamp_seconds \d+$/m);
    expect(metrics).toMatch(/^ai_gateway_backup_last_size_bytes [1-9]\d*$/m);
    expect(metrics).toMatch(/^ai_gateway_backup_last_duration_seconds \d+$/m);

    const before = grafanaFiles();
    rmSync(join(paths().grafana, "plugins"), { recursive: true });
    writeFileSync(join(paths().grafana, "grafana.db"), "changed after the backup");
    const rr = await restore(dir);
    expect(rr.code, rr.stderr).toBe(0);
    expect(grafanaFiles()).toEqual(before);
    expect(qdrant.uploads.map((u) => u.collection).sort()).toEqual(["code", "docs"]);
    for (const u of qdrant.uploads) {
      expect(u.bytes.equals(COLLECTIONS[u.collection]!), u.collection).toBe(true);
      expect(u.query.get("checksum")).toBe(sha(COLLECTIONS[u.collection]!));
      expect(u.query.get("priority")).toBe("snapshot");
    }
    // Qdrant accepted every call, so the key reached it; yet no curl command line carried it.
    const lines = curlCommandLines();
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const line of lines) expect(line).not.toContain(KEY);
  });

  it("refuses a corrupt backup and changes nothing", async () => {
    await backup("20260101T031500Z");
    const dir = join(paths().backups, "20260101T031500Z");
    writeFileSync(join(dir, "qdrant", "code.snapshot"), "tampered");
    writeFileSync(join(paths().grafana, "grafana.db"), "current");
    const r = await restore(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refused, nothing was changed: .* does not match its manifest: it is corrupt/);
    expect(qdrant.uploads).toHaveLength(0);
    expect(readFileSync(join(paths().grafana, "grafana.db"), "utf8")).toBe("current");
  });

  it("refuses a partial backup: no manifest, an unfinished run, or files the manifest does not list", async () => {
    await backup("20260101T031500Z");
    const dir = join(paths().backups, "20260101T031500Z");
    writeFileSync(join(dir, "extra.bin"), "x");
    expect((await restore(dir)).stderr).toContain("holds files its manifest does not list");
    rmSync(join(dir, "MANIFEST.sha256"));
    const r = await restore(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("has no MANIFEST.sha256: it is partial");
    mkdirSync(join(paths().backups, ".tmp-20260102T000000Z"));
    expect((await restore(join(paths().backups, ".tmp-20260102T000000Z"))).stderr).toContain("unfinished backup");
    expect(qdrant.uploads).toHaveLength(0);
  });
});

describe("a failed backup run", () => {
  async function expectNothingChanged(run: () => Promise<{ code: number; stderr: string }>) {
    await backup("20260101T031500Z");
    const metrics = readFileSync(join(paths().textfile, "ai_gateway_backup.prom"), "utf8");
    const r = await run();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("FAILED");
    expect(listBackups()).toEqual(["20260101T031500Z"]);
    expect(readFileSync(join(paths().textfile, "ai_gateway_backup.prom"), "utf8")).toBe(metrics);
    expect(existsSync(join(paths().backups, "20260101T031500Z", "MANIFEST.sha256"))).toBe(true);
  }

  it("with Qdrant unreachable keeps the previous backup and records no success", async () => {
    await expectNothingChanged(async () => {
      await qdrant.close();
      return backup("20260102T031500Z");
    });
  });

  it("that cannot write keeps the previous backup and records no success", async () => {
    await expectNothingChanged(async () => {
      // A file where the run's working folder must go: mkdir fails, as on a full or read-only disk.
      writeFileSync(join(paths().backups, ".tmp-20260102T031500Z"), "");
      return backup("20260102T031500Z");
    });
  });

  it("that cannot read Grafana's data leaves no half-written folder behind", async () => {
    await expectNothingChanged(async () => {
      writeEnv(qdrant.url, 3, join(root, "no-such-folder"));
      return backup("20260102T031500Z");
    });
  });
});

describe("retention", () => {
  it("deletes only the oldest copies beyond the limit, after a new one succeeded", async () => {
    writeEnv(qdrant.url, 2);
    for (const ts of ["20260101T031500Z", "20260102T031500Z", "20260103T031500Z", "20260104T031500Z"]) {
      expect((await backup(ts)).code).toBe(0);
    }
    expect(listBackups()).toEqual(["20260103T031500Z", "20260104T031500Z"]);
    // A failing run deletes nothing, even beyond the limit.
    await qdrant.close();
    expect((await backup("20260105T031500Z")).code).not.toBe(0);
    expect(listBackups()).toEqual(["20260103T031500Z", "20260104T031500Z"]);
  });
});

describe("the install command", () => {
  const input = () => ({
    stack: "dev",
    settings: { enabled: true, schedule: "15 3 * * *", retention: 7 },
    layout: { toolDir: join(root, "backup"), backupsDir: paths().backups, textfileDir: paths().textfile, cronDir: join(root, "cron.d") },
    qdrantUrl: "http://127.0.0.1:6333",
    grafanaData: paths().grafana,
    grafanaContainer: "ai-gateway-dev-grafana",
    configSources: [],
  });
  const sh = (script: string, stdin = "") =>
    new Promise<number>((resolve) => {
      const child = execFile("/bin/sh", ["-c", script], (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0));
      child.stdin!.end(stdin);
    });

  const shellcheckPresent = requiresTool("shellcheck", "apt-get install -y shellcheck");
  shellcheckPresent.it(`passes shellcheck${shellcheckPresent.why}`, async () => {
    for (const script of [backupInstallScript(input()), backupRemoveScript(input())]) {
      const code = await new Promise<number>((resolve) => {
        const child = execFile("shellcheck", ["--shell=sh", "-"], (err, out) => resolve(err ? (console.error(out), 1) : 0));
        child.stdin!.end(script);
      });
      expect(code).toBe(0);
    }
  });

  it.runIf(process.getuid?.() === 0)("installs scripts, settings, the key (from stdin only) and the cron entry, again and again, and removes them but not the backups", async () => {
    mkdirSync(join(root, "cron.d"));
    for (let i = 0; i < 2; i++) expect(await sh(backupInstallScript(input()), "secret-key-from-stdin")).toBe(0);
    const t = join(root, "backup");
    expect(readFileSync(join(t, "bin", "backup.sh"), "utf8")).toBe(readFileSync(join(SCRIPTS_DIR, "backup.sh"), "utf8"));
    expect(readFileSync(join(t, "qdrant-api-key"), "utf8")).toBe("secret-key-from-stdin");
    expect((statSync(join(t, "qdrant-api-key")).mode & 0o777).toString(8)).toBe("600");
    expect((statSync(join(t, "bin", "restore.sh")).mode & 0o777).toString(8)).toBe("755");
    const cron = readFileSync(join(root, "cron.d", "ai-gateway-dev-backup"), "utf8");
    expect(cron).toMatch(/^# Managed by ai-gateway/);
    expect(cron).toContain(`15 3 * * * root ${t}/bin/backup.sh ${t}/backup.env >>${t}/backup.log 2>&1\n`);
    expect(backupInstallScript(input())).not.toContain("secret-key-from-stdin");
    mkdirSync(join(paths().backups, "20260101T031500Z"), { recursive: true });
    expect(await sh(backupRemoveScript(input()))).toBe(0);
    expect(existsSync(join(root, "cron.d", "ai-gateway-dev-backup"))).toBe(false);
    expect(existsSync(join(t, "qdrant-api-key"))).toBe(false);
    expect(existsSync(join(paths().backups, "20260101T031500Z"))).toBe(true);
  });
});
