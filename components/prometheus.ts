// Prometheus: the scrape config and alert rules from the stack's file list, the keys it scrapes
// with as files only it can read, data under dataRoot.
import * as pulumi from "@pulumi/pulumi";
import type { PrometheusSettings } from "../config/schema.js";
import type { ConfigFile } from "../host/configFiles.js";
import { internalUrl } from "../services/catalog.js";
import { PROMETHEUS, prometheusCommand } from "../services/prometheus.js";
import { asConfigFiles } from "./files.js";
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
    ] as const).map(([file, key]) => key.apply((content): ConfigFile => ({ file: `${PROMETHEUS.configDir}/${file}`, content, owner: `${PROMETHEUS.uid}:${PROMETHEUS.gid}`, permissions: "0400" })));
    this.start(args, { service: "prometheus", command: prometheusCommand(args.settings), configFiles: pulumi.secret(pulumi.all([...asConfigFiles(args.files), ...keyFiles])) });
    this.registerOutputs({});
  }
}
