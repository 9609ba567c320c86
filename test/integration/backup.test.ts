// The backup and restore scripts, run for real against a Qdrant stand-in (the snapshot endpoints the
// scripts call) in temp folders: round trip, refusal of partial or corrupt backups, failed runs, retention.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSh } from "../support/shell.js";
import { SCRIPTS_DIR, backupInstallScript, backupRemoveScript } from "../../components/backups.js";
import { renderBackupEnv } from "../../renderers/backup.js";
import { alertRuleFiles, BACKUP_MAX_AGE_HOURS } from "../../observability/alerts.js";
import { backupMaxAgeMinutes, humanDuration, promDuration, scheduleIntervalMinutes } from "../../observability/backupAge.js";
import { DEFAULTS } from "../../config/schema.js";
import { writeDockerAndCurlShims } from "../support/backupShims.js";
import { startQdrantStandIn } from "../support/qdrantStandIn.js";
import { requiresTool } from "../support/requires.js";

const KEY = "qdrant-test-key-123";
const COLLECTIONS: Record<string, Buffer> = {
  code: Buffer.from("snapshot bytes of the code collection \x00\x01\x02"),
  docs: Buffer.from("snapshot bytes of the docs collection ".repeat(50)),
};
const curlCommandLines = () => (existsSync(join(root, "curl-args.log")) ? readFileSync(join(root, "curl-args.log"), "utf8").trim().split("\n") : []);
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

let root: string;
let qdrant: Awaited<ReturnType<typeof startQdrantStandIn>>;
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
    configSources: ["ai-gateway-dev-litellm:/etc/litellm/config.yaml"],
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
// Hidden entries (.lock, a test's blocking .tmp- file) are not backups.
const listBackups = () => (existsSync(paths().backups) ? readdirSync(paths().backups).filter((n) => !n.startsWith(".")).sort() : []);
const grafanaFiles = () =>
  Object.fromEntries(
    readdirSync(paths().grafana, { recursive: true, encoding: "utf8" })
      .sort()
      .map((f) => [f, statSync(join(paths().grafana, f)).isDirectory() ? "<dir>" : readFileSync(join(paths().grafana, f), "utf8")]),
  );

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "aigw-backup-"));
  qdrant = await startQdrantStandIn(KEY, COLLECTIONS);
  envFile = join(root, "backup.env");
  mkdirSync(join(root, "backup"), { recursive: true });
  writeFileSync(join(root, "backup", "qdrant-api-key"), KEY);
  mkdirSync(join(paths().grafana, "plugins"), { recursive: true });
  writeFileSync(join(paths().grafana, "grafana.db"), "sqlite bytes");
  writeFileSync(join(paths().grafana, "plugins", "p.txt"), "plugin");
  mkdirSync(paths().state, { recursive: true });
  writeFileSync(join(paths().state, "dev.json"), "{}");
  // docker writes a stand-in tar stream; curl is the real one, recording its command lines.
  writeDockerAndCurlShims(join(root, "bin"), join(root, "curl-args.log"));
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
      "./config/ai-gateway-dev-litellm_etc_litellm_config.yaml.tar",
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

describe("retention and foreign folders", () => {
  it("counts and deletes only folders named like the script's timestamps, and never the new one", async () => {
    writeEnv(qdrant.url, 2);
    const b = paths().backups;
    // Kept by hand, sorting after every timestamp: once it made retention delete each fresh backup.
    for (const foreign of ["pre-upgrade-manual", "20260101T031500Z-copy", "99999999"]) {
      mkdirSync(join(b, foreign), { recursive: true });
      writeFileSync(join(b, foreign, "MANIFEST.sha256"), "");
    }
    writeFileSync(join(b, "notes.txt"), "mine");
    // A timestamp folder from a clock that once ran ahead: retention keeps the new backup anyway.
    mkdirSync(join(b, "20991231T000000Z"));
    writeFileSync(join(b, "20991231T000000Z", "MANIFEST.sha256"), "");
    for (const ts of ["20260101T031500Z", "20260102T031500Z", "20260103T031500Z"]) expect((await backup(ts)).code).toBe(0);
    expect(listBackups()).toEqual(["20260101T031500Z-copy", "20260103T031500Z", "20991231T000000Z", "99999999", "notes.txt", "pre-upgrade-manual"]);
  });

  it("refuses a BACKUP_TIMESTAMP it would not recognise as its own", async () => {
    const r = await backup("manual");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("timestamp manual is not of the form 20260101T031500Z");
    expect(listBackups()).toEqual([]);
  });

  it("writes nothing readable by group or others, whatever the caller's umask", async () => {
    expect((await backup("20260101T031500Z")).code).toBe(0);
    const dir = join(paths().backups, "20260101T031500Z");
    const loose = [paths().backups, ...readdirSync(paths().backups, { recursive: true, encoding: "utf8" }).map((f) => join(paths().backups, f))].filter(
      (f) => (statSync(f).mode & 0o077) !== 0,
    );
    expect(loose).toEqual([]);
    expect(existsSync(join(dir, "MANIFEST.sha256"))).toBe(true);
    // node-exporter reads the metrics as another user.
    expect((statSync(join(paths().textfile, "ai_gateway_backup.prom")).mode & 0o777).toString(8)).toBe("644");
  });
});

