// Who reaches what, and on which address. Caddy, the entry point, is the only container that
// publishes on a non-loopback bindAddress: the gateway, Grafana and Qdrant (each with its own
// authentication) behind TLS, and, only when listed in `expose`, Ollama, Loki and Prometheus (which
// have none) behind TLS and basic auth. Every other published port binds to 127.0.0.1, for the tools
// and doctor on the host. One site per port keeps every client's URL as it was (only the scheme
// changes) and needs no sub-path support from Grafana, Prometheus or Qdrant's clients.
import type { ExposableService, TlsSettings } from "../config/schema.js";
import { isLoopback, isWildcard } from "../config/validateNetwork.js";
import { FACTS, publishedPort } from "./catalog.js";
import { FLEET } from "./fleet.js";
import { SERVICES, type ServiceName } from "./names.js";

/** One site of the entry point: a port on bindAddress, proxied to a service on the stack network. */
export interface EntrySite {
  readonly port: number;
  readonly service: ServiceName;
  /** For services without authentication of their own. */
  readonly basicAuth: boolean;
  /** Only these addresses may use the site (a worker's sites: its gateway); anyone when unset. */
  readonly allowFrom?: readonly string[];
  /**
   * A gateway's Loki site: workers that push their logs to it, each from its address with its own
   * credential. Unless Loki is also exposed (basicAuth), nothing but those pushes is let through.
   */
  readonly pushers?: readonly FleetPeer[];
}

/** Another host of the fleet: its name (its stack) and address. */
export interface FleetPeer {
  readonly host: string;
  readonly address: string;
}

/** The stack's place in a fleet, once the other stacks' outputs are read (services/fleet.ts). */
export interface FleetExposure {
  /** A gpu-worker: the services its entry point exposes, to its gateway's address only, with basic auth. */
  readonly worker?: { readonly services: readonly ServiceName[]; readonly gatewayAddress: string };
  /** A gateway's workers: they push logs to its Loki through the entry point; the relay reaches them. */
  readonly workers?: readonly FleetPeer[];
}

export interface HostBinding {
  readonly ip: string;
  readonly port: number;
}

export interface Exposure {
  readonly sites: readonly EntrySite[];
  /** The host ports each container publishes. */
  readonly bindings: Readonly<Record<ServiceName, readonly HostBinding[]>>;
  /** Where a user or a tool on the host reaches each published service. */
  readonly urls: Readonly<Partial<Record<ServiceName, string>>>;
}

const LOOPBACK = "127.0.0.1";
/** Services with authentication of their own, always behind the entry point off loopback. */
const ALWAYS_BEHIND_ENTRY: readonly ServiceName[] = ["litellm", "grafana", "qdrant"];

const hostPart = (address: string) => (address.includes(":") ? `[${address}]` : address);

export function planExposure(input: { readonly bindAddress: string; readonly tls: TlsSettings; readonly expose: readonly ExposableService[] }, fleet: FleetExposure = {}): Exposure {
  const { bindAddress } = input;
  const local = isLoopback(bindAddress);
  const scheme = input.tls.mode === "off" ? "http" : "https";
  const workers = fleet.workers ?? [];
  // On loopback only the gateway goes through the entry point (and needs no TLS); the rest is local anyway.
  // A worker exposes its Ollama and exporters, all with basic auth; a gateway with workers, Loki for their logs.
  const behind: ServiceName[] = fleet.worker
    ? [...fleet.worker.services]
    : local
      ? ["litellm"]
      : [...ALWAYS_BEHIND_ENTRY, ...input.expose, ...(workers.length > 0 ? (["loki"] as const) : [])];
  const withBasicAuth = fleet.worker ? behind : (input.expose as readonly ServiceName[]);
  const sites: EntrySite[] = SERVICES.filter((s) => behind.includes(s)).map((service) => ({
    port: FACTS[service].port!,
    service,
    basicAuth: withBasicAuth.includes(service),
    ...(fleet.worker ? { allowFrom: [fleet.worker.gatewayAddress] } : {}),
    ...(service === "loki" && workers.length > 0 ? { pushers: workers.map((w) => ({ host: w.host, address: w.address })) } : {}),
  }));
  // A wildcard entry point also holds 127.0.0.1:<port>, so a proxied service cannot publish there too.
  const wildcard = isWildcard(bindAddress);
  const bindings = Object.fromEntries(
    SERVICES.map((service): [ServiceName, HostBinding[]] => {
      // ACME's HTTP challenge comes to port 80, which Caddy also redirects to HTTPS.
      // The relay to the workers is for the stack network and the tools on the host only (services/fleet.ts).
      if (service === "caddy") {
        return [
          service,
          [...(input.tls.mode === "acme" ? [{ ip: bindAddress, port: 80 }] : []), ...sites.map((s) => ({ ip: bindAddress, port: s.port })), ...(workers.length > 0 ? [{ ip: LOOPBACK, port: FLEET.relayPort }] : [])],
        ];
      }
      const port = publishedPort(service);
      if (port === undefined) return [service, []];
      if (wildcard && behind.includes(service)) return [service, []];
      return [service, [{ ip: local ? bindAddress : LOOPBACK, port }]];
    }),
  ) as Record<ServiceName, HostBinding[]>;
  // The URL in the stack outputs: the entry point for the gateway, Grafana and Qdrant (what users
  // open); for Ollama, Loki and Prometheus the loopback port when there is one, so the tools on the
  // host need no basic auth (LAN clients use the same port on bindAddress, over HTTPS).
  // An ACME certificate names the domain only; otherwise the certificate covers bindAddress and loopback.
  const entryHost = input.tls.mode === "acme" ? input.tls.domain : wildcard ? LOOPBACK : hostPart(bindAddress);
  const urls: Partial<Record<ServiceName, string>> = {};
  for (const service of SERVICES) {
    const site = sites.find((s) => s.service === service);
    const bound = bindings[service][0];
    // Loki's site on a gateway with workers takes only their log pushes (unless Loki is also exposed).
    if (site && ((!site.basicAuth && !site.pushers) || !bound)) urls[service] = `${scheme}://${entryHost}:${site.port}`;
    else if (bound && service !== "caddy") urls[service] = `http://${hostPart(bound.ip)}:${bound.port}`;
  }
  return { sites, bindings, urls };
}

/**
 * How a program on the host itself reaches a service: its loopback port when it has one, else the
 * entry point on loopback (a wildcard bindAddress holds the port), which needs the entry point's CA.
 */
export function hostLocalUrl(exposure: Exposure, service: ServiceName): { readonly url: string; readonly viaEntryPoint: boolean } | undefined {
  const bound = exposure.bindings[service].find((b) => b.ip === LOOPBACK || isLoopback(b.ip));
  if (bound) return { url: `http://${hostPart(bound.ip)}:${bound.port}`, viaEntryPoint: false };
  const site = exposure.sites.find((s) => s.service === service);
  return site ? { url: `https://localhost:${site.port}`, viaEntryPoint: true } : undefined;
}
