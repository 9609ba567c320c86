// Where alerts go: the receivers (webhook, Slack, email), their two secrets, and the timing.
import { DEFAULTS, type AlertingSettings } from "./schema.js";
import { bool, mapping, quote, type Collector } from "./validation.js";

/** A secret top-level key as the engine hands it over: whether it is set, and whether with --secret. */
export interface AlertingSecret {
  readonly present: boolean;
  readonly secret: boolean;
}

const KEYS = ["webhook", "slack", "email", "groupWait", "groupInterval", "repeatInterval", "criticalRepeatInterval"] as const;
// Prometheus-style durations, which Alertmanager takes: "30s", "5m", "4h", "1h30m"; units in order,
// each at most once, and not zero.
const DURATION = /^(?=.*[1-9])(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

function secretSet(c: Collector, key: string, s: AlertingSecret, what: string, needed: boolean): void {
  if (s.present && !s.secret) c.add(key, "is stored in plain text in Pulumi.<stack>.yaml", `pulumi config set --secret ${key} <${what}>, and replace it if the file was ever committed`);
  if (needed && !s.present) c.add(key, `is missing: the receiver needs the ${what}`, `pulumi config set --secret ${key} <${what}>`);
  if (!needed && s.present) c.add(key, "is set, but its receiver is not configured", `configure the receiver under alerting, or pulumi config rm ${key}`);
}

function text(c: Collector, key: string, v: unknown, pattern: RegExp, example: string): string | undefined {
  if (typeof v === "string" && pattern.test(v)) return v;
  c.add(key, `${quote(v)} is not valid here`, `e.g. ${example}`);
  return undefined;
}

export function validateAlerting(c: Collector, raw: unknown, secrets: { readonly slackWebhookUrl: AlertingSecret; readonly smtpPassword: AlertingSecret }): AlertingSettings {
  const o = mapping(c, "alerting", raw, KEYS);
  const d = DEFAULTS.alerting;
  const duration = (k: (typeof KEYS)[number], fallback: string) => (o[k] === undefined ? fallback : (text(c, `alerting.${k}`, o[k], DURATION, `"${fallback}"`) ?? fallback));
  const out: { -readonly [K in keyof AlertingSettings]: AlertingSettings[K] } = {
    groupWait: duration("groupWait", d.groupWait),
    groupInterval: duration("groupInterval", d.groupInterval),
    repeatInterval: duration("repeatInterval", d.repeatInterval),
    criticalRepeatInterval: duration("criticalRepeatInterval", d.criticalRepeatInterval),
  };
  if (o["webhook"] !== undefined) {
    const w = mapping(c, "alerting.webhook", o["webhook"], ["url"]);
    const url = text(c, "alerting.webhook.url", w["url"], /^https?:\/\/\S+$/, `"https://hooks.example.com/alertmanager"`);
    if (url) out.webhook = { url };
  }
  if (o["slack"] !== undefined) {
    const s = mapping(c, "alerting.slack", o["slack"], ["channel"]);
    const channel = text(c, "alerting.slack.channel", s["channel"], /^[#@]?[A-Za-z0-9._-]+$/, `"#alerts"`);
    if (channel) out.slack = { channel };
  }
  if (o["email"] !== undefined) {
    const e = mapping(c, "alerting.email", o["email"], ["to", "from", "smarthost", "username", "requireTls"]);
    const to = text(c, "alerting.email.to", e["to"], EMAIL, `"oncall@example.com"`);
    const from = text(c, "alerting.email.from", e["from"], EMAIL, `"alerts@example.com"`);
    const smarthost = text(c, "alerting.email.smarthost", e["smarthost"], HOST_PORT, `"smtp.example.com:587"`);
    const username = e["username"] === undefined ? undefined : text(c, "alerting.email.username", e["username"], /^\S+$/, `"alerts@example.com"`);
    if (to && from && smarthost) out.email = { to, from, smarthost, ...(username ? { username } : {}), requireTls: bool(c, "alerting.email.requireTls", e["requireTls"], true) };
  }
  secretSet(c, "alertSlackWebhookUrl", secrets.slackWebhookUrl, "Slack incoming-webhook URL", out.slack !== undefined);
  // A relay that needs no login needs no password: only a username asks for one.
  secretSet(c, "alertSmtpPassword", secrets.smtpPassword, "SMTP password", out.email?.username !== undefined);
  return out;
}
