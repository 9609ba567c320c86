// Grafana with provisioned datasources and dashboards (from the stack's file list); the admin
// password is generated and handed over as a file, never through env or config text.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GRAFANA, grafanaEnv } from "../services/grafana.js";
import { secretConfigFile, withSecretFiles } from "./files.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface GrafanaArgs extends ServiceArgs {
  readonly dependsOn: pulumi.Resource[];
}

export class Grafana extends ServiceComponent {
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Grafana", name, args.files, opts);
    const password = new random.RandomPassword("grafana-admin-password", { length: 32, special: false }, { parent: this });
    this.adminPassword = pulumi.secret(password.result);
    const passwordFile = secretConfigFile(GRAFANA.passwordFile, GRAFANA, this.adminPassword);
    this.start(args, { service: "grafana", envs: grafanaEnv(), configFiles: withSecretFiles(args.files, [passwordFile]) }, args.dependsOn);
    this.registerOutputs({ adminPassword: this.adminPassword });
  }
}
