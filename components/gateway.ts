// The LiteLLM gateway: the facts of the LiteLLM image, its rendered config and its secrets.
import * as pulumi from "@pulumi/pulumi";
import type { Route, RoutingStrategy } from "../config/schema.js";
import { LITELLM_ENV, renderLiteLlmConfig, type LiteLlmRenderInput } from "../renderers/litellm.js";
import { asUploads, type GeneratedFile } from "./files.js";
import { hardenedContainer, type Healthcheck, type StackContext } from "./hardenedContainer.js";

export const LITELLM = Object.freeze({
  port: 4000,
  configPath: "/app/config.yaml",
  // /metrics answers 307 to /metrics/; some scrapers do not follow it, so scrape the target directly.
  metricsPath: "/metrics/",
  // One worker: the GPU, not the async proxy, is the bottleneck on one host, and several workers
  // would need PROMETHEUS_MULTIPROC_DIR for metrics. The code default is 1, but the docs say
  // "CPU count", so it is always passed explicitly.
  workers: 1,
  // No curl and no wget since the Wolfi base; python3 is on PATH. /health/liveliness is unauthenticated
  // and makes no LLM call (unlike /health, which calls every model).
  healthcheck: {
    tests: [
      "CMD",
      "python3",
      "-c",
      "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:4000/health/liveliness', timeout=5).status == 200 else 1)",
    ],
    interval: "10s",
    timeout: "10s",
    // Startup loads the config and the bundled cost map; failures inside this window do not count.
    startPeriod: "1m0s",
    retries: 3,
  } satisfies Healthcheck,
  waitTimeoutSeconds: 180,
});

/** Environment that is not secret. The cost map ships in the image, so startup fetches nothing. */
export function gatewayPlainEnv(ollamaUrl: string): string[] {
  return [
    "LITELLM_MODE=PRODUCTION",
    "LITELLM_LOG=INFO",
    "LITELLM_LOCAL_MODEL_COST_MAP=True",
    // The admin UI needs a database, which this stack does not run.
    "DISABLE_ADMIN_UI=True",
    // Model-info lookups (/api/show) read this rather than the per-model api_base.
    `OLLAMA_API_BASE=${ollamaUrl}`,
  ];
}

export function gatewayFiles(input: LiteLlmRenderInput): GeneratedFile[] {
  return [{ service: "litellm", path: "litellm/config.yaml", containerPath: LITELLM.configPath, content: renderLiteLlmConfig(input) }];
}

export interface GatewayArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly routes: readonly Route[];
  readonly cloudModels: readonly string[];
  readonly ollamaUrl: string;
  readonly extraOllamaUrls: readonly string[];
  readonly routingStrategy: RoutingStrategy;
  readonly masterKey: pulumi.Output<string>;
  readonly openaiApiKey?: pulumi.Output<string>;
  readonly dependsOn: pulumi.Resource[];
}

export class Gateway extends pulumi.ComponentResource {
  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:llm:Gateway", name, {}, opts);
    const files = gatewayFiles({
      routes: args.routes,
      cloudModels: args.cloudModels,
      ollamaApiBase: args.ollamaUrl,
      extraOllamaApiBases: args.extraOllamaUrls,
      routingStrategy: args.routingStrategy,
    });

    // Secrets reach the container only through its environment; pulumi.secret keeps the whole list
    // encrypted in state and masked in previews.
    const secretEnv = [pulumi.interpolate`${LITELLM_ENV.masterKey}=${args.masterKey}`];
    if (args.openaiApiKey) secretEnv.push(pulumi.interpolate`${LITELLM_ENV.openaiApiKey}=${args.openaiApiKey}`);
    const envs = pulumi.secret(pulumi.all([...gatewayPlainEnv(args.ollamaUrl), ...secretEnv]));

    hardenedContainer(
      args.ctx,
      {
        service: "litellm",
        image: args.image,
        healthcheck: LITELLM.healthcheck,
        waitTimeoutSeconds: LITELLM.waitTimeoutSeconds,
        memoryMb: args.memoryMb,
        ports: [{ internal: LITELLM.port, external: LITELLM.port }],
        command: ["--config", LITELLM.configPath, "--port", String(LITELLM.port), "--num_workers", String(LITELLM.workers)],
        envs,
        uploads: asUploads(files),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
