// The observability files as rendered for the dev stack (and a GPU variant), checked against the
// metric catalog and each other; promtool's own checks are in test/integration/promtool.test.ts.
import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { devConfig, gpuConfig } from "../support/stacks.js";
import { DASHBOARDS_DIR, filesOf, generatedFiles } from "../../services/files.js";
import { bashHttpProbe } from "../../services/types.js";
import type { StackConfig } from "../../config/schema.js";
import { DEFAULTS } from "../../config/schema.js";
import { isKnownMetric, metricNamesIn, METRICS } from "../../observability/metrics.js";
import { DATASOURCE_UIDS } from "../../renderers/grafana.js";
import { alertRuleFiles } from "../../observability/alerts.js";
import { renderAlloyConfig, buildPromtailConfig } from "../../renderers/logShipper.js";
import { buildLokiConfig } from "../../renderers/loki.js";

const prometheusFiles = (config: StackConfig) => filesOf(generatedFiles(config), "prometheus");

const ruleTests = () => readdirSync("observability/rule-tests").filter((f) => f.endsWith(".test.yml")).sort();

describe("Prometheus files", () => {
  it("every alert has a test where it fires and one where it stays quiet", () => {
    const cases = new Map<string, { fires: boolean; quiet: boolean }>();
    for (const f of ruleTests()) {
      const doc = YAML.parse(readFileSync(`observability/rule-tests/${f}`, "utf8"));
      for (const t of doc.tests) {
        for (const a of t.alert_rule_test ?? []) {
          const c = cases.get(a.alertname) ?? { fires: false, quiet: false };
          if ((a.exp_alerts ?? []).length > 0) c.fires = true;
          else c.quiet = true;
          cases.set(a.alertname, c);
        }
      }
    }
    const alerts = alertRuleFiles(DEFAULTS.alerts, { gpu: true, host: true, backup: true, offsite: DEFAULTS.offsite }).flatMap((f) => f.rules.map((r) => r.alert));
    expect(alerts).toHaveLength(14);
    for (const a of alerts) expect(cases.get(a), a).toEqual({ fires: true, quiet: true });
  });

  it("scrapes LiteLLM on /metrics/ with the key from a file, and every enabled exporter", () => {
    const doc = YAML.parse(prometheusFiles(gpuConfig)[0]!.content);
    const jobs = Object.fromEntries(doc.scrape_configs.map((j: any) => [j.job_name, j]));
    expect(Object.keys(jobs).sort()).toEqual(["alertmanager", "cadvisor", "dcgm-exporter", "grafana", "litellm", "loki", "node-exporter", "prometheus", "promtail", "qdrant"]);
    expect(jobs["qdrant"].authorization).toEqual({ type: "Bearer", credentials_file: "secrets/qdrant-api-key" });
    expect(jobs["litellm"].metrics_path).toBe("/metrics/");
    expect(jobs["litellm"].authorization).toEqual({ type: "Bearer", credentials_file: "secrets/litellm-master-key" });
    expect(doc.global.external_labels).toEqual({ stack: "dev" });
  });

  it("uses only catalogued metrics in alert rules", () => {
    for (const f of alertRuleFiles(DEFAULTS.alerts, { gpu: true, host: true, backup: true, offsite: DEFAULTS.offsite })) {
      for (const r of f.rules) for (const m of metricNamesIn(r.expr)) expect(isKnownMetric(m), `${r.alert}: ${m}`).toBe(true);
    }
  });
});

describe("metric catalog", () => {
  it("names a source for every metric, once", () => {
    expect(new Set(METRICS.map((m) => m.name)).size).toBe(METRICS.length);
    for (const m of METRICS) expect(m.source.length, m.name).toBeGreaterThan(10);
  });

  it("finds metric names in PromQL, but not functions, labels or durations", () => {
    expect(
      metricNamesIn('histogram_quantile(0.95, sum by (le, requested_model) (rate(litellm_request_total_latency_metric_bucket{job="x"}[10m]))) > 30'),
    ).toEqual(["litellm_request_total_latency_metric_bucket"]);
    expect(metricNamesIn('(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 90')).toEqual([
      "node_memory_MemAvailable_bytes",
      "node_memory_MemTotal_bytes",
    ]);
    expect(isKnownMetric("litellm_request_total_latency_metric_bucket")).toBe(true);
    expect(isKnownMetric("litellm_request_total_latency_metric_total")).toBe(false);
    expect(isKnownMetric("DCGM_FI_DEV_FB_USED")).toBe(true);
  });
});

