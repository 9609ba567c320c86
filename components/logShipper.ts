// The log shipper, Promtail or Alloy (services/logShippers.ts): it reads the Docker socket to find
// this stack's containers and pushes their logs to Loki.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { LogShipper as LogShipperKind } from "../config/schema.js";
import type { GeneratedFile } from "../services/files.js";
import { DOCKER_SOCKET, SHIPPERS } from "../services/logShippers.js";
import { asUploads } from "./files.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";

export interface LogShipperArgs {
  readonly ctx: StackContext;
  readonly shipper: LogShipperKind;
  readonly image: string;
  readonly memoryMb: number;
  /** The stack's share of the generated files: the shipper's config. */
  readonly files: readonly GeneratedFile[];
  readonly dependsOn: pulumi.Resource[];
}

export class LogShipper extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly dataFolder: string;
  readonly files: readonly GeneratedFile[];

  constructor(name: string, args: LogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:LogShipper", name, {}, opts);
    this.files = args.files;
    const made = hardenedContainer(
      args.ctx,
      {
        service: args.shipper,
        image: args.image,
        memoryMb: args.memoryMb,
        command: SHIPPERS[args.shipper].command,
        mounts: [{ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET, readOnly: true }],
        uploads: asUploads(args.files),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.container = made.container;
    this.dataFolder = made.dataFolder!;
    this.registerOutputs({});
  }
}
