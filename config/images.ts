// The rules every image reference must pass: the pins in each service's facts (services/), checked
// against the upstream facts in ../shared/reference/images.md, and any `images.<service>` override.
import { FACTS } from "../services/catalog.js";
import { SERVICES, type ServiceName } from "../services/names.js";

/** Each service's pinned image, from its facts (services/). */
export const PINNED_IMAGES: Readonly<Record<ServiceName, string>> = Object.freeze(
  Object.fromEntries(SERVICES.map((s) => [s, FACTS[s].image])) as Record<ServiceName, string>,
);

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

/**
 * Every x.y.z version written anywhere in a tag: `litellm_stable_release_branch-v1.82.7` holds 1.82.7.
 * A compromised release must be refused however the tag dresses it.
 */
export function versionsInTag(ref: string): string[] {
  const { tag } = parseImageRef(ref);
  return [...(tag ?? "").matchAll(/(?<![\d.])(\d+\.\d+\.\d+)(?!\d)/g)].map((m) => m[1]!);
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
    const version = versionsInTag(ref).find((v) => COMPROMISED_LITELLM_VERSIONS.includes(v));
    if (version !== undefined) return `LiteLLM ${version} is reported compromised and must never run`;
  }
  return undefined;
}

// Refuse to even load with a bad pin in the table itself.
for (const service of SERVICES) {
  const problem = imageRefProblem(service, PINNED_IMAGES[service]);
  if (problem) throw new Error(`config/images.ts: pinned image for ${service} is refused: ${problem}`);
}
