// How the system ssh client reaches a remote Docker host, trusting only its pinned key. Free of
// Pulumi: the docker provider, the host probe and doctor all use the same options.

/** An SSH-reached Docker host, with its host key pinned. */
export interface SshEndpoint {
  readonly host: string;
  readonly user: string;
  readonly port: number;
  readonly pinnedHostKey: string;
  readonly privateKeyPath?: string;
}

/** `ssh` with the docker provider's options, up to and including the destination. */
export function sshArgv(t: SshEndpoint): string[] {
  return ["ssh", "-p", String(t.port), ...dockerProviderArgs(t).sshOpts, `${t.user}@${t.host}`];
}

/**
 * The docker provider reaches an SSH host through the system ssh client. Only the pinned key is
 * trusted: it is handed over by KnownHostsCommand (OpenSSH 8.5+) and every known_hosts file is ignored.
 */
export function dockerProviderArgs(t: SshEndpoint): { host: string; sshOpts: string[] } {
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
