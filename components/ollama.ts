// Ollama on the GPU: the facts of the ollama/ollama image, the container, its data folder and the
// models pulled ahead of time.
import * as pulumi from "@pulumi/pulumi";
import type { GpuSelection, OllamaSettings } from "../config/schema.js";
import { hardenedContainer, type Healthcheck, type StackContext } from "./hardenedContainer.js";
import { hostCommand } from "./host.js";

export const OLLAMA = Object.freeze({
  port: 11434,
  // The image has no USER line: it runs as root and keeps models under /root/.ollama.
  uid: 0,
  gid: 0,
  dataPath: "/root/.ollama",
  // No curl or wget in the image, and `ollama --version` exits 0 while the server is down.
  // `ollama list` talks to the server over HTTP and fails when it cannot reach it.
  // The first probe runs one interval after start, and `pulumi up` waits for it: keep the interval short.
  healthcheck: { tests: ["CMD", "ollama", "list"], interval: "10s", timeout: "10s", startPeriod: "30s", retries: 5 } satisfies Healthcheck,
  waitTimeoutSeconds: 180,
});

export interface OllamaArgs {
  readonly ctx: StackContext;
  readonly settings: OllamaSettings;
  readonly image: string;
  readonly memoryMb: number;
}

/** Where other containers on the stack network reach Ollama (the container's network alias is its service name). */
export const ollamaInternalUrl = (): string => `http://ollama:${OLLAMA.port}`;

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

export class Ollama extends pulumi.ComponentResource {
  /** Base URL other containers on the stack network use. */
  readonly internalUrl: string;

  constructor(name: string, args: OllamaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:llm:Ollama", name, {}, opts);
    const { ctx, settings } = args;
    const gpus = dockerGpus(settings.gpus);
    const { container } = hardenedContainer(
      ctx,
      {
        service: "ollama",
        image: args.image,
        healthcheck: OLLAMA.healthcheck,
        waitTimeoutSeconds: OLLAMA.waitTimeoutSeconds,
        memoryMb: args.memoryMb,
        ports: [{ internal: OLLAMA.port, external: OLLAMA.port }],
        envs: ollamaEnv(settings),
        data: { containerPath: OLLAMA.dataPath, uid: OLLAMA.uid, gid: OLLAMA.gid },
        ...(gpus ? { gpus } : {}),
      },
      { parent: this },
    );
    this.internalUrl = ollamaInternalUrl();

    // One command per model, after the container is healthy (the container waits for its probe).
    // A replaced container re-runs the check, which costs nothing when the model is on disk already.
    // Models dropped from the list stay on disk: deleting gigabytes on a config edit is never wanted.
    for (const tag of settings.models) {
      hostCommand(
        ctx.host,
        `model-${tag}`,
        { create: container.name.apply((n) => modelPullScript(n, tag)), triggers: [container.id] },
        { parent: this, dependsOn: [container] },
      );
    }
    this.registerOutputs({ internalUrl: this.internalUrl });
  }
}
