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

/** "<type> <key>" of the first entry for the host, or undefined. Revoked and CA lines are skipped. */
export function findHostKey(knownHosts: string, host: string, port: number): string | undefined {
  const name = knownHostsName(host, port);
  for (const line of knownHosts.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith("#") || fields[0]!.startsWith("@")) continue;
    if (matches(fields[0]!, name)) return `${fields[1]} ${fields[2]}`;
  }
  return undefined;
}
