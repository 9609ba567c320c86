// npm run rollback -- --stack <s> (--list | --to <version> [--yes])
// Rolls a stack back to the code and config of an earlier update: finds that update's commit in
// `pulumi stack history`, checks it out into a temporary git worktree, previews, and on
// confirmation runs `pulumi up` from there. Pulumi never rolls back by itself; this is the
// "revert the code, then up" it recommends, without touching the working tree.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { runTool, table, ToolError } from "./client.js";

export interface HistoryEntry {
  readonly version: number;
  readonly kind: string;
  readonly startTime: string;
  readonly message?: string;
  readonly result: string;
  readonly environment?: Record<string, string>;
}

/** Runs a command; its output is returned (capture) or shown as it comes (previews are long). */
function run(cmd: string, args: string[], opts: { cwd?: string; capture?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: "utf8", stdio: opts.capture ? ["inherit", "pipe", "inherit"] : "inherit" });
  if (r.error) throw new ToolError(`${cmd} is not available: ${r.error.message}`);
  if (r.status !== 0) throw new ToolError(`\`${cmd} ${args.join(" ")}\` failed with exit code ${r.status}`);
  return String(r.stdout ?? "");
}

export function readHistory(stack: string): HistoryEntry[] {
  const text = run("pulumi", ["stack", "history", "--json", "--stack", stack], { capture: true });
  try {
    return JSON.parse(text) as HistoryEntry[];
  } catch {
    throw new ToolError("`pulumi stack history --json` printed something that is not JSON");
  }
}

export function formatHistory(history: readonly HistoryEntry[]): string {
  return table(
    ["VERSION", "DATE", "RESULT", "COMMIT", "MESSAGE"],
    [...history]
      .sort((a, b) => b.version - a.version)
      .map((h) => [
        String(h.version),
        h.startTime,
        h.result,
        (h.environment?.["git.head"] ?? "-").slice(0, 12) + (h.environment?.["git.dirty"] === "true" ? " (dirty)" : ""),
        (h.message ?? "").split("\n")[0]!.slice(0, 60),
      ]),
  );
}

/** The commit a version ran from, or a ToolError saying why it cannot be rolled back to. */
export function targetCommit(history: readonly HistoryEntry[], version: number): string {
  const entry = history.find((h) => h.version === version);
  if (!entry) throw new ToolError(`version ${version} is not in the stack's history (see --list)`);
  if (entry.kind !== "update") throw new ToolError(`version ${version} was a ${entry.kind}, not an update: pick an update`);
  if (entry.result !== "succeeded") throw new ToolError(`version ${version} did not succeed (${entry.result}): pick a known-good update`);
  const head = entry.environment?.["git.head"];
  if (!head) throw new ToolError(`version ${version} recorded no git commit, so its code cannot be recovered`);
  if (entry.environment?.["git.dirty"] === "true") {
    throw new ToolError(`version ${version} ran from a dirty working tree: commit ${head.slice(0, 12)} is not the code that ran`);
  }
  return head;
}

const usage = `Usage: npm run rollback -- --stack NAME (--list | --to VERSION [--yes])

  --stack NAME    the stack to roll back
  --list          print the stack's history: version, date, result, commit, message
  --to VERSION    roll back to the code and config of that update
  --yes           run \`pulumi up\` without asking after the preview
  -h, --help      this text`;

export async function main(argv: string[], confirm: (q: string) => Promise<boolean> = ask): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { stack: { type: "string" }, list: { type: "boolean" }, to: { type: "string" }, yes: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.stack || (!values.list && !values.to)) throw new ToolError(`--stack and one of --list or --to are required\n\n${usage}`);
  const history = readHistory(values.stack);
  if (values.list) {
    console.log(formatHistory(history));
    return 0;
  }
  const version = Number(values.to);
  if (!Number.isInteger(version) || version < 1) throw new ToolError(`--to must be an update version number, got "${values.to}"`);
  const commit = targetCommit(history, version);

  const worktree = join(mkdtempSync(join(tmpdir(), "ai-gateway-rollback-")), "tree");
  run("git", ["worktree", "add", "--detach", worktree, commit]);
  try {
    // The worktree shares no node_modules with this checkout: the old code gets its own locked deps.
    run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: worktree });
    run("pulumi", ["preview", "--diff", "--stack", values.stack], { cwd: worktree });
    const go = values.yes || (await confirm(`Roll ${values.stack} back to version ${version} (commit ${commit.slice(0, 12)})? [y/N] `));
    if (!go) {
      console.log("Not applied.");
      return 1;
    }
    run("pulumi", ["up", "--yes", "--stack", values.stack, "--message", `rollback to version ${version} (${commit.slice(0, 12)})`], { cwd: worktree });
    return 0;
  } finally {
    run("git", ["worktree", "remove", "--force", worktree]);
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
