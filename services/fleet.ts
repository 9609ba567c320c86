// The fleet: a gateway stack and its gpu-worker stacks, one per GPU host, wired with stack
// references. Each side publishes one plain stack output the other reads (its credentials are
// separate, secret outputs), and this module is the contract: the outputs' shapes, how they are
// checked once read, and how the gateway reaches a worker through its entry point's relay.
//
// The relay: the gateway's Caddy listens on FLEET.relayPort (stack network, and 127.0.0.1 for the
// tools) and forwards `/<worker>/<service>/...` to that worker's entry point over HTTPS, pinning the
// worker's certificate authority and sending the worker's credential. LiteLLM, Prometheus, doctor and
// evidence reach every worker through it and never hold a worker's credential or need its CA.
import type { StackConfig } from "../config/schema.js";
import { isIP } from "node:net";
import { stackOfRef } from "../config/validateFleet.js";
import { CADVISOR, DCGM_EXPORTER, NODE_EXPORTER } from "./exporters.js";
import type { ServiceName } from "./names.js";
import { OLLAMA } from "./ollama.js";

export const FLEET = Object.freeze({
  /** The gateway's relay to its workers: plain HTTP on the stack network and host loopback only. */
  relayPort: 4080,
  /** Stack outputs: the plain announcements, and the secrets beside them. */
  workerOutput: "fleetWorker",
  gatewayOutput: "fleetGateway",
  /** The worker's entry-point password (its basic auth), which the gateway's relay sends. */
  workerPasswordOutput: "basicAuthPassword",
  /** The bcrypt hash of the worker's log-push password, which the gateway's entry point checks. */
  logPushHashOutput: "logPushPasswordHash",
  /** What the relay asks a worker's Ollama, through its entry point, to tell whether it is up. */
  ollamaHealthPath: "/api/version",
  healthInterval: "15s",
  lokiPushPath: "/loki/api/v1/push",
  /** Bumped when an announcement changes shape, so an old stack's output is refused, not misread. */
  version: 1,
});

/** The services a worker's entry point exposes to its gateway: Ollama and its exporters. */
export const WORKER_EXPOSED: readonly ServiceName[] = ["ollama", "node-exporter", "cadvisor", "dcgm-exporter"];
/** The exporters a gateway scrapes on its workers. */
export type WorkerExporter = "node-exporter" | "cadvisor" | "dcgm-exporter";
export const EXPORTER_PORTS: Readonly<Record<WorkerExporter, number>> = { "node-exporter": NODE_EXPORTER.port, cadvisor: CADVISOR.port, "dcgm-exporter": DCGM_EXPORTER.port };

/** What a worker stack publishes for its gateway (output fleetWorker). Nothing in it is secret. */
export interface WorkerAnnouncement {
  readonly role: "gpu-worker";
  readonly version: number;
  /** Its stack name: the host's name in labels, relay paths and dashboards. */
  readonly host: string;
  /** Its bindAddress: where its entry point listens, and where its log pushes come from. */
  readonly address: string;
  /** Its Ollama through its entry point (HTTPS, basic auth). */
  readonly ollamaUrl: string;
  readonly models: readonly string[];
  readonly exporters: readonly { readonly service: WorkerExporter; readonly url: string }[];
  /** The PEM its entry point's certificate chains to (its own CA, or the given certificate); null for a public CA (acme). */
  readonly trust: string | null;
  /** The basic-auth user of its entry point. */
  readonly user: string;
  /** The stack name of the gateway it lets in and sends its logs to. */
  readonly gateway: string;
}

/** What a gateway stack publishes for its workers (output fleetGateway). */
export interface GatewayAnnouncement {
  readonly role: "gateway";
  readonly version: number;
  readonly host: string;
  /** Its bindAddress: the one address a worker lets in. */
  readonly address: string;
  /** Where workers push their logs: its entry point's Loki site. */
  readonly lokiPushUrl: string;
  readonly trust: string | null;
}

/** A worker as the gateway uses it: what it announced, under the reference the gateway lists. */
export interface FleetWorker extends WorkerAnnouncement {
  /** The stack reference in the gateway's `workers`. */
  readonly ref: string;
}

