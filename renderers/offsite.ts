// The host side of off-host copies: backup.env's OFFSITE_* entries, the cron line for `restic check`
// and the credentials file. None of it carries a secret except the credentials file, which is only
// ever rendered into the secret stdin of its install command.
import { shellQuote } from "../host/scripts.js";
import { safeStackName } from "../services/names.js";
import type { OffsiteSettings } from "../config/schema.js";

/** Where the off-host pieces live, under the backup tool folder. */
export const offsitePaths = (toolDir: string) => ({
  passwordFile: `${toolDir}/offsite-password`,
  envFile: `${toolDir}/offsite.env`,
  /** restic's cache, its temporary pack files (about 100 MiB) and the lock of offsite.sh. */
  workDir: `${toolDir}/restic`,
});

/**
 * The host name restic records: the stack's, not the machine's, so a rebuilt host restores `latest`
 * and keeps thinning out the copies of the host it replaces.
 */
export const offsiteHost = (stack: string) => `ai-gateway-${safeStackName(stack)}`;

export function offsiteEnvVars(stack: string, settings: OffsiteSettings, toolDir: string): [string, string][] {
  const p = offsitePaths(toolDir);
  return [
    ["OFFSITE_REPOSITORY", settings.repository],
    ["OFFSITE_KEEP_DAILY", String(settings.keepDaily)],
    ["OFFSITE_KEEP_WEEKLY", String(settings.keepWeekly)],
    ["OFFSITE_HOST", offsiteHost(stack)],
    ["OFFSITE_PASSWORD_FILE", p.passwordFile],
    ["OFFSITE_ENV_FILE", p.envFile],
    ["OFFSITE_WORK_DIR", p.workDir],
  ];
}

export function offsiteCheckCronLine(settings: OffsiteSettings, toolDir: string): string {
  return `${settings.checkSchedule} root ${toolDir}/bin/offsite.sh ${toolDir}/backup.env check >>${toolDir}/backup.log 2>&1`;
}

/** The credentials file offsite.sh sources: one single-quoted assignment a line, sorted by name. */
export function renderOffsiteCredentials(env: Readonly<Record<string, string>>): string {
  return Object.keys(env)
    .sort()
    .map((k) => `${k}=${shellQuote(env[k]!)}\n`)
    .join("");
}

/** What the install command reads on stdin: the password on the first line, the credentials file after it. */
export const offsiteSecretsStdin = (password: string, env: Readonly<Record<string, string>>) => `${password}\n${renderOffsiteCredentials(env)}`;
