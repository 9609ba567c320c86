// Prometheus: the scrape config and alert rules from the stack's file list, the keys it scrapes
// with as files only it can read, data under dataRoot.
import * as pulumi from "@pulumi/pulumi";
import type { PrometheusSettings } from "../config/schema.js";
import { internalUrl } from "../services/catalog.js";
import { PROMETHEUS, prometheusCommand } from "../services/prometheus.js";
import { secretConfigFile, withSecretFiles } from "./files.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface PrometheusArgs extends ServiceArgs {
  readonly settings: PrometheusSettings;
  /** LiteLLM's /metrics/ needs a key (the master key is the only one without a database). */
  readonly litellmKey: pulumi.Output<string>;
  /** Qdrant's /metrics needs a key too: its read-only one (Qdrant's own auth tests list GET /metrics as read access). */
  readonly qdrantKey: pulumi.Output<string>;
}

export class Prometheus extends ServiceComponent {
  readonly internalUrl = internalUrl("prometheus");

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Prometheus", name, args.files, opts);
    const keyFiles = ([
      [PROMETHEUS.litellmKeyFile, args.litellmKey],
      [PROMETHEUS.qdrantKeyFile, args.qdrantKey],
    ] as const).map(([file, key]) => secretConfigFile(`${PROMETHEUS.configDir}/${file}`, PROMETHEUS, key));
    this.start(args, { service: "prometheus", command: prometheusCommand(args.settings), configFiles: withSecretFiles(args.files, keyFiles) });
    this.registerOutputs({});
  }
}
