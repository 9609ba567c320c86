// Alerts that reach a person, with the real tools: amtool checks the rendered Alertmanager configs, and
// a real Prometheus and a real Alertmanager (Debian's packages) run the rendered rules and config on
// loopback until an alert reaches a webhook stand-in, with its labels, and its symptom is held back.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import YAML from "yaml";
import { readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig } from "../../config/validate.js";
import { alertRuleFiles } from "../../observability/alerts.js";
import { renderAlertmanagerConfig } from "../../renderers/alertmanager.js";
import { buildPrometheusConfig, renderRuleFile } from "../../renderers/prometheus.js";
import { ALERTMANAGER } from "../../services/alertmanager.js";
import { generatedFiles } from "../../services/files.js";
import { requiresTool } from "../support/requires.js";
import { freePort } from "../../tools/litellmProxy.js";

const amtool = requiresTool("amtool", "apt-get install -y prometheus-alertmanager", ["--version"]);
const both = requiresTool("prometheus-alertmanager", "apt-get install -y prometheus-alertmanager prometheus", ["--version"]);
const dev = readStackConfig(".", "dev");
const config = (alerting: unknown, secrets: Record<string, string> = {}) =>
  validateStackConfig({ ...dev, values: { ...dev.values, alerting: JSON.stringify(alerting), ...secrets }, secretKeys: new Set([...dev.secretKeys, ...Object.keys(secrets)]) });


describe("the rendered Alertmanager config, checked by amtool", () => {
  const cases = {
    "no receiver": config({}),
    "webhook, Slack and email": config(
      {
        webhook: { url: "https://hooks.example.com/am" },
        slack: { channel: "#alerts" },
        email: { to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts@example.com" },
      },
      { alertSlackWebhookUrl: "https://hooks.slack.com/services/x", alertSmtpPassword: "p" },
    ),
  };
  for (const [name, c] of Object.entries(cases)) {
    amtool.it(`passes amtool check-config with ${name}${amtool.why}`, () => {
      const dir = mkdtempSync(join(tmpdir(), "aigw-am-"));
      const file = join(dir, "alertmanager.yml");
      writeFileSync(file, generatedFiles(c).find((f) => f.service === "alertmanager")!.content);
      const r = spawnSync("amtool", ["check-config", file], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toContain("SUCCESS");
      expect(r.status).toBe(0);
    });
  }
});

describe("an alert, from a real Prometheus through a real Alertmanager to a webhook", () => {
  const received: { alerts: { status: string; labels: Record<string, string> }[] }[] = [];
  const procs: ChildProcess[] = [];
  let webhook: Server | undefined;
  let logs = "";

  beforeAll(async () => {
    if (both.why || spawnSync("prometheus", ["--version"]).status !== 0) return;
    webhook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    }).listen(0, "127.0.0.1");
    await new Promise((r) => webhook!.once("listening", r));
    const hookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`;
    const [amPort, promPort, deadPort] = [await freePort(), await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), "aigw-alerting-"));
    const c = config({ webhook: { url: hookUrl }, groupWait: "1s", groupInterval: "1s" });

    // The rendered Alertmanager config; the only change is the critical route's wait, 10 s to 1 s.
    const am = YAML.parse(renderAlertmanagerConfig({ alerting: c.alerting, slackWebhookUrlFile: ALERTMANAGER.slackWebhookUrlFile, smtpPasswordFile: ALERTMANAGER.smtpPasswordFile }));
    for (const r of am.route.routes) if (r.group_wait) r.group_wait = "1s";
    writeFileSync(join(dir, "alertmanager.yml"), YAML.stringify(am));
    // The rendered rules, with every `for` cut to 0 s so they fire on the first evaluation.
    mkdirSync(join(dir, "rules"));
    for (const f of alertRuleFiles(c.alerts, { gpu: false, host: false, backup: false })) {
      writeFileSync(join(dir, "rules", `${f.name}.yml`), renderRuleFile(f).replace(/^(\s+for:).*$/gm, "$1 0s"));
    }
    // The rendered Prometheus config: the gateway's scrape target is a port nobody listens on, so it is down.
    const prom = buildPrometheusConfig({ stack: c.stack, targets: [{ job: "litellm", address: `127.0.0.1:${deadPort}` }], ruleFiles: [join(dir, "rules", "*.yml")], alertmanager: `127.0.0.1:${amPort}` }) as any;
    prom.global.scrape_interval = prom.global.evaluation_interval = "1s";
    writeFileSync(join(dir, "prometheus.yaml"), YAML.stringify(prom));

    const start = (cmd: string, args: string[]) => {
      const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
      p.stdout!.on("data", (d) => (logs += d));
      p.stderr!.on("data", (d) => (logs += d));
      procs.push(p);
    };
    start("prometheus-alertmanager", [`--config.file=${join(dir, "alertmanager.yml")}`, `--storage.path=${join(dir, "am")}`, `--web.listen-address=127.0.0.1:${amPort}`, "--cluster.listen-address="]);
    start("prometheus", [`--config.file=${join(dir, "prometheus.yaml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    const deadline = Date.now() + 60_000;
    const arrived = () => received.some((m) => m.alerts.some((a) => a.labels["alertname"] === "GatewayDown"));
    while (!arrived() && procs.every((p) => p.exitCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    // Time for a held-back symptom to arrive, were it not held back.
    await new Promise((r) => setTimeout(r, 4000));
  }, 90_000);

  afterAll(() => {
    for (const p of procs) p.kill("SIGTERM");
    webhook?.close();
  });

  both.it(`reaches the webhook with the labels the rules and the stack set${both.why}`, () => {
    const alerts = received.flatMap((m) => m.alerts);
    const down = alerts.find((a) => a.labels["alertname"] === "GatewayDown");
    expect(down, `no GatewayDown reached the webhook:\n${logs.slice(-3000)}`).toBeDefined();
    expect(down!.status).toBe("firing");
    expect(down!.labels).toMatchObject({ alertname: "GatewayDown", severity: "critical", job: "litellm", service: "litellm", stack: "dev" });
  });

  both.it(`holds back the failed scrape of the gateway while GatewayDown fires${both.why}`, () => {
    const alerts = received.flatMap((m) => m.alerts);
    expect(alerts.some((a) => a.labels["alertname"] === "GatewayDown")).toBe(true);
    expect(alerts.filter((a) => a.labels["alertname"] === "ScrapeTargetDown" && a.labels["job"] === "litellm")).toEqual([]);
  });
});
