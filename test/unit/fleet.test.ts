// The fleet under mocks: a gateway that reads its workers through stack references, a worker that
// reads its gateway, and what each refuses. The real-tool checks of the same files are in
// test/integration/fleetCaddy.test.ts, test/integration/promtool.test.ts and test/litellm/fleet.test.ts.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import YAML from "yaml";
import { validateStackConfig } from "../../config/validate.js";
import { FLEET } from "../../services/fleet.js";
import { fleetStacks, gatewayOutputs, GPU03_REF, prodRaw, twoWorkerRaw, worker3Raw, workerOutputs, workerRaw } from "../support/fleet.js";
import { evaluateOnce, isSecretInput, runProgram, serviceOf, type ProgramConfig, type Registered } from "../support/program.js";
import { problemsOf } from "../support/refused.js";
import { requiresTool } from "../support/requires.js";

const CONTAINER = "docker:index/container:Container";
const openssl = requiresTool("openssl", "apt-get install -y openssl", ["version"]);

/** A self-signed certificate for one IP address, made by the real openssl. */
function selfSigned(ip: string): string {
  const dir = mkdtempSync(join(tmpdir(), "aigw-cert-"));
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=worker", "-addext", `subjectAltName=IP:${ip}`, "-days", "1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]);
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return readFileSync(join(dir, "cert.pem"), "utf8");
}
const secretKeys = ["openaiApiKey"];
const gatewayProgram = (values: Record<string, string>, stacks = fleetStacks()): ProgramConfig => ({
  stack: "prod",
  values: { ...values, openaiApiKey: "sk-prod-openai-key-123456" },
  secretKeys,
  stacks,
});
const workerProgram = (values = workerRaw.values, stacks = { prod: gatewayOutputs() }): ProgramConfig => ({ stack: "gpu-02", values, stacks });

const fileOf = (run: { container(s: string): Registered; configFiles(c: Registered): { file: string; content: string }[] }, service: string, suffix: string) =>
  run.configFiles(run.container(service)).find((f) => f.file.endsWith(suffix))!.content;
const litellmOf = (run: Parameters<typeof fileOf>[0]) => YAML.parse(fileOf(run, "litellm", "config.yaml")) as { model_list: { model_name: string; litellm_params: { api_base?: string }; model_info: { id: string } }[] };
const scrapeOf = (run: Parameters<typeof fileOf>[0]) =>
  YAML.parse(fileOf(run, "prometheus", "prometheus.yml")) as { scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: Record<string, string> }[]; metric_relabel_configs?: unknown[] }[] };
const bound = (run: { byType(t: string): Registered[] }) =>
  run.byType(CONTAINER).flatMap((c) => (c.inputs.ports ?? []).map((p: { ip: string; external: number }) => `${serviceOf(c)} ${p.ip}:${p.external}`)).sort();

