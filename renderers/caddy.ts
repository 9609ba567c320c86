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

function site(i: CaddyRenderInput, s: CaddySite): string[] {
  return [
    `${addresses(i.tls, s.port)} {`,
    "\timport entry",
    "\trequest_body {",
    `\t\tmax_size ${s.maxBodyMb ?? i.maxBodyMb}MB`,
    "\t}",
    // Caddy 2.6 knows only `basicauth` (2.8 renamed it basic_auth and still accepts the old name);
    // the hash is base64 of bcrypt, which both read, from the container's secret environment.
    ...(s.basicAuth ? ["\tbasicauth {", `\t\t${i.basicAuthUser} {$${i.basicAuthHashEnv}}`, "\t}"] : []),
    `\treverse_proxy ${s.upstream} {`,
    ...(s.retry ? retryBlock(i) : []),
    // Go's transport makes a request wait for a free connection beyond the cap: a queue, not a refusal.
    ...(s.maxInFlight !== undefined ? ["\t\ttransport http {", `\t\t\tmax_conns_per_host ${s.maxInFlight}`, "\t\t}"] : []),
    "\t\t# Streamed answers (server-sent events) reach the client chunk by chunk.",
    "\t\tflush_interval -1",
    "\t}",
    "}",
  ];
}

/**
 * Written by hand rather than with a library: the Caddyfile is Caddy's own block format, for which
 * no maintained npm serializer exists; the tests validate the result with the real `caddy adapt` and
 * run it with the real Caddy.
 */
export function renderCaddyfile(i: CaddyRenderInput): string {
  const blocks = [["{", ...globalOptions(i), "}"], commonSnippet(i), ...i.sites.map((s) => site(i, s))];
  return ["# Rendered by ai-gateway from the stack config; edit Pulumi.<stack>.yaml, not this file.", ...blocks.map((b) => b.join("\n"))].join("\n\n") + "\n";
}
