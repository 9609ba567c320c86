// Pure validation: raw stack config (strings, as the Pulumi engine hands them over) in, a frozen
// StackConfig out. Every problem names its key, says what is wrong and gives the fix; all problems
// are reported at once so a user fixes the file in one pass. Each section is checked in its own
// module; this one knows the top-level keys and the order the sections are checked in.
import { DEFAULTS, type StackConfig } from "./schema.js";
import { validateAlerting } from "./validateAlerting.js";
import { validateBackup } from "./validateBackup.js";
import { validateBindAddress, validateDataRoot, validateHost } from "./validateHost.js";
import { backupReachesQdrant, validateNetwork } from "./validateNetwork.js";
import { validateOllama, validateOpenaiApiKey, validateRoutes, validateRoutingStrategy } from "./validateLlm.js";
import { checkFallbacksAllowed, checkNameCollisions, validateAliases, validateCache, validateCloudModels, validateGateway } from "./validateGateway.js";
import { validateAlerts, validateExporters, validateLogShipper, validateLoki, validatePrometheus } from "./validateObservability.js";
import { validateCpuLimits, validateImages, validateMemoryLimits } from "./validateServices.js";
import { checkFleetAddress, checkFleetCertificate, checkRoleKeys, validateGatewayStack, validateRole, validateWorkers } from "./validateFleet.js";
import { Collector, ConfigError, parseStructured } from "./validation.js";

export { cronProblem } from "./cron.js";
export { ConfigError, PROJECT, type ConfigProblem } from "./validation.js";

/** Top-level keys of the contract. Anything else under the project namespace is a typo. */
export const CONFIG_KEYS = [
  "role",
  "workers",
  "gatewayStack",
  "host",
  "routingStrategy",
  "openaiApiKey",
  "bindAddress",
  "allowAllInterfaces",
  "tls",
  "tlsPrivateKey",
  "expose",
  "dataRoot",
  "ollama",
  "cloudModels",
  "aliases",
  "gateway",
  "cache",
  "routes",
  "logShipper",
  "prometheus",
  "loki",
  "exporters",
  "alerts",
  "backup",
  "alerting",
  "alertSlackWebhookUrl",
  "alertSmtpPassword",
  "backupOffsitePassword",
  "backupOffsiteEnv",
  "images",
  "memoryLimitsMb",
  "cpuLimits",
] as const;

export interface RawConfig {
  readonly stack: string;
  /** Project keys without the `ai-gateway:` prefix. Objects and lists arrive as JSON text. */
  readonly values: Readonly<Record<string, string>>;
  /** Bare keys whose value was stored with `--secret`. */
  readonly secretKeys: ReadonlySet<string>;
}

