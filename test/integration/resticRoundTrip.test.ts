// The disaster-recovery runbook, run for real: scripts/backup.sh makes a local backup, scripts/offsite.sh
// sends it to a restic repository (Debian's restic, a local path standing in for the NAS), everything
// local is deleted as if the host were lost, and the data comes back from the repository alone, through
// offsite.sh restore and scripts/restore.sh. Only Qdrant (an HTTP stand-in) and docker (a shell stub)
// are not real.
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { SCRIPTS_DIR } from "../../components/backups.js";
import { renderBackupEnv } from "../../renderers/backup.js";
import { offsitePaths, renderOffsiteCredentials } from "../../renderers/offsite.js";
import { startQdrantStandIn } from "../support/qdrantStandIn.js";
import { requiresTool } from "../support/requires.js";

const KEY = "qdrant-round-trip-key";
const NEW_KEY = "qdrant-key-of-the-new-host";
const PASSWORD = "restic-round-trip-password-7f3a";
const CREDENTIAL = "AKIA-ROUND-TRIP-NEVER-PRINTED";
// A marker that would show in the repository's files if restic stored anything unencrypted.
const MARKER = "PLAINTEXT-MARKER-OF-THE-CODE-COLLECTION";
const COLLECTIONS: Record<string, Buffer> = {
  code: Buffer.concat([Buffer.from(MARKER), Buffer.from([0, 1, 2, 255]), Buffer.alloc(200_000, 7)]),
  "docs v2": Buffer.from("snapshot bytes of the docs collection ".repeat(500)),
};
const settings = {
  enabled: true,
  schedule: "15 3 * * *",
  retention: 3,
  offsite: { repository: "", keepDaily: 7, keepWeekly: 4, checkSchedule: "45 4 * * 0" },
};

let root: string;
const p = () => ({
  tool: join(root, "backup"),
  backups: join(root, "backups"),
  textfile: join(root, "backup", "textfile"),
  grafana: join(root, "grafana"),
  state: join(root, "state"),
  repo: join(root, "nas", "restic"),
  env: join(root, "backup", "backup.env"),
  argv: join(root, "argv.log"),
});

interface Run {
  readonly code: number;
  readonly out: string;
}
function run(script: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      [join(SCRIPTS_DIR, script), ...args],
      { env: { ...process.env, PATH: `${join(root, "bin")}:${process.env["PATH"]}`, ...extraEnv }, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}
const offsite = (...args: string[]) => run("offsite.sh", [p().env, ...args]);
const outputs: string[] = [];
async function ok(r: Promise<Run>): Promise<Run> {
  const done = await r;
  outputs.push(done.out);
  expect(done.code, done.out).toBe(0);
  return done;
}

/** Every file under a folder: relative path → bytes (folders as "<dir>"). */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .sort()
      .map((f) => [f, statSync(join(dir, f)).isDirectory() ? "<dir>" : readFileSync(join(dir, f)).toString("base64")]),
  );
}

function writeEnv(toolDir: string) {
  const input = {
    stack: "dev",
    settings: { ...settings, offsite: { ...settings.offsite, repository: p().repo } },
    layout: { toolDir, backupsDir: p().backups, textfileDir: p().textfile, cronDir: join(root, "cron.d") },
    qdrantUrl: qdrantUrl,
    grafanaData: p().grafana,
    grafanaContainer: "",
    configSources: ["ai-gateway-dev-litellm:/etc/litellm/config.yaml"],
    stateDir: p().state,
  };
  writeFileSync(p().env, renderBackupEnv(input), { mode: 0o600 });
}