/** Where a container on the gateway's stack network reaches a worker's service through the relay. */
export const relayUrl = (relayHost: string, worker: string, service: ServiceName) => `http://${relayHost}:${FLEET.relayPort}/${worker}/${service}`;

/** The `https://name:port` a stack's entry point answers on, for a fleet host's announcement. */
export function entryUrl(config: Pick<StackConfig, "bindAddress" | "tls">, port: number): string {
  const name = config.tls.mode === "acme" ? config.tls.domain : config.bindAddress.includes(":") ? `[${config.bindAddress}]` : config.bindAddress;
  return `https://${name}:${port}`;
}

export function workerAnnouncement(config: StackConfig, exporters: readonly WorkerExporter[], trust: string | null, user: string): WorkerAnnouncement {
  return {
    role: "gpu-worker",
    version: FLEET.version,
    host: config.stack,
    address: config.bindAddress,
    ollamaUrl: entryUrl(config, OLLAMA.port),
    models: [...config.ollama.models],
    exporters: exporters.map((service) => ({ service, url: entryUrl(config, EXPORTER_PORTS[service]) })),
    trust,
    user,
    gateway: stackOfRef(config.gatewayStack ?? ""),
  };
}

export function gatewayAnnouncement(config: StackConfig, lokiPort: number, trust: string | null): GatewayAnnouncement {
  return { role: "gateway", version: FLEET.version, host: config.stack, address: config.bindAddress, lokiPushUrl: `${entryUrl(config, lokiPort)}${FLEET.lokiPushPath}`, trust };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** A problem with what another stack published, in the config error's terms. */
export interface FleetProblem {
  readonly key: string;
  readonly problem: string;
  readonly fix: string;
}

/**
 * Reads a worker's announcement. `value` is the output as read (undefined: the stack has none).
 * Returns the worker, or the problem with it.
 */
export function readWorker(key: string, ref: string, value: unknown): FleetWorker | FleetProblem {
  const upFix = `run \`pulumi up\` on ${ref} (a stack with role gpu-worker and gatewayStack set to this stack) first, or remove it from workers`;
  if (value === undefined || value === null) return { key, problem: `stack ${JSON.stringify(ref)} has no ${FLEET.workerOutput} output: it is not a gpu-worker stack`, fix: upFix };
  if (!isObject(value) || value["role"] !== "gpu-worker") return { key, problem: `stack ${JSON.stringify(ref)} is not a gpu-worker`, fix: upFix };
  if (value["version"] !== FLEET.version) {
    return { key, problem: `stack ${JSON.stringify(ref)} was deployed by another version of ai-gateway (fleet output version ${JSON.stringify(value["version"])}, this one reads ${FLEET.version})`, fix: `run \`pulumi up\` on ${ref} with this version first` };
  }
  const exporters = value["exporters"];
  const ok =
    value["host"] === stackOfRef(ref) &&
    isFleetAddress(value["address"]) &&
    typeof value["user"] === "string" &&
    /^[A-Za-z0-9_.-]+$/.test(value["user"]) &&
    typeof value["gateway"] === "string" &&
    isStringList(value["models"]) &&
    value["models"].every((m) => MODEL_TAG.test(m)) &&
    isTrust(value["trust"]) &&
    isEntryUrl(value["ollamaUrl"], value["address"]) &&
    Array.isArray(exporters) &&
    exporters.every((e) => isObject(e) && typeof e["service"] === "string" && e["service"] in EXPORTER_PORTS && isEntryUrl(e["url"], value["address"]));
  // What another stack published goes into this stack's Caddyfile, file names and scrape config: only
  // the shapes this program writes are taken.
  if (!ok) return { key, problem: `the ${FLEET.workerOutput} output of ${JSON.stringify(ref)} is damaged, or names another stack than ${stackOfRef(ref)}`, fix: `run \`pulumi up\` on ${ref} again` };
  return { ...(value as unknown as WorkerAnnouncement), ref };
}

const MODEL_TAG = /^[A-Za-z0-9._:\/-]+$/;
/** An IPv4 address: a fleet host's bindAddress (validation refuses loopback, wildcards and IPv6). */
const isFleetAddress = (v: unknown): v is string => typeof v === "string" && isIP(v) === 4;
const isTrust = (v: unknown) => v === null || (typeof v === "string" && /^-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s-]+-----END CERTIFICATE-----\s*$/.test(v));
/** `https://<address or DNS name>:<port>` and nothing more, as entryUrl writes it. */
function isEntryUrl(v: unknown, address: unknown): boolean {
  if (typeof v !== "string" || !/^https:\/\/[A-Za-z0-9.-]+:\d{1,5}$/.test(v)) return false;
  const host = new URL(v).hostname;
  return host === address || (isIP(host) === 0 && /[A-Za-z]/.test(host));
}

