// The Caddyfile of the stack's entry point: one site per port, each proxied to a service by its name
// on the stack network, over TLS unless the stack is loopback-only with tls.mode off. Valid for the
// pinned Caddy 2.11 and for Debian's 2.6, which CI validates and runs it with.

export interface CaddySite {
  /** Port Caddy listens on inside its container (published on bindAddress as the same number). */
  readonly port: number;
  /** `host:port` of the service on the stack network. */
  readonly upstream: string;
  /** Basic auth for services without authentication of their own. */
  readonly basicAuth: boolean;
  /** Retry across a container switch (the gateway: its container is replaced new-first). */
  readonly retry: boolean;
  /** Larger request bodies are refused with 413; the input's maxBodyMb when unset. */
  readonly maxBodyMb?: number;
  /** At most this many requests in flight to the upstream; more wait for one to finish. */
  readonly maxInFlight?: number;
  /** Only these addresses may use the site; others get 403 before any credential is asked for. */
  readonly allowFrom?: readonly string[];
  /**
   * Log pushes from fleet workers (a gateway's Loki site): POSTs to `path` from their addresses, each
   * with its own user and the environment variable holding its hash. Without basicAuth the site
   * takes nothing else.
   */
  readonly pushers?: { readonly path: string; readonly users: readonly { readonly user: string; readonly address: string; readonly hashEnv: string }[] };
}

/** One service of a worker, reached through the relay at `/<host>/<name>/`. */
export interface RelayService {
  readonly name: string;
  /** `https://address:port` of the worker's entry point for it. */
  readonly upstream: string;
  /** Asked every healthInterval; an upstream that fails is marked down (503 at once, and a metric). */
  readonly healthPath?: string;
}

export interface RelayWorker {
  readonly host: string;
  /** The environment variable holding base64 of `user:password` for the worker's entry point. */
  readonly authEnv: string;
  /** The PEM file (inside Caddy's container) its certificate must chain to; the system's roots when unset. */
  readonly trustFile?: string;
  readonly services: readonly RelayService[];
}

/** The gateway's relay to its workers: plain HTTP, inside the stack network and on host loopback. */
export interface CaddyRelay {
  readonly port: number;
  readonly healthInterval: string;
  readonly workers: readonly RelayWorker[];
}

export type CaddyTls =
  | { readonly mode: "off" }
  | { readonly mode: "internal"; readonly names: readonly string[] }
  | { readonly mode: "acme"; readonly domain: string; readonly email: string }
  | { readonly mode: "files"; readonly names: readonly string[]; readonly certFile: string; readonly keyFile: string };

export interface CaddyRenderInput {
  readonly sites: readonly CaddySite[];
  readonly tls: CaddyTls;
  /** Caddy's admin API, inside the container only: the healthcheck reads it. */
  readonly adminAddress: string;
  /** How long one request may be retried while no gateway container answers. */
  readonly retrySeconds: number;
  /** Request bodies up to this size are held in memory so that a retry can send them again. */
  readonly retryBufferMb: number;
  /** Larger request bodies are refused with 413 (each site may set its own). */
  readonly maxBodyMb: number;
  readonly basicAuthUser: string;
  /** The environment variable that holds the base64 of the bcrypt hash (never the hash itself here). */
  readonly basicAuthHashEnv: string;
  readonly relay?: CaddyRelay;
}

const addresses = (tls: CaddyTls, port: number): string => {
  switch (tls.mode) {
    case "off":
      return `http://:${port}`;
    case "acme":
      return `https://${tls.domain}:${port}`;
    case "internal":
    case "files":
      return tls.names.map((n) => `https://${n.includes(":") ? `[${n}]` : n}:${port}`).join(", ");
  }
};

