// Alertmanager's config, from the stack's alerting settings: one receiver that carries every
// integration the stack configures (webhook, Slack, email), routing by severity, grouping, and the
// inhibition of symptoms while their cause fires. Pure; the secrets are only ever file paths here.
import type { AlertingSettings } from "../config/schema.js";
import { toYaml } from "./yaml.js";

export interface AlertmanagerRenderInput {
  readonly alerting: AlertingSettings;
  /** Where the secret files are inside the container (read by Alertmanager at send time). */
  readonly slackWebhookUrlFile: string;
  readonly smtpPasswordFile: string;
}

/** The receiver every alert goes to; with no integration configured it sends nothing. */
export const TEAM_RECEIVER = "team";

/**
 * What GatewayDown makes redundant: with the gateway down its error rate, fallbacks and latency are
 * symptoms, and so is the failed scrape of it. They are held back while it fires.
 */
export const GATEWAY_DOWN_SYMPTOMS = Object.freeze(["GatewayErrorRateHigh", "GatewayFallbackRateHigh", "RouteLatencyP95High"] as const);

export function buildAlertmanagerConfig(input: AlertmanagerRenderInput): Record<string, unknown> {
  const a = input.alerting;
  const receiver: Record<string, unknown> = { name: TEAM_RECEIVER };
  if (a.webhook) receiver["webhook_configs"] = [{ url: a.webhook.url, send_resolved: true }];
  if (a.slack) {
    receiver["slack_configs"] = [
      {
        api_url_file: input.slackWebhookUrlFile,
        channel: a.slack.channel,
        send_resolved: true,
        title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.stack }})',
        text: "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ end }}",
      },
    ];
  }
  if (a.email) {
    receiver["email_configs"] = [
      {
        to: a.email.to,
        from: a.email.from,
        smarthost: a.email.smarthost,
        require_tls: a.email.requireTls,
        send_resolved: true,
        ...(a.email.username ? { auth_username: a.email.username, auth_password_file: input.smtpPasswordFile } : {}),
      },
    ];
  }
  return {
    route: {
      receiver: TEAM_RECEIVER,
      // One message per alert and service: a burst of the same alert is one message, not fifty.
      group_by: ["alertname", "service"],
      group_wait: a.groupWait,
      group_interval: a.groupInterval,
      repeat_interval: a.repeatInterval,
      routes: [
        // Critical alerts go out sooner and are repeated more often while they fire.
        { matchers: ['severity="critical"'], receiver: TEAM_RECEIVER, group_wait: "10s", repeat_interval: a.criticalRepeatInterval },
        { matchers: ['severity="warning"'], receiver: TEAM_RECEIVER },
      ],
    },
    inhibit_rules: [
      { source_matchers: ['alertname="GatewayDown"'], target_matchers: [`alertname=~"${GATEWAY_DOWN_SYMPTOMS.join("|")}"`] },
      { source_matchers: ['alertname="GatewayDown"'], target_matchers: ['alertname="ScrapeTargetDown"', 'job="litellm"'] },
      // A critical alert holds back the warning of the same name and service.
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "service"] },
    ],
    receivers: [receiver],
  };
}

export function renderAlertmanagerConfig(input: AlertmanagerRenderInput): string {
  return toYaml(buildAlertmanagerConfig(input), "Alertmanager config, rendered by ai-gateway from the alerting settings. Do not edit: change the stack config and run `pulumi up`.");
}

/** Whether any integration is configured: without one, alerts stay in Alertmanager's UI and Grafana. */
export const hasReceiver = (a: AlertingSettings) => a.webhook !== undefined || a.slack !== undefined || a.email !== undefined;
