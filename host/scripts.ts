// Shell text that runs on the Docker host: folders with the owner an image needs. Free of Pulumi,
// so the tests can lint and run it.

export interface FolderSpec {
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  readonly mode: string;
  /**
   * Owners (`uid:gid`) the folder had under an earlier release of this program: found with one of
   * them and holding files, the folder is this service's own, and is handed over with chown -R.
   */
  readonly formerOwners?: readonly string[];
  /**
   * The container that uses the folder: stopped before a handover, so that it writes nothing more as
   * the former owner (it is replaced right after, as its user changed).
   */
  readonly container?: string;
}

export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs privileged steps as root: directly when already root, else through passwordless sudo. */
export const AS_ROOT_PRELUDE = `if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi`;

/** Shell text that creates a folder with the owner an image needs; safe to run again and again. */
export function folderCreateScript(f: FolderSpec): string {
  const dir = shellQuote(f.path);
  const install = `install -d -m ${f.mode} -o ${f.uid} -g ${f.gid} ${dir}`;
  // Not root: try passwordless sudo, and if that is not allowed say exactly what to run once by hand.
  const owner = `${f.uid}:${f.gid}`;
  return [
    AS_ROOT_PRELUDE,
    // A folder that already holds files keeps its owner: install -d would chown it, and those files
    // may be someone else's (a dataRoot pointed at the wrong place). Refuse and say how to proceed.
    `if $SUDO test -d ${dir} && [ -n "$($SUDO ls -A ${dir})" ]; then`,
    `  found=$($SUDO stat -c %u:%g ${dir})`,
    ...(f.formerOwners ?? []).map(
      (former) =>
        `  if [ "$found" = "${former}" ]; then echo "ai-gateway: ${f.path} belonged to ${former}, which this service ran as before; handing it to ${owner}" >&2;${f.container ? ` docker stop -t 30 ${shellQuote(f.container)} >/dev/null 2>&1 || true;` : ""} $SUDO chown -R ${owner} ${dir} || exit 1; found=${owner}; fi`,
    ),
    `  if [ "$found" != "${owner}" ]; then echo "ai-gateway: ${f.path} already holds files and belongs to $found, not ${owner}; its owner is left as it is. Fix: move those files away, or if they are this service's data: sudo chown -R ${owner} ${dir}" >&2; exit 1; fi`,
    `fi`,
    `$SUDO ${install} || { echo "ai-gateway: cannot create ${f.path} owned by ${owner} as $(id -un); run once: sudo ${install}" >&2; exit 1; }`,
  ].join("\n");
}

/** Removes the folder only when it is empty: destroying or replacing the stack never deletes data. */
export function folderDeleteScript(f: FolderSpec): string {
  return [AS_ROOT_PRELUDE, `$SUDO rmdir ${shellQuote(f.path)} 2>/dev/null || true`].join("\n");
}
