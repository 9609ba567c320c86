import { describe, expect, it } from "vitest";
import { problemsOf } from "../support/refused.js";
import { parseStackYaml, readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig, type RawConfig } from "../../config/validate.js";
import { DEFAULTS } from "../../config/schema.js";
import { backendUrl, fileBackendDir, projectBackendUrl } from "../../config/backend.js";
import { localStateDir } from "../../config/load.js";
import { systemFolderProblem } from "../../config/validateHost.js";
import { PREMIUM_MODEL } from "../../config/validateGateway.js";

const dev = readStackConfig(".", "dev");

function withValues(patch: Record<string, string | undefined>, secretKeys: Iterable<string> = dev.secretKeys): RawConfig {
  const values: Record<string, string> = { ...dev.values };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete values[k];
    else values[k] = v;
  }
  return { stack: "dev", values, secretKeys: new Set(secretKeys) };
}
const devObject = (key: string) => JSON.parse(dev.values[key]!) as Record<string, any>;
const withOllama = (patch: Record<string, unknown>) => withValues({ ollama: JSON.stringify({ ...devObject("ollama"), ...patch }) });
const withRoutes = (routes: unknown) => withValues({ routes: JSON.stringify(routes) });


describe("the dev stack file", () => {
  it("validates, with task:code and task:docs routes on models it pulls", () => {
    const c = validateStackConfig(dev);
    expect(c.routes.map((r) => r.name)).toEqual(["task:code", "task:docs"]);
    for (const r of c.routes) expect(c.ollama.models).toContain(r.model);
    expect(c.ollama.gpus).toEqual({ kind: "none" });
    expect(c.cloudEnabled).toBe(false);
    expect(Object.isFrozen(c.routes[0])).toBe(true);
  });

  it("keeps the fallbacks once openaiApiKey is set as a secret", () => {
    const c = validateStackConfig(withValues({ openaiApiKey: "sk-x" }, ["openaiApiKey"]));
    expect(c.cloudEnabled).toBe(true);
    expect(c.routes.every((r) => r.fallbacks.includes("openai/gpt-4o"))).toBe(true);
    expect(c.cloudModels).toEqual([{ model: "openai/gpt-4o", allowAsFallback: true, timeoutSeconds: 300, retries: 2 }]);
  });

  it("reads a `secure:` value from a stack file as a secret", () => {
    const raw = parseStackYaml("config:\n  ai-gateway:openaiApiKey:\n    secure: v1:abc\n  aws:region: x\n", "prod");
    expect(raw.secretKeys.has("openaiApiKey")).toBe(true);
    expect(raw.values).toEqual({ openaiApiKey: "<secret>" });
  });
});

describe("the local state folder backups include", () => {
  it("follows PULUMI_BACKEND_URL, then Pulumi.yaml's local folder; remote state is not a folder", () => {
    const cwd = process.cwd();
    expect(localStateDir({}, cwd)).toBe(`${cwd}/.pulumi-state`);
    expect(localStateDir({ PULUMI_BACKEND_URL: "file:///var/lib/pulumi" }, cwd)).toBe("/var/lib/pulumi");
    expect(localStateDir({ PULUMI_BACKEND_URL: "s3://bucket/state" }, cwd)).toBeUndefined();
    expect(localStateDir({ PULUMI_BACKEND_URL: "file://~" }, cwd)).toBeUndefined();
  });

  it("reads the folder from the backend URL in effect, whatever the project sets", () => {
    expect(projectBackendUrl(".")).toBe("file://./.pulumi-state");
    expect(backendUrl({}, "file://./state")).toBe("file://./state");
    expect(backendUrl({ PULUMI_BACKEND_URL: "s3://b" }, "file://./state")).toBe("s3://b");
    expect(backendUrl({}, undefined)).toBeUndefined();
    expect(fileBackendDir("file://./state/", "/srv/gw")).toBe("/srv/gw/state");
    expect(fileBackendDir("file://state", "/srv/gw")).toBe("/srv/gw/state");
    expect(fileBackendDir("file:///abs", "/srv/gw")).toBe("/abs");
    expect(fileBackendDir("gs://bucket", "/srv/gw")).toBeUndefined();
    expect(fileBackendDir(undefined, "/srv/gw")).toBeUndefined();
  });
});

