// Caddy, the entry point: it owns the gateway's published port and proxies to LiteLLM by name.
import { LITELLM } from "./litellm.js";
import type { ServiceFacts } from "./types.js";

export const CADDY = Object.freeze({
  // Alpine: busybox sh and wget, curl since 2.11.0. Runs as root; the binary carries the file
  // capability cap_net_bind_service. 2.11.2 fixed retrying a POST whose body was already read (#7546).
  image: "caddy:2.11.4-alpine",
  // The gateway's port: clients keep the URL they had when LiteLLM published it itself.
  port: LITELLM.port,
  published: true,
  caddyfilePath: "/etc/caddy/Caddyfile",
  // The image runs as root; /data keeps certificates and Caddy's own CA once TLS is on.
  uid: 0,
  gid: 0,
  dataPath: "/data",
  adminAddress: "localhost:2019",
  // busybox wget is in the image; the admin API answers once the config is loaded.
  healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:2019/config/"], interval: "10s", timeout: "5s", startPeriod: "10s", retries: 3 },
  waitTimeoutSeconds: 60,
  // Longer than a LiteLLM container takes to start and pass its first probe.
  retrySeconds: 30,
  // A chat request with a long context is well under a megabyte; images sent inline can be a few.
  retryBufferMb: 8,
} as const satisfies ServiceFacts & Record<string, unknown>);
