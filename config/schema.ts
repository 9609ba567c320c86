// The typed configuration contract. Everything downstream (components, renderers, tools) reads
// these types, never pulumi.Config.
import type { ServiceName } from "./images.js";

export type GpuSelection = { readonly kind: "all" } | { readonly kind: "none" } | { readonly kind: "devices"; readonly ids: readonly string[] };

export type KvCacheType = "f16" | "q8_0" | "q4_0";

export interface OllamaSettings {
  readonly gpus: GpuSelection;
  /** Tags pulled ahead of time, in the order given. */
  readonly models: readonly string[];
  readonly keepAlive: string;
  readonly numParallel: number;
  /** 0 lets Ollama decide. */
  readonly maxLoadedModels: number;
  readonly flashAttention: boolean;
  readonly kvCacheType: KvCacheType;
  readonly contextLength: number;
}

export interface Route {
  readonly name: string;
  /** An Ollama tag from ollama.models. */
  readonly model: string;
  /** Cloud model ids from cloudModels, tried in order. Empty on a local-only stack. */
  readonly fallbacks: readonly string[];
  /** How long the local model may take (first chunk of a stream, or the whole answer) before failover. */
  readonly timeoutSeconds: number;
}

export interface StackConfig {
  readonly stack: string;
  /** True when openaiApiKey is set (as a secret). Without it the stack is local-only. */
  readonly cloudEnabled: boolean;
  readonly bindAddress: string;
  readonly dataRoot: string;
  readonly ollama: OllamaSettings;
  /** Cloud model ids (`openai/<model>`), empty on a local-only stack. */
  readonly cloudModels: readonly string[];
  /** Sorted by name, so rendering does not depend on the order keys were written in. */
  readonly routes: readonly Route[];
  readonly images: Readonly<Record<ServiceName, string>>;
  readonly memoryLimitsMb: Readonly<Record<ServiceName, number>>;
}

/**
 * Defaults sized for one 24 GB GPU. README's config table explains each choice.
 * Two mid-size models (a 14B coder at Q4 is about 9 GB, an 8B at Q4 about 5 GB) stay resident together,
 * with room left for a q8_0 KV cache of 2 parallel slots at 8k context each.
 */
export const DEFAULTS = Object.freeze({
  bindAddress: "127.0.0.1",
  dataRoot: "/data/stack",
  cloudModels: Object.freeze(["openai/gpt-4o"]),
  ollama: Object.freeze({
    gpus: "all",
    models: Object.freeze(["qwen2.5-coder:14b", "llama3.1:8b"]),
    // Long enough that a model stays warm between bursts, so a cold load (seconds to minutes)
    // does not eat the route's failover budget on the next request.
    keepAlive: "30m",
    numParallel: 2,
    maxLoadedModels: 2,
    flashAttention: true,
    kvCacheType: "q8_0" as KvCacheType,
    contextLength: 8192,
  }),
  routeTimeoutSeconds: 60,
  routes: Object.freeze({
    "task:code": Object.freeze({ model: "qwen2.5-coder:14b", fallbacks: Object.freeze(["openai/gpt-4o"]) }),
    "task:docs": Object.freeze({ model: "llama3.1:8b", fallbacks: Object.freeze(["openai/gpt-4o"]) }),
  }),
  memoryLimitsMb: Object.freeze({ ollama: 32768, litellm: 2048 } satisfies Record<ServiceName, number>),
});