function globalOptions(i: CaddyRenderInput): string[] {
  const lines = [`\tadmin ${i.adminAddress}`];
  if (i.tls.mode === "off") return [...lines, "\t# Loopback only (tls.mode off): plain HTTP.", "\tauto_https off"];
  if (i.tls.mode === "internal") lines.push("\t# The local CA's root is handed out as a stack output; the container has no trust store to change.", "\tskip_install_trust");
  if (i.tls.mode === "acme") lines.push(`\temail ${i.tls.email}`);
  // Clients that connect by IP address send no SNI: they get the certificate of the first name.
  if (i.tls.mode === "internal" || i.tls.mode === "files") lines.push(`\tdefault_sni ${i.tls.names[0]}`);
  // The relay to the fleet's workers is plain HTTP inside the host: it keeps Caddy's defaults but for
  // HTTP/1.1 only (a block of its own, so the redirect below, meant for the TLS ports, skips it).
  if (i.relay && i.relay.workers.length > 0) lines.push(`\tservers :${i.relay.port} {`, "\t\tprotocols h1", "\t}");
  // Plain HTTP sent to an HTTPS port is answered with a redirect to HTTPS on the same port.
  lines.push("\tservers {", "\t\tlistener_wrappers {", "\t\t\thttp_redirect", "\t\t\ttls", "\t\t}", "\t}");
  return lines;
}

function commonSnippet(i: CaddyRenderInput): string[] {
  const tls =
    i.tls.mode === "internal" ? ["\ttls internal"] : i.tls.mode === "files" ? [`\ttls ${i.tls.certFile} ${i.tls.keyFile}`] : [];
  return [
    "(entry) {",
    ...tls,
    "\theader {",
    ...(i.tls.mode === "off" ? [] : ['\t\tStrict-Transport-Security "max-age=31536000"']),
    "\t\tX-Content-Type-Options nosniff",
    "\t\tX-Frame-Options SAMEORIGIN",
    "\t\tReferrer-Policy strict-origin-when-cross-origin",
    "\t\t-Server",
    "\t}",
    "}",
  ];
}

function retryBlock(i: CaddyRenderInput): string[] {
  return [
    "\t\t# A config change starts a new LiteLLM container beside the old one, then removes the old one.",
    "\t\t# Dial errors and requests cut before an answer are retried on the name, which then",
    "\t\t# resolves to the container still running, so no request fails during the switch.",
    `\t\tlb_try_duration ${i.retrySeconds}s`,
    "\t\tlb_try_interval 250ms",
    "\t\tlb_retry_match {",
    "\t\t\tmethod GET HEAD POST",
    "\t\t}",
    "\t\t# A retry sends the body again, so it must be kept: without this buffer a POST retried after",
    '\t\t# the old container closed its connection fails with "invalid Read on closed Body". A larger',
    "\t\t# body is still proxied, only not retried.",
    `\t\trequest_buffers ${i.retryBufferMb}MB`,
  ];
}

const indent = (lines: readonly string[]) => lines.map((l) => `\t${l}`);

/** Basic auth and the proxy to the service: what a request that may use the site gets. */
function proxy(i: CaddyRenderInput, s: CaddySite, basicAuth: boolean): string[] {
  return [
    // Caddy 2.6 knows only `basicauth` (2.8 renamed it basic_auth and still accepts the old name);
    // the hash is base64 of bcrypt, which both read, from the container's secret environment.
    ...(basicAuth ? ["\tbasicauth {", `\t\t${i.basicAuthUser} {$${i.basicAuthHashEnv}}`, "\t}"] : []),
    `\treverse_proxy ${s.upstream} {`,
    ...(s.retry ? retryBlock(i) : []),
    // Go's transport makes a request wait for a free connection beyond the cap: a queue, not a refusal.
    ...(s.maxInFlight !== undefined ? ["\t\ttransport http {", `\t\t\tmax_conns_per_host ${s.maxInFlight}`, "\t\t}"] : []),
    "\t\t# Streamed answers (server-sent events) reach the client chunk by chunk.",
    "\t\tflush_interval -1",
    "\t}",
  ];
}

