// Prometheus: the scrape config and alert rules from the stack's file list, the keys it scrapes
// with as files only it can read, data under dataRoot.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { PrometheusSettings } from "../config/schema.js";
import { internalUrl } from "../services/catalog.js";
import type { GeneratedFile } from "../services/files.js";
import { PROMETHEUS, prometheusCommand } from "../services/prometheus.js";
import { asUploads } from "./files.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";

export interface PrometheusArgs {
  readonly ctx: StackContext;
  readonly settings: PrometheusSettings;
  /** The stack's share of the generated files: the scrape config and the rules. */
  readonly files: readonly GeneratedFile[];
  readonly image: string;
  readonly memoryMb: number;
  /** LiteLLM's /metrics/ needs a key (the master key is the only one without a database), as does Qdrant's. */
  readonly litellmKey: pulumi.Output<string>;
  readonly qdrantKey: pulumi.Output<string>;
}

export class Prometheus extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly internalUrl = internalUrl("prometheus");
  readonly dataFolder: string;
  readonly files: readonly GeneratedFile[];

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Prometheus", name, {}, opts);
    this.files = args.files;
    const keyFiles = [
      [PROMETHEUS.litellmKeyFile, args.litellmKey],
      [PROMETHEUS.qdrantKeyFile, args.qdrantKey],
    ] as const;
    const made = hardenedContainer(
      args.ctx,
      {
        service: "prometheus",
        image: args.image,
        memoryMb: args.memoryMb,
        command: prometheusCommand(args.settings),
        uploads: pulumi.secret(
          pulumi.all([
            ...asUploads(args.files),
            ...keyFiles.map(([file, content]) => ({
              file: `${PROMETHEUS.configDir}/${file}`,
              content,
              owner: String(PROMETHEUS.uid),
              group: String(PROMETHEUS.gid),
              permissions: "0400",
            })),
          ]),
        ),
      },
      { parent: this },
    );
    this.container = made.container;
    this.dataFolder = made.dataFolder!;
    this.registerOutputs({});
  }
}
