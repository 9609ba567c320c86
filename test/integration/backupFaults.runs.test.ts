// Fault injection, backup runs: the real backup.sh under the faults of an operator's bad night (foreign
// folders, concurrent and killed runs, a full disk, a failing Qdrant), with stand-ins only for Qdrant (an
// HTTP server) and docker (a script). Each case states what must be true afterwards; after every case the
// suite also checks that the newest complete backup from before the case still verifies, that live data
// did not change, that the metrics file tells the truth and that nothing in the backups is readable by
// group or others (test/support/backupFaultCase.ts). Restores: backupFaults.restore.test.ts; secrets on
// command lines: backupFaults.secrets.test.ts.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { A, B, C, faultSuite, twoBackups } from "../support/backupFaultCase.js";
import { startQdrant, tree } from "../support/backupFaultHarness.js";

const faultCase = faultSuite("backup runs");

faultCase(
  "a foreign folder in the backups root",
  "it and other foreign entries are never touched or counted; retention keeps the new backup",
  {
    retention: 2,
    prepare: async (h) => {
      await twoBackups(h);
      // Sorts after every timestamp, and looks like a backup: it once made retention delete each new one.
      mkdirSync(join(h.backups, "pre-upgrade-manual", "qdrant"), { recursive: true });
      writeFileSync(join(h.backups, "pre-upgrade-manual", "qdrant", "code.snapshot"), "by hand");
      writeFileSync(join(h.backups, "pre-upgrade-manual", "MANIFEST.sha256"), "");
      writeFileSync(join(h.backups, "notes.txt"), "mine");
      mkdirSync(join(h.backups, ".tmp-by-hand"));
    },
  },
  async (h) => {
    const foreign = () => ({ manual: tree(join(h.backups, "pre-upgrade-manual")), notes: readFileSync(join(h.backups, "notes.txt"), "utf8") });
    const was = foreign();
    const r = await h.backup(C);
    expect(r.code, r.stderr).toBe(0);
    expect(h.entries()).toEqual([".tmp-by-hand", B, C, "notes.txt", "pre-upgrade-manual"]);
    expect(foreign()).toEqual(was);
    rmSync(join(h.backups, ".tmp-by-hand"), { recursive: true }); // not the suite's to judge: the run left it alone
    return { newBackup: C };
  },
);

faultCase(
  "two concurrent runs",
  "the second exits 0 saying another run holds the lock, touching nothing; the first completes",
  { prepare: (h) => h.good(A).then(() => undefined) },
  async (h) => {
    h.qdrant.state.mode = "slow";
    const first = h.spawn("backup.sh", [h.envFile], { BACKUP_TIMESTAMP: B });
    await h.qdrant.downloadStarted;
    const second = await h.backup(C);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/skipped: another backup run holds .*\.lock/);
    // The first run's working folder survived the second run.
    expect(h.entries()).toEqual([`.tmp-${B}`, A]);
    h.qdrant.release();
    const r = await first.done;
    expect(r.code, r.stderr).toBe(0);
    expect(h.entries()).toEqual([A, B]);
    return { newBackup: B };
  },
);

