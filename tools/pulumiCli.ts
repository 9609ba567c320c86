// Which `pulumi` CLI the npm scripts and the tools run, and the state folder it needs first.
// A CLI the user installed is preferred to the launcher in devDependencies: it is already there (the
// launcher downloads its pinned CLI on first use), and it is the one the user upgrades and logs in
// with. It is used only when it is at least as new as the SDK this program is built on, since an
// older engine lacks features a newer SDK asks for.
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { backendUrl, fileBackendDir, projectBackendUrl } from "../config/backend.js";

export interface CliChoice {
  readonly path: string;
  /** Why this one, for the line printed when the user's own CLI is passed over. */
  readonly note?: string;
}

/** `3.248.0` from `v3.248.0`, or undefined for text that is not a version. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
  return true;
}

/** The SDK version in package.json: the oldest CLI this program accepts from PATH. */
export function minimumCliVersion(projectDir: string): string {
  const pkg = JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  return pkg.dependencies["@pulumi/pulumi"]!.replace(/^[^\d]*/, "");
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `pulumi` on PATH that is not an npm launcher (node_modules/.bin comes first under npm run). */
export function userCliOnPath(pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (!dir || /[\\/]node_modules[\\/]\.bin[\\/]?$/.test(dir)) continue;
    const candidate = join(dir, "pulumi");
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function chooseCli(
  projectDir: string,
  env: NodeJS.ProcessEnv,
  versionOf: (path: string) => string | undefined = (p) => spawnSync(p, ["version"], { encoding: "utf8", timeout: 30_000 }).stdout,
): CliChoice {
  const launcher = join(projectDir, "node_modules", ".bin", "pulumi");
  const own = userCliOnPath(env["PATH"]);
  if (!own) return { path: launcher };
  const min = minimumCliVersion(projectDir);
  const text = versionOf(own) ?? "";
  const version = parseVersion(text);
  if (version && atLeast(version, parseVersion(min)!)) return { path: own };
  return {
    path: launcher,
    note: `${own} (${text.trim() || "no version"}) is older than ${min}, the Pulumi SDK this program uses; running the launcher from devDependencies instead`,
  };
}

/**
 * Creates the folder of a file backend before the CLI opens it: the CLI refuses a missing one
 * ("unable to open state directory"). Returns the folder, or undefined for any other backend.
 */
export function ensureStateFolder(projectDir: string, env: NodeJS.ProcessEnv): string | undefined {
  const dir = fileBackendDir(backendUrl(env, projectBackendUrl(projectDir)), projectDir);
  if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export interface PulumiRun {
  readonly status: number;
  readonly stdout: string;
}

/**
 * Runs the chosen CLI with the state folder in place. `capture` returns standard output instead of
 * showing it (prompts and progress on stderr still reach the user).
 */
export function runPulumi(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; capture?: boolean; projectDir?: string } = {}): PulumiRun {
  const projectDir = opts.projectDir ?? opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  ensureStateFolder(projectDir, env);
  const cli = chooseCli(projectDir, env);
  if (cli.note) process.stderr.write(`pulumi: ${cli.note}\n`);
  const r = spawnSync(cli.path, [...args], { cwd: opts.cwd ?? projectDir, env, encoding: "utf8", stdio: opts.capture ? ["inherit", "pipe", "inherit"] : "inherit" });
  if (r.error) return { status: 127, stdout: "" };
  return { status: r.status ?? 1, stdout: String(r.stdout ?? "") };
}
