// Where host-level commands run (folders, model pulls, cron). Components ask for a command on "the
// host" and never learn whether that is this machine or one reached over SSH.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HOST_PROBE_SCRIPT, parseHostProbe, type HostFacts } from "../renderers/hostProbe.js";

export type HostTarget =
  | { readonly kind: "local" }
  | {
      readonly kind: "ssh";
      readonly connection: command.types.input.remote.ConnectionArgs;
      /** The system ssh client's argv up to the destination, trusting only the pinned key (for invokes). */
      readonly sshArgv: readonly string[];
    };

export interface SshTarget {
  readonly host: string;
  readonly user: string;
  readonly port: number;
  readonly pinnedHostKey: string;
  readonly privateKeyPath?: string;
  readonly privateKey?: pulumi.Output<string>;
}

/** Host commands over SSH verify the pinned host key; without one they would trust any server. */
export function sshHostTarget(t: SshTarget): HostTarget {
  return {
    kind: "ssh",
    connection: { host: t.host, user: t.user, port: t.port, hostKey: t.pinnedHostKey, ...(t.privateKey ? { privateKey: t.privateKey } : {}) },
    sshArgv: sshArgv(t),
  };
}

/** `ssh` with the docker provider's options, up to and including the destination. */
export function sshArgv(t: Pick<SshTarget, "host" | "user" | "port" | "pinnedHostKey" | "privateKeyPath">): string[] {
  return ["ssh", "-p", String(t.port), ...dockerProviderArgs(t).sshOpts, `${t.user}@${t.host}`];
}

/**
 * The docker provider reaches an SSH host through the system ssh client. Only the pinned key is
 * trusted: it is handed over by KnownHostsCommand (OpenSSH 8.5+) and every known_hosts file is ignored.
 */
export function dockerProviderArgs(t: Pick<SshTarget, "host" | "user" | "port" | "pinnedHostKey" | "privateKeyPath">): { host: string; sshOpts: string[] } {
  const name = t.port === 22 ? t.host : `[${t.host}]:${t.port}`;
  return {
    host: `ssh://${t.user}@${t.host}:${t.port}`,
    sshOpts: [
      "-o", "StrictHostKeyChecking=yes",
      "-o", "UserKnownHostsFile=/dev/null",
      "-o", "GlobalKnownHostsFile=/dev/null",
      // Run by ssh through a shell: the name is quoted, as [host]:port would otherwise be a glob.
      "-o", `KnownHostsCommand=/bin/echo '${name}' ${t.pinnedHostKey}`,
      ...(t.privateKeyPath ? ["-o", "IdentitiesOnly=yes", "-i", t.privateKeyPath] : []),
    ],
  };
}

export interface HostCommandArgs {
  readonly create: pulumi.Input<string>;
  readonly delete?: pulumi.Input<string>;
  /** A change replaces the command, so its create runs again. */
  readonly triggers?: pulumi.Input<unknown>[];
  /** Fed to create on standard input: the way secrets reach the host without appearing in a command line. */
  readonly stdin?: pulumi.Input<string>;
}

export interface HostCommand {
  readonly resource: pulumi.CustomResource;
  readonly stdout: pulumi.Output<string>;
}

/**
 * Runs an idempotent create/delete pair on the host. Replacement deletes first: the default
 * create-before-delete order would let the old delete undo what the new create just did.
 */
export function hostCommand(host: HostTarget, name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): HostCommand {
  switch (host.kind) {
    case "ssh": {
      const cmd = new command.remote.Command(
        name,
        {
          connection: host.connection,
          create: args.create,
          ...(args.delete !== undefined ? { delete: args.delete } : {}),
          ...(args.triggers !== undefined ? { triggers: args.triggers } : {}),
          ...(args.stdin !== undefined ? { stdin: args.stdin } : {}),
        },
        { ...opts, deleteBeforeReplace: true },
      );
      return { resource: cmd, stdout: cmd.stdout };
    }
    case "local": {
      const cmd = new command.local.Command(
        name,
        {
          create: args.create,
          ...(args.delete !== undefined ? { delete: args.delete } : {}),
          ...(args.triggers !== undefined ? { triggers: args.triggers } : {}),
          ...(args.stdin !== undefined ? { stdin: args.stdin } : {}),
          interpreter: ["/bin/sh", "-c"],
        },
        { ...opts, deleteBeforeReplace: true },
      );
      return { resource: cmd, stdout: cmd.stdout };
    }
  }
}

export interface FolderSpec {
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  readonly mode: string;
}

export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Shell text that creates a folder with the owner an image needs; safe to run again and again. */
/** Runs privileged steps as root: directly when already root, else through passwordless sudo. */
export const AS_ROOT_PRELUDE = `if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi`;

export function folderCreateScript(f: FolderSpec): string {
  const dir = shellQuote(f.path);
  const install = `install -d -m ${f.mode} -o ${f.uid} -g ${f.gid} ${dir}`;
  // Not root: try passwordless sudo, and if that is not allowed say exactly what to run once by hand.
  return [
    AS_ROOT_PRELUDE,
    `$SUDO ${install} || { echo "ai-gateway: cannot create ${f.path} owned by ${f.uid}:${f.gid} as $(id -un); run once: sudo ${install}" >&2; exit 1; }`,
  ].join("\n");
}

/** Removes the folder only when it is empty: destroying or replacing the stack never deletes data. */
export function folderDeleteScript(f: FolderSpec): string {
  return [AS_ROOT_PRELUDE, `$SUDO rmdir ${shellQuote(f.path)} 2>/dev/null || true`].join("\n");
}

export function hostFolder(host: HostTarget, name: string, folder: FolderSpec, opts: pulumi.CustomResourceOptions): HostCommand {
  return hostCommand(host, name, { create: folderCreateScript(folder), delete: folderDeleteScript(folder) }, opts);
}

/**
 * Reads the host's facts for the exporters (renderers/hostProbe.ts). An invoke, not a resource: it
 * runs on every preview and up, so the mounts follow the host as it is now. Over SSH it uses the
 * system ssh client with the pinned key, as the docker provider does.
 */
export async function probeHost(host: HostTarget): Promise<HostFacts> {
  const interpreter = host.kind === "ssh" ? [...host.sshArgv] : ["/bin/sh", "-c"];
  const result = await command.local.run({ command: "sh -s", stdin: HOST_PROBE_SCRIPT, interpreter, logging: "stderr" });
  return parseHostProbe(result.stdout ?? "");
}
