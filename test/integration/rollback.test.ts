// The rollback tool run as a user runs it, in a real git repository, with fake `pulumi` and `npm`
// executables on PATH that replay recorded history JSON and log every call with its folder.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";

const TOOL = resolve("tools/rollback.ts");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

let repo: string;
let log: string;
let path: string;
let commits: { good: string; later: string };

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
}

beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), "aigw-rollback-"));
  repo = join(root, "repo");
  mkdirSync(repo);
  git("init", "-q", "-b", "main");
  git("config", "user.email", "t@example.com");
  git("config", "user.name", "t");
  writeFileSync(join(repo, "marker.txt"), "known good\n");
  git("add", ".");
  git("commit", "-qm", "good");
  const good = git("rev-parse", "HEAD");
  writeFileSync(join(repo, "marker.txt"), "broken\n");
  git("commit", "-qam", "later");
  commits = { good, later: git("rev-parse", "HEAD") };

  const history = [
    { version: 5, kind: "update", startTime: "2026-11-20T10:00:00Z", message: "later", result: "succeeded", environment: { "git.head": commits.later, "git.dirty": "false" } },
    { version: 4, kind: "update", startTime: "2026-11-19T10:00:00Z", message: "broke it", result: "failed", environment: { "git.head": commits.later, "git.dirty": "false" } },
    { version: 3, kind: "update", startTime: "2026-11-18T10:00:00Z", message: "from a tarball", result: "succeeded", environment: {} },
    { version: 2, kind: "update", startTime: "2026-11-17T10:00:00Z", message: "hotfix", result: "succeeded", environment: { "git.head": commits.good, "git.dirty": "true" } },
    { version: 1, kind: "update", startTime: "2026-11-16T10:00:00Z", message: "good", result: "succeeded", environment: { "git.head": commits.good, "git.dirty": "false" } },
  ];
  const bin = join(root, "bin");
  mkdirSync(bin);
  log = join(root, "calls.log");
  writeFileSync(join(root, "history.json"), JSON.stringify(history));
  // Each call is logged as "<program> <args> @ <folder> [marker]": the marker shows which commit the folder holds.
  const fake = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\nmarker=$(cat marker.txt 2>/dev/null | tr -d '\\n')\necho "${name} $* @ $PWD [$marker]" >> ${log}\n${body}\n`);
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
    env: { ...process.env, PATH: path },
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

describe("rollback", () => {
  it("lists the history: version, date, result, commit and message", () => {
    const r = rollback(["--stack", "prod", "--list"]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^VERSION\s+DATE\s+RESULT\s+COMMIT\s+MESSAGE$/);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(["VERSION", "5", "4", "3", "2", "1"]);
    expect(r.stdout).toContain(`${commits.good.slice(0, 12)} (dirty)`);
  });

  it("previews and applies from a worktree of the target update's commit, with exactly these commands", () => {
    const r = rollback(["--stack", "prod", "--to", "1", "--yes"]);
    expect(r.status, r.stderr).toBe(0);
    const worktree = /npm ci --no-audit --no-fund @ (\S+) /.exec(r.calls.join("\n"))![1]!;
    expect(r.calls).toEqual([
      `pulumi stack history --json --stack prod @ ${repo} [broken]`,
      `npm ci --no-audit --no-fund @ ${worktree} [known good]`,
      `pulumi preview --diff --stack prod @ ${worktree} [known good]`,
      `pulumi up --yes --stack prod --message rollback to version 1 (${commits.good.slice(0, 12)}) @ ${worktree} [known good]`,
    ]);
    // The worktree is gone and the user's checkout is untouched.
    expect(git("worktree", "list").split("\n")).toHaveLength(1);
    expect(readFileSync(join(repo, "marker.txt"), "utf8")).toBe("broken\n");
  });

  it("stops after the preview when the answer is no", () => {
    const r = rollback(["--stack", "prod", "--to", "1"], "n\n");
    expect(r.status).toBe(1);
    expect(r.calls.some((c) => c.startsWith("pulumi up"))).toBe(false);
    expect(r.calls.some((c) => c.startsWith("pulumi preview"))).toBe(true);
    expect(git("worktree", "list").split("\n")).toHaveLength(1);
  });

  for (const [version, reason] of [
    ["2", "ran from a dirty working tree"],
    ["3", "recorded no git commit"],
    ["4", "did not succeed (failed)"],
    ["9", "is not in the stack's history"],
  ] as const) {
    it(`refuses version ${version}: ${reason}`, () => {
      const r = rollback(["--stack", "prod", "--to", version, "--yes"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(reason);
      expect(r.calls).toEqual([`pulumi stack history --json --stack prod @ ${repo} [broken]`]);
    });
  }
});
