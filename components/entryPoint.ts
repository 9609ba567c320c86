// The entry point: Caddy in front of LiteLLM. It owns the gateway's published port, so the LiteLLM
// container behind it can be replaced (new one first, old one last) without dropping requests.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { GeneratedFile } from "../services/files.js";
import { asUploads } from "./files.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";

export interface EntryPointArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  /** The stack's share of the generated files: the Caddyfile. */
  readonly files: readonly GeneratedFile[];
}

export class EntryPoint extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly dataFolder: string;
  readonly files: readonly GeneratedFile[];

  constructor(name: string, args: EntryPointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:net:EntryPoint", name, {}, opts);
    this.files = args.files;
    const made = hardenedContainer(args.ctx, { service: "caddy", image: args.image, memoryMb: args.memoryMb, uploads: asUploads(args.files) }, { parent: this });
    this.container = made.container;
    this.dataFolder = made.dataFolder!;
    this.registerOutputs({});
  }
}
