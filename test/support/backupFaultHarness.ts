// The fault suite's sandbox (test/integration/backupFaults.*.test.ts): a temp root holding the backups,
// Grafana's data, the Pulumi state and a bin/ of recording shims, a faulty Qdrant stand-in, and the real
// backup.sh and restore.sh started in their own process groups.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { SCRIPTS_DIR } from "../../components/backups.js";
import { renderBackupEnv } from "../../renderers/backup.js";
import { writeRecordingShims } from "./backupShims.js";
import { startFaultyQdrantStandIn } from "./qdrantStandIn.js";

export const KEY = "fault-suite-secret-key-7f3a9c";
const GRAFANA_CONTAINER = "ai-gateway-test-grafana";
const isRoot = process.getuid?.() === 0;
// A tmpfs needs root and a kernel that lets this container mount one.
export const canMount = (() => {
  if (!isRoot) return false;
  const dir = mkdtempSync(join(tmpdir(), "aigw-mountprobe-"));
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).status === 0;
  if (ok) spawnSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
  return ok;
})();
export const MOUNT_SKIP = isRoot ? " (skipped: this container may not mount a tmpfs)" : " (skipped: mounting a tmpfs needs root; CI runs as root)";
export const HAS_STRACE = spawnSync("strace", ["-V"]).status === 0;

export const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** A stand-in for Qdrant that knows the suite's key. */
export const startQdrant = (collections: Map<string, Buffer>) => startFaultyQdrantStandIn(KEY, collections);

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly started: number;
  readonly ended: number;
}
export interface Running {
  readonly pid: number;
  readonly done: Promise<RunResult>;
}
export type Tree = Record<string, string>;

export interface HarnessOptions {
  readonly retention?: number;
  /** Bytes of each collection's snapshot. */
  readonly snapshotBytes?: number;
  /** Grafana's data folder: 0 for a few small files, else a database of this many random bytes. */
  readonly grafanaDbBytes?: number;
}

export class Harness {
  readonly root = mkdtempSync(join(tmpdir(), "aigw-faults-"));
  readonly backups = join(this.root, "backups");
  readonly textfile = join(this.root, "backup", "textfile");
  readonly grafanaParent = join(this.root, "grafana-host");
  readonly grafana = join(this.grafanaParent, "grafana");
  readonly state = join(this.root, "state");
  readonly envFile = join(this.root, "backup", "backup.env");
  readonly argvLog = join(this.root, "argv.log");
  readonly dockerLog = join(this.root, "docker.log");
  readonly grafanaState = join(this.root, "grafana.state");
  readonly collections: Map<string, Buffer>;
  qdrant!: Awaited<ReturnType<typeof startQdrant>>;
  private mounts: string[] = [];

  constructor(readonly opts: HarnessOptions = {}) {
    const size = opts.snapshotBytes ?? 2048;
    // A name that must be URL-encoded: a space, and a # that would otherwise end the path.
    this.collections = new Map([
      ["code", randomBytes(size)],
      ["team notes#1", randomBytes(size)],
    ]);
  }

  async start(): Promise<this> {
    this.qdrant = await startQdrant(this.collections);
    mkdirSync(join(this.root, "backup"), { recursive: true });
    writeFileSync(join(this.root, "backup", "qdrant-api-key"), KEY, { mode: 0o600 });
    writeFileSync(join(this.root, "key-needle"), KEY);
    mkdirSync(join(this.grafana, "plugins"), { recursive: true });
    writeFileSync(join(this.grafana, "grafana.db"), this.opts.grafanaDbBytes ? randomBytes(this.opts.grafanaDbBytes) : "sqlite bytes");
    writeFileSync(join(this.grafana, "plugins", "p.txt"), "plugin");
    chmodSync(this.grafana, 0o750);
    mkdirSync(this.state, { recursive: true });
    writeFileSync(join(this.state, "dev.json"), "{}");
    writeFileSync(this.grafanaState, "running\n");
    // docker: `cp <container>:<path> -` writes a tar stream; stop and start move Grafana's state.
    writeRecordingShims(join(this.root, "bin"), {
      argvLog: this.argvLog,
      dockerLog: this.dockerLog,
      grafanaState: this.grafanaState,
      needleFile: join(this.root, "key-needle"),
    });
    this.writeEnv(this.qdrant.url);
    return this;
  }

