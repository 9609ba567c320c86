// The log shipper, Promtail or Alloy (services/logShippers.ts): it reads the Docker socket to find
// this stack's containers and pushes their logs to Loki.
import type * as pulumi from "@pulumi/pulumi";
import type { LogShipper as LogShipperKind } from "../config/schema.js";
import { DOCKER_SOCKET, SHIPPERS } from "../services/logShippers.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface LogShipperArgs extends ServiceArgs {
  readonly shipper: LogShipperKind;
  readonly dependsOn: pulumi.Resource[];
}

export class LogShipper extends ServiceComponent {
  constructor(name: string, args: LogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:LogShipper", name, args.files, opts);
    this.start(
      args,
      {
        service: args.shipper,
        command: SHIPPERS[args.shipper].command,
        mounts: [{ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET, readOnly: true }],
      },
      args.dependsOn,
    );
    this.registerOutputs({});
  }
}