export function validateStackConfig(raw: RawConfig): StackConfig {
  const c = new Collector();
  const v = raw.values;

  for (const k of Object.keys(v).sort()) {
    if (!(CONFIG_KEYS as readonly string[]).includes(k)) {
      c.add(k, `unknown configuration key (known: ${CONFIG_KEYS.join(", ")})`, `pulumi config rm ${k}, or correct the spelling`);
    }
  }

  // The order below is the order problems are reported in.
  const role = validateRole(c, v["role"]);
  checkRoleKeys(c, role, Object.keys(v), CONFIG_KEYS);
  const worker = role === "gpu-worker";
  const workers = worker ? [] : validateWorkers(c, parseStructured(c, "workers", v["workers"]), raw.stack);
  const gatewayStack = worker ? validateGatewayStack(c, v["gatewayStack"], raw.stack) : undefined;
  const host = validateHost(c, parseStructured(c, "host", v["host"]));
  // A worker's gateway-only sections are never read: they get their defaults (checked nowhere) or nothing.
  const only = <T>(f: () => T, none: T): T => (worker ? none : f());
  const routingStrategy = only(() => validateRoutingStrategy(c, v["routingStrategy"]), DEFAULTS.routingStrategy);
  const cloudEnabled = only(() => validateOpenaiApiKey(c, v["openaiApiKey"], raw.secretKeys.has("openaiApiKey")), false);
  const bindAddress = validateBindAddress(c, v["bindAddress"]);
  if (worker) checkFleetAddress(c, bindAddress, "by a gpu-worker", "role");
  else if (workers.length > 0) checkFleetAddress(c, bindAddress, "by a gateway with workers", "workers");
  const network = validateNetwork(
    c,
    bindAddress,
    { allowAllInterfaces: v["allowAllInterfaces"], tls: parseStructured(c, "tls", v["tls"]), expose: parseStructured(c, "expose", v["expose"]) },
    { present: v["tlsPrivateKey"] !== undefined, secret: raw.secretKeys.has("tlsPrivateKey") },
  );
  if (worker || workers.length > 0) checkFleetCertificate(c, network.tls, bindAddress);
  const dataRoot = validateDataRoot(c, v["dataRoot"]);
  const ollama = validateOllama(c, parseStructured(c, "ollama", v["ollama"]));
  if (worker && ollama.hosts.length > 0) {
    c.add("ollama.hosts", "does not apply to role gpu-worker: only the gateway's LiteLLM calls other Ollama servers", "pulumi config rm --path ollama.hosts (list them on the gateway stack)");
  }
  const cloudModels = only(() => validateCloudModels(c, parseStructured(c, "cloudModels", v["cloudModels"])), []);
  const routes = only(() => validateRoutes(c, parseStructured(c, "routes", v["routes"]), ollama.models, cloudModels.map((m) => m.model)), []);
  checkFallbacksAllowed(c, routes, cloudModels);
  const served = [...routes.map((r) => r.name), ...ollama.models, ...cloudModels.map((m) => m.model)];
  const aliases = only(() => validateAliases(c, parseStructured(c, "aliases", v["aliases"]), served), []);
  checkNameCollisions(c, [
    ...routes.map((r) => ({ name: r.name, key: `routes["${r.name}"]` })),
    ...ollama.models.map((m, i) => ({ name: m, key: `ollama.models[${i}]` })),
    ...cloudModels.map((m, i) => ({ name: m.model, key: `cloudModels[${i}]` })),
    ...aliases.map((a) => ({ name: a.name, key: `aliases["${a.name}"]` })),
  ]);
  const gateway = validateGateway(c, worker ? undefined : parseStructured(c, "gateway", v["gateway"]), cloudModels);
  const cache = validateCache(c, worker ? undefined : parseStructured(c, "cache", v["cache"]));
  const logShipper = validateLogShipper(c, v["logShipper"]);
  const prometheus = validatePrometheus(c, worker ? undefined : parseStructured(c, "prometheus", v["prometheus"]));
  const loki = validateLoki(c, worker ? undefined : parseStructured(c, "loki", v["loki"]));
  const exporters = validateExporters(c, parseStructured(c, "exporters", v["exporters"]), ollama.gpus);
  const alerts = validateAlerts(c, worker ? undefined : parseStructured(c, "alerts", v["alerts"]));
  const alerting = validateAlerting(c, worker ? undefined : parseStructured(c, "alerting", v["alerting"]), {
    slackWebhookUrl: { present: v["alertSlackWebhookUrl"] !== undefined, secret: raw.secretKeys.has("alertSlackWebhookUrl") },
    smtpPassword: { present: v["alertSmtpPassword"] !== undefined, secret: raw.secretKeys.has("alertSmtpPassword") },
  });
  // A worker keeps nothing worth a backup: its models are pulled again, its metrics and logs live on the gateway.
  const backup = worker
    ? { ...DEFAULTS.backup, enabled: false }
    : validateBackup(c, parseStructured(c, "backup", v["backup"]), exporters, {
        dataRoot,
        password: { value: v["backupOffsitePassword"], secret: raw.secretKeys.has("backupOffsitePassword") },
        env: { value: v["backupOffsiteEnv"], secret: raw.secretKeys.has("backupOffsiteEnv") },
      });
  if (!worker) backupReachesQdrant(c, bindAddress, network.tls, backup.enabled);
  const images = validateImages(c, parseStructured(c, "images", v["images"]));
  const memoryLimitsMb = validateMemoryLimits(c, parseStructured(c, "memoryLimitsMb", v["memoryLimitsMb"]));
  const cpuLimits = validateCpuLimits(c, parseStructured(c, "cpuLimits", v["cpuLimits"]));

  if (c.problems.length > 0) throw new ConfigError(c.problems);

  // A local-only stack has nothing to fail over to: cloud models and fallbacks are dropped here, once,
  // so no renderer has to remember it.
  return deepFreeze({
    stack: raw.stack,
    role,
    workers,
    ...(gatewayStack ? { gatewayStack } : {}),
    host,
    routingStrategy,
    cloudEnabled,
    bindAddress,
    ...network,
    dataRoot,
    ollama,
    cloudModels: cloudEnabled ? cloudModels : [],
    routes: cloudEnabled ? routes : routes.map((r) => ({ ...r, fallbacks: [] })),
    // An alias of a cloud model goes with it on a local-only stack.
    aliases: cloudEnabled ? aliases : aliases.filter((a) => !cloudModels.some((m) => m.model === a.target)),
    gateway,
    cache,
    logShipper,
    prometheus,
    loki,
    exporters,
    alerts,
    alerting,
    backup,
    images,
    memoryLimitsMb,
    cpuLimits,
  });
}

function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const value of Object.values(o)) deepFreeze(value);
  }
  return o;
}
