// Loki: single binary, filesystem storage under dataRoot, retention by its compactor.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { GeneratedFile } from "../services/files.js";
import { LOKI } from "../services/loki.js";
import { asUploads } from "./files.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";

export interface LokiArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  /** The stack's share of the generated files: Loki's config. */
  readonly files: readonly GeneratedFile[];
}

export class Loki extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly dataFolder: string;
  readonly files: readonly GeneratedFile[];

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Loki", name, {}, opts);
    this.files = args.files;
    const made = hardenedContainer(
      args.ctx,
      { service: "loki", image: args.image, memoryMb: args.memoryMb, command: [`-config.file=${LOKI.configPath}`], uploads: asUploads(args.files) },
      { parent: this },
    );
    this.container = made.container;
    this.dataFolder = made.dataFolder!;
    this.registerOutputs({});
  }
}