describe("backup schedule", () => {
  it("accepts cron lists, ranges and steps, and normalises spacing", () => {
    for (const schedule of ["15 3 * * *", "*/15 * * * 1-5", "0 0,12 1 */2 0", "0  4 * * 7"]) {
      expect(validateStackConfig(withValues({ backup: JSON.stringify({ schedule }) })).backup.schedule).toBe(schedule.split(/\s+/).join(" "));
    }
  });
});

describe("dataRoot", () => {
  it("accepts a folder of its own below the shared roots, and refuses the system's folders", () => {
    for (const ok of ["/data/stack", "/srv/ai-gateway", "/var/lib/ai-gateway", "/home/me/ai", "/opt/ai", "/mnt/disk2/ai", "/etcetera"]) {
      expect(systemFolderProblem(ok), ok).toBeUndefined();
    }
    for (const bad of ["/boot", "/etc/ai", "/proc/1", "/var/lib/docker", "/var/lib/containerd/x", "/var/log/ai", "/var", "/tmp"]) {
      expect(systemFolderProblem(bad), bad).toBeDefined();
    }
  });
});

describe("defaults", () => {
  it("fill every key of an empty stack, sized for one 24 GB GPU", () => {
    const c = validateStackConfig({ stack: "s", values: {}, secretKeys: new Set() });
    expect(c.bindAddress).toBe("127.0.0.1");
    expect(c.dataRoot).toBe("/data/stack");
    expect(c.ollama).toMatchObject({ gpus: { kind: "all" }, kvCacheType: "q8_0", flashAttention: true, contextLength: 8192 });
    expect(c.routes.map((r) => [r.name, r.model, r.timeoutSeconds])).toEqual([
      ["task:code", DEFAULTS.ollama.models[0], DEFAULTS.routeTimeoutSeconds],
      ["task:docs", DEFAULTS.ollama.models[1], DEFAULTS.routeTimeoutSeconds],
    ]);
    expect(c.cloudModels).toEqual([]); // local-only until a key is set
  });
});

