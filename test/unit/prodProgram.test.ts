// The prod stack under mocks: a remote GPU host over SSH, with the host key pinned everywhere.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { findHostKey, lookupHostKey } from "../../config/knownHosts.js";
import { readStackConfig } from "../../config/stackYaml.js";
import { buildLiteLlmConfig } from "../../renderers/litellm.js";
import { prodStacks } from "../support/fleet.js";
import { evaluateOnce, runProgram, serviceOf, type ProgramConfig } from "../support/program.js";

const prod = readStackConfig(".", "prod");
const prodConfig: ProgramConfig = { stack: "prod", values: { ...prod.values, openaiApiKey: "sk-prod-openai-key-123456" }, secretKeys: ["openaiApiKey"], stacks: prodStacks() };
const HOST_KEY = (YAML.parse(readFileSync("Pulumi.prod.yaml", "utf8")).config["ai-gateway:host"].ssh.hostKey as string);

describe("the prod stack under mocks", () => {
  const prodRun = evaluateOnce(prodConfig);

  it("points the docker provider at the SSH host, trusting only the pinned host key", async () => {
    const run = prodRun();
    const providers = run.byType("pulumi:providers:docker");
    expect(providers).toHaveLength(1);
    expect(providers[0]!.inputs.host).toBe("ssh://deploy@gpu-01.lan:22");
    const opts = JSON.parse(providers[0]!.inputs.sshOpts) as string[];
    expect(opts).toEqual(expect.arrayContaining(["StrictHostKeyChecking=yes", "UserKnownHostsFile=/dev/null", `KnownHostsCommand=/bin/echo 'gpu-01.lan' ${HOST_KEY}`]));
    for (const r of run.resources.filter((x) => x.type.startsWith("docker:index/"))) {
      expect(r.provider, `${r.type} ${r.name}`).toMatch(/^urn:pulumi:prod::ai-gateway::pulumi:providers:docker::docker::/);
    }
  });

  it("runs every host command as a remote command over the same connection, with the host key", async () => {
    const run = prodRun();
    expect(run.byType("command:local:Command")).toHaveLength(0);
    const remote = run.byType("command:remote:Command");
    // Besides one process limit per container (see the least-privilege tests):
    const containers = run.byType("docker:index/container:Container").map((c) => c.name);
    expect(remote.filter((c) => c.name.endsWith("-pids-limit")).map((c) => c.name).sort()).toEqual(containers.map((n) => `${n}-pids-limit`).sort());
    // And one config folder per container that reads config files (see the least-privilege tests):
    expect(remote.filter((c) => c.name.endsWith("-config")).map((c) => c.name.slice(0, -"-config".length)).every((n) => containers.includes(n))).toBe(true);
    expect(remote.filter((c) => !c.name.endsWith("-pids-limit") && !c.name.endsWith("-config")).map((c) => c.name).sort()).toEqual(
      ["alertmanager-data", "backup-install", "caddy-data", "entry-point-root-certificate", "grafana-data", "loki-data", "model-llama3.1:8b", "model-qwen2.5-coder:32b", "ollama-data", "prometheus-data", "promtail-data", "qdrant-data"].sort(),
    );
    for (const c of remote) {
      expect(c.inputs.connection, c.name).toMatchObject({ host: "gpu-01.lan", user: "deploy", port: 22, hostKey: HOST_KEY });
      // Config folders are versioned, so a new one is written before the old one goes; every other command deletes first.
      expect(c.options.deleteBeforeReplace, c.name).toBe(!c.name.endsWith("-config"));
    }
    // The state folder is on the machine that runs Pulumi, not on the GPU host: not backed up there.
    expect(run.one("command:remote:Command", "backup-install").inputs.create).not.toContain("STATE_DIR='");
  });

  it("gives Ollama the GPUs and the stricter alert thresholds reach Prometheus", async () => {
    const run = prodRun();
    const containers = run.byType("docker:index/container:Container");
    expect(containers.find((c) => c.name === "ollama")!.inputs.gpus).toBe("all");
    expect(containers.map((c) => c.name)).toContain("dcgm-exporter");
    const rules = run.configFiles(containers.find((c) => c.name === "prometheus")!).find((u) => u.file.endsWith("rules/gateway.yml"))!.content;
    expect(rules).toContain("> 0.02");
  });

  it("publishes on the LAN address only through the entry point: every port, with its service and address", async () => {
    const run = prodRun();
    const bound = run.byType("docker:index/container:Container").flatMap((c) =>
      (c.inputs.ports ?? []).map((p: { ip: string; external: number; internal: number }) => `${serviceOf(c)} ${p.ip}:${p.external}->${p.internal}`),
    );
    // Any port not in this list fails the test: a new published port must be a decision.
    expect(bound.sort()).toEqual(
      [
        "alertmanager 127.0.0.1:9093->9093",
        "caddy 10.20.0.11:4000->4000",
        "caddy 10.20.0.11:3000->3000",
        "caddy 10.20.0.11:6333->6333",
        // Its worker gpu-02 pushes logs to Loki here; the relay to the workers is for this host only.
        "caddy 10.20.0.11:3100->3100",
        "caddy 127.0.0.1:4080->4080",
        "grafana 127.0.0.1:3000->3000",
        "loki 127.0.0.1:3100->3100",
        "ollama 127.0.0.1:11434->11434",
        "prometheus 127.0.0.1:9090->9090",
        "qdrant 127.0.0.1:6333->6333",
      ].sort(),
    );
    expect(bound.filter((b) => !b.includes(" 127.0.0.1:")).every((b) => b.startsWith("caddy "))).toBe(true);
    expect(run.outputs["gatewayUrl"]).toBe("https://10.20.0.11:4000");
    expect(run.outputs["tlsMode"]).toBe("internal");
    // The root of Caddy's CA comes back from the host, read after Caddy is healthy.
    const read = run.one("command:remote:Command", "entry-point-root-certificate");
    expect(read.inputs.create).toContain("'/srv/ai-gateway/caddy/caddy/pki/authorities/local/root.crt'");
    expect(read.options.dependencies.some((d) => d.includes("docker:index/container:Container::caddy"))).toBe(true);
  });
});