/** What `pulumi up` puts on a host: the tool folder, the key and the two off-host secrets (0600). */
function installHostSecrets() {
  mkdirSync(p().tool, { recursive: true, mode: 0o711 });
  writeFileSync(join(p().tool, "qdrant-api-key"), KEY, { mode: 0o600 });
  writeFileSync(offsitePaths(p().tool).passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(offsitePaths(p().tool).envFile, renderOffsiteCredentials({ AWS_ACCESS_KEY_ID: CREDENTIAL }), { mode: 0o600 });
  writeEnv(p().tool);
}

let qdrantUrl = "";
let original: { grafana: Record<string, string> };

const restic = requiresTool("restic", "apt-get install -y restic", ["version"]);

describe("a real restic round trip: back up, send off-host, lose the host, restore", () => {
  let qdrant: Awaited<ReturnType<typeof startQdrantStandIn>>;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "aigw-restic-"));
    qdrant = await startQdrantStandIn(KEY, COLLECTIONS);
    qdrantUrl = qdrant.url;
    mkdirSync(join(p().grafana, "plugins", "panel"), { recursive: true });
    writeFileSync(join(p().grafana, "grafana.db"), Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(65_536, 3)]));
    writeFileSync(join(p().grafana, "plugins", "panel", "module.js"), "export const plugin = 1;\n");
    mkdirSync(p().state, { recursive: true });
    writeFileSync(join(p().state, "dev.json"), "{}");
    mkdirSync(join(root, "bin"));
    // `docker cp <container>:<path> -` writes a tar stream; the stand-in writes a recognisable one.
    writeFileSync(join(root, "bin", "docker"), '#!/bin/sh\n[ "$1" = cp ] && [ "$3" = - ] && echo "tar of $2" && exit 0\nexit 0\n');
    // restic is the real one, behind a shim that records every command line (what `ps` shows).
    writeFileSync(join(root, "bin", "restic"), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${p().argv}\nexec /usr/bin/restic "$@"\n`);
    for (const f of ["docker", "restic"]) chmodSync(join(root, "bin", f), 0o755);
    mkdirSync(join(root, "nas"));
    installHostSecrets();
    original = { grafana: tree(p().grafana) };
  });
  afterAll(async () => {
    await qdrant?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  restic.it(`restores byte-identical Qdrant snapshots and Grafana data from the repository alone${restic.why}`, { timeout: 300_000 }, async () => {
    await ok(offsite("init"));

    // Two backups on one day, each sent by backup.sh itself: keep-daily then keeps only the newer one off-host.
    for (const ts of ["20260101T031500Z", "20260101T151500Z"]) {
      const r = await ok(run("backup.sh", [p().env], { BACKUP_TIMESTAMP: ts }));
      expect(r.out).toContain(`offsite: complete: ${p().backups}/${ts} sent`);
    }
    const metrics = readFileSync(join(p().textfile, "ai_gateway_offsite.prom"), "utf8");
    expect(metrics).toMatch(/^ai_gateway_offsite_last_success_timestamp_seconds \d+$/m);
    expect(metrics).toMatch(/^ai_gateway_offsite_last_size_bytes [1-9]\d*$/m);
    expect(metrics).toMatch(/^ai_gateway_offsite_last_duration_seconds \d+$/m);
    const listed = (await ok(offsite("snapshots"))).out;
    expect(listed).toContain("1 snapshots");
    expect(listed).toContain(`${p().backups}/20260101T151500Z`);
    await ok(offsite("check"));
    expect(readFileSync(join(p().textfile, "ai_gateway_offsite_check.prom"), "utf8")).toMatch(/^ai_gateway_offsite_check_last_success_timestamp_seconds \d+$/m);

    // The repository is encrypted: no file in it holds the snapshot's bytes in the clear.
    for (const f of readdirSync(p().repo, { recursive: true, encoding: "utf8" })) {
      const full = join(p().repo, f);
      if (statSync(full).isFile()) expect(readFileSync(full).includes(MARKER), f).toBe(false);
    }

    // The host is lost: backups, Grafana's data, the tool folder with restic's cache, the metrics.
    rmSync(p().backups, { recursive: true, force: true });
    rmSync(p().tool, { recursive: true, force: true });
    rmSync(p().grafana, { recursive: true, force: true });
    rmSync(p().state, { recursive: true, force: true });
    // A new host: `pulumi up` creates Grafana's (empty) data folder and installs the tool folder and secrets.
    mkdirSync(p().grafana);
    installHostSecrets();
    // A new Qdrant, empty, with the key the new host's `pulumi up` generated.
    writeFileSync(join(p().tool, "qdrant-api-key"), NEW_KEY, { mode: 0o600 });
    const fresh = await startQdrantStandIn(NEW_KEY, {});
    qdrantUrl = fresh.url;
    writeEnv(p().tool);
    try {
      // docs/operations.md, "Disaster recovery", step 4: exactly these two commands.
      expect((await ok(offsite("snapshots"))).out).toContain("1 snapshots");
      const r = await ok(run("restore.sh", [p().env, "--from-offsite", "latest"]));
      expect(r.out).toContain("offsite: restored snapshot latest");
      expect(tree(p().grafana)).toEqual(original.grafana);
      expect(fresh.uploads.map((u) => u.collection).sort()).toEqual(Object.keys(COLLECTIONS).sort());
      for (const u of fresh.uploads) expect(u.bytes.equals(COLLECTIONS[u.collection]!), u.collection).toBe(true);
      // The fetched copy is removed again; only the backups folder's own files remain.
      expect(readdirSync(p().backups).filter((f) => f.startsWith(".offsite-"))).toEqual([]);
    } finally {
      await fresh.close();
      qdrantUrl = qdrant.url;
      writeFileSync(join(p().tool, "qdrant-api-key"), KEY, { mode: 0o600 });
      writeEnv(p().tool);
    }

    // No secret on any restic command line or in anything the scripts printed.
    const argv = readFileSync(p().argv, "utf8");
    expect(argv).toContain("backup --host ai-gateway-dev --tag ai-gateway");
    for (const secret of [PASSWORD, CREDENTIAL, KEY, NEW_KEY]) {
      expect(argv.includes(secret)).toBe(false);
      expect(outputs.join("\n").includes(secret)).toBe(false);
    }
  });

  restic.it(`keeps the last success in the metrics when a copy fails, and the local backup${restic.why}`, { timeout: 120_000 }, async () => {
    await ok(run("backup.sh", [p().env], { BACKUP_TIMESTAMP: "20260102T031500Z" }));
    const before = readFileSync(join(p().textfile, "ai_gateway_offsite.prom"), "utf8");
    // The NAS is not mounted: the repository's path is missing.
    renameSync(p().repo, `${p().repo}.unmounted`);
    try {
      // backup.sh still succeeds: the local copy is complete and recorded; the failed copy is logged.
      const r = await ok(run("backup.sh", [p().env], { BACKUP_TIMESTAMP: "20260103T031500Z" }));
      expect(r.out).toContain("offsite: FAILED: restic backup");
      expect(r.out).toContain(`off-host copy of ${p().backups}/20260103T031500Z FAILED (exit 1); the local backup is complete`);
      expect(readFileSync(join(p().textfile, "ai_gateway_backup.prom"), "utf8")).toMatch(/^ai_gateway_backup_last_success_timestamp_seconds \d+$/m);
      // A restore from off-host says why it cannot, and changes nothing.
      const restore = await run("restore.sh", [p().env, "--from-offsite", "latest"]);
      expect(restore.code).toBe(2);
      expect(restore.out).toContain("restore: refused, nothing was changed: could not fetch latest from the off-host repository");
      expect(readFileSync(join(p().textfile, "ai_gateway_offsite.prom"), "utf8")).toBe(before);
      expect(existsSync(join(p().backups, "20260103T031500Z", "MANIFEST.sha256"))).toBe(true);
      // Nothing was written where the mount should be.
      expect(existsSync(p().repo)).toBe(false);
    } finally {
      renameSync(`${p().repo}.unmounted`, p().repo);
    }
  });
});
