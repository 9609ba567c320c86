// Alertmanager: the alerts Prometheus fires, sent to the receivers of the stack's alerting settings.
// The Slack webhook URL and the SMTP password are secret files only Alertmanager's user can read.
import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER, alertmanagerCommand } from "../services/alertmanager.js";
import { internalUrl } from "../services/catalog.js";
import { secretConfigFile, withSecretFiles } from "./files.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface AlertmanagerArgs extends ServiceArgs {
  readonly slackWebhookUrl?: pulumi.Output<string>;
  readonly smtpPassword?: pulumi.Output<string>;
}

export class Alertmanager extends ServiceComponent {
  readonly internalUrl = internalUrl("alertmanager");

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Alertmanager", name, args.files, opts);
    const secrets = [
      ...(args.slackWebhookUrl ? [secretConfigFile(ALERTMANAGER.slackWebhookUrlFile, ALERTMANAGER, args.slackWebhookUrl)] : []),
      ...(args.smtpPassword ? [secretConfigFile(ALERTMANAGER.smtpPasswordFile, ALERTMANAGER, args.smtpPassword)] : []),
    ];
    this.start(args, {
      service: "alertmanager",
      command: alertmanagerCommand(),
      ...(secrets.length ? { configFiles: withSecretFiles(args.files, secrets) } : {}),
    });
    this.registerOutputs({});
  }
}