  writeEnv(qdrantUrl: string) {
    writeFileSync(
      this.envFile,
      renderBackupEnv({
        stack: "dev",
        settings: { enabled: true, schedule: "15 3 * * *", retention: this.opts.retention ?? 7 },
        layout: { toolDir: join(this.root, "backup"), backupsDir: this.backups, textfileDir: this.textfile, cronDir: join(this.root, "cron.d") },
        qdrantUrl,
        grafanaData: this.grafana,
        grafanaContainer: GRAFANA_CONTAINER,
        configSources: ["ai-gateway-dev-litellm:/etc/litellm/config.yaml"],
        stateDir: this.state,
      }),
    );
  }

  mountTmpfs(dir: string, bytes: number) {
    mkdirSync(dir, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir]);
    this.mounts.push(dir);
  }

  /** Starts a script in its own process group, so a kill takes its children with it. */
  spawn(script: "backup.sh" | "restore.sh", args: string[], env: Record<string, string> = {}, wrap: string[] = []): Running {
    const started = Date.now();
    const child = spawn(wrap[0] ?? "bash", [...wrap.slice(1), ...(wrap.length ? ["bash"] : []), join(SCRIPTS_DIR, script), ...args], {
      env: { ...process.env, PATH: `${join(this.root, "bin")}:${process.env["PATH"]}`, QDRANT_TIMEOUT: "20", ...env },
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<RunResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr, started, ended: Date.now() })));
    return { pid: child.pid!, done };
  }
  backup(ts: string, env: Record<string, string> = {}) {
    return this.spawn("backup.sh", [this.envFile], { BACKUP_TIMESTAMP: ts, ...env }).done;
  }
  restore(dir: string) {
    return this.spawn("restore.sh", [this.envFile, dir]).done;
  }
  /** A backup that must succeed: the state a case starts from. */
  async good(ts: string) {
    const r = await this.backup(ts);
    expect(r.code, r.stderr).toBe(0);
    return join(this.backups, ts);
  }

  entries = () => (existsSync(this.backups) ? readdirSync(this.backups).filter((n) => n !== ".lock").sort() : []);
  complete = () => this.entries().filter((n) => /^\d{8}T\d{6}Z$/.test(n) && existsSync(join(this.backups, n, "MANIFEST.sha256")));
  metrics = () => (existsSync(join(this.textfile, "ai_gateway_backup.prom")) ? readFileSync(join(this.textfile, "ai_gateway_backup.prom"), "utf8") : null);
  grafanaTree = (): Tree => tree(this.grafana);
  grafanaRunning = () => readFileSync(this.grafanaState, "utf8").trim() === "running";

  async close() {
    await this.qdrant.close();
    for (const m of this.mounts.reverse()) spawnSync("umount", ["-l", m]);
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Every file and folder below dir, with its mode and (for files) its checksum. */
export function tree(dir: string): Tree {
  if (!existsSync(dir)) return {};
  const out: Tree = { ".": `dir ${(statSync(dir).mode & 0o7777).toString(8)}` };
  for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    const st = statSync(join(dir, f));
    out[f] = st.isDirectory() ? `dir ${(st.mode & 0o7777).toString(8)}` : `${(st.mode & 0o7777).toString(8)} ${sha(readFileSync(join(dir, f)))}`;
  }
  return out;
}

export const verifies = (dir: string) => spawnSync("sha256sum", ["--check", "--strict", "--quiet", "MANIFEST.sha256"], { cwd: dir }).status === 0;
