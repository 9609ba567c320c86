// Fault injection, secrets: a real backup and restore with every program the scripts start recorded (by
// shims, and by strace where installed), checking that the Qdrant key is on no command line and in no
// program's environment. After the case the suite runs the checks it runs after every fault case
// (test/support/backupFaultCase.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { A, B, faultSuite } from "../support/backupFaultCase.js";
import { HAS_STRACE, KEY } from "../support/backupFaultHarness.js";
import { SHIMMED } from "../support/backupShims.js";

const faultCase = faultSuite("secrets");

faultCase(
  "a secret on a command line",
  `no argv of any program the scripts start, nor its environment, holds the Qdrant key${HAS_STRACE ? " (shims and strace)" : " (shims; strace not installed)"}`,
  { prepare: (h) => h.good(A).then(() => undefined) },
  async (h) => {
    const trace = join(h.root, "strace.log");
    const wrap = HAS_STRACE ? ["strace", "-f", "-qq", "-e", "trace=execve", "-s", "100000", "-o", trace] : [];
    const b = await h.spawn("backup.sh", [h.envFile], { BACKUP_TIMESTAMP: B }, wrap).done;
    expect(b.code, b.stderr).toBe(0);
    const r = await h.spawn("restore.sh", [h.envFile, join(h.backups, B)], {}, wrap).done;
    expect(r.code, r.stderr).toBe(0);
    const argv = readFileSync(h.argvLog, "utf8");
    // Qdrant accepted every call, so the key reached it; the shims saw curl many times.
    expect(argv.match(/^curl /gm)!.length).toBeGreaterThanOrEqual(3 * 2 + 1 + 2 * 2);
    expect(argv).not.toContain("ENV-LEAK");
    expect(argv).not.toContain(KEY);
    expect(b.stderr + r.stderr).not.toContain(KEY);
    if (HAS_STRACE) {
      const execs = readFileSync(trace, "utf8");
      expect(execs).not.toContain(KEY);
      // The shims cover every program the scripts start (so a host without strace checks them all too).
      const programs = new Set([...execs.matchAll(/execve\("[^"]*\/([^"/]+)"/g)].map((m) => m[1]!));
      const covered = new Set([...SHIMMED, "docker", "bash", "sh", "env", "grep", "strace"]);
      expect([...programs].filter((p) => !covered.has(p))).toEqual([]);
    }
    return { newBackup: B, grafanaRestoredTo: h.grafanaTree(), qdrantRestored: [...h.collections.keys()] };
  },
);
