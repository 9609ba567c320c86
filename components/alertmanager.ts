// Alertmanager: the alerts Prometheus fires, sent to the receivers of the stack's alerting settings.
// The Slack webhook URL and the SMTP password are secret files only Alertmanager's user can read.
import * as pulumi from "@pulumi/pulumi";
import type { ConfigFile } from "../host/configFiles.js";
import { ALERTMANAGER, alertmanagerCommand } from "../services/alertmanager.js";
import { internalUrl } from "../services/catalog.js";
import { asConfigFiles } from "./files.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface AlertmanagerArgs extends ServiceArgs {
  readonly slackWebhookUrl?: pulumi.Output<string>;
  readonly smtpPassword?: pulumi.Output<string>;
}

export class Alertmanager extends ServiceComponent {
  readonly internalUrl = internalUrl("alertmanager");

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Alertmanager", name, args.files, opts);
    const secretFile = (file: string, value: pulumi.Output<string>) =>
      value.apply((content): ConfigFile => ({ file, content, owner: `${ALERTMANAGER.uid}:${ALERTMANAGER.gid}`, permissions: "0400" }));
    const secrets = [
      ...(args.slackWebhookUrl ? [secretFile(ALERTMANAGER.slackWebhookUrlFile, args.slackWebhookUrl)] : []),
      ...(args.smtpPassword ? [secretFile(ALERTMANAGER.smtpPasswordFile, args.smtpPassword)] : []),
    ];
    this.start(args, {
      service: "alertmanager",
      command: alertmanagerCommand(),
      ...(secrets.length ? { configFiles: pulumi.secret(pulumi.all([...asConfigFiles(args.files), ...secrets])) } : {}),
    });
    this.registerOutputs({});
  }
}
