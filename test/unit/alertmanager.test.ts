// Alertmanager's config from the alerting settings: one receiver with every configured integration,
// routing by severity, grouping and inhibition, secrets only as file paths; and the refusals.
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig } from "../../config/validate.js";
import { buildAlertmanagerConfig, GATEWAY_DOWN_SYMPTOMS, hasReceiver, renderAlertmanagerConfig, TEAM_RECEIVER } from "../../renderers/alertmanager.js";
import { ALERTMANAGER } from "../../services/alertmanager.js";
import { generatedFiles } from "../../services/files.js";
import { problemsOf } from "../support/refused.js";

const dev = readStackConfig(".", "dev");
const withAlerting = (alerting: unknown, patch: Record<string, string> = {}, secretKeys: string[] = []) =>
  ({ ...dev, values: { ...dev.values, alerting: JSON.stringify(alerting), ...patch }, secretKeys: new Set([...dev.secretKeys, ...secretKeys]) });
const ALL = {
  webhook: { url: "https://hooks.example.com/am" },
  slack: { channel: "#alerts" },
  email: { to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts@example.com" },
};
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/secret-token";
const full = validateStackConfig(withAlerting(ALL, { alertSlackWebhookUrl: SLACK_URL, alertSmtpPassword: "smtp-secret" }, ["alertSlackWebhookUrl", "alertSmtpPassword"]));
const input = { slackWebhookUrlFile: ALERTMANAGER.slackWebhookUrlFile, smtpPasswordFile: ALERTMANAGER.smtpPasswordFile };

describe("the Alertmanager config", () => {
  it("sends every alert to one receiver with each configured integration, the secrets as files", () => {
    const c = buildAlertmanagerConfig({ alerting: full.alerting, ...input }) as any;
    expect(c.receivers).toHaveLength(1);
    const r = c.receivers[0];
    expect(r.name).toBe(TEAM_RECEIVER);
    expect(r.webhook_configs).toEqual([{ url: "https://hooks.example.com/am", send_resolved: true }]);
    expect(r.slack_configs[0]).toMatchObject({ api_url_file: ALERTMANAGER.slackWebhookUrlFile, channel: "#alerts", send_resolved: true });
    expect(r.email_configs[0]).toMatchObject({ to: "oncall@example.com", smarthost: "smtp.example.com:587", auth_username: "alerts@example.com", auth_password_file: ALERTMANAGER.smtpPasswordFile, require_tls: true });
    const text = renderAlertmanagerConfig({ alerting: full.alerting, ...input });
    expect(text).not.toContain("secret-token");
    expect(text).not.toContain("smtp-secret");
  });

  it("routes by severity, groups by alert and service, and repeats critical alerts sooner", () => {
    const c = buildAlertmanagerConfig({ alerting: full.alerting, ...input }) as any;
    expect(c.route).toMatchObject({ receiver: TEAM_RECEIVER, group_by: ["alertname", "service"], group_wait: "30s", group_interval: "5m", repeat_interval: "4h" });
    expect(c.route.routes).toEqual([
      { matchers: ['severity="critical"'], receiver: TEAM_RECEIVER, group_wait: "10s", repeat_interval: "1h" },
      { matchers: ['severity="warning"'], receiver: TEAM_RECEIVER },
    ]);
  });

  it("holds back the gateway's symptoms while GatewayDown fires, and a warning behind its critical twin", () => {
    const c = buildAlertmanagerConfig({ alerting: full.alerting, ...input }) as any;
    expect(c.inhibit_rules).toContainEqual({ source_matchers: ['alertname="GatewayDown"'], target_matchers: [`alertname=~"${GATEWAY_DOWN_SYMPTOMS.join("|")}"`] });
    expect(c.inhibit_rules).toContainEqual({ source_matchers: ['alertname="GatewayDown"'], target_matchers: ['alertname="ScrapeTargetDown"', 'job="litellm"'] });
    expect(GATEWAY_DOWN_SYMPTOMS).toEqual(["GatewayErrorRateHigh", "GatewayFallbackRateHigh", "RouteLatencyP95High"]);
  });

  it("deploys with no receiver: the receiver exists and sends nothing", () => {
    const plain = validateStackConfig(dev);
    expect(hasReceiver(plain.alerting)).toBe(false);
    const c = buildAlertmanagerConfig({ alerting: plain.alerting, ...input }) as any;
    expect(c.receivers).toEqual([{ name: TEAM_RECEIVER }]);
    const file = generatedFiles(plain).find((f) => f.service === "alertmanager")!;
    expect(file.containerPath).toBe(ALERTMANAGER.configPath);
    expect(YAML.parse(file.content).route.receiver).toBe(TEAM_RECEIVER);
  });

  it("is wired into Prometheus and Grafana", () => {
    const files = generatedFiles(validateStackConfig(dev));
    const prom = YAML.parse(files.find((f) => f.path === "prometheus/prometheus.yml")!.content);
    expect(prom.alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] });
    const ds = YAML.parse(files.find((f) => f.path === "grafana/provisioning/datasources/ai-gateway.yaml")!.content);
    expect(ds.datasources.find((d: any) => d.type === "alertmanager")).toMatchObject({ url: "http://alertmanager:9093", jsonData: { implementation: "prometheus" } });
  });
});

describe("refused alerting settings", () => {
  it.each([
    ["Slack without its webhook URL", withAlerting({ slack: { channel: "#alerts" } }), /ai-gateway:alertSlackWebhookUrl: is missing: the receiver needs the Slack incoming-webhook URL. Fix: pulumi config set --secret alertSlackWebhookUrl/],
    ["the webhook URL in plain text", withAlerting({ slack: { channel: "#alerts" } }, { alertSlackWebhookUrl: SLACK_URL }), /ai-gateway:alertSlackWebhookUrl: is stored in plain text/],
    ["email login without its password", withAlerting({ email: ALL.email }), /ai-gateway:alertSmtpPassword: is missing: the receiver needs the SMTP password/],
    ["a password with no receiver", withAlerting({}, { alertSmtpPassword: "x" }, ["alertSmtpPassword"]), /ai-gateway:alertSmtpPassword: is set, but its receiver is not configured/],
    ["a bad duration", withAlerting({ repeatInterval: "4 hours" }), /ai-gateway:alerting.repeatInterval: "4 hours" is not valid here. Fix: e.g. "4h"/],
    ["units out of order", withAlerting({ groupInterval: "30s5m" }), /ai-gateway:alerting.groupInterval: "30s5m" is not valid here/],
    ["a zero interval", withAlerting({ groupWait: "0s" }), /ai-gateway:alerting.groupWait: "0s" is not valid here/],
    ["a webhook that is not a URL", withAlerting({ webhook: { url: "hooks.example.com" } }), /ai-gateway:alerting.webhook.url: "hooks.example.com" is not valid here/],
    ["an email without a port", withAlerting({ email: { ...ALL.email, smarthost: "smtp.example.com" } }), /ai-gateway:alerting.email.smarthost: "smtp.example.com" is not valid here. Fix: e.g. "smtp.example.com:587"/],
    ["an unknown receiver", withAlerting({ pagerduty: {} }), /ai-gateway:alerting.pagerduty: unknown key/],
  ])("%s", (_, raw, message) => {
    expect(problemsOf(raw)).toMatch(message);
  });
});
