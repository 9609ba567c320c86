// npm run rollback -- --stack <s> (--list | <selector> [--yes] [--allow-dirty])
// Rolls a stack back to the code and config of an earlier update: finds that update's commit in
// `pulumi stack history`, checks it out into a temporary git worktree, previews, and on
// confirmation runs `pulumi up` from there. Pulumi never rolls back by itself; this is the
// "revert the code, then up" it recommends, without touching the working tree.
//
// Self-hosted backends (file://, s3://, ...) do not number updates: every entry has version 0. So an
// update is chosen by its position in the list, its commit or its start time; by version only where
// the backend numbers them (Pulumi Cloud).
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { backendUrl, fileBackendDir, projectBackendUrl } from "../config/backend.js";
import { runTool, ToolError } from "./cli.js";
import { table } from "./format.js";
import { runPulumi } from "./pulumiCli.js";

export interface HistoryEntry {
  readonly version: number;
  readonly kind: string;
  readonly startTime: string;
  readonly message?: string;
  readonly result: string;
  readonly environment?: Record<string, string>;
}

// The CLI returns 10 entries unless asked for more; a rollback target can be older than that.
const HISTORY_PAGE_SIZE = "1000";

export function readHistory(stack: string): HistoryEntry[] {
  const r = runPulumi(["stack", "history", "--json", "--page-size", HISTORY_PAGE_SIZE, "--stack", stack], { capture: true });
  if (r.status !== 0) throw new ToolError(`\`pulumi stack history\` failed with exit code ${r.status}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new ToolError("`pulumi stack history --json` printed something that is not JSON");
  }
  // A stack with no updates yet prints null.
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw new ToolError("`pulumi stack history --json` did not print a list");
  return parsed as HistoryEntry[];
}

/** Newest first, as the list numbers them: position 1 is the latest operation. */
export function ordered(history: readonly HistoryEntry[]): HistoryEntry[] {
  return history
    .map((h, i) => ({ h, i, t: Date.parse(h.startTime) }))
    .sort((a, b) => b.t - a.t || b.h.version - a.h.version || a.i - b.i)
    .map((x) => x.h);
}

const isDirty = (h: HistoryEntry) => h.environment?.["git.dirty"] === "true";
const commitOf = (h: HistoryEntry) => h.environment?.["git.head"];
/** Pulumi Cloud numbers updates from 1; self-hosted backends leave every version at 0. */
const backendNumbers = (history: readonly HistoryEntry[]) => history.some((h) => h.version > 0);

export function formatHistory(history: readonly HistoryEntry[]): string {
  return table(
    ["#", "VERSION", "STARTED", "KIND", "RESULT", "COMMIT", "MESSAGE"],
    ordered(history).map((h, i) => [
      String(i + 1),
      h.version > 0 ? String(h.version) : "-",
      h.startTime,
      h.kind,
      h.result,
      (commitOf(h) ?? "-").slice(0, 12) + (isDirty(h) ? " (dirty)" : ""),
      (h.message ?? "").split("\n")[0]!.slice(0, 60),
    ]),
  );
}

export type Selector =
  | { readonly by: "position"; readonly position: number }
  | { readonly by: "version"; readonly version: number }
  | { readonly by: "commit"; readonly commit: string }
  | { readonly by: "time"; readonly time: string };

export interface Target {
  readonly entry: HistoryEntry;
  readonly position: number;
  readonly commit: string;
  /** How the update is named in messages: `#3 (2026-11-20T10:00:00.000Z, 1a2b3c4d5e6f)`. */
  readonly label: string;
  readonly warnings: readonly string[];
}

function describe(entry: HistoryEntry, position: number): string {
  const commit = commitOf(entry)?.slice(0, 12);
  return `#${position} (${entry.startTime}${commit ? `, ${commit}` : ""})`;
}

const DIRTY_EXPLANATION =
  "Pulumi recorded uncommitted changes when it ran, so that commit may not hold the code and config that ran " +
  "(`pulumi config set` and `pulumi stack init` write Pulumi.<stack>.yaml: commit it before `up`)";

/** Checks that an entry is a known-good update with recoverable code; a ToolError says why not. */
function checkTarget(entry: HistoryEntry, position: number, allowDirty: boolean): Target {
  const name = describe(entry, position);
  if (entry.kind !== "update") throw new ToolError(`${name} was a ${entry.kind}, not an update: pick an update`);
  if (entry.result !== "succeeded") throw new ToolError(`${name} did not succeed (${entry.result}): pick a known-good update`);
  const head = commitOf(entry);
  if (!head) throw new ToolError(`${name} recorded no git commit, so its code cannot be recovered`);
  const warnings: string[] = [];
  if (isDirty(entry)) {
    if (!allowDirty) throw new ToolError(`${name} ran from a dirty working tree. ${DIRTY_EXPLANATION}. Pick a clean update, or pass --allow-dirty to use commit ${head.slice(0, 12)} as it is`);
    warnings.push(`${name} ran from a dirty working tree: commit ${head.slice(0, 12)} is used as it is, and its code or config may differ from what ran`);
  }
  return { entry, position, commit: head, label: name, warnings };
}

/** The update a selector names, checked; a ToolError says why it cannot be rolled back to. */
export function selectTarget(history: readonly HistoryEntry[], sel: Selector, allowDirty = false): Target {
  const list = ordered(history);
  const at = (i: number) => checkTarget(list[i]!, i + 1, allowDirty);
  switch (sel.by) {
    case "position": {
      if (sel.position < 1 || sel.position > list.length) throw new ToolError(`position ${sel.position} is not in the stack's history: it has ${list.length} entries (see --list)`);
      return at(sel.position - 1);
    }
    case "version": {
      if (!backendNumbers(list)) {
        throw new ToolError(`this stack's backend does not number updates (every version is 0): pick the update by --position, --commit or --time (see --list)`);
      }
      const i = list.findIndex((h) => h.version === sel.version);
      if (i < 0) throw new ToolError(`version ${sel.version} is not in the stack's history (see --list)`);
      return at(i);
    }
    case "time": {
      const t = Date.parse(sel.time);
      if (Number.isNaN(t)) throw new ToolError(`--time must be a date and time as --list shows it (2026-11-20T10:00:00.000Z), got "${sel.time}"`);
      const i = list.findIndex((h) => Date.parse(h.startTime) === t);
      if (i < 0) throw new ToolError(`no entry of the stack's history started at ${sel.time} (see --list)`);
      return at(i);
    }
    case "commit": {
      const prefix = sel.commit.toLowerCase();
      if (!/^[0-9a-f]{7,40}$/.test(prefix)) throw new ToolError(`--commit must be 7 to 40 hex digits of a commit, got "${sel.commit}"`);
      const matches = list.map((h, i) => ({ h, i })).filter(({ h }) => commitOf(h)?.toLowerCase().startsWith(prefix));
      if (!matches.length) throw new ToolError(`no update in the stack's history ran from a commit starting ${prefix} (see --list)`);
      const heads = new Set(matches.map(({ h }) => commitOf(h)));
      if (heads.size > 1) throw new ToolError(`${prefix} matches ${heads.size} commits in the history: give more digits`);
      // The newest known-good, clean update from that commit; failing that, the newest one's reason.
      const good = matches.filter(({ h }) => h.kind === "update" && h.result === "succeeded");
      const pick = good.find(({ h }) => !isDirty(h)) ?? good[0] ?? matches[0]!;
      return at(pick.i);
    }
  }
}

export function parseSelector(values: { to?: string | undefined; position?: string | undefined; commit?: string | undefined; time?: string | undefined }): Selector {
  const given = (["to", "position", "commit", "time"] as const).filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw new ToolError(`name the update with exactly one of --position, --commit, --time or --to\n\n${usage}`);
  const whole = (flag: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new ToolError(`--${flag} must be a whole number of at least 1, got "${v}"`);
    return n;
  };
  if (values.position !== undefined) return { by: "position", position: whole("position", values.position) };
  if (values.to !== undefined) return { by: "version", version: whole("to", values.to) };
  if (values.commit !== undefined) return { by: "commit", commit: values.commit };
  return { by: "time", time: values.time! };
}

function git(args: string[]): void {
  const r = spawnSync("git", args, { stdio: "inherit" });
  if (r.error) throw new ToolError(`git is not available: ${r.error.message}`);
  if (r.status !== 0) throw new ToolError(`\`git ${args.join(" ")}\` failed with exit code ${r.status}`);
}

/**
 * The worktree must use this checkout's state: a relative file backend (`file://./.pulumi-state`)
 * would otherwise resolve inside the empty worktree, where the stack does not exist.
 */
export function worktreeEnv(env: NodeJS.ProcessEnv, checkoutDir: string): NodeJS.ProcessEnv {
  const dir = fileBackendDir(backendUrl(env, projectBackendUrl(checkoutDir)), checkoutDir);
  return dir ? { ...env, PULUMI_BACKEND_URL: `file://${dir}` } : { ...env };
}

const usage = `Usage: npm run rollback -- --stack NAME --list
       npm run rollback -- --stack NAME (--position N | --commit SHA | --time T | --to VERSION) [--yes] [--allow-dirty]

  --stack NAME     the stack to roll back
  --list           the stack's history, newest first: #, version, start time, kind, result, commit, message
  --position N     the update in row N of --list (1 is the newest)
  --commit SHA     the newest good update that ran from this commit (7 or more hex digits)
  --time T         the update that started at T, as --list shows it
  --to VERSION     the update with this version (only backends that number updates: Pulumi Cloud)
  --allow-dirty    accept an update that ran from uncommitted changes, using its commit as it is
  --yes            run \`pulumi up\` without asking after the preview
  -h, --help       this text`;

export async function main(argv: string[], confirm: (q: string) => Promise<boolean> = ask): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      list: { type: "boolean" },
      to: { type: "string" },
      position: { type: "string" },
      commit: { type: "string" },
      time: { type: "string" },
      "allow-dirty": { type: "boolean" },
      yes: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.stack) throw new ToolError(`--stack is required\n\n${usage}`);
  const selector = values.list ? undefined : parseSelector(values);
  const history = readHistory(values.stack);
  if (!selector) {
    console.log(formatHistory(history));
    return 0;
  }
  const target = selectTarget(history, selector, values["allow-dirty"] ?? false);
  for (const w of target.warnings) console.error(`rollback: warning: ${w}`);

  const env = worktreeEnv(process.env, process.cwd());
  const worktree = join(mkdtempSync(join(tmpdir(), "ai-gateway-rollback-")), "tree");
  git(["worktree", "add", "--detach", worktree, target.commit]);
  try {
    const step = (args: string[]) => {
      const r = runPulumi(args, { cwd: worktree, env });
      if (r.status !== 0) throw new ToolError(`\`pulumi ${args.join(" ")}\` failed with exit code ${r.status}`);
    };
    // The worktree shares no node_modules with this checkout: the old code gets its own locked deps.
    const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: worktree, env, stdio: "inherit" });
    if (npm.error || npm.status !== 0) throw new ToolError(`\`npm ci\` failed in the worktree of ${target.commit.slice(0, 12)}`);
    step(["preview", "--diff", "--stack", values.stack]);
    const go = values.yes || (await confirm(`Roll ${values.stack} back to ${target.label}? [y/N] `));
    if (!go) {
      console.log("Not applied.");
      return 1;
    }
    step(["up", "--yes", "--stack", values.stack, "--message", `rollback to ${target.label}`]);
    return 0;
  } finally {
    git(["worktree", "remove", "--force", worktree]);
  }
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) runTool("rollback", () => main(process.argv.slice(2)));
