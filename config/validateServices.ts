// The per-service maps of the contract: image pins, memory limits and CPU limits, each keyed by service name.
import { SERVICES, type ServiceName } from "../services/names.js";
import { COMPROMISED_LITELLM_VERSIONS, PINNED_IMAGES, imageRefProblem } from "./images.js";
import { DEFAULTS } from "./schema.js";
import { mapping, quote, type Collector } from "./validation.js";

function validateServiceMap<T extends string | number>(
  c: Collector,
  key: string,
  raw: unknown,
  base: Readonly<Record<ServiceName, T>>,
  check: (service: ServiceName, v: unknown) => { value: T } | { problem: string; fix: string },
): Record<ServiceName, T> {
  const out: Record<ServiceName, T> = { ...base };
  const o = mapping(c, key, raw, SERVICES);
  for (const service of SERVICES) {
    if (o[service] === undefined) continue;
    const r = check(service, o[service]);
    if ("value" in r) out[service] = r.value;
    else c.add(`${key}.${service}`, r.problem, r.fix);
  }
  return out;
}

export function validateImages(c: Collector, raw: unknown): Record<ServiceName, string> {
  return validateServiceMap<string>(c, "images", raw, PINNED_IMAGES, (service, ref) => {
    if (typeof ref !== "string") return { problem: `expected an image reference string, got ${quote(ref)}`, fix: `e.g. ${quote(PINNED_IMAGES[service])}` };
    const problem = imageRefProblem(service, ref);
    return problem
      ? { problem, fix: service === "litellm" ? `pin a release other than ${COMPROMISED_LITELLM_VERSIONS.join(", ")}, e.g. ${quote(PINNED_IMAGES.litellm)}` : `pin an exact version, e.g. ${quote(PINNED_IMAGES[service])}` }
      : { value: ref };
  });
}

export function validateMemoryLimits(c: Collector, raw: unknown): Record<ServiceName, number> {
  return validateServiceMap<number>(c, "memoryLimitsMb", raw, DEFAULTS.memoryLimitsMb, (service, mb) =>
    typeof mb === "number" && Number.isInteger(mb) && mb >= 256 && mb <= 4_194_304
      ? { value: mb }
      : { problem: `${quote(mb)} is not a whole number of MiB from 256 up`, fix: `e.g. memoryLimitsMb: {${service}: ${DEFAULTS.memoryLimitsMb[service]}}` },
  );
}

export function validateCpuLimits(c: Collector, raw: unknown): Record<ServiceName, number> {
  return validateServiceMap<number>(c, "cpuLimits", raw, DEFAULTS.cpuLimits, (service, cores) =>
    // Tenths of a core: the docker provider reads finer limits back rounded to one decimal in some
    // cases (0.05 as "0.1"), which would replace the container on every up (see dockerCpus).
    typeof cores === "number" && cores >= 0.1 && cores <= 1024 && Math.abs(cores * 10 - Math.round(cores * 10)) < 1e-9
      ? { value: Math.round(cores * 10) / 10 }
      : { problem: `${quote(cores)} is not a number of cores from 0.1 up, in tenths`, fix: `e.g. cpuLimits: {${service}: ${DEFAULTS.cpuLimits[service]}}` },
  );
}
