// The whole program under Pulumi mocks, fed the real dev stack file.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { generatedFiles } from "../../services/files.js";
import { validateStackConfig } from "../../config/validate.js";
import { PINNED_IMAGES } from "../../config/images.js";
import type { ServiceName } from "../../services/names.js";
import { publishedPort } from "../../services/catalog.js";
import { SERVICES } from "../../services/names.js";
import { evaluateOnce, isSecretInput, promiseOf, runProgram, serviceOf, type ProgramConfig } from "../support/program.js";

const CONTAINER = "docker:index/container:Container";
// The dev stack is CPU-only (no DCGM exporter) and ships logs with Promtail.
const DEV_CONTAINERS = ["alertmanager", "caddy", "cadvisor", "docker-proxy", "grafana", "litellm", "loki", "node-exporter", "ollama", "prometheus", "promtail", "qdrant"];
// Services a user or a tool reaches from the host; exporters and the shipper publish nothing.
// What each image has to probe with (../shared/reference/images.md): only Grafana ships curl, only the
// busybox-based node-exporter has wget, Loki has no shell at all.
const PROBE_PROGRAM: Record<string, string> = {
  ollama: "ollama",
  litellm: "python3",
  caddy: "wget",
  prometheus: "promtool",
  loki: "/usr/bin/loki",
  promtail: "bash",
  alloy: "bash",
  grafana: "curl",
  "node-exporter": "wget",
  cadvisor: "/usr/bin/healthcheck.sh",
  "dcgm-exporter": "bash",
  qdrant: "bash",
  // The socket proxy's scratch image has only its own binaries.
  "docker-proxy": "/healthcheck",
  alertmanager: "wget",
};
const FAKE_OPENAI_KEY = "sk-test-openai-key-0123456789abcdef";
const dev = readStackConfig(".", "dev");
const devConfig: ProgramConfig = { values: { ...dev.values }, secretKeys: dev.secretKeys };
const withCloud: ProgramConfig = { values: { ...dev.values, openaiApiKey: FAKE_OPENAI_KEY }, secretKeys: ["openaiApiKey"] };

function withOllama(base: ProgramConfig, patch: Record<string, unknown>): ProgramConfig {
  const ollama = { ...JSON.parse(base.values["ollama"]!), ...patch };
  return { ...base, values: { ...base.values, ollama: JSON.stringify(ollama) } };
}