describe("a gateway with two workers", () => {
  const run = evaluateOnce(gatewayProgram(twoWorkerRaw.values));

  it("reads each worker through a stack reference, by the name the workers key gives it", () => {
    expect(run().byType("pulumi:pulumi:StackReference").map((r) => r.inputs.name).sort()).toEqual(["gpu-02", GPU03_REF].sort());
  });

  it("gives every route one LiteLLM deployment per worker, through the relay, beside the local one", () => {
    const models = litellmOf(run()).model_list;
    for (const route of ["task:code", "task:docs"]) {
      const group = models.filter((m) => m.model_name === route);
      expect(group.map((m) => m.litellm_params.api_base)).toEqual(["http://ollama:11434", "http://caddy:4080/gpu-02/ollama", "http://caddy:4080/gpu-03/ollama"]);
      expect(new Set(group.map((m) => m.model_info.id)).size).toBe(3);
    }
    // The local tags too, on each worker that serves them.
    expect(models.filter((m) => m.model_name === "llama3.1:8b").map((m) => m.model_info.id)).toEqual(["tag-llama3-1-8b", "tag-llama3-1-8b-worker-gpu-02", "tag-llama3-1-8b-worker-gpu-03"]);
  });

  it("scrapes each worker's exporters through the relay, labelled by host, and the relay's health of each Ollama", () => {
    const jobs = scrapeOf(run()).scrape_configs;
    const node = jobs.find((j) => j.job_name === "node-exporter")!;
    // Scraped at the relay, named by the worker's own address (instance) and host.
    expect(node.static_configs.map((s) => [s.targets[0], s.labels["host"], s.labels["instance"], s.labels["__metrics_path__"]])).toEqual([
      ["node-exporter:9100", "prod", undefined, undefined],
      ["caddy:4080", "gpu-02", "10.20.0.12:9100", "/gpu-02/node-exporter/metrics"],
      ["caddy:4080", "gpu-03", "10.20.0.13:9100", "/gpu-03/node-exporter/metrics"],
    ]);
    expect(jobs.find((j) => j.job_name === "dcgm-exporter")!.static_configs.map((s) => s.labels["host"])).toEqual(["prod", "gpu-02", "gpu-03"]);
    const relay = jobs.find((j) => j.job_name === "fleet-relay")!;
    expect(relay.metric_relabel_configs).toEqual([
      { source_labels: ["upstream"], regex: "10\\.20\\.0\\.12:[0-9]+", target_label: "host", replacement: "gpu-02" },
      { source_labels: ["upstream"], regex: "10\\.20\\.0\\.13:[0-9]+", target_label: "host", replacement: "gpu-03" },
    ]);
    const rules = fileOf(run(), "prometheus", "rules/fleet.yml");
    expect(rules).toContain("WorkerOllamaDown");
  });

  it("relays to each worker over HTTPS with its CA pinned, and takes each worker's log pushes with its own credential", () => {
    const files = run().configFiles(run().container("caddy"));
    const caddyfile = files.find((f) => f.file.endsWith("Caddyfile"))!.content;
    expect(caddyfile).toContain("handle_path /gpu-02/ollama/* {\n\t\treverse_proxy https://10.20.0.12:11434 {");
    expect(caddyfile).toContain("tls_trusted_ca_certs /etc/caddy/fleet/gpu-03.pem");
    expect(caddyfile).toContain('header_up Authorization "Basic {$AIGW_FLEET_AUTH_2}"');
    expect(caddyfile).toMatch(/@push \{\n\t\tmethod POST\n\t\tpath \/loki\/api\/v1\/push\n\t\tremote_ip 10\.20\.0\.12 10\.20\.0\.13\n\t\}/);
    expect(caddyfile).toContain("\t\t\tgpu-02 {$AIGW_FLEET_LOG_HASH_1}\n\t\t\tgpu-03 {$AIGW_FLEET_LOG_HASH_2}");
    expect(files.find((f) => f.file === "/etc/caddy/fleet/gpu-02.pem")!.content).toContain("MIIBfakegpu02");
    // No credential in any file: they are in Caddy's secret environment only.
    for (const f of files) expect(f.content).not.toMatch(/entry-password-of|log-push-hash-of/);
  });

  it("keeps every worker credential a secret: in Caddy's environment, and nowhere else", () => {
    const caddy = run().container("caddy");
    expect(isSecretInput(caddy.rawInputs["envs"])).toBe(true);
    const env = caddy.inputs.envs as string[];
    const auth = env.find((e) => e.startsWith("AIGW_FLEET_AUTH_1="))!;
    expect(Buffer.from(auth.split("=")[1]!, "base64").toString()).toBe("ai-gateway:entry-password-of-gpu-02");
    expect(env.find((e) => e.startsWith("AIGW_FLEET_LOG_HASH_2="))).toBeDefined();
    for (const r of run().resources) {
      // Caddy's environment is the one place they belong; its labels, command, mounts and probe are checked too.
      const { envs: _envs, ...rest } = r.inputs;
      const plain = JSON.stringify(r.type === CONTAINER && r.name === "caddy" ? rest : r.inputs);
      if (plain.includes("entry-password-of") || plain.includes("log-push-hash-of")) {
        // The stack reference's own outputs are the engine's, not an input of this stack.
        expect(r.type, r.name).toBe("pulumi:pulumi:StackReference");
      }
    }
    expect(run().outputs["workers"]).not.toMatchObject([{ password: expect.anything() }]);
    expect(JSON.stringify(run().outputs["workers"])).not.toMatch(/entry-password-of|log-push-hash-of/);
  });

  it("publishes the relay on loopback only, and Loki's site on the LAN for the workers' pushes", () => {
    expect(bound(run())).toEqual(
      [
        "alertmanager 127.0.0.1:9093",
        "caddy 10.20.0.11:3000",
        "caddy 10.20.0.11:3100",
        "caddy 10.20.0.11:4000",
        "caddy 10.20.0.11:6333",
        "caddy 127.0.0.1:4080",
        "grafana 127.0.0.1:3000",
        "loki 127.0.0.1:3100",
        "ollama 127.0.0.1:11434",
        "prometheus 127.0.0.1:9090",
        "qdrant 127.0.0.1:6333",
      ].sort(),
    );
    // Tools on the host still reach Loki on its loopback port, without the workers' credentials.
    expect(run().outputs["lokiUrl"]).toBe("http://127.0.0.1:3100");
  });

  it("lists the workers for the tools, and publishes what a worker reads of it", async () => {
    const workers = run().outputs["workers"] as { host: string; ollama: string; models: string[] }[];
    expect(workers.map((w) => [w.host, w.ollama])).toEqual([
      ["gpu-02", "http://127.0.0.1:4080/gpu-02/ollama"],
      ["gpu-03", "http://127.0.0.1:4080/gpu-03/ollama"],
    ]);
    const output = run().outputs[FLEET.gatewayOutput] as { apply(f: (v: unknown) => unknown): void; isSecret: Promise<boolean> };
    const announced = await new Promise((resolve) => output.apply(resolve));
    expect(announced).toMatchObject({ role: "gateway", address: "10.20.0.11", lokiPushUrl: "https://10.20.0.11:3100/loki/api/v1/push" });
    // Plain, so that render and doctor read it without --show-secrets.
    expect(await output.isSecret).toBe(false);
  });
});

