// The rollback tool run as a user runs it, in a real git repository, with fake `pulumi` and `npm`
// executables on PATH that replay history JSON and log every call with its folder.
// The main history was recorded with the real Pulumi CLI 3.248.0 on a file backend, the project's
// default: every entry has version 0, one update ran from a dirty tree, one entry is a refresh.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";

const TOOL = resolve("tools/rollback.ts");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;
const RECORDED = JSON.parse(readFileSync(resolve("test/integration/fixtures/stack-history.file-backend.json"), "utf8")) as {
  kind: string;
  startTime: string;
  message: string;
  result: string;
  version: number;
  environment: Record<string, string>;
}[];
// The commits the recording ran from, in the order of its list (newest first).
const RECORDED_LATER = "6726148ec17efd87bf066be95f74ee84265d4f1f";
const RECORDED_GOOD = "1278df75";

let root: string;
let repo: string;
let log: string;
let path: string;
let commits: { good: string; later: string };

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
}

/** The recorded history with its commits replaced by this test repository's. */
function fileBackendHistory() {
  return RECORDED.map((h) => {
    const head = h.environment["git.head"]!;
    const mapped = head === RECORDED_LATER ? commits.later : head.startsWith(RECORDED_GOOD) ? commits.good : head;
    return { ...h, environment: { ...h.environment, "git.head": mapped } };
  });
}

function useHistory(history: unknown) {
  writeFileSync(join(root, "history.json"), JSON.stringify(history));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "aigw-rollback-"));
  repo = join(root, "repo");
  mkdirSync(repo);
  git("init", "-q", "-b", "main");
  git("config", "user.email", "t@example.com");
  git("config", "user.name", "t");
  // A project like this one: its state in a relative file backend, its SDK version in package.json.
  copyFileSync(resolve("Pulumi.yaml"), join(repo, "Pulumi.yaml"));
  writeFileSync(join(repo, "package.json"), JSON.stringify({ dependencies: { "@pulumi/pulumi": "3.248.0" } }));
  writeFileSync(join(repo, "marker.txt"), "known good\n");
  git("add", ".");
  git("commit", "-qm", "good");
  const good = git("rev-parse", "HEAD");
  writeFileSync(join(repo, "marker.txt"), "broken\n");
  git("commit", "-qam", "later");
  commits = { good, later: git("rev-parse", "HEAD") };
  useHistory(fileBackendHistory());

  const bin = join(root, "bin");
  mkdirSync(bin);
  log = join(root, "calls.log");
  // Each call is logged as "<program> <args> @ <folder> [marker] <backend>": the marker shows which
  // commit the folder holds, the backend which state the CLI would open.
  const fake = (name: string, body: string) => {
    writeFileSync(
      join(bin, name),
      `#!/bin/sh\n[ "$1" = "version" ] && { echo v3.248.0; exit 0; }\nmarker=$(cat marker.txt 2>/dev/null | tr -d '\\n')\necho "${name} $* @ $PWD [$marker] \${PULUMI_BACKEND_URL:-none}" >> ${log}\n${body}\n`,
    );
    chmodSync(join(bin, name), 0o755);
  };
  fake("pulumi", `[ "$1 $2" = "stack history" ] && cat ${join(root, "history.json")}\nexit 0`);
  fake("npm", "exit 0");
  path = `${bin}:${process.env["PATH"]}`;
});

function rollback(args: string[], stdin = "") {
  const r = spawnSync(process.execPath, ["--import", TSX, TOOL, ...args], {
    cwd: repo,
    input: stdin,
    encoding: "utf8",
    env: { ...process.env, PATH: path, PULUMI_BACKEND_URL: "" },
    timeout: 30_000,
  });
  const calls = (() => {
    try {
      return readFileSync(log, "utf8").trim().split("\n");
    } catch {
      return [];
    }
  })();
  return { ...r, calls };
}

const HISTORY_CALL = () => `pulumi stack history --json --page-size 1000 --stack prod @ ${repo} [broken] none`;