export function readGateway(ref: string, value: unknown): GatewayAnnouncement | FleetProblem {
  const key = "gatewayStack";
  const fix = `run \`pulumi up\` on ${ref} (the gateway, with bindAddress set to its address on the fleet's network) first, or correct gatewayStack`;
  if (value === undefined || value === null) return { key, problem: `stack ${JSON.stringify(ref)} has no ${FLEET.gatewayOutput} output: it is not a gateway, has not been deployed since it could take workers, or its bindAddress is loopback or a wildcard`, fix };
  if (!isObject(value) || value["role"] !== "gateway") return { key, problem: `stack ${JSON.stringify(ref)} is not a gateway`, fix };
  if (value["version"] !== FLEET.version) return { key, problem: `stack ${JSON.stringify(ref)} was deployed by another version of ai-gateway`, fix: `run \`pulumi up\` on ${ref} with this version first` };
  const push = value["lokiPushUrl"];
  const ok =
    value["host"] === stackOfRef(ref) &&
    isFleetAddress(value["address"]) &&
    isTrust(value["trust"]) &&
    typeof push === "string" &&
    push.endsWith(FLEET.lokiPushPath) &&
    isEntryUrl(push.slice(0, -FLEET.lokiPushPath.length), value["address"]);
  if (!ok) return { key, problem: `the ${FLEET.gatewayOutput} output of ${JSON.stringify(ref)} is damaged, or names another stack than ${stackOfRef(ref)}`, fix: `run \`pulumi up\` on ${ref} again` };
  return value as unknown as GatewayAnnouncement;
}

export const isProblem = (v: object): v is FleetProblem => "problem" in v;

/**
 * What the gateway refuses once its workers' outputs are read (at preview and up): a worker that
 * does not serve every route's model, two workers that are one host, and a worker whose gateway is
 * another stack.
 */
export function checkWorkers(config: Pick<StackConfig, "stack" | "routes" | "workers">, workers: readonly FleetWorker[]): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const seen = new Map<string, string>();
  workers.forEach((w) => {
    const key = `workers[${config.workers.indexOf(w.ref)}]`;
    const missing = [...new Set(config.routes.map((r) => r.model))].filter((m) => !w.models.includes(m));
    if (missing.length > 0) {
      const needs = config.routes.filter((r) => missing.includes(r.model)).map((r) => `${r.name} needs ${r.model}`);
      problems.push({
        key,
        problem: `worker ${w.host} serves ${w.models.join(", ") || "no model"}, not every route's model (${needs.join("; ")})`,
        fix: `add ${missing.join(", ")} to ollama.models on stack ${w.ref} and run \`pulumi up\` there, or remove it from workers`,
      });
    }
    if (w.gateway !== config.stack) {
      problems.push({ key, problem: `worker ${w.host} serves the gateway stack ${JSON.stringify(w.gateway)}, not this one: it lets only that gateway in`, fix: `pulumi config set gatewayStack ${config.stack} on stack ${w.ref} and run \`pulumi up\` there, or remove it from workers` });
    }
    const sameName = workers.find((o) => o !== w && o.host.toLowerCase() === w.host.toLowerCase());
    if (sameName && workers.indexOf(sameName) < workers.indexOf(w)) {
      problems.push({ key, problem: `worker ${w.host} has the same name as ${sameName.host} but for case: the relay's paths do not tell them apart`, fix: "give each worker stack a name of its own" });
    }
    const other = seen.get(w.address);
    if (other) problems.push({ key, problem: `worker ${w.host} has the same address (${w.address}) as ${other}`, fix: `give each worker its own bindAddress, or list each host once` });
    seen.set(w.address, w.host);
  });
  return problems;
}
