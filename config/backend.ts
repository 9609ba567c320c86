// Where Pulumi keeps this project's state. Free of Pulumi imports: the program (to back the state
// up), the `pulumi` wrapper (to create the folder before the CLI needs it) and the tools share it.
import { readFileSync } from "node:fs";
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