describe("removing a worker", () => {
  it("drops its stack reference, its deployments, its scrape targets, its relay routes and its credentials on the next up", async () => {
    const run = await runProgram(gatewayProgram({ ...prodRaw.values, workers: JSON.stringify(["gpu-02"]) }));
    expect(run.byType("pulumi:pulumi:StackReference").map((r) => r.inputs.name)).toEqual(["gpu-02"]);
    const text = JSON.stringify(litellmOf(run)) + JSON.stringify(scrapeOf(run)) + fileOf(run, "caddy", "Caddyfile");
    expect(text).toContain("gpu-02");
    expect(text).not.toContain("gpu-03");
    expect((run.container("caddy").inputs.envs as string[]).filter((e) => e.startsWith("AIGW_FLEET_AUTH_"))).toHaveLength(1);
    expect(run.configFiles(run.container("caddy")).map((f) => f.file)).not.toContain("/etc/caddy/fleet/gpu-03.pem");
  });

  it("the last one: no relay, no fleet rules, no published relay port", async () => {
    const values = { ...prodRaw.values };
    delete values["workers"];
    const run = await runProgram(gatewayProgram(values, {}));
    expect(run.byType("pulumi:pulumi:StackReference")).toHaveLength(0);
    expect(fileOf(run, "caddy", "Caddyfile")).not.toContain(":4080");
    expect(run.configFiles(run.container("prometheus")).map((f) => f.file)).not.toContain("/etc/prometheus/rules/fleet.yml");
    expect(bound(run)).not.toContain("caddy 127.0.0.1:4080");
    expect(bound(run)).not.toContain("caddy 10.20.0.11:3100");
  });
});

