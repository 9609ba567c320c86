// The observability services under mocks: secrets, the GPU exporter, the shipper switch, blast radius.
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { evaluateOnce, runProgram, type ProgramConfig, serviceOf } from "../support/program.js";

const CONTAINER = "docker:index/container:Container";
const dev = readStackConfig(".", "dev");
const base: ProgramConfig = { values: { ...dev.values }, secretKeys: dev.secretKeys };
const withValues = (patch: Record<string, unknown>): ProgramConfig => ({
  ...base,
  values: { ...base.values, ...Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])) },
});
const gpuStack = () => withValues({ ollama: { ...JSON.parse(base.values["ollama"]!), gpus: "device=0", flashAttention: true, kvCacheType: "q8_0" } });

describe("observability under mocks", () => {
  const baseRun = evaluateOnce(base);

  it("gives Grafana its admin password as a secret file, never in env, with sign-up and anonymous access off", async () => {
    const run = baseRun();
    const g = run.one(CONTAINER, "grafana");
    expect(g.inputs.envs).toContain("GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password");
    expect(g.inputs.envs).toEqual(expect.arrayContaining(["GF_USERS_ALLOW_SIGN_UP=false", "GF_AUTH_ANONYMOUS_ENABLED=false"]));
    expect(g.inputs.envs.some((e: string) => /^GF_SECURITY_ADMIN_PASSWORD=/.test(e))).toBe(false);
    const grafanaFiles = run.configFiles(g);
    const pw = grafanaFiles.find((u) => u.file === "/run/secrets/grafana-admin-password")!;
    expect(pw).toMatchObject({ owner: "472:0", permissions: "0400", secret: true });
    expect(pw.content.length).toBeGreaterThan(0);
    const files = grafanaFiles.map((u) => u.file).sort();
    expect(files).toEqual([
      "/etc/grafana/dashboards/gateway.json",
      "/etc/grafana/dashboards/gpu-host.json",
      "/etc/grafana/dashboards/logs.json",
      "/etc/grafana/provisioning/dashboards/ai-gateway.yaml",
      "/etc/grafana/provisioning/datasources/ai-gateway.yaml",
      "/run/secrets/grafana-admin-password",
    ]);
  });

  it("hands Prometheus the LiteLLM key as a file it alone can read, and keeps it out of the config text", async () => {
    const run = baseRun();
    const p = run.one(CONTAINER, "prometheus");
    const promFiles = run.configFiles(p);
    const key = promFiles.find((u) => u.file === "/etc/prometheus/secrets/litellm-master-key")!;
    expect(key).toMatchObject({ owner: "65534:65534", permissions: "0400", secret: true });
    expect(key.content).toMatch(/^sk-/);
    const config = promFiles.find((u) => u.file === "/etc/prometheus/prometheus.yml")!.content;
    expect(config).not.toContain(key.content);
    expect(config).toContain("credentials_file: secrets/litellm-master-key");
    expect(p.inputs.command).toEqual(expect.arrayContaining(["--storage.tsdb.retention.time=15d", "--storage.tsdb.retention.size=10GB"]));
    expect(p.inputs.mounts).toEqual([
      { type: "bind", source: "/data/stack/prometheus", target: "/prometheus" },
      { type: "bind", source: expect.stringMatching(/^\/data\/stack\/config\/prometheus-[0-9a-f]{12}\/etc\/prometheus$/), target: "/etc/prometheus", readOnly: true },
    ]);
    expect(run.one("command:local:Command", "prometheus-data").inputs.create).toContain("-o 65534 -g 65534");
  });

  it("runs the DCGM exporter on the GPUs Ollama gets, and alerts on GPU memory", async () => {
    const run = await runProgram(gpuStack());
    const d = run.one(CONTAINER, "dcgm-exporter");
    expect(d.inputs.gpus).toBe("device=0");
    expect(d.inputs.capabilities).toEqual({ drops: ["ALL"], adds: ["CAP_SYS_ADMIN"] });
    const files = run.configFiles(run.one(CONTAINER, "prometheus")).map((u) => u.file);
    expect(files).toContain("/etc/prometheus/rules/gpu.yml");
    const cpu = await runProgram(base);
    expect(cpu.byType(CONTAINER).map((c) => c.name)).not.toContain("dcgm-exporter");
    expect(cpu.configFiles(cpu.one(CONTAINER, "prometheus")).map((u) => u.file)).not.toContain("/etc/prometheus/rules/gpu.yml");
  });

  it("moves from Promtail to Alloy by changing one key, keeping the shipper's state under dataRoot", async () => {
    const promtail = await runProgram(base);
    const pt = promtail.one(CONTAINER, "promtail");
    // The Docker API comes through the socket proxy: no socket in the shipper.
    expect(pt.inputs.mounts).toEqual([
      { type: "bind", source: "/data/stack/promtail", target: "/var/lib/promtail" },
      { type: "bind", source: expect.stringMatching(/^\/data\/stack\/config\/promtail-[0-9a-f]{12}\/etc\/promtail$/), target: "/etc/promtail", readOnly: true },
    ]);
    expect(pt.inputs.user).toBe("65534:65534");
    const alloy = await runProgram(withValues({ logShipper: "alloy" }));
    const names = alloy.byType(CONTAINER).map((c) => c.name);
    expect(names).toContain("alloy");
    expect(names).not.toContain("promtail");
    const a = alloy.one(CONTAINER, "alloy");
    expect(a.inputs.command).toContain("--server.http.listen-addr=0.0.0.0:12345");
    expect(a.inputs.mounts[0]).toEqual({ type: "bind", source: "/data/stack/alloy", target: "/var/lib/alloy/data" });
    expect(a.inputs.user).toBe("473:473");
    expect(alloy.configFiles(alloy.one(CONTAINER, "prometheus"))[0]!.content).toContain("alloy:12345");
  });

  const inputsOf = async (cfg: ProgramConfig) =>
    Object.fromEntries((await runProgram(cfg)).byType(CONTAINER).map((c) => [serviceOf(c), JSON.stringify(c.inputs)]));

  it("a Grafana-only or Loki-only edit leaves the LiteLLM and Ollama containers unchanged", async () => {
    const before = await inputsOf(base);
    const memory = JSON.parse(base.values["memoryLimitsMb"]!);
    for (const edit of [{ memoryLimitsMb: { ...memory, grafana: 1024 } }, { loki: { retentionPeriod: "720h" } }]) {
      const after = await inputsOf(withValues(edit));
      expect(after["litellm"], JSON.stringify(edit)).toBe(before["litellm"]);
      expect(after["ollama"], JSON.stringify(edit)).toBe(before["ollama"]);
      expect(after["grafana"] !== before["grafana"] || after["loki"] !== before["loki"]).toBe(true);
    }
  });
});
