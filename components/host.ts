// Where host-level commands run (folders, model pulls, cron). Components ask for a command on "the
// host" and never learn whether that is this machine or one reached over SSH.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HOST_PROBE_SCRIPT, parseHostProbe, type HostFacts } from "../host/probe.js";
import { folderCreateScript, folderDeleteScript, type FolderSpec } from "../host/scripts.js";
import { sshArgv, type SshEndpoint } from "../host/ssh.js";

export type HostTarget =
  | { readonly kind: "local" }
  | {
      readonly kind: "ssh";
      readonly connection: command.types.input.remote.ConnectionArgs;
      /** The system ssh client's argv up to the destination, trusting only the pinned key (for invokes). */
      readonly sshArgv: readonly string[];
    };

export interface SshTarget extends SshEndpoint {
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

export interface HostCommandArgs {
  readonly create: pulumi.Input<string>;
  readonly delete?: pulumi.Input<string>;
  /** A change replaces the command, so its create runs again. */
  readonly triggers?: pulumi.Input<unknown>[];
  /** Fed to create on standard input: the way secrets reach the host without appearing in a command line. */
  readonly stdin?: pulumi.Input<string>;
  /**
   * Replace create-first: only for commands whose replacement works on a path of its own (a
   * versioned folder), so the old delete cannot undo the new create.
   */
  readonly createFirst?: boolean;
}

export interface HostCommand {
  readonly resource: pulumi.CustomResource;
  readonly stdout: pulumi.Output<string>;
}

/**
 * Runs an idempotent create/delete pair on the host. Replacement deletes first (unless createFirst):
 * the default create-before-delete order would let the old delete undo what the new create just did.
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
        { ...opts, deleteBeforeReplace: !args.createFirst },
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
        { ...opts, deleteBeforeReplace: !args.createFirst },
      );
      return { resource: cmd, stdout: cmd.stdout };
    }
  }
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