describe("host keys", () => {
  it("refuses a remote host without a pinned key", async () => {
    const host = JSON.stringify({ ssh: { host: "gpu-01.lan", user: "deploy" } });
    await expect(runProgram({ ...prodConfig, values: { ...prodConfig.values, host } })).rejects.toThrow(
      /ai-gateway:host.ssh: no host key: the SSH host key must be pinned for a remote host. Fix: set host.ssh.hostKey/,
    );
  });

  it("finds the key in a known_hosts file, hashed by ssh-keygen -H, on a non-standard port", () => {
    const dir = mkdtempSync(join(tmpdir(), "aigw-known-"));
    const file = join(dir, "known_hosts");
    writeFileSync(file, `other.lan ssh-rsa AAAAB3NzaC1yc2E\n[gpu-01.lan]:2222 ${HOST_KEY}\n`);
    expect(findHostKey(readFileSync(file, "utf8"), "gpu-01.lan", 2222)).toBe(HOST_KEY);
    const r = spawnSync("ssh-keygen", ["-H", "-f", file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const hashed = readFileSync(file, "utf8");
    expect(hashed).not.toContain("gpu-01.lan");
    expect(findHostKey(hashed, "gpu-01.lan", 2222)).toBe(HOST_KEY);
    expect(findHostKey(hashed, "gpu-01.lan", 22)).toBeUndefined();
  });

  it("reads the key from knownHostsPath when no hostKey is given, and says what to run when it is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aigw-known-"));
    const file = join(dir, "known_hosts");
    writeFileSync(file, `gpu-01.lan ${HOST_KEY}\n`);
    const withFile = (path: string) => ({ ...prodConfig, values: { ...prodConfig.values, host: JSON.stringify({ ssh: { host: "gpu-01.lan", user: "deploy", knownHostsPath: path } }) } });
    const run = await runProgram(withFile(file));
    expect(run.byType("command:remote:Command")[0]!.inputs.connection.hostKey).toBe(HOST_KEY);
    writeFileSync(file, "");
    await expect(runProgram(withFile(file))).rejects.toThrow(/has no key for gpu-01.lan. Fix: .*ssh-keyscan -p 22 gpu-01.lan/);
    // A revoked key is refused, with its own reason, even though another line lists it.
    writeFileSync(file, `gpu-01.lan ${HOST_KEY}\n@revoked * ${HOST_KEY}\n`);
    await expect(runProgram(withFile(file))).rejects.toThrow(/ai-gateway:host.ssh.knownHostsPath: the key .* lists for gpu-01.lan is revoked there \(@revoked\). Fix:/);
  });

  it("skips a revoked key for a host that has another one", () => {
    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyForTheSameHost0000000000000000";
    const text = `@revoked gpu-01.lan ${HOST_KEY}\ngpu-01.lan ${HOST_KEY}\ngpu-01.lan ${other}\n`;
    expect(lookupHostKey(text, "gpu-01.lan", 22)).toEqual({ key: other, revoked: [HOST_KEY] });
    expect(findHostKey(`gpu-01.lan ${HOST_KEY}\n`, "gpu-01.lan", 22)).toBe(HOST_KEY);
  });
});

describe("scale-out over several GPU hosts", () => {
  it("gives each route one deployment per Ollama host under the same name, with the configured strategy", () => {
    const doc = buildLiteLlmConfig({
      routes: [{ name: "task:code", model: "qwen2.5-coder:32b", fallbacks: [], timeoutSeconds: 45 }],
      cloudModels: [],
      ollamaApiBase: "http://ollama:11434",
      extraOllamaApiBases: ["http://gpu-02.lan:11434", "http://gpu-03.lan:11434"],
      routingStrategy: "least-busy",
    }) as { model_list: { model_name: string; litellm_params: { api_base: string }; model_info: { id: string } }[]; router_settings: { routing_strategy: string } };
    expect(doc.model_list.map((m) => [m.model_name, m.litellm_params.api_base, m.model_info.id])).toEqual([
      ["task:code", "http://ollama:11434", "local-task-code"],
      ["task:code", "http://gpu-02.lan:11434", "local-task-code-2"],
      ["task:code", "http://gpu-03.lan:11434", "local-task-code-3"],
    ]);
    expect(doc.router_settings.routing_strategy).toBe("least-busy");
  });
});
