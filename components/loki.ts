// Loki: single binary, filesystem storage under dataRoot, retention by its compactor.
import * as pulumi from "@pulumi/pulumi";
import type { LokiSettings } from "../config/schema.js";
import { renderLokiConfig } from "../renderers/loki.js";
import type { GeneratedFile } from "./files.js";
import { asUploads } from "./files.js";
import { hardenedContainer, type Healthcheck, type StackContext } from "./hardenedContainer.js";

export const LOKI = Object.freeze({
  port: 3100,
  uid: 10001,
  gid: 10001,
  dataPath: "/loki",
  configPath: "/etc/loki/config.yaml",
  // Distroless since 3.6: no shell, no wget. `-health` is built into the binary (3.6.5+, 3.7.0+) and
  // GETs /ready, which answers 503 for about 15 s after start, hence the start period.
  healthcheck: { tests: ["CMD", "/usr/bin/loki", "-health"], interval: "10s", timeout: "10s", startPeriod: "45s", retries: 5 } satisfies Healthcheck,
  waitTimeoutSeconds: 180,
});

export const lokiInternalUrl = (): string => `http://loki:${LOKI.port}`;

export function lokiFiles(settings: LokiSettings): GeneratedFile[] {
  return [{ service: "loki", path: "loki/config.yaml", containerPath: LOKI.configPath, content: renderLokiConfig({ settings, dataPath: LOKI.dataPath, httpPort: LOKI.port }) }];
}

export interface LokiArgs {
  readonly ctx: StackContext;
  readonly settings: LokiSettings;
  readonly image: string;
  readonly memoryMb: number;
}

export class Loki extends pulumi.ComponentResource {
  readonly internalUrl = lokiInternalUrl();

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Loki", name, {}, opts);
    hardenedContainer(
      args.ctx,
      {
        service: "loki",
        image: args.image,
        healthcheck: LOKI.healthcheck,
        waitTimeoutSeconds: LOKI.waitTimeoutSeconds,
        memoryMb: args.memoryMb,
        // Published so that the evidence tool and a user can query logs from the host.
        ports: [{ internal: LOKI.port, external: LOKI.port }],
        command: [`-config.file=${LOKI.configPath}`],
        data: { containerPath: LOKI.dataPath, uid: LOKI.uid, gid: LOKI.gid },
        uploads: asUploads(lokiFiles(args.settings)),
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