faultCase(
  "a run killed mid-way (SIGKILL during a slow download), then the next run",
  "the killed run leaves no complete folder and no success; the next run removes its .tmp- folder and succeeds",
  { prepare: (h) => h.good(A).then(() => undefined) },
  async (h) => {
    const metrics = h.metrics();
    h.qdrant.state.mode = "slow";
    const killed = h.spawn("backup.sh", [h.envFile], { BACKUP_TIMESTAMP: B });
    await h.qdrant.downloadStarted;
    process.kill(-killed.pid, "SIGKILL");
    const k = await killed.done;
    expect(k.signal).toBe("SIGKILL");
    expect(h.entries()).toEqual([`.tmp-${B}`, A]);
    expect(h.metrics()).toBe(metrics);
    h.qdrant.state.mode = "ok";
    h.qdrant.release();
    const r = await h.backup(C);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removed ${h.backups}/.tmp-${B}, left by a run that did not finish`);
    expect(h.entries()).toEqual([A, C]);
    return { newBackup: C };
  },
);

// A backup here is about 2 × 400 KiB of snapshots; the run wants the newest one's size + 1/5 + 1 MiB free.
const BIG = 400 * 1024;
faultCase(
  "a full disk (tmpfs), room after pruning",
  "the oldest backup is pruned and named, never the newest; the new backup is written",
  {
    needsMount: true,
    snapshotBytes: BIG,
    prepare: async (h) => {
      h.mountTmpfs(h.backups, 3 * 1024 * 1024);
      await twoBackups(h);
    },
  },
  async (h) => {
    const r = await h.backup(C);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`disk full: removed the oldest backup ${h.backups}/${A} to make room`);
    expect(h.entries()).toEqual([B, C]);
    return { newBackup: C };
  },
);

faultCase(
  "a full disk (tmpfs), no room even after pruning",
  "fails naming the space needed and free; removes nothing, not even the older backup",
  {
    needsMount: true,
    snapshotBytes: BIG,
    prepare: async (h) => {
      h.mountTmpfs(h.backups, 3 * 1024 * 1024);
      await twoBackups(h);
      writeFileSync(join(h.backups, "keep-me.bin"), randomBytes(700 * 1024));
    },
  },
  async (h) => {
    const r = await h.backup(C);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAILED: not enough space in .*: need about \d+ bytes, \d+ free, \d+ more if every backup but the newest .* were removed; nothing was removed/);
    expect(h.entries()).toEqual([A, B, "keep-me.bin"]);
  },
);

faultCase(
  "the disk fills up during the run (tmpfs)",
  "fails saying so, removes its half-written folder; the previous backup stays",
  {
    needsMount: true,
    snapshotBytes: 8 * 1024,
    prepare: async (h) => {
      h.mountTmpfs(h.backups, 1536 * 1024);
      await h.good(A);
      // Qdrant grew since A: the estimate from A's size says it fits, the disk says otherwise.
      for (const k of h.collections.keys()) h.collections.set(k, randomBytes(800 * 1024));
    },
  },
  async (h) => {
    const r = await h.backup(B);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAILED: .* bytes free in /);
    expect(h.entries()).toEqual([A]);
  },
);

faultCase("Qdrant unreachable", "fails naming Qdrant's URL; no new folder, no success recorded", { prepare: (h) => h.good(A).then(() => undefined) }, async (h) => {
  const closed = await startQdrant(new Map());
  await closed.close();
  h.writeEnv(closed.url);
  const r = await h.backup(B);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`FAILED: cannot list Qdrant collections at ${closed.url}`);
  expect(h.entries()).toEqual([A]);
});

faultCase("Qdrant answering 500", "fails; no new folder, no success recorded", { prepare: (h) => h.good(A).then(() => undefined) }, async (h) => {
  h.qdrant.state.mode = "500";
  const r = await h.backup(B);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("FAILED: cannot list Qdrant collections");
  expect(h.entries()).toEqual([A]);
});

faultCase(
  "Qdrant answering 500 to one snapshot download",
  "fails naming the collection; no new folder, no success recorded",
  { prepare: (h) => h.good(A).then(() => undefined) },
  async (h) => {
    h.qdrant.state.mode = "500-download";
    const r = await h.backup(B);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAILED: download of snapshot team notes#1-\d+\.snapshot of team notes#1/);
    expect(h.entries()).toEqual([A]);
  },
);

faultCase(
  "Qdrant answering pretty-printed JSON",
  "every collection is backed up, names URL-encoded in requests",
  { prepare: (h) => h.good(A).then(() => undefined) },
  async (h) => {
    h.qdrant.state.mode = "pretty";
    h.qdrant.state.rawPaths.length = 0;
    const r = await h.backup(B);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(h.backups, B);
    expect(readdirSync(join(dir, "qdrant")).sort()).toEqual(["code.snapshot", "team notes#1.snapshot"]);
    for (const [c, bytes] of h.collections) expect(readFileSync(join(dir, "qdrant", `${c}.snapshot`)).equals(bytes), c).toBe(true);
    expect(h.qdrant.state.rawPaths).toContain("POST /collections/team%20notes%231/snapshots?wait=true");
    // Every snapshot taken was deleted from Qdrant's folder again.
    expect([...h.qdrant.state.kept]).toEqual([]);
    return { newBackup: B };
  },
);
