// The gateway stack's wiring (role gateway, the default): every service, and its fleet workers
// through the entry point's relay. Wiring only: the components and renderers do the work.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Alertmanager } from "../components/alertmanager.js";
import { Backups, backupLayout } from "../components/backups.js";
import { RedisExporter, Valkey } from "../components/cache.js";
import { EntryPoint } from "../components/entryPoint.js";
import { Gateway } from "../components/gateway.js";
import { Grafana } from "../components/grafana.js";
import { Loki } from "../components/loki.js";
import { Ollama } from "../components/ollama.js";
import { Prometheus } from "../components/prometheus.js";
import { Qdrant } from "../components/qdrant.js";
import { isLoopback, isWildcard } from "../config/validateNetwork.js";
import { CADDY } from "../services/caddy.js";
import { hostLocalUrl } from "../services/exposure.js";
import { generatedFiles } from "../services/files.js";
import { FLEET, gatewayAnnouncement, relayUrl } from "../services/fleet.js";
import { gatewayWorkers } from "../services/litellm.js";
import { LOKI } from "../services/loki.js";
import { containerName, type ServiceName } from "../services/names.js";
import { serviceArgs, type StackBase } from "./base.js";
import { hostAgents, hostOutputs } from "./hostAgents.js";

export function gatewayStack(base: StackBase): Record<string, unknown> {
  const { config, secrets, localStateDir, ctx, hostPlan, exposure, fleet } = base;
  // Every generated file, rendered once: each component uploads its share, `npm run render` writes
  // the same list, and the backups copy them back out of the running containers.
  // LiteLLM's workers follow the host's cores unless set (gateway.workers).
  const workers = gatewayWorkers(config, hostPlan.cores);
  const generated = generatedFiles(config, { workers, fleet: fleet.view });
  const args = serviceArgs(base, generated);

  const ollama = new Ollama("ollama", { ...args("ollama"), settings: config.ollama });

  // The response cache, with cache.enabled: Valkey, and the exporter Prometheus scrapes it through.
  const valkey = config.cache.enabled ? new Valkey("valkey", args("valkey")) : undefined;
  if (valkey) {
    new RedisExporter("redis-exporter", { ...args("redis-exporter"), password: valkey.password, dependsOn: [valkey] });
  }

  // LiteLLM insists on the sk- prefix for master keys; no special characters, as the key travels in env and headers.
  const masterKeyPassword = new random.RandomPassword("litellm-master-key", { length: 48, special: false });
  const masterKeyValue = pulumi.secret(pulumi.interpolate`sk-${masterKeyPassword.result}`);

  const gateway = new Gateway("gateway", {
    ...args("litellm"),
    routes: config.routes,
    ollamaUrl: ollama.internalUrl,
    masterKey: masterKeyValue,
    workers,
    ...(secrets.openaiApiKey ? { openaiApiKey: secrets.openaiApiKey } : {}),
    ...(valkey ? { cachePassword: valkey.password } : {}),
    dependsOn: [ollama, ...(valkey ? [valkey] : [])],
  });

  // The gateway's published port: Caddy in front of LiteLLM, so a LiteLLM config change drops no request.
  const entryPoint = new EntryPoint("entry-point", {
    ...args("caddy"),
    tls: config.tls,
    basicAuth: exposure.sites.some((s) => s.basicAuth),
    ...(secrets.tlsPrivateKey ? { tlsPrivateKey: secrets.tlsPrivateKey } : {}),
    // The relay's credentials for each worker, and the hashes the workers' log pushes are checked against.
    ...(fleet.workerSecrets.length > 0
      ? { fleetWorkers: fleet.workerSecrets.map((w, i) => ({ user: fleet.view.workers![i]!.user, password: w.password, logPushHash: w.logPushHash })) }
      : {}),
  });

  const qdrant = new Qdrant("qdrant", args("qdrant"));

  const prometheus = new Prometheus("prometheus", {
    ...args("prometheus"),
    settings: config.prometheus,
    litellmKey: masterKeyValue,
    qdrantKey: qdrant.readOnlyKey,
  });
  const backups = backupLayout(config.dataRoot);
  // Where the alerts go: Prometheus sends them to Alertmanager, which sends them to the configured receivers.
  new Alertmanager("alertmanager", {
    ...args("alertmanager"),
    ...(secrets.alertSlackWebhookUrl ? { slackWebhookUrl: secrets.alertSlackWebhookUrl } : {}),
    ...(secrets.alertSmtpPassword ? { smtpPassword: secrets.alertSmtpPassword } : {}),
  });
  const loki = new Loki("loki", args("loki"));
  hostAgents(base, { args, ...(config.backup.enabled ? { textfileDir: backups.textfileDir } : {}), shipperDependsOn: [loki] });
  const grafana = new Grafana("grafana", { ...args("grafana"), dependsOn: [prometheus, loki] });

  /** The name of a service's running container: LiteLLM's carries its config version. */
  const runningName = (service: ServiceName) => (service === "litellm" ? gateway.containerName : containerName(config.stack, service));

  const backupQdrant = hostLocalUrl(exposure, "qdrant")!;
  if (config.backup.enabled) {
    new Backups("backups", {
      ctx,
      input: {
        stack: config.stack,
        settings: config.backup,
        layout: backups,
        // The backup runs on the host: Qdrant's loopback port, or the entry point where it holds that
        // port (a wildcard bindAddress; validation then requires Caddy's own CA, which the host has).
        qdrantUrl: backupQdrant.url,
        ...(backupQdrant.viaEntryPoint ? { qdrantCaFile: `${entryPoint.dataFolder}${CADDY.rootCertPath.slice(CADDY.dataPath.length)}` } : {}),
        grafanaData: grafana.dataFolder!,
        grafanaContainer: runningName("grafana"),
        configSources: generated.map((f) => `${runningName(f.service)}:${f.containerPath}`),
        ...(localStateDir ? { stateDir: localStateDir } : {}),
      },
      qdrantApiKey: qdrant.apiKey,
      ...(secrets.backupOffsite ? { offsiteSecrets: secrets.backupOffsite } : {}),
      dependsOn: [qdrant, grafana],
    });
  }

  const urlOf = (service: ServiceName) => exposure.urls[service] ?? null;
  // A gateway on an address of its own can take workers: what they need to know of it.
  const canTakeWorkers = !isLoopback(config.bindAddress) && !isWildcard(config.bindAddress);
  return {
    ...hostOutputs(base),
    gatewayUrl: urlOf("litellm"),
    gatewayContainer: gateway.containerName,
    ollamaUrl: urlOf("ollama"),
    masterKey: masterKeyValue,
    routes: config.routes.map((r) => r.name),
    cloudModels: config.cloudModels.map((m) => m.model),
    aliases: Object.fromEntries(config.aliases.map((a) => [a.name, a.target])),
    grafanaUrl: urlOf("grafana"),
    grafanaAdminPassword: grafana.adminPassword,
    prometheusUrl: urlOf("prometheus"),
    alertmanagerUrl: urlOf("alertmanager"),
    // Where alerts go: the receivers set under alerting (none: Alertmanager's UI and Grafana only).
    alertReceivers: [...(config.alerting.webhook ? ["webhook"] : []), ...(config.alerting.slack ? ["slack"] : []), ...(config.alerting.email ? ["email"] : [])],
    lokiUrl: urlOf("loki"),
    logShipper: config.logShipper,
    qdrantUrl: urlOf("qdrant"),
    qdrantApiKey: qdrant.apiKey,
    tlsMode: config.tls.mode,
    // tls.mode internal: the root of Caddy's own CA; save it and use it as `curl --cacert`.
    tlsRootCertificate: entryPoint.rootCertificate ?? null,
    // The services in `expose`, behind basic auth on bindAddress: user and (secret) password.
    exposedServices: config.expose,
    basicAuthUser: entryPoint.basicAuthPassword ? CADDY.basicAuthUser : null,
    basicAuthPassword: entryPoint.basicAuthPassword ?? null,
    backupsDir: config.backup.enabled ? backups.backupsDir : null,
    // The workers, as the tools on this host reach them: through the relay on loopback.
    workers: (fleet.view.workers ?? []).map((w) => ({
      host: w.host,
      stack: w.ref,
      models: w.models,
      ollama: relayUrl("127.0.0.1", w.host, "ollama"),
      exporters: Object.fromEntries(w.exporters.map((e) => [e.service, `${relayUrl("127.0.0.1", w.host, e.service)}/metrics`])),
    })),
    // What a gpu-worker stack reads of this one (services/fleet.ts).
    [FLEET.gatewayOutput]: canTakeWorkers ? entryPoint.trust.apply((t) => gatewayAnnouncement(config, LOKI.port, t)) : null,
  };
}