describe("a gpu-worker stack", () => {
  const run = evaluateOnce(workerProgram());

  it("runs only its role's services: Ollama, the exporters, the log shipper, the socket proxy and the entry point", () => {
    expect(run().byType(CONTAINER).map(serviceOf).sort()).toEqual(["caddy", "cadvisor", "dcgm-exporter", "docker-proxy", "node-exporter", "ollama", "promtail"].sort());
    // No backups, no gateway, nothing that keeps data worth a backup.
    const commands = run().resources.filter((r) => r.type.startsWith("command:")).map((r) => r.name);
    expect(commands.filter((n) => /backup|qdrant|grafana|loki|prometheus|litellm/.test(n))).toEqual([]);
    expect(run().byType("pulumi:pulumi:StackReference").map((r) => r.inputs.name)).toEqual(["prod"]);
  });

  it("publishes Ollama and its exporters only through the entry point, which lets in the gateway's address alone", () => {
    expect(bound(run())).toEqual(["caddy 10.20.0.12:11434", "caddy 10.20.0.12:8080", "caddy 10.20.0.12:9100", "caddy 10.20.0.12:9400", "ollama 127.0.0.1:11434"].sort());
    const caddyfile = fileOf(run(), "caddy", "Caddyfile");
    const sites = caddyfile.split("\n\n").filter((b) => b.startsWith("https://"));
    expect(sites).toHaveLength(4);
    for (const site of sites) {
      expect(site).toContain("\t@allowed remote_ip 10.20.0.11\n\thandle @allowed {\n\t\tbasicauth {");
      expect(site).toContain("\thandle {\n\t\trespond 403\n\t}");
    }
  });

  it("publishes its announcement in plain, its credentials as secrets", async () => {
    const outputs = run().outputs;
    const announced = await new Promise<Record<string, unknown>>((resolve) => (outputs[FLEET.workerOutput] as { apply(f: (v: unknown) => unknown): void }).apply((v) => resolve(v as Record<string, unknown>)));
    expect(announced).toMatchObject({
      role: "gpu-worker",
      host: "gpu-02",
      gateway: "prod",
      address: "10.20.0.12",
      ollamaUrl: "https://10.20.0.12:11434",
      models: ["qwen2.5-coder:32b", "llama3.1:8b"],
      exporters: [
        { service: "node-exporter", url: "https://10.20.0.12:9100" },
        { service: "cadvisor", url: "https://10.20.0.12:8080" },
        { service: "dcgm-exporter", url: "https://10.20.0.12:9400" },
      ],
    });
    for (const name of [FLEET.workerPasswordOutput, FLEET.logPushHashOutput]) {
      expect(await (outputs[name] as { isSecret: Promise<boolean> }).isSecret, name).toBe(true);
    }
    expect(await (outputs[FLEET.workerOutput] as { isSecret: Promise<boolean> }).isSecret).toBe(false);
  });

  it("pushes its logs to the gateway's Loki through its entry point, with a password file only the shipper reads", () => {
    const files = run().configFiles(run().container("promtail"));
    const config = YAML.parse(files.find((f) => f.file.endsWith("config.yml"))!.content);
    expect(config.clients).toEqual([
      { url: "https://10.20.0.11:3100/loki/api/v1/push", basic_auth: { username: "gpu-02", password_file: "/etc/promtail/log-push-password" }, tls_config: { ca_file: "/etc/promtail/gateway-ca.pem" } },
    ]);
    const password = files.find((f) => f.file === "/etc/promtail/log-push-password")!;
    expect(password).toMatchObject({ permissions: "0400", owner: "65534:65534", secret: true });
    expect(files.find((f) => f.file === "/etc/promtail/gateway-ca.pem")!.content).toContain("MIIBfakeprod");
  });
});