describe("how old the last backup may get", () => {
  it("is twice the schedule's longest gap plus two hours", () => {
    expect(scheduleIntervalMinutes("15 3 * * *")).toBe(24 * 60);
    expect(backupMaxAgeMinutes("15 3 * * *")).toBe(50 * 60);
    expect(backupMaxAgeMinutes("0 */6 * * *")).toBe(14 * 60);
    expect(scheduleIntervalMinutes("*/20 * * * *")).toBe(20);
    // Uneven: 02:00 and 14:30 leave a gap of 12.5 h at night.
    expect(scheduleIntervalMinutes("0,30 2 * * *")).toBe(24 * 60 - 30);
    expect(scheduleIntervalMinutes("30 2,14 * * *")).toBe(12 * 60);
    expect(scheduleIntervalMinutes("0 2 * * 1-5")).toBe(3 * 24 * 60); // Friday to Monday
    expect(scheduleIntervalMinutes("0 4 * * 0")).toBe(7 * 24 * 60);
    expect(scheduleIntervalMinutes("0 4 * * 7")).toBe(7 * 24 * 60);
    expect(scheduleIntervalMinutes("0 4 1 * *")).toBe(31 * 24 * 60);
    // Both day fields restricted: either matches (the 1st, and every Monday).
    expect(scheduleIntervalMinutes("0 4 1 * 1")).toBeLessThanOrEqual(7 * 24 * 60);
    expect(scheduleIntervalMinutes("0 0 5/10 * *")).toBeGreaterThan(10 * 24 * 60); // 5, 15, 25, then the 5th
    expect(() => scheduleIntervalMinutes("0 0 31 2 *")).toThrow("never runs");
  });

  it("says durations as Prometheus and a reader want them", () => {
    expect(promDuration(3000)).toBe("50h");
    expect(promDuration(160)).toBe("160m");
    expect(humanDuration(160)).toBe("2 h 40 min");
    expect(humanDuration(45)).toBe("45 min");
  });

  it("sets BackupStale from the schedule it is given, and the default schedule otherwise", () => {
    const backupRules = (schedule?: string) =>
      alertRuleFiles(DEFAULTS.alerts, { gpu: false, host: false, backup: true, ...(schedule ? { backupSchedule: schedule } : {}) }).find((f) => f.name === "backup")!.rules;
    const [stale, never] = backupRules("0 */6 * * *");
    expect(stale!.expr).toBe("time() - ai_gateway_backup_last_success_timestamp_seconds > 840 * 60");
    expect(stale!.summary).toBe("The last successful backup is more than 14 h old");
    expect(never!.for).toBe("14h");
    expect(backupRules()[0]!.summary).toBe("The last successful backup is more than 50 h old");
    // The evidence report asks whether the latest daily run succeeded: one interval plus the margin.
    expect(BACKUP_MAX_AGE_HOURS).toBe(26);
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
  const sh = runSh;

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
    // Nothing in the tool folder is readable by group or others, except textfile/ for node-exporter.
    const mode = (...p: string[]) => (statSync(join(...p)).mode & 0o777).toString(8);
    expect(mode(t, "bin", "restore.sh")).toBe("700");
    expect(mode(t, "bin")).toBe("700");
    expect(mode(t, "backup.env")).toBe("600");
    expect(mode(t, "backup.log")).toBe("600");
    expect(mode(paths().backups)).toBe("700");
    expect(mode(paths().textfile)).toBe("755");
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
