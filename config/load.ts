// The only module that reads pulumi.Config. It hands the raw strings to the pure validator and
// returns the secret values as Pulumi secrets, separate from the plain typed config.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { backendUrl, fileBackendDir, fileBackendHasStack, projectBackendUrl } from "./backend.js";
import { knownHostsName, lookupHostKey } from "./knownHosts.js";
import type { SshHost, StackConfig } from "./schema.js";
import { ConfigError, PROJECT, validateStackConfig } from "./validate.js";

export interface StackSecrets {
  /** Present only when cloudEnabled. Always a Pulumi secret. */
  readonly openaiApiKey?: pulumi.Output<string>;
  /** Present only when backup.offsite is set: the restic repository's password and restic's credentials. */
  readonly backupOffsite?: OffsiteSecretOutputs;
  /** Present only with tls.mode files: the entry point certificate's key. */
  readonly tlsPrivateKey?: pulumi.Output<string>;
  /** Present only with alerting.slack: the Slack incoming-webhook URL. */
  readonly alertSlackWebhookUrl?: pulumi.Output<string>;
  /** Present only with alerting.email.username: the SMTP password. */
  readonly alertSmtpPassword?: pulumi.Output<string>;
}

export interface OffsiteSecretOutputs {
  readonly password: pulumi.Output<string>;
  /** Environment variables for restic (S3 keys, REST user...); empty when backupOffsiteEnv is unset. */
  readonly env: pulumi.Output<Readonly<Record<string, string>>>;
}

/** The SSH host with what had to be read from disk: the pinned host key and the private key (secret). */
export interface ResolvedSsh extends SshHost {
  readonly pinnedHostKey: string;
  readonly privateKey?: pulumi.Output<string>;
}

export interface LoadedConfig {
  readonly config: StackConfig;
  readonly secrets: StackSecrets;
  /** The Pulumi state folder when the stack uses a local file backend, for the backups to include. */
  readonly localStateDir?: string;
  /** Present when the host is reached over SSH. */
  readonly ssh?: ResolvedSsh;
}

function readOrFail(path: string, key: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new pulumi.RunError(`${PROJECT}:${key}: cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? e}). Fix: correct the path, or check its permissions`);
  }
}

function resolveSsh(ssh: SshHost): ResolvedSsh {
  let pinnedHostKey = ssh.hostKey;
  if (!pinnedHostKey && ssh.knownHostsPath) {
    const found = lookupHostKey(readOrFail(ssh.knownHostsPath, "host.ssh.knownHostsPath", "the known_hosts file"), ssh.host, ssh.port);
    pinnedHostKey = found.key;
    if (!pinnedHostKey && found.revoked.length) {
      throw new pulumi.RunError(
        `${PROJECT}:host.ssh.knownHostsPath: the key ${ssh.knownHostsPath} lists for ${knownHostsName(ssh.host, ssh.port)} is revoked there (@revoked). Fix: check the host's new key out of band, then replace its line with the output of \`ssh-keyscan -p ${ssh.port} ${ssh.host}\``,
      );
    }
    if (!pinnedHostKey) {
      throw new pulumi.RunError(
        `${PROJECT}:host.ssh.knownHostsPath: ${ssh.knownHostsPath} has no key for ${knownHostsName(ssh.host, ssh.port)}. Fix: check the host's fingerprint, then run \`ssh-keyscan -p ${ssh.port} ${ssh.host} >> ${ssh.knownHostsPath}\``,
      );
    }
  }
  const privateKey = ssh.privateKeyPath ? pulumi.secret(readOrFail(ssh.privateKeyPath, "host.ssh.privateKeyPath", "the private key")) : undefined;
  return { ...ssh, pinnedHostKey: pinnedHostKey!, ...(privateKey ? { privateKey } : {}) };
}

/** The state folder of a file backend, for the backups; remote state is not this host's to back up. */
export function localStateDir(env: NodeJS.ProcessEnv, projectDir: string): string | undefined {
  return fileBackendDir(backendUrl(env, projectBackendUrl(projectDir)), projectDir);
}

/**
 * On a file backend, the other stacks of the fleet must be there: refused by name before a stack
 * reference fails on them. (A service backend answers that itself when the reference is read.)
 */
function checkFleetStacksExist(config: StackConfig): void {
  const dir = fileBackendDir(backendUrl(process.env, projectBackendUrl(process.cwd())), process.cwd());
  if (!dir) return;
  const refs: [string, string][] = config.role === "gpu-worker" ? [["gatewayStack", config.gatewayStack!]] : config.workers.map((w, i) => [`workers[${i}]`, w]);
  const problems = refs
    .filter(([, ref]) => fileBackendHasStack(dir, PROJECT, ref) === false)
    .map(([key, ref]) => ({
      key,
      problem: `there is no stack ${JSON.stringify(ref)} in this backend (${dir})`,
      fix: `check the name with \`pulumi stack ls\`, or create and deploy it first: pulumi stack init ${ref.split("/").pop()}`,
    }));
  if (problems.length > 0) throw new pulumi.RunError(new ConfigError(problems).message);
}

// `isConfigSecret` is exported by the SDK's runtime but missing from its type definitions.
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret;

/** Reads and validates this stack's config; throws pulumi.RunError (no stack trace) on bad input. */
export function loadStackConfig(): LoadedConfig {
  const prefix = `${PROJECT}:`;
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const all = pulumi.runtime.allConfig();
  for (const fullKey of Object.keys(all).sort()) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = all[fullKey] as string;
    if (isConfigSecret(fullKey)) secretKeys.add(key);
  }
  let config: StackConfig;
  try {
    config = validateStackConfig({ stack: pulumi.getStack(), values, secretKeys });
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
  const cfg = new pulumi.Config(PROJECT);
  const openaiApiKey = config.cloudEnabled ? cfg.requireSecret("openaiApiKey") : undefined;
  const tlsPrivateKey = config.tls.mode === "files" ? cfg.requireSecret("tlsPrivateKey") : undefined;
  const alertSlackWebhookUrl = config.alerting.slack ? cfg.requireSecret("alertSlackWebhookUrl") : undefined;
  const alertSmtpPassword = config.alerting.email?.username ? cfg.requireSecret("alertSmtpPassword") : undefined;
  const backupOffsite: OffsiteSecretOutputs | undefined = config.backup.offsite
    ? {
        password: cfg.requireSecret("backupOffsitePassword"),
        // Either form parses: a secret JSON string, or a mapping set key by key with --secret --path.
        env: cfg.getSecretObject<Record<string, string>>("backupOffsiteEnv") ?? pulumi.secret<Record<string, string>>({}),
      }
    : undefined;
  checkFleetStacksExist(config);
  // A state folder on the machine that runs Pulumi is only on the host when that machine is the host.
  const stateDir = config.host.kind === "local" ? localStateDir(process.env, process.cwd()) : undefined;
  return {
    config,
    secrets: {
      ...(openaiApiKey ? { openaiApiKey } : {}),
      ...(backupOffsite ? { backupOffsite } : {}),
      ...(tlsPrivateKey ? { tlsPrivateKey } : {}),
      ...(alertSlackWebhookUrl ? { alertSlackWebhookUrl } : {}),
      ...(alertSmtpPassword ? { alertSmtpPassword } : {}),
    },
    ...(stateDir ? { localStateDir: stateDir } : {}),
    ...(config.host.kind === "ssh" ? { ssh: resolveSsh(config.host.ssh) } : {}),
  };
}