describe("the dev stack under mocks", () => {
  const cloudRun = evaluateOnce(withCloud);
  it("registers the network, every container and its image, folders and one pull per model", async () => {
    const run = cloudRun();
    // Guard against a program that registers nothing (or mocks that were never installed).
    expect(run.resources.length).toBeGreaterThan(20);
    expect(run.byType(CONTAINER).map(serviceOf).sort()).toEqual(DEV_CONTAINERS);
    expect(run.byType("docker:index/network:Network")).toHaveLength(1);
    expect(run.byType("docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name).sort()).toEqual(
      DEV_CONTAINERS.map((s) => PINNED_IMAGES[s as ServiceName]).sort(),
    );
    const pulls = run.byType("command:local:Command").filter((c) => c.name.startsWith("model-"));
    expect(pulls.map((p) => p.name).sort()).toEqual(["model-llama3.2:1b", "model-qwen2.5-coder:1.5b"]);
  });

  it("gives every container an in-image exec-form healthcheck, restart, wait, log rotation, limits and bound ports", async () => {
    const run = cloudRun();
    for (const c of run.byType(CONTAINER)) {
      const i = c.inputs;
      const service = serviceOf(c)!;
      expect(i.healthcheck.tests[0], c.name).toBe("CMD");
      expect(i.healthcheck.tests[1], `${c.name} probe runs a program its image has`).toBe(PROBE_PROGRAM[service]);
      expect(i.healthcheck.interval).toMatch(/^(\d+h)?(\d+m)?\d+s$/);
      expect(i.restart).toBe("unless-stopped");
      expect(i.wait).toBe(true);
      expect(i.waitTimeout).toBeGreaterThanOrEqual(60);
      expect(i.logDriver).toBe("json-file");
      expect(i.logOpts).toMatchObject({ "max-size": expect.any(String), "max-file": expect.any(String) });
      expect(i.memory).toBeGreaterThan(0);
      expect(i.securityOpts).toContain("no-new-privileges:true");
      // Exactly the port the service's facts publish (services/catalog.ts), the same number inside.
      const port = publishedPort(service as ServiceName);
      expect((i.ports ?? []).map((p: { internal: number; external: number }) => [p.internal, p.external])).toEqual(port ? [[port, port]] : []);
      for (const p of i.ports ?? []) expect(p.ip, `${c.name} port ${p.internal}`).toBe("127.0.0.1");
      expect(i.labels).toEqual(
        expect.arrayContaining([
          { label: "ai-gateway.stack", value: "dev" },
          { label: "ai-gateway.service", value: service },
        ]),
      );
      expect(c.options.replaceOnChanges).toContain("healthcheck");
      // A stopped container gets time to finish its work: the provider's default is an immediate kill.
      expect(i.destroyGraceSeconds, c.name).toBeGreaterThanOrEqual(30);
      // LiteLLM's name carries its config version (see the gateway tests); every other name is fixed.
      if (service === "litellm") expect(i.name).toMatch(/^ai-gateway-dev-litellm-[0-9a-f]{10}$/);
      else expect(i.name).toBe(`ai-gateway-dev-${service}`);
      expect(c.name).toBe(i.name.slice("ai-gateway-dev-".length));
    }
  });

  it("on a LAN address publishes only the entry point there, over TLS; every other port stays on loopback", async () => {
    const run = await runProgram({ ...withCloud, values: { ...withCloud.values, bindAddress: "10.1.2.3", tls: JSON.stringify({ mode: "internal" }) } });
    const bound = run.byType(CONTAINER).flatMap((c) => (c.inputs.ports ?? []).map((p: { ip: string; external: number }) => `${serviceOf(c)} ${p.ip}:${p.external}`));
    expect(bound.sort()).toEqual(
      ["alertmanager 127.0.0.1:9093", "caddy 10.1.2.3:4000", "caddy 10.1.2.3:3000", "caddy 10.1.2.3:6333", "grafana 127.0.0.1:3000", "loki 127.0.0.1:3100", "ollama 127.0.0.1:11434", "prometheus 127.0.0.1:9090", "qdrant 127.0.0.1:6333"].sort(),
    );
    expect(run.outputs["gatewayUrl"]).toBe("https://10.1.2.3:4000");
    expect(run.outputs["grafanaUrl"]).toBe("https://10.1.2.3:3000");
    expect(run.outputs["ollamaUrl"]).toBe("http://127.0.0.1:11434");
  });

  it("no two services publish the same host port", async () => {
    const run = cloudRun();
    const external = run.byType(CONTAINER).flatMap((c) => (c.inputs.ports ?? []).map((p: { external: number }) => p.external));
    expect(new Set(external).size).toBe(external.length);
    // Every service whose facts give it a host port has one, and nothing else does.
    expect([...external].sort()).toEqual(SERVICES.filter((s) => DEV_CONTAINERS.includes(s)).map(publishedPort).filter((p) => p !== undefined).sort());
  });

  it("gives Ollama the GPUs it asks for, and none with gpus: none", async () => {
    const none = await runProgram(devConfig);
    expect(none.container("ollama").inputs.gpus).toBeUndefined();
    const all = await runProgram(withOllama(devConfig, { gpus: "all" }));
    expect(all.container("ollama").inputs.gpus).toBe("all");
    const some = await runProgram(withOllama(devConfig, { gpus: "device=0,2" }));
    expect(some.container("ollama").inputs.gpus).toBe("device=0,2");
    expect(some.container("litellm").inputs.gpus).toBeUndefined();
  });

  it("maps every Ollama knob to its OLLAMA_* variable and mounts the data folder", async () => {
    const run = cloudRun();
    const o = run.container("ollama").inputs;
    expect(o.envs).toEqual([
      "OLLAMA_KEEP_ALIVE=30m",
      "OLLAMA_NUM_PARALLEL=1",
      "OLLAMA_MAX_LOADED_MODELS=2",
      "OLLAMA_FLASH_ATTENTION=0",
      "OLLAMA_KV_CACHE_TYPE=f16",
      "OLLAMA_CONTEXT_LENGTH=4096",
    ]);
    expect(o.mounts).toEqual([{ type: "bind", source: "/data/stack/ollama", target: "/root/.ollama" }]);
    const folder = run.one("command:local:Command", "ollama-data");
    expect(folder.inputs.create).toContain("install -d -m 0750 -o 0 -g 0 '/data/stack/ollama'");
    expect(folder.options.deleteBeforeReplace).toBe(true);
  });

  it("pulls each model only after Ollama is healthy, and names the model when a pull fails", async () => {
    const run = cloudRun();
    const ollamaUrn = run.container("ollama");
    for (const tag of ["qwen2.5-coder:1.5b", "llama3.2:1b"]) {
      const pull = run.one("command:local:Command", `model-${tag}`);
      expect(pull.inputs.create).toContain(`ollama pull ${tag}`);
      expect(pull.inputs.create).toContain(`ollama pull failed for model '${tag}'`);
      expect(pull.options.dependencies.some((d) => d.endsWith(`docker:index/container:Container::${ollamaUrn.name}`))).toBe(true);
      expect(pull.options.deleteBeforeReplace).toBe(true);
      expect(pull.inputs.delete).toBeUndefined();
    }
  });

  it("starts LiteLLM after Ollama and mounts the rendered config that `npm run render` writes", async () => {
    const run = cloudRun();
    const l = run.container("litellm");
    // dependsOn a component expands to its children: the container (which waits until healthy) is among them.
    expect(l.options.dependencies).toContain("urn:pulumi:dev::ai-gateway::ai-gateway:llm:Ollama$docker:index/container:Container::ollama");
    // One per core of the recorded 8-core host, at most 4.
    expect(l.inputs.command).toEqual(["--config", "/etc/litellm/config.yaml", "--port", "4000", "--num_workers", "4"]);
    const expected = generatedFiles(validateStackConfig({ stack: "dev", values: withCloud.values, secretKeys: new Set(["openaiApiKey"]) }), { workers: 4 });
    const litellmFile = expected.find((f) => f.path === "litellm/config.yaml")!;
    expect(run.configFiles(l)).toEqual([{ file: "/etc/litellm/config.yaml", content: litellmFile.content, permissions: "0444", owner: "0:0", secret: false }]);
    expect(l.inputs.healthcheck.tests.slice(0, 2)).toEqual(["CMD", "python3"]);
    expect(l.inputs.healthcheck.tests[3]).toContain("/health/liveliness");
  });

  it("keeps the OpenAI key secret wherever it appears, and nowhere else", async () => {
    const run = cloudRun();
    const l = run.container("litellm");
    expect(isSecretInput(l.rawInputs["envs"])).toBe(true);
    expect(l.inputs.envs).toContain(`OPENAI_API_KEY=${FAKE_OPENAI_KEY}`);
    for (const r of run.resources) {
      for (const [prop, raw] of Object.entries(r.rawInputs)) {
        if (JSON.stringify(r.inputs[prop] ?? null).includes(FAKE_OPENAI_KEY)) {
          expect(isSecretInput(raw), `${r.type} ${r.name}.${prop} carries the key`).toBe(true);
        }
      }
    }
    // Not in the config file, the labels, the command line or any plain output.
    expect(JSON.stringify(run.configFiles(l))).not.toContain(FAKE_OPENAI_KEY);
    expect(JSON.stringify(l.inputs.labels)).not.toContain(FAKE_OPENAI_KEY);
    expect(JSON.stringify(l.inputs.command)).not.toContain(FAKE_OPENAI_KEY);
    for (const [name, value] of Object.entries(run.outputs)) {
      const plain = pulumi.Output.isInstance(value) ? await promiseOf(value) : value;
      if (JSON.stringify(plain ?? null).includes(FAKE_OPENAI_KEY)) throw new Error(`output ${name} exposes the key`);
    }
  });

  it("exports a secret master key with the sk- prefix, and the URLs, routes and image tags", async () => {
    const run = cloudRun();
    const masterKey = run.outputs["masterKey"] as pulumi.Output<string>;
    expect(await pulumi.isSecret(masterKey)).toBe(true);
    expect(await promiseOf(masterKey)).toMatch(/^sk-/);
    expect(isSecretInput(run.container("litellm").rawInputs["envs"])).toBe(true);
    expect(run.outputs["gatewayUrl"]).toBe("http://127.0.0.1:4000");
    expect(run.outputs["ollamaUrl"]).toBe("http://127.0.0.1:11434");
    expect(run.outputs["routes"]).toEqual(["task:code", "task:docs"]);
    expect(run.outputs["images"]).toEqual(Object.fromEntries(Object.entries(PINNED_IMAGES).filter(([s]) => DEV_CONTAINERS.includes(s))));
    expect(run.outputs["grafanaUrl"]).toBe("http://127.0.0.1:3000");
    expect(await pulumi.isSecret(run.outputs["grafanaAdminPassword"] as pulumi.Output<string>)).toBe(true);
  });

  it("runs local-only without openaiApiKey: no cloud models, no fallbacks, no OPENAI_API_KEY", async () => {
    const run = await runProgram(devConfig);
    const l = run.container("litellm").inputs;
    expect(l.envs.some((e: string) => e.startsWith("OPENAI_API_KEY="))).toBe(false);
    const files = run.configFiles(run.container("litellm"));
    const yamlText = files[0]!.content;
    expect(yamlText).not.toContain("openai/");
    expect(files).toHaveLength(1);
    expect(yamlText).not.toContain("fallbacks");
    expect(run.outputs["cloudModels"]).toEqual([]);
  });

  it("stops before registering anything on bad config, naming the key", async () => {
    const bad = { ...withCloud, values: { ...withCloud.values, bindAddress: "localhost" } };
    await expect(runProgram(bad)).rejects.toThrow(/ai-gateway:bindAddress: "localhost" is not an IP address/);
    const plain = { values: { ...dev.values, openaiApiKey: FAKE_OPENAI_KEY }, secretKeys: [] };
    const err = await runProgram(plain).catch((e: Error) => e);
    expect(String(err)).toContain("pulumi config set --secret openaiApiKey");
    expect(String(err)).not.toContain(FAKE_OPENAI_KEY);
  });
});

describe("determinism and blast radius", () => {
  const containerInputs = async (cfg: ProgramConfig) => {
    const run = await runProgram(cfg);
    return Object.fromEntries(run.byType(CONTAINER).map((c) => [serviceOf(c), JSON.stringify(c.inputs)]));
  };

  it("registers identical inputs for the same config", async () => {
    const a = await runProgram(withCloud);
    const b = await runProgram(withCloud);
    const shape = (r: typeof a) => r.resources.map((x) => [x.type, x.name, JSON.stringify(x.inputs)]);
    expect(shape(b)).toEqual(shape(a));
  });

  it("editing one route's timeout leaves the Ollama container unchanged", async () => {
    const routes = JSON.parse(withCloud.values["routes"]!);
    routes["task:code"].timeoutSeconds = 15;
    const before = await containerInputs(withCloud);
    const after = await containerInputs({ ...withCloud, values: { ...withCloud.values, routes: JSON.stringify(routes) } });
    expect(after["ollama"]).toBe(before["ollama"]);
    expect(after["litellm"]).not.toBe(before["litellm"]);
  });

  it("editing an Ollama knob leaves the LiteLLM container unchanged", async () => {
    const before = await containerInputs(withCloud);
    const after = await containerInputs(withOllama(withCloud, { numParallel: 3, keepAlive: "2h", contextLength: 16384 }));
    expect(after["litellm"]).toBe(before["litellm"]);
    expect(after["ollama"]).not.toBe(before["ollama"]);
  });
});

describe("the response cache under mocks", () => {
  const on = evaluateOnce({ ...devConfig, values: { ...devConfig.values, cache: JSON.stringify({ enabled: true, ttlSeconds: 600 }) } });
  const off = evaluateOnce(devConfig);

  it("runs Valkey and its exporter only with cache.enabled, and gives LiteLLM the cache with the password as a secret", async () => {
    expect(off().byType(CONTAINER).map(serviceOf)).not.toContain("valkey");
    expect(off().byType(CONTAINER).map(serviceOf)).not.toContain("redis-exporter");
    const run = on();
    const valkey = run.container("valkey");
    expect(valkey.inputs.user).toBe("999:999");
    expect(valkey.inputs.command).toEqual(["valkey-server", "/etc/valkey/valkey.conf"]);
    const files = run.configFiles(valkey);
    const auth = files.find((f) => f.file === "/etc/valkey/secrets/auth.conf")!;
    expect(auth).toMatchObject({ owner: "999:999", permissions: "0400", secret: true });
    const password = auth.content.replace(/^requirepass /, "").trim();
    expect(password).toMatch(/^mocked/);
    expect(files.find((f) => f.file === "/etc/valkey/valkey.conf")!.content).not.toContain(password);
    const litellm = run.container("litellm");
    expect(isSecretInput(litellm.rawInputs["envs"])).toBe(true);
    expect(litellm.inputs.envs).toContain(`REDIS_PASSWORD=${password}`);
    const yaml = run.configFiles(litellm)[0]!.content;
    expect(yaml).toContain("password: os.environ/REDIS_PASSWORD");
    expect(yaml).toContain("ttl: 600");
    expect(yaml).not.toContain(password);
    const exporter = run.configFiles(run.container("redis-exporter"))[0]!;
    expect(JSON.parse(exporter.content)).toEqual({ "redis://valkey:6379": password });
    expect(exporter).toMatchObject({ owner: "59000:59000", permissions: "0400", secret: true });
    // Its data is not backed up (every entry can be asked for again); only its config file is copied, as every service's.
    const backup = run.one("command:local:Command", "backup-install").inputs.create as string;
    expect(backup).not.toContain("/data/stack/valkey");
    expect(backup).toContain("ai-gateway-dev-valkey:/etc/valkey/valkey.conf");
  });
});
