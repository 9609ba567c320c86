// Qdrant: vector store with a generated API key, telemetry off, data under dataRoot.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { internalUrl } from "../services/catalog.js";
import { qdrantPlainEnv } from "../services/qdrant.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";

export interface QdrantArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
}

export class Qdrant extends pulumi.ComponentResource {
  readonly apiKey: pulumi.Output<string>;
  readonly container: docker.Container;
  readonly internalUrl = internalUrl("qdrant");
  readonly dataFolder: string;

  constructor(name: string, args: QdrantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:data:Qdrant", name, {}, opts);
    const key = new random.RandomPassword("qdrant-api-key", { length: 40, special: false }, { parent: this });
    this.apiKey = pulumi.secret(key.result);
    const made = hardenedContainer(
      args.ctx,
      {
        service: "qdrant",
        image: args.image,
        memoryMb: args.memoryMb,
        envs: pulumi.secret(pulumi.all([pulumi.interpolate`QDRANT__SERVICE__API_KEY=${this.apiKey}`, ...qdrantPlainEnv()])),
      },
      { parent: this },
    );
    this.container = made.container;
    this.dataFolder = made.dataFolder!;
    this.registerOutputs({ apiKey: this.apiKey });
  }
}
