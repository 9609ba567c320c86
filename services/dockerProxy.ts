// The Docker socket proxy: the one container that holds the Docker socket. The log shipper and
// cAdvisor read the Docker API through it, and it answers only the read-only calls they make;
// everything else (exec, create, any write) gets 403, or 405 for a method that is not allowed at all.
//
// wollomatic/socket-proxy rather than tecnativa/docker-socket-proxy: it runs as nobody from a scratch
// image with no capabilities and a read-only root, its allowlist is a regular expression anchored at
// both ends per method (Tecnativa's sections open every GET under a prefix, /containers/{id}/export
// and /archive included), and it is released monthly (Tecnativa about once a year).
import type { ServiceFacts } from "./types.js";

export const DOCKER_SOCKET = "/var/run/docker.sock";

export const DOCKER_PROXY = Object.freeze({
  // FROM scratch: /socket-proxy and /healthcheck only. Tags carry no "v".
  image: "wollomatic/socket-proxy:1.13.1",
  port: 2375,
  published: false,
  // The image's USER; the container also joins the socket's group (read from the host), nothing more.
  uid: 65534,
  gid: 65534,
  // With -allowhealthcheck the proxy answers HEAD /health on 127.0.0.1:55555, after checking it can
  // reach the socket; /healthcheck is the image's own client for it (no shell in the image).
  healthcheck: { tests: ["CMD", "/healthcheck"], interval: "10s", timeout: "5s", startPeriod: "5s", retries: 3 },
  waitTimeoutSeconds: 60,
  confinement: {
    capAdds: [],
    rootFs: { readOnly: true, tmpfs: [] },
    pidsLimit: 64,
    hostAccess:
      "the Docker socket, as a member of its group: full control of Docker to whoever holds it, which is why this is the only container with it, and why it answers only the read-only calls on its allowlist, to the stack's log shipper and cAdvisor",
  },
} as const satisfies ServiceFacts & Record<string, unknown>);

/** Who may call the proxy: the services that read the Docker API, by their names on the stack network. */
export const DOCKER_API_CLIENTS = Object.freeze(["promtail", "alloy", "cadvisor"] as const);

// Container ids and names as the clients send them.
const CONTAINER = "[a-zA-Z0-9][a-zA-Z0-9_.-]*";
// Every call but the version probe carries the API version: /v1.41/containers/json.
const VERSIONED = "/v1\\.[0-9]+";

/**
 * The calls allowed, per method, as regular expressions the proxy anchors at both ends and matches
 * against the path only (not the query). Each is one the clients make:
 * - the version probe: HEAD, then GET, /_ping, unversioned (Docker's Go client);
 * - Promtail's and Alloy's discovery: the container list and the network list (a refused network
 *   list fails the whole refresh);
 * - their log readers: inspect a container, follow its logs;
 * - cAdvisor: /info (storage driver and data root), /version, inspect.
 */
export const DOCKER_API_ALLOWLIST = Object.freeze({
  HEAD: "/_ping",
  // One group around the alternatives: the proxy anchors the whole text as ^...$, which would
  // otherwise bind only to the first and the last of them.
  GET: `(/_ping|${VERSIONED}/(info|version|containers/json|networks|containers/${CONTAINER}/(json|logs)))`,
});

/** The proxy's flags: listen on the stack network, answer only the clients, only the allowlist. */
export function dockerProxyCommand(clients: readonly string[]): string[] {
  return [
    "-listenip=0.0.0.0",
    // Names are looked up on every request, so a replaced client keeps its access.
    `-allowfrom=${clients.join(",")}`,
    `-allowHEAD=${DOCKER_API_ALLOWLIST.HEAD}`,
    `-allowGET=${DOCKER_API_ALLOWLIST.GET}`,
    "-allowhealthcheck",
    "-logjson",
  ];
}

/** What a client puts where it would have put the socket. */
export const DOCKER_PROXY_URL = `tcp://docker-proxy:${DOCKER_PROXY.port}`;
