// Ollama on the GPU: the container, its data folder and the models pulled ahead of time.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { OllamaSettings } from "../config/schema.js";
import { internalUrl } from "../services/catalog.js";
import { dockerGpus, modelPullScript, ollamaEnv } from "../services/ollama.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";
import { hostCommand } from "./host.js";

export interface OllamaArgs {
  readonly ctx: StackContext;
  readonly settings: OllamaSettings;
  readonly image: string;
  readonly memoryMb: number;
}

export class Ollama extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** Base URL other containers on the stack network use. */
  readonly internalUrl = internalUrl("ollama");
  readonly dataFolder: string;

  constructor(name: string, args: OllamaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:llm:Ollama", name, {}, opts);
    const { ctx, settings } = args;
    const gpus = dockerGpus(settings.gpus);
    const made = hardenedContainer(
      ctx,
      { service: "ollama", image: args.image, memoryMb: args.memoryMb, envs: ollamaEnv(settings), ...(gpus ? { gpus } : {}) },
      { parent: this },
    );
    this.container = made.container;
    this.dataFolder = made.dataFolder!;

    // One command per model, after the container is healthy (the container waits for its probe).
    // A replaced container re-runs the check, which costs nothing when the model is on disk already.
    // Models dropped from the list stay on disk: deleting gigabytes on a config edit is never wanted.
    for (const tag of settings.models) {
      hostCommand(
        ctx.host,
        `model-${tag}`,
        { create: made.container.name.apply((n) => modelPullScript(n, tag)), triggers: [made.container.id] },
        { parent: this, dependsOn: [made.container] },
      );
    }
    this.registerOutputs({ internalUrl: this.internalUrl });
  }
}
