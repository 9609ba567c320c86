// Reads a Pulumi.<stack>.yaml the way the Pulumi engine hands config to the program: project keys
// only, scalars as strings, structured values as JSON text, `secure:` values marked secret.
// Used where no engine runs: the render tool and the tests.
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { PROJECT, type RawConfig } from "./validate.js";

/** Stands in for a value that is encrypted in the stack file and cannot be read without the passphrase. */
export const SECRET_PLACEHOLDER = "<secret>";

export function parseStackYaml(text: string, stack: string): RawConfig {
  const doc = (YAML.parse(text) ?? {}) as { config?: Record<string, unknown> };
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const prefix = `${PROJECT}:`;
  for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    // A mapping set key by key with `--secret --path` holds `secure:` leaves; the engine calls the whole key secret.
    if (hasSecureValue(value)) {
      values[key] = SECRET_PLACEHOLDER;
      secretKeys.add(key);
    } else {
      values[key] = typeof value === "string" ? value : typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    }
  }
  return { stack, values, secretKeys };
}

function hasSecureValue(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (!Array.isArray(v) && "secure" in v) return true;
  return Object.values(v).some(hasSecureValue);
}

export function readStackConfig(projectDir: string, stack: string): RawConfig {
  return parseStackYaml(readFileSync(`${projectDir}/Pulumi.${stack}.yaml`, "utf8"), stack);
}