describe("refused", () => {
  it("keys that do not fit the role, naming the key and the role", () => {
    const worker = (values: Record<string, string>) => problemsOf({ ...workerRaw, values: { ...workerRaw.values, ...values } });
    expect(worker({ routes: JSON.stringify({ "task:x": { model: "llama3.1:8b" } }) })).toMatch(/ai-gateway:routes: does not apply to role gpu-worker: .*no LiteLLM, Prometheus, Loki, Grafana, Qdrant.*Fix: pulumi config rm routes/);
    for (const key of ["cloudModels", "backup", "alerting", "expose", "workers", "cache"]) {
      expect(worker({ [key]: "[]" }), key).toContain(`ai-gateway:${key}: does not apply to role gpu-worker`);
    }
    expect(worker({ ollama: JSON.stringify({ models: ["llama3.1:8b"], hosts: ["http://gpu-09.lan:11434"] }) })).toMatch(/ai-gateway:ollama.hosts: does not apply to role gpu-worker/);
    expect(problemsOf({ ...prodRaw, values: { ...prodRaw.values, gatewayStack: "prod" } })).toMatch(/ai-gateway:gatewayStack: only a gpu-worker stack names its gateway/);
    expect(problemsOf({ ...prodRaw, values: { ...prodRaw.values, role: "worker" } })).toMatch(/ai-gateway:role: "worker" is not a role \(known: gateway, gpu-worker\)/);
  });

  it("a worker without a gateway, a fleet host on loopback or a wildcard, and a worker listed twice", () => {
    const values = { ...workerRaw.values };
    delete values["gatewayStack"];
    expect(problemsOf({ ...workerRaw, values })).toMatch(/ai-gateway:gatewayStack: is required on a gpu-worker stack/);
    expect(problemsOf({ ...workerRaw, values: { ...workerRaw.values, bindAddress: "127.0.0.1", tls: JSON.stringify({ mode: "internal" }) } })).toMatch(/ai-gateway:bindAddress: "127.0.0.1" cannot be used by a gpu-worker/);
    expect(problemsOf({ ...twoWorkerRaw, values: { ...twoWorkerRaw.values, bindAddress: "0.0.0.0", allowAllInterfaces: "true" } })).toMatch(/ai-gateway:bindAddress: "0.0.0.0" cannot be used by a gateway with workers.*Fix: .*pulumi config rm workers/);
    expect(problemsOf({ ...prodRaw, values: { ...prodRaw.values, workers: JSON.stringify(["gpu-02", "other/ai-gateway/gpu-02"]) } })).toMatch(/ai-gateway:workers\[1\]: "other\/ai-gateway\/gpu-02" has the same stack name as "gpu-02"/);
    expect(problemsOf({ ...workerRaw, values: { ...workerRaw.values, bindAddress: "fd00::12" } })).toMatch(/ai-gateway:bindAddress: "fd00::12" is an IPv6 address, which a fleet host cannot use yet/);
    // The valid examples pass.
    expect(validateStackConfig(workerRaw).role).toBe("gpu-worker");
    expect(validateStackConfig(twoWorkerRaw).workers).toEqual(["gpu-02", GPU03_REF]);
  });

  openssl.it(`a given certificate that does not cover a fleet host's bindAddress${openssl.why}`, () => {
    const withCert = (cert: string) => ({ ...workerRaw, values: { ...workerRaw.values, tls: JSON.stringify({ mode: "files", certificate: cert }), tlsPrivateKey: "k" }, secretKeys: new Set(["tlsPrivateKey"]) });
    expect(problemsOf(withCert(selfSigned("10.20.0.99")))).toMatch(/ai-gateway:tls.certificate: does not cover bindAddress 10.20.0.12 \(no IP address entry for it\), which the fleet's other hosts connect to/);
    expect(validateStackConfig(withCert(selfSigned("10.20.0.12"))).tls.mode).toBe("files");
  });

  it("an unknown worker stack, before anything is created (a file backend is looked into)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aigw-backend-"));
    mkdirSync(join(dir, ".pulumi", "stacks", "ai-gateway"), { recursive: true });
    writeFileSync(join(dir, ".pulumi", "stacks", "ai-gateway", "gpu-02.json"), "{}");
    vi.stubEnv("PULUMI_BACKEND_URL", `file://${dir}`);
    try {
      await expect(runProgram(gatewayProgram(twoWorkerRaw.values))).rejects.toThrow(
        new RegExp(`ai-gateway:workers\\[1\\]: there is no stack "acme/ai-gateway/gpu-03" in this backend \\(${dir}\\)\\. Fix: check the name with \`pulumi stack ls\`, or create and deploy it first: pulumi stack init gpu-03`),
      );
      // The one that exists passes that check.
      await expect(runProgram(gatewayProgram({ ...prodRaw.values, workers: JSON.stringify(["gpu-02"]) }))).resolves.toBeDefined();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("a stack that is not a gpu-worker, or whose announcement is damaged or names another stack", async () => {
    const gateway = { outputs: { role: "gateway", ...gatewayOutputs().outputs } };
    await expect(runProgram(gatewayProgram(twoWorkerRaw.values, { ...fleetStacks(), [GPU03_REF]: gateway }))).rejects.toThrow(
      /ai-gateway:workers\[1\]: stack "acme\/ai-gateway\/gpu-03" has no fleetWorker output: it is not a gpu-worker stack\. Fix: run `pulumi up` on acme\/ai-gateway\/gpu-03/,
    );
    // What another stack publishes goes into this stack's Caddyfile and file names: only the shapes this program writes pass.
    for (const damage of [{ host: "gpu-02" }, { address: "fd00::13" }, { ollamaUrl: "https://10.20.0.13:11434 {\n\trespond 200" }, { models: ["x\ny"] }, { trust: "not a certificate" }]) {
      const bad = workerOutputs(worker3Raw, (a) => ({ ...a, ...damage }));
      await expect(runProgram(gatewayProgram(twoWorkerRaw.values, { ...fleetStacks(), [GPU03_REF]: bad })), JSON.stringify(damage)).rejects.toThrow(
        /ai-gateway:workers\[1\]: the fleetWorker output of "acme\/ai-gateway\/gpu-03" is damaged, or names another stack than gpu-03/,
      );
    }
  });

  it("leaves out a listed worker that has published nothing yet, with a warning, and takes it in once it has", async () => {
    const run = await runProgram(gatewayProgram(twoWorkerRaw.values, { ...fleetStacks(), [GPU03_REF]: { outputs: {} } }));
    expect(run.byType("pulumi:pulumi:StackReference").map((r) => r.inputs.name).sort()).toEqual(["gpu-02", GPU03_REF].sort());
    const text = JSON.stringify(litellmOf(run)) + fileOf(run, "caddy", "Caddyfile");
    expect(text).toContain("gpu-02");
    expect(text).not.toContain("gpu-03");
    expect((run.outputs["workers"] as { host: string }[]).map((w) => w.host)).toEqual(["gpu-02"]);
  });

  it("a worker without every route's model, once its outputs are read", async () => {
    const lacking = workerOutputs(worker3Raw, (a) => ({ ...a, models: ["llama3.1:8b"] }));
    await expect(runProgram(gatewayProgram(twoWorkerRaw.values, { ...fleetStacks(), [GPU03_REF]: lacking }))).rejects.toThrow(
      /ai-gateway:workers\[1\]: worker gpu-03 serves llama3.1:8b, not every route's model \(task:code needs qwen2.5-coder:32b\)\. Fix: add qwen2.5-coder:32b to ollama.models on stack acme\/ai-gateway\/gpu-03 and run `pulumi up` there, or remove it from workers/,
    );
  });

  it("a worker that serves another gateway, and a worker whose gateway cannot take workers", async () => {
    const elsewhere = workerOutputs(worker3Raw, (a) => ({ ...a, gateway: "staging" }));
    await expect(runProgram(gatewayProgram(twoWorkerRaw.values, { ...fleetStacks(), [GPU03_REF]: elsewhere }))).rejects.toThrow(/worker gpu-03 serves the gateway stack "staging", not this one/);
    await expect(runProgram(workerProgram(workerRaw.values, { prod: { outputs: { [FLEET.gatewayOutput]: null } } }))).rejects.toThrow(
      /ai-gateway:gatewayStack: stack "prod" has no fleetGateway output: .*its bindAddress is loopback or a wildcard/,
    );
  });
});
