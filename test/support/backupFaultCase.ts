// One fault case of the backup fault suite (test/integration/backupFaults.*.test.ts): a fresh Harness,
// the case's own checks, then the checks run after every case; and the closing table of each file's
// cases, their expectations and whether each held.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { canMount, Harness, MOUNT_SKIP, sha, verifies, type HarnessOptions, type Tree } from "./backupFaultHarness.js";

export const A = "20260101T031500Z";
export const B = "20260102T031500Z";
export const C = "20260103T031500Z";
export const twoBackups = async (h: Harness) => {
  await h.good(A);
  await h.good(B);
};

export interface Before {
  readonly newest?: string;
  readonly grafana: Tree;
  readonly metrics: string | null;
  readonly collections: Map<string, string>;
  readonly started: number;
}
export interface Outcome {
  /** The backup the case made: the metrics must describe it. Otherwise they must not have changed. */
  readonly newBackup?: string;
  /** Grafana's data as a successful restore must have left it; otherwise it must not have changed. */
  readonly grafanaRestoredTo?: Tree;
  /** Collections Qdrant was asked to recover; otherwise no upload at all. */
  readonly qdrantRestored?: readonly string[];
}

async function afterEveryCase(h: Harness, before: Before, outcome: Outcome) {
  // The newest complete backup from before the case still verifies.
  if (before.newest) expect(verifies(join(h.backups, before.newest)), `${before.newest} still verifies`).toBe(true);
  // Live data: unchanged unless a restore succeeded.
  expect(h.grafanaTree(), "Grafana's data").toEqual(outcome.grafanaRestoredTo ?? before.grafana);
  expect(h.grafanaRunning(), "Grafana runs").toBe(true);
  expect(new Map([...h.collections].map(([k, v]) => [k, sha(v)]))).toEqual(before.collections);
  expect(h.qdrant.state.uploads.map((u) => u.collection).sort()).toEqual([...(outcome.qdrantRestored ?? [])].sort());
  for (const u of h.qdrant.state.uploads) expect(u.bytes.equals(h.collections.get(u.collection)!), u.collection).toBe(true);
  // The metrics tell the truth.
  const m = h.metrics();
  if (outcome.newBackup) {
    const dir = join(h.backups, outcome.newBackup);
    expect(verifies(dir), `${outcome.newBackup} verifies`).toBe(true);
    const at = Number(/^ai_gateway_backup_last_success_timestamp_seconds (\d+)$/m.exec(m ?? "")?.[1]);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before.started / 1000));
    expect(at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    const du = Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
    expect(m).toMatch(new RegExp(`^ai_gateway_backup_last_size_bytes ${du}$`, "m"));
  } else {
    expect(m, "the metrics did not change").toBe(before.metrics);
  }
  // No run leaves its working folder behind, and nothing is readable by group or others.
  expect(h.entries().filter((n) => n.startsWith(".tmp-"))).toEqual([]);
  if (existsSync(h.backups)) {
    // The root, the lock and every backup; foreign entries are the test's own and keep their modes.
    const ours = (f: string) => f === "" || f === ".lock" || /^\d{8}T\d{6}Z(\/|$)/.test(f);
    const loose = ["", ...readdirSync(h.backups, { recursive: true, encoding: "utf8" })]
      .filter((f) => ours(f) && (statSync(join(h.backups, f)).mode & 0o077) !== 0)
      .map((f) => join(h.backups, f));
    expect(loose, "readable by group or others").toEqual([]);
  }
}

interface Row {
  readonly name: string;
  readonly expectation: string;
  held: boolean | "skipped";
  ms: number;
}

function printTable(part: string, rows: readonly Row[]) {
  const held = (r: Row) => (r.held === "skipped" ? "skipped" : r.held ? "held" : "NOT HELD");
  const w = [Math.max(4, ...rows.map((r) => r.name.length)), Math.max(11, ...rows.map((r) => r.expectation.length))] as const;
  const line = (a: string, b: string, c: string, d: string) => `| ${a.padEnd(w[0])} | ${b.padEnd(w[1])} | ${c.padEnd(8)} | ${d.padStart(6)} |`;
  console.log(
    [
      `Backup fault cases (${part}): ${rows.filter((r) => r.held === true).length} of ${rows.length} held`,
      line("Case", "Expectation", "Result", "ms"),
      line("-".repeat(w[0]), "-".repeat(w[1]), "-".repeat(8), "-".repeat(6)),
      ...rows.map((r) => line(r.name, r.expectation, held(r), String(r.ms))),
    ].join("\n"),
  );
}

export type CaseOptions = HarnessOptions & { readonly needsMount?: boolean; readonly prepare?: (h: Harness) => Promise<void> };
export type FaultCase = (name: string, expectation: string, opts: CaseOptions, body: (h: Harness, before: Before) => Promise<Outcome | void>) => void;

/** The faultCase of one test file; after its cases, the file prints their table under `part`. */
export function faultSuite(part: string): FaultCase {
  const rows: Row[] = [];
  afterAll(() => printTable(part, rows));
  return (name, expectation, opts, body) => {
    const skip = opts.needsMount && !canMount;
    const row: Row = { name, expectation, held: skip ? "skipped" : false, ms: 0 };
    rows.push(row);
    (skip ? it.skip : it)(`${name}: ${expectation}${skip ? MOUNT_SKIP : ""}`, async () => {
      const t0 = Date.now();
      const h = await new Harness(opts).start();
      try {
        await opts.prepare?.(h);
        const complete = h.complete();
        const before: Before = {
          ...(complete.length ? { newest: complete[complete.length - 1]! } : {}),
          grafana: h.grafanaTree(),
          metrics: h.metrics(),
          collections: new Map([...h.collections].map(([k, v]) => [k, sha(v)])),
          started: Date.now(),
        };
        const outcome = (await body(h, before)) ?? {};
        await afterEveryCase(h, before, outcome);
        row.held = true;
      } finally {
        row.ms = Date.now() - t0;
        await h.close();
      }
    });
  };
}
