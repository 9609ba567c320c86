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
  configFolders: ["/etc/caddy"],
  // The image runs as root; /data keeps certificates and Caddy's own CA once TLS is on.
  uid: 0,
  gid: 0,
  dataPath: "/data",
  adminAddress: "localhost:2019",
  // busybox wget is in the image; the admin API answers once the config is loaded.
  healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:2019/config/"], interval: "10s", timeout: "5s", startPeriod: "10s", retries: 3 },
  waitTimeoutSeconds: 60,
  confinement: {
    capAdds: [
      {
        cap: "CAP_NET_BIND_SERVICE",
        why: "the caddy binary carries the file capability cap_net_bind_service, and the kernel refuses to run it at all when that capability is not in the bounding set, even on high ports (caddy-docker#396)",
      },
    ],
    rootWhy: "the official image has no user of its own (its rootless variant is not a confirmed published tag); with every other capability dropped, root here can bind ports and read its own files, nothing more",
    // Certificates and the CA are in /data, the data folder; /config holds only the autosaved config.
    rootFs: { readOnly: true, tmpfs: ["/config", "/tmp"] },
    pidsLimit: 512,
  },
  // Longer than a LiteLLM container takes to start and pass its first probe.
  retrySeconds: 30,
  // A chat request with a long context is well under a megabyte; images sent inline can be a few.
  retryBufferMb: 8,
  // Larger request bodies are refused at the edge with 413, before they reach any service.
  maxBodyMb: 32,
  tlsDir: "/etc/caddy/tls",
  basicAuthUser: "ai-gateway",
  // base64 of the bcrypt hash of the generated basic-auth password, in the container's secret env.
  basicAuthHashEnv: "AIGW_BASIC_AUTH_HASH",
  // The fleet (services/fleet.ts): each worker's certificate authority, and per worker (numbered from
  // 1 in the order of the workers key) the environment variables holding base64 of `user:password`
  // for its entry point and the base64 of the bcrypt hash of its log-push password.
  fleetTrustDir: "/etc/caddy/fleet",
  fleetAuthEnvPrefix: "AIGW_FLEET_AUTH_",
  fleetLogHashEnvPrefix: "AIGW_FLEET_LOG_HASH_",
  // Where Caddy keeps its local CA's root (XDG_DATA_HOME=/data), inside the container.
  rootCertPath: "/data/caddy/pki/authorities/local/root.crt",
} as const satisfies ServiceFacts & Record<string, unknown>);

/**
 * The names the entry point's certificate covers (internal and files modes): the bind address unless
 * it is a wildcard, the names clients use (tls.names), and loopback for the tools on the host.
 */
export function certificateNames(bindAddress: string, names: readonly string[]): string[] {
  const wildcard = bindAddress === "0.0.0.0" || bindAddress === "::";
  return [...new Set([...(wildcard ? [] : [bindAddress]), ...names, "localhost", "127.0.0.1"])];
}