describe("bad config is refused with the key named, the problem and the fix", () => {
  const cases: [string, RawConfig, RegExp][] = [
    ["openaiApiKey in plain text", withValues({ openaiApiKey: "sk-plain" }, []), /ai-gateway:openaiApiKey: is stored in plain text.*pulumi config set --secret openaiApiKey/],
    ["empty openaiApiKey", withValues({ openaiApiKey: " " }, ["openaiApiKey"]), /ai-gateway:openaiApiKey: is empty/],
    ["bindAddress not an IP", withValues({ bindAddress: "localhost" }), /ai-gateway:bindAddress: "localhost" is not an IP address.*Fix: pulumi config set bindAddress/],
    ["relative dataRoot", withValues({ dataRoot: "data/stack" }), /ai-gateway:dataRoot: "data\/stack" is not an absolute path/],
    ["dataRoot with a space", withValues({ dataRoot: "/data/my stack" }), /ai-gateway:dataRoot: .*must be a normalised folder/],
    ["dataRoot with ..", withValues({ dataRoot: "/data/../etc" }), /ai-gateway:dataRoot:/],
    ["no TLS on a LAN address", withValues({ bindAddress: "10.0.0.5", tls: JSON.stringify({ mode: "off" }) }), /ai-gateway:tls.mode: "off" sends the master key and every prompt in clear text, but bindAddress "10.0.0.5" is reachable.*Fix: pulumi config set --path tls.mode internal/],
    ["all interfaces without opt-in", withValues({ bindAddress: "0.0.0.0" }), /ai-gateway:bindAddress: "0.0.0.0" publishes the entry point on every interface.*ufw.*Fix: .*pulumi config set allowAllInterfaces true/],
    ["all interfaces without certificate names", withValues({ bindAddress: "0.0.0.0", allowAllInterfaces: "true", tls: JSON.stringify({ mode: "internal" }) }), /ai-gateway:tls.names: is empty, but with bindAddress "0.0.0.0" the certificate cannot be issued/],
    ["backups with no way to Qdrant", withValues({ bindAddress: "0.0.0.0", allowAllInterfaces: "true", tls: JSON.stringify({ mode: "acme", domain: "gw.example.com", email: "a@b.co" }) }), /ai-gateway:tls.mode: "acme" with bindAddress "0.0.0.0" leaves the backups no way to reach Qdrant/],
    ["unknown TLS mode", withValues({ tls: JSON.stringify({ mode: "self-signed" }) }), /ai-gateway:tls.mode: "self-signed" is not one of internal, acme, files, off/],
    ["ACME without an email", withValues({ bindAddress: "10.0.0.5", tls: JSON.stringify({ mode: "acme", domain: "gw.example.com" }) }), /ai-gateway:tls.email: undefined is not an email address/],
    ["ACME for an IP", withValues({ bindAddress: "10.0.0.5", tls: JSON.stringify({ mode: "acme", domain: "10.0.0.5", email: "a@b.co" }) }), /ai-gateway:tls.domain: "10.0.0.5" is not a DNS name/],
    ["given certificate without its key", withValues({ bindAddress: "10.0.0.5", tls: JSON.stringify({ mode: "files", certificate: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----" }) }), /ai-gateway:tlsPrivateKey: is missing: tls.mode files needs the certificate's private key.*--secret tlsPrivateKey/],
    ["TLS key in plain text", withValues({ bindAddress: "10.0.0.5", tlsPrivateKey: "k", tls: JSON.stringify({ mode: "files", certificate: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----" }) }), /ai-gateway:tlsPrivateKey: is stored in plain text/],
    ["exposing a service that has its own entry", withValues({ bindAddress: "10.0.0.5", expose: JSON.stringify(["grafana"]) }), /ai-gateway:expose\[0\]: "grafana" cannot be exposed: only ollama, loki, prometheus/],
    ["exposing on loopback", withValues({ expose: JSON.stringify(["ollama"]) }), /ai-gateway:expose: has no effect with the loopback bindAddress "127.0.0.1"/],
    ["dataRoot a system folder", withValues({ dataRoot: "/etc" }), /ai-gateway:dataRoot: "\/etc" is \/etc, a folder of the system or of Docker.*Fix: pulumi config set dataRoot \/data\/stack/],
    ["dataRoot inside Docker's data", withValues({ dataRoot: "/var/lib/docker/ai" }), /ai-gateway:dataRoot: "\/var\/lib\/docker\/ai" is inside \/var\/lib\/docker/],
    ["dataRoot inside /usr", withValues({ dataRoot: "/usr/local/ai" }), /ai-gateway:dataRoot: "\/usr\/local\/ai" is inside \/usr,/],
    ["dataRoot a shared root", withValues({ dataRoot: "/home" }), /ai-gateway:dataRoot: "\/home" holds other software's folders: the stack's data needs a folder of its own/],
    ["compromised LiteLLM in a disguised tag", withValues({ images: JSON.stringify({ litellm: "ghcr.io/berriai/litellm:litellm_stable_release_branch-v1.82.7" }) }), /ai-gateway:images.litellm: LiteLLM 1.82.7 is reported compromised/],
    ["unknown top-level key", withValues({ bindAdress: "127.0.0.1" }), /ai-gateway:bindAdress: unknown configuration key/],
    ["ollama not a mapping", withValues({ ollama: "gpu" }), /ai-gateway:ollama: expected a structured value/],
    ["unknown ollama key", withOllama({ numParalel: 2 }), /ai-gateway:ollama.numParalel: unknown key/],
    ["bad gpus", withOllama({ gpus: "GPU0" }), /ai-gateway:ollama.gpus: "GPU0" is not "all", "none" or "device=/],
    ["bad model tag", withOllama({ models: ["qwen2.5-coder:1.5b", "llama3.2:1b", "bad tag;rm -rf /"] }), /ai-gateway:ollama.models\[2\]: .* is not a valid Ollama model tag/],
    ["empty models", withOllama({ models: [] }), /ai-gateway:ollama.models: the list is empty/],
    ["numParallel 0", withOllama({ numParallel: 0 }), /ai-gateway:ollama.numParallel: 0 is not a whole number from 1 to 64/],
    ["fractional contextLength", withOllama({ contextLength: 4096.5 }), /ai-gateway:ollama.contextLength:/],
    ["bad keepAlive", withOllama({ keepAlive: "forever" }), /ai-gateway:ollama.keepAlive: "forever" is not a duration/],
    ["bad kvCacheType", withOllama({ kvCacheType: "q5" }), /ai-gateway:ollama.kvCacheType: "q5" is not one of f16, q8_0, q4_0/],
    ["quantized KV without flash attention", withOllama({ kvCacheType: "q8_0", flashAttention: false }), /ai-gateway:ollama.kvCacheType: "q8_0" needs flash attention/],
    ["flashAttention not a boolean", withOllama({ flashAttention: "yes" }), /ai-gateway:ollama.flashAttention: "yes" is not true or false/],
    ["cloud model without provider", withValues({ cloudModels: JSON.stringify(["gpt-4o"]) }), /ai-gateway:cloudModels\[0\].model: "gpt-4o" is not a cloud model id of the form "openai\/<model>"/],
    ["negative rpm", withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", rpm: -1 }]) }), /ai-gateway:cloudModels\[0\].rpm: -1 is not a whole number from 1 to 1000000. Fix: set a positive limit/],
    ["fractional tpm", withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", tpm: 1.5 }]) }), /ai-gateway:cloudModels\[0\].tpm: 1.5 is not a whole number/],
    ["zero parallel requests", withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", maxParallelRequests: 0 }]) }), /ai-gateway:cloudModels\[0\].maxParallelRequests: 0 is not a whole number from 1/],
    ["retries on a rate-limited model", withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", rpm: 10, retries: 2 }]) }), /ai-gateway:cloudModels\[0\].retries: a model with rpm or tpm is tried once.*Fix: remove retries/],
    ["too many cloud retries", withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", retries: 9 }]) }), /ai-gateway:cloudModels\[0\].retries: 9 is not a whole number from 0 to 5/],
    ["unknown cloud model key", withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", budget: 5 }]) }), /ai-gateway:cloudModels\[0\].budget: unknown key/],
    ["cloud model listed twice", withValues({ cloudModels: JSON.stringify(["openai/gpt-4o", { model: "openai/gpt-4o", rpm: 5 }]) }), /ai-gateway:cloudModels\[1\]: "openai\/gpt-4o" is listed twice/],
    [
      "premium model as a fallback without allowAsFallback",
      withValues({ cloudModels: JSON.stringify(["openai/gpt-4o", "openai/o3-pro"]), routes: JSON.stringify({ "task:code": { model: "llama3.2:1b", fallbacks: ["openai/gpt-4o", "openai/o3-pro"] } }) }),
      /ai-gateway:routes\["task:code"\].fallbacks\[1\]: "openai\/o3-pro" is not allowed as a fallback \(cloudModels\[1\].allowAsFallback is false: a reasoning or premium model .*\). Fix: remove it from the route's fallbacks, or set cloudModels\[1\] to \{model: "openai\/o3-pro", allowAsFallback: true\}/,
    ],
    [
      "a model marked not to be a fallback",
      withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", allowAsFallback: false }]) }),
      /ai-gateway:routes\["task:code"\].fallbacks\[0\]: "openai\/gpt-4o" is not allowed as a fallback \(cloudModels\[0\].allowAsFallback is false\)/,
    ],
    ["allowAsFallback not a boolean", withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", allowAsFallback: "yes" }]) }), /ai-gateway:cloudModels\[0\].allowAsFallback: "yes" is not true or false/],
    ["alias to nothing served", withValues({ aliases: JSON.stringify({ coder: "task:coding" }) }), /ai-gateway:aliases\["coder"\]: "task:coding" is not a route, a tag in ollama.models or a cloud model/],
    ["alias named like a route", withValues({ aliases: JSON.stringify({ "task:docs": "task:code" }) }), /ai-gateway:aliases\["task:docs"\]: "task:docs" is already served by routes\["task:docs"\]/],
    ["route named like a local tag", withRoutes({ "llama3.2:1b": { model: "llama3.2:1b" } }), /ai-gateway:ollama.models\[1\]: "llama3.2:1b" is already served by routes\["llama3.2:1b"\]/],
    ["alias named like a cloud model", withValues({ aliases: JSON.stringify({ "openai/gpt-4o": "task:code" }) }), /ai-gateway:aliases\["openai\/gpt-4o"\]: "openai\/gpt-4o" is already served by cloudModels\[0\]/],
    [
      "more workers than a rate limit can be shared between",
      withValues({ cloudModels: JSON.stringify([{ model: "openai/gpt-4o", rpm: 2 }]), gateway: JSON.stringify({ workers: 4 }) }),
      /ai-gateway:cloudModels\[0\].rpm: 2 is less than gateway.workers \(4\): each worker counts alone.*Fix: raise cloudModels\[0\].rpm to at least 4, or lower gateway.workers/,
    ],
    ["gateway parallel cap of zero", withValues({ gateway: JSON.stringify({ maxParallelRequests: 0 }) }), /ai-gateway:gateway.maxParallelRequests: 0 is not a whole number from 1/],
    ["gateway request size too large", withValues({ gateway: JSON.stringify({ maxRequestMb: 4096 }) }), /ai-gateway:gateway.maxRequestMb: 4096 is not a whole number from 1 to 1024/],
    ["route model not pulled", withRoutes({ "task:code": { model: "mistral:7b", fallbacks: [] } }), /ai-gateway:routes\["task:code"\].model: "mistral:7b" is not in ollama.models/],
    ["fallback not a cloud model", withRoutes({ "task:code": { model: "llama3.2:1b", fallbacks: ["openai/o3-pro"] } }), /ai-gateway:routes\["task:code"\].fallbacks\[0\]: "openai\/o3-pro" is not in cloudModels/],
    ["zero timeout", withRoutes({ "task:code": { model: "llama3.2:1b", timeoutSeconds: 0 } }), /ai-gateway:routes\["task:code"\].timeoutSeconds: 0 is not a positive number/],
    ["negative timeout", withRoutes({ "task:code": { model: "llama3.2:1b", timeoutSeconds: -5 } }), /timeoutSeconds: -5 is not a positive number/],
    ["unknown route key", withRoutes({ "task:code": { model: "llama3.2:1b", timeout: 5 } }), /ai-gateway:routes\["task:code"\].timeout: unknown key/],
    ["route named like a cloud model", withRoutes({ "openai/gpt-4o": { model: "llama3.2:1b" } }), /ai-gateway:routes\["openai\/gpt-4o"\]: .* is not a valid route name/],
    ["image on latest", withValues({ images: JSON.stringify({ ollama: "ollama/ollama:latest" }) }), /ai-gateway:images.ollama: .*moving tag "latest"/],
    ["image without tag", withValues({ images: JSON.stringify({ ollama: "ollama/ollama" }) }), /ai-gateway:images.ollama: .*has no tag/],
    ["compromised LiteLLM", withValues({ images: JSON.stringify({ litellm: "ghcr.io/berriai/litellm:v1.82.8" }) }), /ai-gateway:images.litellm: LiteLLM 1.82.8 is reported compromised/],
    ["unknown image service", withValues({ images: JSON.stringify({ olama: "ollama/ollama:0.32.15" }) }), /ai-gateway:images.olama: unknown key/],
    ["cron with 3 fields", withValues({ backup: JSON.stringify({ schedule: "* * *" }) }), /ai-gateway:backup.schedule: "\* \* \*" has 3 fields, cron needs 5/],
    ["cron minute out of range", withValues({ backup: JSON.stringify({ schedule: "60 3 * * *" }) }), /ai-gateway:backup.schedule: .*minute 60 is outside 0-59/],
    ["cron backwards range", withValues({ backup: JSON.stringify({ schedule: "0 5-1 * * *" }) }), /hour range 5-1 runs backwards/],
    ["cron nickname", withValues({ backup: JSON.stringify({ schedule: "@daily" }) }), /ai-gateway:backup.schedule: "@daily" has 1 fields/],
    ["zero retention", withValues({ backup: JSON.stringify({ retention: 0 }) }), /ai-gateway:backup.retention: 0 is not a whole number from 1 to 365/],
    ["backups without node-exporter", withValues({ exporters: JSON.stringify({ nodeExporter: false }) }), /ai-gateway:backup.enabled: backups report success through node-exporter/],
    ["unknown backup key", withValues({ backup: JSON.stringify({ retain: 3 }) }), /ai-gateway:backup.retain: unknown key/],
    ["ssh host with a space", withValues({ host: JSON.stringify({ ssh: { host: "gpu 01", user: "deploy", hostKey: "ssh-ed25519 AAAA" } }) }), /ai-gateway:host.ssh.host: "gpu 01" is not a host name or IP address/],
    ["malformed host key", withValues({ host: JSON.stringify({ ssh: { host: "gpu-01.lan", user: "deploy", hostKey: "AAAA" } }) }), /ai-gateway:host.ssh.hostKey: "AAAA" is not "<key type> <base64 key>"/],
    ["relative known_hosts", withValues({ host: JSON.stringify({ ssh: { host: "gpu-01.lan", user: "deploy", knownHostsPath: "known_hosts" } }) }), /ai-gateway:host.ssh.knownHostsPath: "known_hosts" is not an absolute path/],
    ["unknown ssh key", withValues({ host: JSON.stringify({ ssh: { host: "gpu-01.lan", user: "deploy", hostKey: "ssh-ed25519 AAAA", identity: "x" } }) }), /ai-gateway:host.ssh.identity: unknown key/],
    ["unknown routing strategy", withValues({ routingStrategy: "round-robin" }), /ai-gateway:routingStrategy: "round-robin" is not one of simple-shuffle/],
    ["Ollama host without scheme", withOllama({ hosts: ["gpu-02.lan:11434"] }), /ai-gateway:ollama.hosts\[0\]: "gpu-02.lan:11434" is not a valid Ollama base URL/],
    ["tiny memory limit", withValues({ memoryLimitsMb: JSON.stringify({ litellm: 10 }) }), /ai-gateway:memoryLimitsMb.litellm: 10 is not a whole number of MiB/],
    ["CPU limit finer than a tenth", withValues({ cpuLimits: JSON.stringify({ litellm: 0.25 }) }), /ai-gateway:cpuLimits.litellm: 0.25 is not a number of cores from 0.1 up, in tenths.*e\.g\. cpuLimits: \{litellm: 4\}/],
    ["CPU limit of nothing", withValues({ cpuLimits: JSON.stringify({ grafana: 0 }) }), /ai-gateway:cpuLimits.grafana: 0 is not a number of cores/],
    ["CPU limit for an unknown service", withValues({ cpuLimits: JSON.stringify({ redis: 1 }) }), /ai-gateway:cpuLimits/],
  ];
  it.each(cases)("%s", (_name, raw, pattern) => {
    expect(problemsOf(raw)).toMatch(pattern);
  });

  it("reports every problem at once", () => {
    const msg = problemsOf(withValues({ bindAddress: "x", dataRoot: "y" }));
    expect(msg).toMatch(/2 problems/);
    expect(msg).toContain("ai-gateway:bindAddress");
    expect(msg).toContain("ai-gateway:dataRoot");
  });

  it("never echoes the OpenAI key, even one stored in plain text", () => {
    expect(problemsOf(withValues({ openaiApiKey: "sk-live-do-not-print", bindAddress: "nope" }, []))).not.toContain("sk-live-do-not-print");
  });
});

describe("cloud model guards and names", () => {
  it("counts OpenAI's reasoning and premium models as fallbacks only when marked so, and the rest as fallbacks by default", () => {
    for (const m of ["openai/o1", "openai/o3", "openai/o3-pro", "openai/o4-mini", "openai/gpt-4.5-preview", "openai/gpt-5-pro"]) expect(PREMIUM_MODEL.test(m), m).toBe(true);
    for (const m of ["openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1", "openai/gpt-5-mini"]) expect(PREMIUM_MODEL.test(m), m).toBe(false);
  });

  it("reads the prod stack's guards, aliases and gateway limits", () => {
    const prod = validateStackConfig({ ...readStackConfig(".", "prod"), values: { ...readStackConfig(".", "prod").values, openaiApiKey: "sk-x" }, secretKeys: new Set(["openaiApiKey"]) });
    expect(prod.cloudModels).toEqual([
      { model: "openai/gpt-4o", rpm: 120, tpm: 400000, maxParallelRequests: 16, allowAsFallback: true, timeoutSeconds: 300, retries: 0 },
      { model: "openai/o3-pro", rpm: 6, maxParallelRequests: 2, allowAsFallback: true, timeoutSeconds: 300, retries: 0 },
    ]);
    expect(prod.aliases).toEqual([
      { name: "coder", target: "task:code" },
      { name: "docs", target: "task:docs" },
    ]);
    expect(prod.gateway).toEqual({ maxParallelRequests: 64, maxRequestMb: 16 });
  });
});
