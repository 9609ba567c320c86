// Finds a host's key in known_hosts text, plain or hashed (`HashKnownHosts yes`), with the
// `[host]:port` form ssh uses for ports other than 22. Written here because no npm package does
// this small lookup without pulling in a whole SSH client.
import { createHmac } from "node:crypto";

export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  return pattern.split(",").includes(name);
}

export interface HostKeyLookup {
  /** "<type> <key>" of the first entry for the host whose key is not revoked. */
  readonly key?: string;
  /** Keys listed for the host that an `@revoked` line revokes. */
  readonly revoked: readonly string[];
}

/**
 * The host's key. An `@revoked` line revokes its key for every host, as ssh treats it, even where
 * another line lists that key; `@cert-authority` lines and comments are skipped.
 */
export function lookupHostKey(knownHosts: string, host: string, port: number): HostKeyLookup {
  const name = knownHostsName(host, port);
  const lines = knownHosts.split("\n").map((l) => l.trim().split(/\s+/));
  const revokedKeys = new Set(lines.filter((f) => f[0] === "@revoked" && f.length >= 4).map((f) => `${f[2]} ${f[3]}`));
  const revoked: string[] = [];
  for (const fields of lines) {
    if (fields.length < 3 || fields[0]!.startsWith("#") || fields[0]!.startsWith("@")) continue;
    if (!matches(fields[0]!, name)) continue;
    const key = `${fields[1]} ${fields[2]}`;
    if (revokedKeys.has(key)) revoked.push(key);
    else return { key, revoked };
  }
  return { revoked };
}

export const findHostKey = (knownHosts: string, host: string, port: number): string | undefined => lookupHostKey(knownHosts, host, port).key;