describe("Grafana dashboards", () => {
  const dashboards = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith(".json")).sort();
  const parsed = dashboards.map((f) => [f, JSON.parse(readFileSync(join(DASHBOARDS_DIR, f), "utf8"))] as const);

  it("are the gateway, GPU & host and logs dashboards, with unique UIDs", () => {
    expect(dashboards).toEqual(["gateway.json", "gpu-host.json", "logs.json"]);
    expect(new Set(parsed.map(([, d]) => d.uid)).size).toBe(3);
  });

  it("reference only provisioned datasource UIDs, and only catalogued metrics", () => {
    const provisioned = YAML.parse(filesOf(generatedFiles(devConfig), "grafana").find((f) => f.path.includes("datasources"))!.content);
    const uids = new Set(provisioned.datasources.map((d: { uid: string }) => d.uid));
    expect(uids).toEqual(new Set(Object.values(DATASOURCE_UIDS)));
    for (const [file, d] of parsed) {
      const ids = d.panels.map((p: { id: number }) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const p of d.panels) {
        expect(uids.has(p.datasource.uid), `${file} panel ${p.title}`).toBe(true);
        for (const t of p.targets) {
          expect(t.datasource.uid, `${file} ${p.title}`).toBe(p.datasource.uid);
          if (t.datasource.uid !== DATASOURCE_UIDS.prometheus) continue;
          for (const m of metricNamesIn(t.expr)) expect(isKnownMetric(m), `${file} ${p.title}: ${m}`).toBe(true);
        }
      }
    }
  });

  it("GPU & host shows every host of a fleet, or the ones picked in its host variable, in every panel", () => {
    const gpuHost = parsed.find(([f]) => f === "gpu-host.json")![1];
    const variable = gpuHost.templating.list.find((v: { name: string }) => v.name === "host");
    expect(variable).toMatchObject({ type: "query", multi: true, includeAll: true, datasource: { uid: DATASOURCE_UIDS.prometheus } });
    expect(variable.definition).toBe('label_values(up{job=~"node-exporter|cadvisor|dcgm-exporter"}, host)');
    for (const p of gpuHost.panels) {
      for (const t of p.targets) {
        // Every selector of every query is narrowed to the hosts picked, and every legend names the host.
        for (const m of metricNamesIn(t.expr)) {
          const uses = t.expr.split(m).slice(1);
          for (const rest of uses) expect(rest, `${p.title}: ${m}`).toMatch(/^\{[^}]*host=~"\$host"[^}]*\}/);
        }
        expect(t.legendFormat, p.title).toContain("{{host}}");
      }
    }
  });

  it("show LiteLLM and Ollama logs by the shipper's service label", () => {
    const logs = parsed.find(([f]) => f === "logs.json")![1];
    const exprs = logs.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    expect(exprs).toEqual(expect.arrayContaining(['{service="litellm", stack=~"$host"}', '{service="ollama", stack=~"$host"}']));
    // A fleet's hosts by the stack label every line carries (a worker's lines carry its own stack).
    expect(logs.templating.list).toEqual([expect.objectContaining({ name: "host", query: "label_values(stack)", multi: true, includeAll: true, datasource: { type: "loki", uid: DATASOURCE_UIDS.loki } })]);
    for (const e of exprs.filter((x: string) => x.includes("{"))) if (!e.startsWith("sum(rate(loki_")) expect(e).toContain('stack=~"$host"');
  });
});

