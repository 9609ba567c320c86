// A stack's role in a fleet of GPU hosts: the gateway (the whole stack, the default) or a gpu-worker
// (Ollama, the exporters, the log shipper and the entry point). A gateway lists its workers' stacks;
// a worker names its gateway's stack. Both are read with stack references once the config is valid
// (services/fleet.ts checks what they publish).
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import type { Role, TlsSettings } from "./schema.js";
import { isLoopback, isWildcard } from "./validateNetwork.js";
import { Collector, quote, stringList } from "./validation.js";

export const ROLES = ["gateway", "gpu-worker"] as const;

/** The keys a gpu-worker stack takes; every other key belongs to the gateway. */
export const WORKER_KEYS = [
  "role",
  "gatewayStack",
  "host",
  "bindAddress",
  "allowAllInterfaces",
  "tls",
  "tlsPrivateKey",
  "dataRoot",
  "ollama",
  "logShipper",
  "exporters",
  "images",
  "memoryLimitsMb",
  "cpuLimits",
] as const;

/** Keys only a gpu-worker stack takes. */
const WORKER_ONLY_KEYS = ["gatewayStack"] as const;

// A stack name, optionally with its organization and project: `gpu-02`, `acme/gpu-02`, `acme/ai-gateway/gpu-02`.
const STACK_REF = /^(?:[A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;

/** The last part of a stack reference: the host's name in labels, paths and dashboards. */
export const stackOfRef = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);

export function validateRole(c: Collector, raw: string | undefined): Role {
  if (raw === undefined) return "gateway";
  if (!(ROLES as readonly string[]).includes(raw)) {
    c.add("role", `${quote(raw)} is not a role (known: ${ROLES.join(", ")})`, "pulumi config set role gateway (the whole stack) or gpu-worker (a GPU host serving a gateway stack)");
    return "gateway";
  }
  return raw as Role;
}

/** Keys set on a stack whose role has no use for them, each refused naming the key and the role. */
export function checkRoleKeys(c: Collector, role: Role, keys: readonly string[], known: readonly string[]): void {
  for (const key of [...keys].sort()) {
    if (!known.includes(key)) continue; // reported as unknown already
    if (role === "gpu-worker" && !(WORKER_KEYS as readonly string[]).includes(key)) {
      c.add(
        key,
        "does not apply to role gpu-worker: a worker runs Ollama, the exporters, the log shipper and the entry point, and has no LiteLLM, Prometheus, Loki, Grafana, Qdrant, Alertmanager, cache or backups of its own",
        `pulumi config rm ${key} (set it on the gateway stack, which serves this worker's models)`,
      );
    }
    if (role === "gateway" && (WORKER_ONLY_KEYS as readonly string[]).includes(key)) {
      c.add(key, "only a gpu-worker stack names its gateway", `pulumi config rm ${key}, or pulumi config set role gpu-worker if this host is a worker`);
    }
  }
}

/** The gateway's workers: stack references, each host named once. */
export function validateWorkers(c: Collector, raw: unknown, stack: string): string[] {
  if (raw === undefined || raw === null) return [];
  const refs = stringList(c, "workers", raw, STACK_REF, "stack name (`gpu-02`, or `<org>/ai-gateway/gpu-02`)", "gpu-02") ?? [];
  const seen = new Map<string, string>();
  refs.forEach((ref, i) => {
    const host = stackOfRef(ref);
    if (host === stack) c.add(`workers[${i}]`, `${quote(ref)} is this stack itself`, "list the gpu-worker stacks only");
    else if (seen.has(host)) c.add(`workers[${i}]`, `${quote(ref)} has the same stack name as ${quote(seen.get(host))}: each host is named by its stack in labels and dashboards`, "give each worker stack a name of its own");
    else seen.set(host, ref);
  });
  return refs;
}

/** A worker's gateway stack: required, as the worker's logs go there and only it may reach the worker. */
export function validateGatewayStack(c: Collector, raw: string | undefined, stack: string): string | undefined {
  if (raw === undefined) {
    c.add("gatewayStack", "is required on a gpu-worker stack: its logs go to the gateway's Loki, and only the gateway host may reach it", "pulumi config set gatewayStack prod (the gateway's stack name, or <org>/ai-gateway/prod)");
    return undefined;
  }
  if (!STACK_REF.test(raw)) {
    c.add("gatewayStack", `${quote(raw)} is not a stack name`, "pulumi config set gatewayStack prod (or <org>/ai-gateway/prod)");
    return undefined;
  }
  if (stackOfRef(raw) === stack) c.add("gatewayStack", `${quote(raw)} is this stack itself`, "name the gateway's stack");
  return raw;
}

/**
 * A fleet host (a worker, or a gateway with workers) is reached by the other hosts at its bindAddress,
 * and lets in only the other host's address: it needs one address of its own, on the network they share.
 */
export function checkFleetAddress(c: Collector, bindAddress: string, why: string, key: string): void {
  if (isIP(bindAddress) === 0) return; // reported under bindAddress already
  if (isIP(bindAddress) === 6) {
    c.add("bindAddress", `${quote(bindAddress)} is an IPv6 address, which a fleet host cannot use yet: the stack's Docker network is IPv4 only, so the relay and the log shipper could not reach the other host`, `pulumi config set bindAddress <this host's IPv4 address on the network the fleet shares>, or pulumi config rm ${key}`);
    return;
  }
  if (isLoopback(bindAddress) || isWildcard(bindAddress)) {
    c.add(
      "bindAddress",
      `${quote(bindAddress)} cannot be used ${why}: the other hosts of the fleet reach this one at bindAddress, and it lets in only their addresses`,
      `pulumi config set bindAddress <this host's address on the network the fleet shares>, or pulumi config rm ${key}`,
    );
  }
}

/**
 * The other hosts reach a fleet host's entry point at its bindAddress, so a given certificate
 * (tls.mode files) must cover that address, or every relay call and log push fails verification.
 */
export function checkFleetCertificate(c: Collector, tls: TlsSettings, bindAddress: string): void {
  if (tls.mode !== "files" || isIP(bindAddress) === 0) return;
  let covers: string | undefined;
  try {
    covers = new X509Certificate(tls.certificate).checkIP(bindAddress);
  } catch {
    return; // a certificate that does not parse is reported under tls.certificate
  }
  if (!covers) {
    c.add("tls.certificate", `does not cover bindAddress ${bindAddress} (no IP address entry for it), which the fleet's other hosts connect to`, "issue the certificate with the address as an IP subject alternative name, or use tls.mode internal");
  }
}
