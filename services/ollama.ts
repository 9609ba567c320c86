// Ollama: the facts of the ollama/ollama image, its knobs as environment, and the model pull.
import type { GpuSelection, OllamaSettings } from "../config/schema.js";
import type { ServiceFacts } from "./types.js";

export const OLLAMA = Object.freeze({
  // Ubuntu 24.04 base, bash present, no curl or wget. Docker tags carry no "v".
  image: "ollama/ollama:0.32.15",
  port: 11434,
  published: true,
  // The image has no USER line: it runs as root and keeps models under /root/.ollama.
  uid: 0,
  gid: 0,
  dataPath: "/root/.ollama",
  // No curl or wget in the image, and `ollama --version` exits 0 while the server is down.
  // `ollama list` talks to the server over HTTP and fails when it cannot reach it.
  // The first probe runs one interval after start, and `pulumi up` waits for it: keep the interval short.
  healthcheck: { tests: ["CMD", "ollama", "list"], interval: "10s", timeout: "10s", startPeriod: "30s", retries: 5 },
  waitTimeoutSeconds: 180,
  confinement: {
    capAdds: [],
    rootWhy:
      "the image has no user of its own and keeps models under /root/.ollama; another user needs HOME moved, and reaching the GPU as that user depends on each host's device permissions",
    // Models, keys and partial downloads all go under ~/.ollama, the data folder.
    rootFs: { readOnly: true, tmpfs: ["/tmp"] },
    // Each loaded model is a runner process with about a thread per core.
    pidsLimit: 2048,
    hostAccess: "the GPUs in ollama.gpus",
  },
} as const satisfies ServiceFacts);

/** The `gpus` value for docker, or undefined for a CPU-only stack. */
export function dockerGpus(g: GpuSelection): string | undefined {
  switch (g.kind) {
    case "all":
      return "all";
    case "none":
      return undefined;
    case "devices":
      return `device=${g.ids.join(",")}`;
  }
}

/** Each performance knob, mapped to the environment variable Ollama reads. */
export function ollamaEnv(s: OllamaSettings): string[] {
  return [
    `OLLAMA_KEEP_ALIVE=${s.keepAlive}`,
    `OLLAMA_NUM_PARALLEL=${s.numParallel}`,
    `OLLAMA_MAX_LOADED_MODELS=${s.maxLoadedModels}`,
    `OLLAMA_FLASH_ATTENTION=${s.flashAttention ? "1" : "0"}`,
    `OLLAMA_KV_CACHE_TYPE=${s.kvCacheType}`,
    `OLLAMA_CONTEXT_LENGTH=${s.contextLength}`,
  ];
}

/**
 * Shell text that makes sure a model is present. `ollama show` answers from local storage, so a model
 * already pulled is not fetched again and an offline host can re-run it; a failed pull names the model.
 */
export function modelPullScript(containerName: string, tag: string): string {
  return [
    `if docker exec ${containerName} ollama show ${tag} >/dev/null 2>&1; then echo "model ${tag} already present"; exit 0; fi`,
    `docker exec ${containerName} ollama pull ${tag} || { echo "ai-gateway: ollama pull failed for model '${tag}'" >&2; exit 1; }`,
  ].join("\n");
}