describe("Loki and the log shippers", () => {
  it("Loki keeps data under its data path and deletes it after the retention period", () => {
    const c = buildLokiConfig({ settings: { retentionPeriod: "720h" }, dataPath: "/loki", httpPort: 3100 }) as any;
    expect(c.compactor).toMatchObject({ retention_enabled: true, delete_request_store: "filesystem" });
    expect(c.limits_config.retention_period).toBe("720h");
    expect(c.schema_config.configs[0]).toMatchObject({ store: "tsdb", schema: "v13", object_store: "filesystem" });
    expect(c.common.storage.filesystem.chunks_directory).toBe("/loki/chunks");
  });

  const input = { stack: "dev", lokiPushUrl: "http://loki:3100/loki/api/v1/push", dockerHost: "tcp://docker-proxy:2375", statePath: "/state", httpPort: 9080 };

  it("Promtail discovers this stack's containers and labels lines with container, service and stack", () => {
    const c = buildPromtailConfig({ ...input, shipper: "promtail" }) as any;
    expect(c.positions.filename).toBe("/state/positions.yaml");
    const job = c.scrape_configs[0];
    expect(job.docker_sd_configs[0]).toMatchObject({ host: "tcp://docker-proxy:2375", filters: [{ name: "label", values: ["ai-gateway.stack=dev"] }] });
    expect(job.relabel_configs.map((r: any) => r.target_label)).toEqual(["container", "service", "stack"]);
    expect(job.relabel_configs[1].source_labels).toEqual(["__meta_docker_container_label_ai_gateway_service"]);
  });

  it("Alloy gets the same discovery, labels and Loki endpoint in its own syntax", () => {
    const text = renderAlloyConfig({ ...input, shipper: "alloy", httpPort: 12345 });
    expect(text).toContain('discovery.docker "stack" {');
    expect(text).toContain('values = ["ai-gateway.stack=dev"]');
    expect(text).toContain('source_labels = ["__meta_docker_container_label_ai_gateway_stack"]');
    expect(text).toContain("relabel_rules = discovery.relabel.stack.rules");
    expect(text).toContain('url = "http://loki:3100/loki/api/v1/push"');
    expect(text.split("{").length).toBe(text.split("}").length);
  });
});

describe("the bash HTTP probe", () => {
  it("passes on 200, fails on 503 and on a closed port, using only bash builtins", async () => {
    let status = 200;
    const server = createServer((_req, res) => res.writeHead(status).end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    // Asynchronous: a synchronous spawn would block the server this test runs in the same process.
    const run = (p: number) =>
      new Promise<number | null>((resolve) => {
        const [, exe, ...args] = bashHttpProbe(p, "/ready");
        // An empty PATH proves the probe needs nothing but bash itself.
        execFile(`/bin/${exe}`, args, { env: { PATH: "" }, timeout: 5000 }, (err) => resolve(err ? ((err as { code?: number }).code ?? -1) : 0));
      });
    try {
      expect(await run(port)).toBe(0);
      status = 503;
      expect(await run(port)).not.toBe(0);
    } finally {
      server.close();
    }
    expect(await run(port)).not.toBe(0);
  });
});

describe("npm run render", () => {
  it("covers every generated file of the stack, secrets excluded", () => {
    const paths = generatedFiles(devConfig).map((f) => f.path).sort();
    expect(paths).toEqual([
      "alertmanager/alertmanager.yml",
      "caddy/Caddyfile",
      "grafana/dashboards/gateway.json",
      "grafana/dashboards/gpu-host.json",
      "grafana/dashboards/logs.json",
      "grafana/provisioning/dashboards/ai-gateway.yaml",
      "grafana/provisioning/datasources/ai-gateway.yaml",
      "litellm/config.yaml",
      "loki/config.yaml",
      "prometheus/prometheus.yml",
      "prometheus/rules/backup.yml",
      "prometheus/rules/gateway.yml",
      "prometheus/rules/host.yml",
      "prometheus/rules/targets.yml",
      "promtail/config.yml",
    ]);
  });
});
