// Grafana with provisioned datasources and dashboards (from the stack's file list); the admin
// password is generated and handed over as a file, never through env or config text.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { GeneratedFile } from "../services/files.js";
import { GRAFANA, grafanaEnv } from "../services/grafana.js";
import { asUploads } from "./files.js";
import { hardenedContainer, type StackContext } from "./hardenedContainer.js";

export interface GrafanaArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  /** The stack's share of the generated files: provisioning and dashboards. */
  readonly files: readonly GeneratedFile[];
  readonly dependsOn: pulumi.Resource[];
}

export class Grafana extends pulumi.ComponentResource {
  readonly adminPassword: pulumi.Output<string>;
  readonly container: docker.Container;
  readonly dataFolder: string;
  readonly files: readonly GeneratedFile[];

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Grafana", name, {}, opts);
    this.files = args.files;
    const password = new random.RandomPassword("grafana-admin-password", { length: 32, special: false }, { parent: this });
    this.adminPassword = pulumi.secret(password.result);
    const made = hardenedContainer(
      args.ctx,
      {
        service: "grafana",
        image: args.image,
        memoryMb: args.memoryMb,
        envs: grafanaEnv(),
        uploads: pulumi.secret(
          pulumi.all([
            ...asUploads(args.files),
            { file: GRAFANA.passwordFile, content: this.adminPassword, owner: String(GRAFANA.uid), group: String(GRAFANA.gid), permissions: "0400" },
          ]),
        ),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.container = made.container;
    this.dataFolder = made.dataFolder!;
    this.registerOutputs({ adminPassword: this.adminPassword });
  }
}
