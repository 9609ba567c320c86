// The only module that reads pulumi.Config. It hands the raw strings to the pure validator and
// returns the secret values as Pulumi secrets, separate from the plain typed config.
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./schema.js";
import { ConfigError, PROJECT, validateStackConfig } from "./validate.js";

export interface StackSecrets {
  /** Present only when cloudEnabled. Always a Pulumi secret. */
  readonly openaiApiKey?: pulumi.Output<string>;
}

export interface LoadedConfig {
  readonly config: StackConfig;
  readonly secrets: StackSecrets;
  /** The Pulumi state folder when the stack uses a local file backend, for the backups to include. */
  readonly localStateDir?: string;
}

/**
 * PULUMI_BACKEND_URL wins over Pulumi.yaml's `file://./.pulumi-state`; any other scheme is remote
 * state that this host cannot back up.
 */
export function localStateDir(env: NodeJS.ProcessEnv, projectDir: string): string | undefined {
  const url = env["PULUMI_BACKEND_URL"] || "file://./.pulumi-state";
  if (!url.startsWith("file://")) return undefined;
  const path = url.slice("file://".length);
  if (path.startsWith("~")) return undefined;
  return path.startsWith("/") ? path : `${projectDir}/${path.replace(/^\.\//, "")}`;
}

// `isConfigSecret` is exported by the SDK's runtime but missing from its type definitions.
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret;

/** Reads and validates this stack's config; throws pulumi.RunError (no stack trace) on bad input. */
export function loadStackConfig(): LoadedConfig {
  const prefix = `${PROJECT}:`;
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const all = pulumi.runtime.allConfig();
  for (const fullKey of Object.keys(all).sort()) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = all[fullKey] as string;
    if (isConfigSecret(fullKey)) secretKeys.add(key);
  }
  let config: StackConfig;
  try {
    config = validateStackConfig({ stack: pulumi.getStack(), values, secretKeys });
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
  const cfg = new pulumi.Config(PROJECT);
  const openaiApiKey = config.cloudEnabled ? cfg.requireSecret("openaiApiKey") : undefined;
  const stateDir = localStateDir(process.env, process.cwd());
  return { config, secrets: openaiApiKey ? { openaiApiKey } : {}, ...(stateDir ? { localStateDir: stateDir } : {}) };
}
