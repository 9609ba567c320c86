// The log shipper, Promtail or Alloy (services/logShippers.ts): it asks the Docker API, through the
// socket proxy, for this stack's containers and their logs, and pushes the logs to Loki.
import type * as pulumi from "@pulumi/pulumi";
import { secretConfigFile, withSecretFiles } from "./files.js";
import type { LogShipper as LogShipperKind } from "../config/schema.js";
import { SHIPPERS, shipperPushFiles } from "../services/logShippers.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface LogShipperArgs extends ServiceArgs {
  readonly shipper: LogShipperKind;
  /** A fleet worker's password for pushing to its gateway's Loki (secret), kept in a file only the shipper reads. */
  readonly pushPassword?: pulumi.Output<string>;
  readonly dependsOn: pulumi.Resource[];
}

export class LogShipper extends ServiceComponent {
  constructor(name: string, args: LogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:LogShipper", name, args.files, opts);
    const facts = SHIPPERS[args.shipper];
    const configFiles = args.pushPassword ? withSecretFiles(args.files, [secretConfigFile(shipperPushFiles(args.shipper).passwordFile, facts, args.pushPassword)]) : undefined;
    this.start(args, { service: args.shipper, command: facts.command, ...(configFiles ? { configFiles } : {}) }, args.dependsOn);
    this.registerOutputs({});
  }
}