describe("rollback on a file backend (recorded history: every version is 0)", () => {
  it("lists every entry numbered by position, newest first, with kind, result and dirty updates marked", () => {
    const r = rollback(["--stack", "prod", "--list"]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^#\s+VERSION\s+STARTED\s+KIND\s+RESULT\s+COMMIT\s+MESSAGE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 5))).toEqual([
      ["1", "-", "2026-11-28T08:34:50.000Z", "update", "succeeded"],
      ["2", "-", "2026-11-28T08:34:45.000Z", "refresh", "succeeded"],
      ["3", "-", "2026-11-28T08:34:34.000Z", "update", "succeeded"],
      ["4", "-", "2026-11-28T08:34:25.000Z", "update", "succeeded"],
    ]);
    expect(lines[3]).toContain(`${commits.good.slice(0, 12)} (dirty)`);
    expect(lines[4]).not.toContain("(dirty)");
    // The whole history, not the CLI's default page of 10.
    expect(r.calls).toEqual([HISTORY_CALL()]);
  });

  it("rolls back to a position: preview and up from a worktree of its commit, on this checkout's state", () => {
    const r = rollback(["--stack", "prod", "--position", "4", "--yes"]);
    expect(r.status, r.stderr).toBe(0);
    const worktree = /npm ci --no-audit --no-fund @ (\S+) /.exec(r.calls.join("\n"))![1]!;
    // The relative file backend of Pulumi.yaml would resolve inside the worktree: the tool pins it to this checkout's.
    const state = `file://${repo}/.pulumi-state`;
    const label = `#4 (2026-11-28T08:34:25.000Z, ${commits.good.slice(0, 12)})`;
    expect(r.calls).toEqual([
      HISTORY_CALL(),
      `npm ci --no-audit --no-fund @ ${worktree} [known good] ${state}`,
      `pulumi preview --diff --stack prod @ ${worktree} [known good] ${state}`,
      `pulumi up --yes --stack prod --message rollback to ${label} @ ${worktree} [known good] ${state}`,
    ]);
    // The worktree is gone and the user's checkout is untouched.
    expect(git("worktree", "list").split("\n")).toHaveLength(1);
    expect(readFileSync(join(repo, "marker.txt"), "utf8")).toBe("broken\n");
  });

  it("picks by commit the newest clean good update from it, and by start time exactly that entry", () => {
    const byCommit = rollback(["--stack", "prod", "--commit", commits.good.slice(0, 8), "--yes"]);
    expect(byCommit.status, byCommit.stderr).toBe(0);
    expect(byCommit.calls.at(-1)).toContain("rollback to #4 (2026-11-28T08:34:25.000Z");
    const byTime = rollback(["--stack", "prod", "--time", "2026-11-28T08:34:50Z", "--yes"]);
    expect(byTime.status, byTime.stderr).toBe(0);
    expect(byTime.calls.at(-1)).toMatch(/\[broken\] /);
    expect(byTime.calls.at(-1)).toContain(`rollback to #1 (2026-11-28T08:34:50.000Z, ${commits.later.slice(0, 12)})`);
  });

  it("refuses a dirty update with the reason and the fix, and takes it with --allow-dirty and a warning", () => {
    const refused = rollback(["--stack", "prod", "--position", "3", "--yes"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("#3 (2026-11-28T08:34:34.000Z");
    expect(refused.stderr).toContain("ran from a dirty working tree");
    expect(refused.stderr).toContain("commit it before `up`");
    expect(refused.stderr).toContain("--allow-dirty");
    expect(refused.calls).toEqual([HISTORY_CALL()]);

    const allowed = rollback(["--stack", "prod", "--position", "3", "--yes", "--allow-dirty"]);
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/warning: .*may differ from what ran/);
    expect(allowed.calls.at(-1)).toMatch(/^pulumi up --yes --stack prod --message rollback to #3 /);
  });

  it("refuses --to on a backend that numbers nothing, and names the selectors that work", () => {
    const r = rollback(["--stack", "prod", "--to", "1", "--yes"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("does not number updates (every version is 0): pick the update by --position, --commit or --time");
  });

  for (const [args, reason] of [
    [["--position", "2"], "was a refresh, not an update"],
    [["--position", "9"], "position 9 is not in the stack's history: it has 4 entries"],
    [["--commit", "abcdef0"], "no update in the stack's history ran from a commit starting abcdef0"],
    [["--time", "2026-11-28T09:00:00Z"], "no entry of the stack's history started at 2026-11-28T09:00:00Z"],
    [["--time", "yesterday"], "--time must be a date and time"],
    [["--position", "1", "--commit", "abcdef0"], "exactly one of --position, --commit, --time or --to"],
  ] as const) {
    it(`refuses ${args.join(" ")}: ${reason}`, () => {
      const r = rollback(["--stack", "prod", ...args, "--yes"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(reason);
      expect(r.calls.filter((c) => !c.startsWith("pulumi stack history"))).toEqual([]);
    });
  }

  it("stops after the preview when the answer is no", () => {
    const r = rollback(["--stack", "prod", "--position", "4"], "n\n");
    expect(r.status).toBe(1);
    expect(r.calls.some((c) => c.startsWith("pulumi up"))).toBe(false);
    expect(r.calls.some((c) => c.startsWith("pulumi preview"))).toBe(true);
    expect(git("worktree", "list").split("\n")).toHaveLength(1);
  });
});

describe("rollback on a backend that numbers updates (Pulumi Cloud)", () => {
  beforeEach(() => {
    const env = (head: string, dirty = "false") => ({ "git.head": head, "git.dirty": dirty });
    useHistory([
      { version: 5, kind: "update", startTime: "2026-11-20T10:00:00.000Z", message: "later", result: "succeeded", environment: env(commits.later) },
      { version: 4, kind: "update", startTime: "2026-11-19T10:00:00.000Z", message: "broke it", result: "failed", environment: env(commits.later) },
      { version: 3, kind: "update", startTime: "2026-11-18T10:00:00.000Z", message: "from a tarball", result: "succeeded", environment: {} },
      { version: 1, kind: "update", startTime: "2026-11-16T10:00:00.000Z", message: "good", result: "succeeded", environment: env(commits.good) },
    ]);
  });

  it("takes a version number and shows it in the list", () => {
    const list = rollback(["--stack", "prod", "--list"]);
    expect(list.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ["1", "5"],
      ["2", "4"],
      ["3", "3"],
      ["4", "1"],
    ]);
    const r = rollback(["--stack", "prod", "--to", "1", "--yes"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls.at(-1)).toMatch(/\[known good\]/);
  });

  for (const [version, reason] of [
    ["3", "recorded no git commit"],
    ["4", "did not succeed (failed)"],
    ["9", "version 9 is not in the stack's history"],
  ] as const) {
    it(`refuses version ${version}: ${reason}`, () => {
      const r = rollback(["--stack", "prod", "--to", version, "--yes"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(reason);
      expect(r.calls).toEqual([HISTORY_CALL()]);
    });
  }
});
