// The LiteLLM gateway: its container, with the rendered config from the stack's file list and the
// secrets in its environment. Each config version is a new container (see services/litellm.ts).
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Route } from "../config/schema.js";
import { LITELLM_ENV } from "../renderers/litellm.js";
import { internalUrl } from "../services/catalog.js";
import type { GeneratedFile } from "../services/files.js";
import { gatewayCommand, gatewayPlainEnv, gatewayStopGraceSeconds, gatewayVersion } from "../services/litellm.js";
import { asUploads } from "./files.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";

export interface GatewayArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  /** The stack's share of the generated files: LiteLLM's config. */
  readonly files: readonly GeneratedFile[];
  readonly routes: readonly Route[];
  readonly ollamaUrl: string;
  readonly masterKey: pulumi.Output<string>;
  readonly openaiApiKey?: pulumi.Output<string>;
  readonly dependsOn: pulumi.Resource[];
}

export class Gateway extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** The running container's name (it changes with each config version). */
  readonly containerName: string;
  readonly internalUrl = internalUrl("litellm");
  readonly files: readonly GeneratedFile[];

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:llm:Gateway", name, {}, opts);
    this.files = args.files;

    // Secrets reach the container only through its environment; pulumi.secret keeps the whole list
    // encrypted in state and masked in previews.
    const secretEnv = [pulumi.interpolate`${LITELLM_ENV.masterKey}=${args.masterKey}`];
    if (args.openaiApiKey) secretEnv.push(pulumi.interpolate`${LITELLM_ENV.openaiApiKey}=${args.openaiApiKey}`);
    const plainEnv = gatewayPlainEnv(args.ollamaUrl);
    const envs = pulumi.secret(pulumi.all([...plainEnv, ...secretEnv]));
    const command = gatewayCommand();

    // No published port: the entry point (Caddy) owns it and reaches this container by its service
    // name, which the old and the new container share while both run.
    const made = hardenedContainer(
      args.ctx,
      {
        service: "litellm",
        image: args.image,
        memoryMb: args.memoryMb,
        command,
        envs,
        uploads: asUploads(args.files),
        instance: gatewayVersion({ image: args.image, command, env: plainEnv, files: args.files }),
        stopGraceSeconds: gatewayStopGraceSeconds(args.routes),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.container = made.container;
    this.containerName = made.name;
    this.registerOutputs({ containerName: made.name });
  }
}
