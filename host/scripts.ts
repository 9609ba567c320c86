// Shell text that runs on the Docker host: folders with the owner an image needs. Free of Pulumi,
// so the tests can lint and run it.

export interface FolderSpec {
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  readonly mode: string;
}

export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs privileged steps as root: directly when already root, else through passwordless sudo. */
export const AS_ROOT_PRELUDE = `if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi`;

/** Shell text that creates a folder with the owner an image needs; safe to run again and again. */
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
