// The Caddyfile of the stack's entry point. Caddy is the only container that publishes the
// gateway's port; it proxies to LiteLLM by its DNS name on the stack network, so a new LiteLLM
// container can take over from the old one without the entry point changing.

export interface CaddyRenderInput {
  /** Port Caddy listens on inside its container (published on bindAddress). */
  readonly listenPort: number;
  /** `host:port` of LiteLLM on the stack network: a name every LiteLLM container answers to. */
  readonly gatewayUpstream: string;
  /** Caddy's admin API, inside the container only: the healthcheck reads it. */
  readonly adminAddress: string;
  /** How long one request may be retried while no LiteLLM container answers. */
  readonly retrySeconds: number;
  /** Request bodies up to this size are held in memory so that a retry can send them again. */
  readonly retryBufferMb: number;
}

/**
 * Written by hand rather than with a library: the Caddyfile is Caddy's own block format, for which
 * no maintained npm serializer exists; the tests validate the result with the real `caddy adapt`.
 */
export function renderCaddyfile(i: CaddyRenderInput): string {
  return [
    "# Rendered by ai-gateway from the stack config; edit Pulumi.<stack>.yaml, not this file.",
    "{",
    `\tadmin ${i.adminAddress}`,
    "\t# Plain HTTP on the bind address for now; TLS comes with the entry point's `tls` settings.",
    "\tauto_https off",
    "}",
    "",
    `:${i.listenPort} {`,
    `\treverse_proxy ${i.gatewayUpstream} {`,
    "\t\t# A config change starts a new LiteLLM container beside the old one, then removes the old one.",
    "\t\t# Dial errors and requests cut before an answer are retried on the name, which then",
    "\t\t# resolves to the container still running, so no request fails during the switch.",
    `\t\tlb_try_duration ${i.retrySeconds}s`,
    "\t\tlb_try_interval 250ms",
    "\t\tlb_retry_match {",
    "\t\t\tmethod GET HEAD POST",
    "\t\t}",
    "\t\t# A retry sends the body again, so it must be kept: without this buffer a POST retried after",
    "\t\t# the old container closed its connection fails with \"invalid Read on closed Body\". A larger",
    "\t\t# body is still proxied, only not retried.",
    `\t\trequest_buffers ${i.retryBufferMb}MB`,
    "\t\t# Streamed answers (server-sent events) reach the client chunk by chunk.",
    "\t\tflush_interval -1",
    "\t}",
    "}",
    "",
  ].join("\n");
}
