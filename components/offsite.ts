// Installs the off-host copies' two secrets on the host: the restic password and restic's credentials
// arrive on standard input, never in a command line, and land in root-only (0600) files.
import * as pulumi from "@pulumi/pulumi";
import type { OffsiteSecretOutputs } from "../config/load.js";
import { AS_ROOT_PRELUDE, shellQuote } from "../host/scripts.js";
import { offsitePaths, offsiteSecretsStdin } from "../renderers/offsite.js";

/**
 * Reads the password (first line) and the credentials file (the rest) from stdin. Each is written
 * under umask 077 to a new file, then renamed over the old one: never readable by others, even briefly.
 */
export function offsiteSecretsInstallScript(toolDir: string): string {
  const p = offsitePaths(toolDir);
  const q = shellQuote;
  const inner = [
    "set -eu",
    "umask 077",
    `mkdir -p ${q(toolDir)} ${q(p.workDir)}`,
    // `read` and `printf` are shell builtins: the password is never an argument of a new process.
    `IFS= read -r pw`,
    `printf '%s\\n' "$pw" > ${q(`${p.passwordFile}.new`)}`,
    `cat > ${q(`${p.envFile}.new`)}`,
    `mv ${q(`${p.passwordFile}.new`)} ${q(p.passwordFile)}`,
    `mv ${q(`${p.envFile}.new`)} ${q(p.envFile)}`,
  ].join("\n");
  // SC2016: the inner script expands its own $pw, as root, on purpose.
  return ["set -eu", AS_ROOT_PRELUDE, "# shellcheck disable=SC2016", `$SUDO sh -c ${q(inner)}`].join("\n");
}

/** Removes both secret files; the repository and restic's cache stay. */
export function offsiteSecretsRemoveScript(toolDir: string): string {
  const p = offsitePaths(toolDir);
  return [AS_ROOT_PRELUDE, `$SUDO rm -f ${[p.passwordFile, p.envFile].map(shellQuote).join(" ")}`].join("\n");
}

/** The install command's stdin, a Pulumi secret. */
export function offsiteSecretsInput(s: OffsiteSecretOutputs): pulumi.Output<string> {
  return pulumi.secret(pulumi.all([s.password, s.env]).apply(([password, env]) => offsiteSecretsStdin(password, env)));
}
