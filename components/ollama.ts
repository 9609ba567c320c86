// Ollama on the GPU: the container, its data folder and the models pulled ahead of time.
import type * as pulumi from "@pulumi/pulumi";
import type { OllamaSettings } from "../config/schema.js";
import { internalUrl } from "../services/catalog.js";
import { dockerGpus, modelPullScript, ollamaEnv } from "../services/ollama.js";
import { hostCommand } from "./host.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface OllamaArgs extends ServiceArgs {
  readonly settings: OllamaSettings;
}

export class Ollama extends ServiceComponent {
  /** Base URL other containers on the stack network use. */
  readonly internalUrl = internalUrl("ollama");

  constructor(name: string, args: OllamaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:llm:Ollama", name, args.files, opts);
    const { ctx, settings } = args;
    const gpus = dockerGpus(settings.gpus);
    const { container } = this.start(args, { service: "ollama", envs: ollamaEnv(settings), ...(gpus ? { gpus } : {}) });

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
