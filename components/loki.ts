// Loki: single binary, filesystem storage under dataRoot, retention by its compactor.
import type * as pulumi from "@pulumi/pulumi";
import { LOKI } from "../services/loki.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export class Loki extends ServiceComponent {
  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Loki", name, args.files, opts);
    this.start(args, { service: "loki", command: [`-config.file=${LOKI.configPath}`] });
    this.registerOutputs({});
  }
}
