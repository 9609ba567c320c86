// The LiteLLM gateway: its container, with the rendered config from the stack's file list and the
// secrets in its environment. Each config version is a new container (see services/litellm.ts).
import * as pulumi from "@pulumi/pulumi";
import type { Route } from "../config/schema.js";
import { LITELLM_ENV } from "../renderers/litellm.js";
import { internalUrl } from "../services/catalog.js";
import { gatewayCommand, gatewayPlainEnv, gatewayStopGraceSeconds, gatewayVersion, LITELLM } from "../services/litellm.js";
import { configWriteScript } from "../host/configFiles.js";
import { configRoot } from "./hardenedContainer.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface GatewayArgs extends ServiceArgs {
  readonly routes: readonly Route[];
  readonly ollamaUrl: string;
  readonly masterKey: pulumi.Output<string>;
  readonly openaiApiKey?: pulumi.Output<string>;
  /** Valkey's password, with cache.enabled. */
  readonly cachePassword?: pulumi.Output<string>;
  /** LiteLLM's worker processes (services/litellm.ts gatewayWorkers). */
  readonly workers: number;
  readonly dependsOn: pulumi.Resource[];
}

export class Gateway extends ServiceComponent {
  readonly internalUrl = internalUrl("litellm");

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:llm:Gateway", name, args.files, opts);
    // Secrets reach the container only through its environment; pulumi.secret keeps the whole list
    // encrypted in state and masked in previews.
    const secretEnv = [pulumi.interpolate`${LITELLM_ENV.masterKey}=${args.masterKey}`];
    if (args.openaiApiKey) secretEnv.push(pulumi.interpolate`${LITELLM_ENV.openaiApiKey}=${args.openaiApiKey}`);
    if (args.cachePassword) secretEnv.push(pulumi.interpolate`${LITELLM_ENV.cachePassword}=${args.cachePassword}`);
    const plainEnv = gatewayPlainEnv(args.ollamaUrl);
    const command = gatewayCommand(args.workers);

    // No published port: the entry point (Caddy) owns it and reaches this container by its service
    // name, which the old and the new container share while both run. The container name (which
    // changes with each config version) is this.containerName.
    this.start(
      args,
      {
        service: "litellm",
        command,
        envs: pulumi.secret(pulumi.all([...plainEnv, ...secretEnv])),
        instance: gatewayVersion({ image: args.image, command, env: plainEnv, files: args.files, configPlace: `${configRoot(args.ctx)}\0${configWriteScript("<dir>", LITELLM.configFolders)}` }),
        stopGraceSeconds: gatewayStopGraceSeconds(args.routes),
      },
      args.dependsOn,
    );
    this.registerOutputs({ containerName: this.containerName });
  }
}
