// Where Pulumi keeps this project's state. Free of Pulumi imports: the program (to back the state
// up), the `pulumi` wrapper (to create the folder before the CLI needs it) and the tools share it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";

/** Pulumi.yaml's `backend.url`, or undefined when the project sets none (or the folder has no project). */
export function projectBackendUrl(projectDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(projectDir, "Pulumi.yaml"), "utf8");
  } catch {
    return undefined;
  }
  const project = YAML.parse(text) as { backend?: { url?: unknown } } | null;
  return typeof project?.backend?.url === "string" ? project.backend.url : undefined;
}

/**
 * The backend in effect, as the CLI picks it: PULUMI_BACKEND_URL wins over Pulumi.yaml's
 * `backend.url`. Undefined means the CLI falls back to the stored `pulumi login`.
 */
export function backendUrl(env: NodeJS.ProcessEnv, projectUrl: string | undefined): string | undefined {
  return env["PULUMI_BACKEND_URL"] || projectUrl;
}

/**
 * The folder of a `file://` backend, absolute; undefined for any other scheme (remote state) and for
 * `file://~`, Pulumi's home folder. A relative path is taken from the project folder.
 */
export function fileBackendDir(url: string | undefined, projectDir: string): string | undefined {
  if (!url?.startsWith("file://")) return undefined;
  const path = url.slice("file://".length).replace(/\/+$/, "");
  if (path === "" || path.startsWith("~")) return undefined;
  return path.startsWith("/") ? path : `${projectDir}/${path.replace(/^\.\//, "")}`;
}

/**
 * Whether a file backend holds a stack, by the name a StackReference would be given: `stack`,
 * `<org>/stack` (this project) or `<org>/<project>/stack`. Undefined when the folder holds no
 * project state at all (nothing to tell from).
 */
export function fileBackendHasStack(dir: string, project: string, ref: string): boolean | undefined {
  const parts = ref.split("/");
  const stack = parts[parts.length - 1]!;
  const inProject = parts.length === 3 ? parts[1]! : project;
  const stacks = join(dir, ".pulumi", "stacks");
  if (!existsSync(stacks)) return undefined;
  // Pulumi writes <stack>.json, or <stack>.json.gz with PULUMI_SELF_MANAGED_STATE_GZIP; per project,
  // or directly under stacks/ in a backend from before projects (the legacy layout).
  const names = [".json", ".json.gz"].map((ext) => `${stack}${ext}`);
  return names.some((n) => existsSync(join(stacks, inProject, n)) || existsSync(join(stacks, n)));
}
