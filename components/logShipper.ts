// The log shipper, Promtail or Alloy (services/logShippers.ts): it asks the Docker API, through the
// socket proxy, for this stack's containers and their logs, and pushes the logs to Loki.
import type * as pulumi from "@pulumi/pulumi";
import type { LogShipper as LogShipperKind } from "../config/schema.js";
import { SHIPPERS } from "../services/logShippers.js";
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
      { service: args.shipper, command: SHIPPERS[args.shipper].command },
      args.dependsOn,
    );
    this.registerOutputs({});
  }
}
