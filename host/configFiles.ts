// A container's config files (generated config and secret files), written on the Docker host and
// bind-mounted read-only. Docker refuses to copy files into a container whose root filesystem is
// read-only (the docker provider's uploads copy into `/`), and a service has no business changing
// its own config. Free of Pulumi, so the tests can run the script.
import { createHmac } from "node:crypto";
import { AS_ROOT_PRELUDE, shellQuote } from "./scripts.js";

export interface ConfigFile {
  /** Where the service reads it, inside the container. */
  readonly file: string;
  readonly content: string;
  /** Octal, e.g. "0444"; a secret file is "0400" with the service's owner. */
  readonly permissions: string;
  /** `uid:gid`; root when unset. */
  readonly owner?: string;
}

/**
 * A short digest of everything that decides what the folder holds: every file (secrets included),
 * the folders it makes, where it lives and the script that writes it. The host folder is named by it,
 * so any change gives a new folder, a new mount, and so a new container, while the old one keeps its
 * files until it is gone; a folder in use is never rewritten. Keyed (HMAC) with a secret of the
 * stack, so the name, which anyone on the host can list, cannot be used to guess a weak secret in it.
 */
export function configVersion(files: readonly ConfigFile[], where: { readonly base: string; readonly folders: readonly string[] }, key: string): string {
  const h = createHmac("sha256", key);
  h.update(`${where.base}\0${configWriteScript("<dir>", where.folders)}\0`);
  for (const f of [...files].sort((a, b) => a.file.localeCompare(b.file))) h.update(`${f.file}\0${f.permissions}\0${f.owner ?? "0:0"}\0${f.content}\0`);
  return h.digest("hex").slice(0, 12);
}

/**
 * The files as the write script reads them on standard input: per file one line `mode owner path`
 * and one line of base64. Standard input, because some of them are secrets and a command line is not.
 */
export function configBundle(files: readonly ConfigFile[]): string {
  return files.map((f) => `${f.permissions} ${f.owner ?? "0:0"} ${f.file}\n${Buffer.from(f.content, "utf8").toString("base64")}\n`).join("");
}

const MODE = /^0[0-7]{3}$/;
const OWNER = /^\d+:\d+$/;

/**
 * Throws on a file the write script could not take (a path with spaces, a bad mode or owner), or that
 * lies outside every folder the container mounts.
 */
export function checkConfigFiles(files: readonly ConfigFile[], folders: readonly string[]): void {
  for (const f of files) {
    if (!folders.some((d) => f.file.startsWith(`${d}/`))) throw new Error(`config file ${f.file} is outside the service's config folders (${folders.join(", ")}): add its folder to configFolders`);
    if (!/^\/[A-Za-z0-9._/-]+$/.test(f.file) || f.file.includes("/../")) throw new Error(`config file path ${JSON.stringify(f.file)} must be absolute, without spaces or ..`);
    if (!MODE.test(f.permissions)) throw new Error(`config file ${f.file}: permissions ${f.permissions} is not an octal mode like 0444`);
    if (f.owner !== undefined && !OWNER.test(f.owner)) throw new Error(`config file ${f.file}: owner ${f.owner} is not uid:gid`);
  }
}

/**
 * Shell text that writes the bundle on its standard input into `dir` (each file at `dir` + its path
 * in the container, every folder in `folders` made even when empty), a secret file readable only by
 * the owner it names. Written
 * beside and moved into place, so a half-written folder is never mounted; safe to run again.
 */
export function configWriteScript(dir: string, folders: readonly string[]): string {
  const d = shellQuote(dir);
  return [
    "set -eu",
    AS_ROOT_PRELUDE,
    `tmp=${d}.tmp`,
    `$SUDO rm -rf "$tmp"`,
    // The folders are world-readable: the services run as different users; secret files are 0400.
    // Each folder the container mounts exists, even with nothing in it.
    ...folders.map((f) => `$SUDO mkdir -p -m 0755 "$tmp"${shellQuote(f)}`),
    "while read -r mode owner path; do",
    "  IFS= read -r data",
    `  $SUDO mkdir -p -m 0755 "$tmp$(dirname "$path")"`,
    // $1 is expanded by the inner shell (as root under sudo), on purpose.
    // POSIX sh has no pipefail: a bundle that does not decode is caught before it is written.
    `  printf '%s' "$data" | base64 -d >/dev/null || { echo "ai-gateway: the config bundle is damaged at $path" >&2; exit 1; }`,
    "  # shellcheck disable=SC2016",
    `  printf '%s' "$data" | base64 -d | $SUDO sh -c 'umask 077; cat > "$1"' sh "$tmp$path"`,
    `  $SUDO chown "$owner" "$tmp$path"`,
    `  $SUDO chmod "$mode" "$tmp$path"`,
    "done",
    `$SUDO rm -rf ${d}`,
    `$SUDO mv "$tmp" ${d}`,
  ].join("\n");
}

/** Removes the folder: the files are rendered again on every up, and some are secrets. */
export const configDeleteScript = (dir: string) => [AS_ROOT_PRELUDE, `$SUDO rm -rf ${shellQuote(dir)}`].join("\n");