function site(i: CaddyRenderInput, s: CaddySite): string[] {
  const head = [`${addresses(i.tls, s.port)} {`, "\timport entry", "\trequest_body {", `\t\tmax_size ${s.maxBodyMb ?? i.maxBodyMb}MB`, "\t}"];
  const refuse = ["\thandle {", "\t\trespond 403", "\t}"];
  if (s.allowFrom) {
    // Handles run in order of their matchers' specificity: the allowed addresses, then everyone else.
    return [...head, `\t@allowed remote_ip ${s.allowFrom.join(" ")}`, "\thandle @allowed {", ...indent(proxy(i, s, s.basicAuth)), "\t}", ...refuse, "}"];
  }
  if (s.pushers) {
    const p = s.pushers;
    return [
      ...head,
      "\t# Fleet workers push their logs here, each from its address with its own credential.",
      "\t@push {",
      "\t\tmethod POST",
      `\t\tpath ${p.path}`,
      `\t\tremote_ip ${p.users.map((u) => u.address).join(" ")}`,
      "\t}",
      "\thandle @push {",
      "\t\tbasicauth {",
      ...p.users.map((u) => `\t\t\t${u.user} {$${u.hashEnv}}`),
      "\t\t}",
      ...indent(proxy(i, s, false)),
      "\t}",
      ...(s.basicAuth ? ["\thandle {", ...indent(proxy(i, s, true)), "\t}"] : refuse),
      "}",
    ];
  }
  return [...head, ...proxy(i, s, s.basicAuth), "}"];
}

/**
 * The relay to the fleet's workers: `/<host>/<service>/...` goes to that worker's entry point over
 * HTTPS, with its certificate pinned and its credential added, so nothing on the gateway's side needs
 * either. Ollama is asked for its version every healthInterval; a worker that does not answer is
 * marked down, which answers 503 at once (LiteLLM then uses another deployment) and shows in
 * caddy_reverse_proxy_upstreams_healthy on /metrics, which Prometheus scrapes.
 */
function relaySite(r: CaddyRelay): string[] {
  const routes = r.workers.flatMap((w) =>
    w.services.flatMap((svc) => {
      const auth = `"Basic {$${w.authEnv}}"`;
      return [
        `\thandle_path /${w.host}/${svc.name}/* {`,
        `\t\treverse_proxy ${svc.upstream} {`,
        // The worker's entry point serves its own names, not the relay's.
        "\t\t\theader_up Host {upstream_hostport}",
        `\t\t\theader_up Authorization ${auth}`,
        ...(svc.healthPath ? [`\t\t\thealth_uri ${svc.healthPath}`, `\t\t\thealth_interval ${r.healthInterval}`, "\t\t\thealth_headers {", `\t\t\t\tAuthorization ${auth}`, "\t\t\t}"] : []),
        // tls_trusted_ca_certs is what Debian's Caddy 2.6 knows; 2.8 added tls_trust_pool and 2.12 drops the old name.
        ...(w.trustFile ? ["\t\t\ttransport http {", `\t\t\t\ttls_trusted_ca_certs ${w.trustFile}`, "\t\t\t}"] : []),
        "\t\t\tflush_interval -1",
        "\t\t}",
        "\t}",
      ];
    }),
  );
  return [`http://:${r.port} {`, "\thandle /metrics {", "\t\tmetrics", "\t}", ...routes, "\thandle {", "\t\trespond 404", "\t}", "}"];
}

/**
 * Written by hand rather than with a library: the Caddyfile is Caddy's own block format, for which
 * no maintained npm serializer exists; the tests validate the result with the real `caddy adapt` and
 * run it with the real Caddy.
 */
export function renderCaddyfile(i: CaddyRenderInput): string {
  const blocks = [["{", ...globalOptions(i), "}"], commonSnippet(i), ...i.sites.map((s) => site(i, s)), ...(i.relay && i.relay.workers.length > 0 ? [relaySite(i.relay)] : [])];
  return ["# Rendered by ai-gateway from the stack config; edit Pulumi.<stack>.yaml, not this file.", ...blocks.map((b) => b.join("\n"))].join("\n\n") + "\n";
}
