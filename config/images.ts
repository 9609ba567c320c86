// The one place where container image tags are pinned. Every tag here was checked against the
// upstream facts collected in ../shared/reference/images.md; a stack may override any of them
// with `images.<service>`, and the override goes through the same checks.

export const SERVICES = [
  "ollama",
  "litellm",
  "caddy",
  "prometheus",
  "loki",
  "promtail",
  "alloy",
  "grafana",
  "node-exporter",
  "cadvisor",
  "dcgm-exporter",
  "qdrant",
] as const;
export type ServiceName = (typeof SERVICES)[number];

export const PINNED_IMAGES: Readonly<Record<ServiceName, string>> = Object.freeze({
  // Ubuntu 24.04 base, bash present, no curl or wget. Docker tags carry no "v".
  ollama: "ollama/ollama:0.32.15",
  // 1.100.0 is the newest tag confirmed live on GHCR (litellm-docs PR #1235). The PyPI release of the
  // same version is what the real-proxy test suite installs, so both move together.
  litellm: "ghcr.io/berriai/litellm:1.100.0",
  // Alpine: busybox sh and wget, curl since 2.11.0. Runs as root; the binary carries the file
  // capability cap_net_bind_service. 2.11.2 fixed retrying a POST whose body was already read (#7546).
  caddy: "caddy:2.11.4-alpine",
  // Default (busybox) variant: runs as nobody (65534); the -distroless variant would be 65532.
  prometheus: "prom/prometheus:v3.14.0",
  // Distroless since 3.6: no shell, so the probe is the binary's own `-health`. UID 10001.
  loki: "grafana/loki:3.7.6",
  // The last Promtail image ever published: Promtail reached end of life on 2026-03-02.
  promtail: "grafana/promtail:3.6.11",
  // Alloy tags keep the "v".
  alloy: "grafana/alloy:v1.19.2",
  // grafana/grafana-oss stopped at 12.4; grafana/grafana is the OSS image. Ships curl. UID 472.
  grafana: "grafana/grafana:13.2.0",
  "node-exporter": "quay.io/prometheus/node-exporter:v1.12.1",
  // Only on ghcr.io since v0.53; gcr.io answers "manifest unknown".
  cadvisor: "ghcr.io/google/cadvisor:v0.60.5",
  // From 4.5.3-4.8.2 on only the -distroless image is published.
  "dcgm-exporter": "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless",
  // Debian 13 slim with bash, without curl or wget; runs as root (the -unprivileged variant as 1000).
  qdrant: "qdrant/qdrant:v1.19.0",
});

// PyPI 1.82.7 and 1.82.8 were malicious (BerriAI/litellm#24512); 1.107.0 is reported compromised
// on PyPI, Docker Hub and GHCR. No stack may run them, whatever the source of the tag.
export const COMPROMISED_LITELLM_VERSIONS: readonly string[] = Object.freeze(["1.82.7", "1.82.8", "1.107.0"]);

// Tags that move under the same name: `pulumi up` would not re-pull them, and two hosts could run
// different code under one config.
const MOVING_TAGS = new Set(["latest", "stable", "main", "main-latest", "main-stable", "rc", "dev", "nightly"]);

export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry/repo:tag@sha256:...` into its parts; the registry port colon is not a tag. */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  const repository = colon >= 0 ? rest.slice(0, colon) : rest;
  const tag = colon >= 0 ? rest.slice(colon + 1) : undefined;
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The LiteLLM release a tag stands for: `1.100.0`, `v1.100.0` and `main-v1.100.0-stable` all give 1.100.0. */
export function litellmVersionOf(ref: string): string | undefined {
  const { tag } = parseImageRef(ref);
  const m = tag?.match(/^(?:main-)?v?(\d+\.\d+\.\d+)(?:[-.].*)?$/);
  return m?.[1];
}

/** Returns what is wrong with an image reference for a service, or undefined when it is acceptable. */
export function imageRefProblem(service: ServiceName, ref: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(ref)) return `"${ref}" is not an image reference`;
  const { repository, tag, digest } = parseImageRef(ref);
  if (!repository) return `"${ref}" has no repository`;
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) return `"${ref}" has a malformed digest`;
  if (tag === undefined && digest === undefined) return `"${ref}" has no tag, so Docker would pull "latest"`;
  if (tag !== undefined && MOVING_TAGS.has(tag.toLowerCase()) && digest === undefined) {
    return `"${ref}" uses the moving tag "${tag}"; pin a version`;
  }
  if (service === "litellm") {
    const version = litellmVersionOf(ref);
    if (version !== undefined && COMPROMISED_LITELLM_VERSIONS.includes(version)) {
      return `LiteLLM ${version} is reported compromised and must never run`;
    }
  }
  return undefined;
}

// Refuse to even load with a bad pin in the table itself.
for (const service of SERVICES) {
  const problem = imageRefProblem(service, PINNED_IMAGES[service]);
  if (problem) throw new Error(`config/images.ts: pinned image for ${service} is refused: ${problem}`);
}
