// The LiteLLM gateway: the facts of the LiteLLM image, its rendered config and its secrets.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { Route } from "../config/schema.js";
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
  /** The stack's share of the generated files: LiteLLM's config. */
  readonly files: readonly GeneratedFile[];
  readonly routes: readonly Route[];
  readonly ollamaUrl: string;
  readonly masterKey: pulumi.Output<string>;
  readonly openaiApiKey?: pulumi.Output<string>;
  readonly dependsOn: pulumi.Resource[];
}

/**
 * A short fingerprint of everything about the LiteLLM container that Docker can only change by
 * replacing it, secrets excepted: a new fingerprint is a new container, started beside the old one.
 */
export function gatewayVersion(parts: { image: string; command: readonly string[]; env: readonly string[]; files: readonly GeneratedFile[] }): string {
  const text = JSON.stringify([parts.image, parts.command, parts.env, parts.files.map((f) => [f.containerPath, f.content]), LITELLM.healthcheck]);
  return createHash("sha256").update(text).digest("hex").slice(0, 10);
}

/**
 * How long a LiteLLM container being replaced may finish its requests: the longest route budget,
 * plus a minute for the fallback that may follow it, within ten minutes.
 */
export function gatewayStopGraceSeconds(routes: readonly Route[]): number {
  return Math.min(600, Math.max(0, ...routes.map((r) => r.timeoutSeconds)) + 60);
}

export class Gateway extends pulumi.ComponentResource {
  /** The running container's name (it changes with each config version). */
  readonly containerName: string;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:llm:Gateway", name, {}, opts);
    const { files } = args;

    // Secrets reach the container only through its environment; pulumi.secret keeps the whole list
    // encrypted in state and masked in previews.
    const secretEnv = [pulumi.interpolate`${LITELLM_ENV.masterKey}=${args.masterKey}`];
    if (args.openaiApiKey) secretEnv.push(pulumi.interpolate`${LITELLM_ENV.openaiApiKey}=${args.openaiApiKey}`);
    const plainEnv = gatewayPlainEnv(args.ollamaUrl);
    const envs = pulumi.secret(pulumi.all([...plainEnv, ...secretEnv]));
    const command = ["--config", LITELLM.configPath, "--port", String(LITELLM.port), "--num_workers", String(LITELLM.workers)];

    // No published port: the entry point (Caddy) owns it and reaches this container by its service
    // name, which the old and the new container share while both run.
    const { name: runningName } = hardenedContainer(
      args.ctx,
      {
        service: "litellm",
        image: args.image,
        healthcheck: LITELLM.healthcheck,
        waitTimeoutSeconds: LITELLM.waitTimeoutSeconds,
        memoryMb: args.memoryMb,
        ports: [],
        command,
        envs,
        uploads: asUploads(files),
        instance: gatewayVersion({ image: args.image, command, env: plainEnv, files }),
        stopGraceSeconds: gatewayStopGraceSeconds(args.routes),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.containerName = runningName;
    this.registerOutputs({ containerName: runningName });
  }
}
