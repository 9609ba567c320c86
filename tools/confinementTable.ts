// The least-privilege tables of docs/security.md, rendered from the services' facts (written by
// `npm run docs:tables`): what every container gets, and each exception with its reason.
import { DEFAULTS } from "../config/schema.js";
import { FACTS } from "../services/catalog.js";
import { SERVICES } from "../services/names.js";
import { markdownTable } from "./format.js";

const code = (s: string) => `\`${s}\``;

/** One row per service: its user, what it adds back, its root filesystem and its limits. */
export function confinementTable(): string {
  const rows = SERVICES.map((s) => {
    const f = FACTS[s];
    const c = f.confinement;
    const root = c.rootFs.readOnly ? `read-only${c.rootFs.tmpfs.length ? `, tmpfs ${c.rootFs.tmpfs.map(code).join(", ")}` : ""}` : "writable";
    return [code(s), `${f.uid}:${f.gid}${f.uid === 0 ? " (root)" : ""}`, c.capAdds.length ? c.capAdds.map((a) => code(a.cap)).join(", ") : "none", root, String(c.pidsLimit), String(DEFAULTS.cpuLimits[s])];
  });
  return markdownTable(["Service", "User (uid:gid)", "Capabilities added", "Root filesystem", "Processes", "CPUs (default)"], rows);
}

/** Every exception to the rules, with the reason the service's facts give. */
export function exceptionsTable(): string {
  const rows = SERVICES.flatMap((s) => {
    const c = FACTS[s].confinement;
    return [
      ...(c.rootWhy ? [[code(s), "runs as root", c.rootWhy]] : []),
      ...c.capAdds.map((a) => [code(s), `adds ${code(a.cap)}`, a.why]),
      ...(c.rootFs.readOnly ? [] : [[code(s), "writable root filesystem", c.rootFs.why]]),
      ...(c.hostAccess ? [[code(s), "reaches the host", c.hostAccess]] : []),
    ];
  });
  return markdownTable(["Service", "Exception", "Why"], rows);
}
