// Fault injection, restores: the real restore.sh given damaged backups, a full disk and a swap that
// fails after Grafana was stopped, and a restore that succeeds; stand-ins only for Qdrant (an HTTP
// server) and docker (a script). After every case the suite also checks that the newest complete backup
// from before the case still verifies, that live data changed only where a restore succeeded, that the
// metrics file tells the truth and that nothing in the backups is readable by group or others
// (test/support/backupFaultCase.ts).
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { A, faultSuite, twoBackups } from "../support/backupFaultCase.js";
import { sha, tree } from "../support/backupFaultHarness.js";

const faultCase = faultSuite("restores");

/** An older backup, damaged by `damage`, while the newest stays intact; restore must refuse it. */
function refusedRestore(name: string, damage: (dir: string) => void, message: RegExp) {
  faultCase(name, "restore refuses it (exit 2), changes nothing and leaves Grafana running", { prepare: twoBackups }, async (h) => {
    const dir = join(h.backups, A);
    damage(dir);
    writeFileSync(join(h.grafana, "grafana.db"), "changed since the backup");
    const live = h.grafanaTree();
    const r = await h.restore(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(h.dockerLog, "utf8")).not.toMatch(/^stop/m);
    return { grafanaRestoredTo: live };
  });
}
refusedRestore("a corrupt file in a backup", (d) => writeFileSync(join(d, "qdrant", "code.snapshot"), "bit rot"), /does not match its manifest: it is corrupt/);
refusedRestore("a partial backup (a listed file missing)", (d) => rmSync(join(d, "grafana.tar.gz")), /does not match its manifest: it is corrupt/);
refusedRestore("a partial backup (no manifest)", (d) => rmSync(join(d, "MANIFEST.sha256")), /has no MANIFEST\.sha256: it is partial/);
refusedRestore("an extra file in a backup", (d) => writeFileSync(join(d, "qdrant", "evil.snapshot"), "x", { mode: 0o600 }), /holds files its manifest does not list/);

faultCase(
  "a restore that succeeds",
  "Qdrant gets every snapshot with its checksum, Grafana's data is swapped in whole with its owner and mode, Grafana runs",
  { prepare: (h) => h.good(A).then(() => undefined) },
  async (h) => {
    const atBackup = h.grafanaTree();
    rmSync(join(h.grafana, "plugins"), { recursive: true });
    writeFileSync(join(h.grafana, "grafana.db"), "changed since the backup");
    writeFileSync(join(h.grafana, "new.txt"), "made after the backup");
    const r = await h.restore(join(h.backups, A));
    expect(r.code, r.stderr).toBe(0);
    for (const u of h.qdrant.state.uploads) {
      expect(u.query.get("checksum")).toBe(sha(h.collections.get(u.collection)!));
      expect(u.query.get("priority")).toBe("snapshot");
    }
    expect(h.qdrant.state.rawPaths.some((p) => p.startsWith("POST /collections/team%20notes%231/snapshots/upload?"))).toBe(true);
    expect(readFileSync(h.dockerLog, "utf8")).toMatch(/^stop ai-gateway-test-grafana\nstart ai-gateway-test-grafana\n$/m);
    // Nothing left beside the live folder: neither the unpacked copy nor the old data.
    expect(readdirSync(h.grafanaParent)).toEqual(["grafana"]);
    return { grafanaRestoredTo: atBackup, qdrantRestored: [...h.collections.keys()] };
  },
);

faultCase(
  "a restore onto a full disk (tmpfs under Grafana's data)",
  "fails saying nothing was changed; the live data stays, Grafana runs, Qdrant is not touched, no temp folder is left",
  {
    needsMount: true,
    grafanaDbBytes: 300 * 1024,
    prepare: async (h) => {
      // Grafana's data moves onto a small filesystem before the backup, so the backup holds it.
      rmSync(h.grafanaParent, { recursive: true });
      h.mountTmpfs(h.grafanaParent, 1024 * 1024);
      mkdirSync(join(h.grafana, "plugins"), { recursive: true });
      writeFileSync(join(h.grafana, "grafana.db"), randomBytes(300 * 1024));
      writeFileSync(join(h.grafana, "plugins", "p.txt"), "plugin");
      await h.good(A);
      writeFileSync(join(h.grafanaParent, "filler.bin"), randomBytes(600 * 1024));
    },
  },
  async (h) => {
    writeFileSync(join(h.grafana, "grafana.db"), randomBytes(300 * 1024));
    const live = h.grafanaTree();
    const r = await h.restore(join(h.backups, A));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAILED: could not unpack .*grafana\.tar\.gz into .*\.grafana\.restore-\w+ \(\d+ bytes free in .*\); that folder was removed\. Nothing was changed/);
    expect(readdirSync(h.grafanaParent).sort()).toEqual(["filler.bin", "grafana"]);
    return { grafanaRestoredTo: live };
  },
);

faultCase(
  "a restore whose swap fails after Grafana was stopped (its data folder is a mount point)",
  "the trap starts Grafana again, the live data stays, the message says what was restored and what was left",
  {
    needsMount: true,
    prepare: async (h) => {
      await h.good(A);
      const files = tree(h.grafana);
      rmSync(h.grafana, { recursive: true });
      h.mountTmpfs(h.grafana, 256 * 1024);
      chmodSync(h.grafana, 0o750);
      mkdirSync(join(h.grafana, "plugins"));
      writeFileSync(join(h.grafana, "grafana.db"), "sqlite bytes");
      writeFileSync(join(h.grafana, "plugins", "p.txt"), "plugin");
      expect(tree(h.grafana)).toEqual(files);
    },
  },
  async (h) => {
    writeFileSync(join(h.grafana, "grafana.db"), "changed since the backup");
    const live = h.grafanaTree();
    const r = await h.restore(join(h.backups, A));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAILED: cannot move ${h.grafana} aside; it is unchanged. Qdrant: code, team notes#1 restored`);
    expect(readFileSync(h.dockerLog, "utf8")).toMatch(/stop ai-gateway-test-grafana\nstart ai-gateway-test-grafana\n$/);
    expect(readdirSync(h.grafanaParent)).toEqual(["grafana"]);
    return { grafanaRestoredTo: live, qdrantRestored: [...h.collections.keys()] };
  },
);
