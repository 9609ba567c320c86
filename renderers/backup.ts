// The host side of backups: the env file backup.sh and restore.sh read, and the /etc/cron.d entry.
import { shellQuote } from "../host/scripts.js";
import { safeStackName } from "../services/names.js";
import type { BackupSettings } from "../config/schema.js";
import { offsiteCheckCronLine, offsiteEnvVars } from "./offsite.js";

export interface BackupLayout {
  /** Tooling: scripts, env file, Qdrant key file, textfile metrics, log. */
  readonly toolDir: string;
  /** The backups themselves: <backupsDir>/<UTC timestamp>/. */
  readonly backupsDir: string;
  readonly textfileDir: string;
  /** Where cron reads its files from: /etc/cron.d on every Debian/Ubuntu/RHEL host. */
  readonly cronDir: string;
}

export interface BackupRenderInput {
  readonly stack: string;
  readonly settings: BackupSettings;
  readonly layout: BackupLayout;
  /** Qdrant as reached from the host: its loopback port, or the entry point where that holds the port. */
  readonly qdrantUrl: string;
  /** The CA that signs the entry point's certificate, when qdrantUrl goes through it. */
  readonly qdrantCaFile?: string;
  readonly grafanaData: string;
  readonly grafanaContainer: string;
  /** "container:/path" of every generated config file, copied out of the running containers. */
  readonly configSources: readonly string[];
  /** The local Pulumi state folder, when the stack uses one. */
  readonly stateDir?: string;
}

export const cronFileName = (stack: string) => `ai-gateway-${safeStackName(stack)}-backup`;

/** Shell-sourced, so every value is single-quoted; none of them is secret (the key is in its own file). */
export function renderBackupEnv(i: BackupRenderInput): string {
  const vars: [string, string][] = [
    ["BACKUP_ROOT", i.layout.backupsDir],
    ["RETENTION", String(i.settings.retention)],
    ["QDRANT_URL", i.qdrantUrl],
    ...(i.qdrantCaFile ? ([["QDRANT_CA_FILE", i.qdrantCaFile]] as [string, string][]) : []),
    ["QDRANT_API_KEY_FILE", `${i.layout.toolDir}/qdrant-api-key`],
    ["TEXTFILE_DIR", i.layout.textfileDir],
    ["GRAFANA_DATA", i.grafanaData],
    ["GRAFANA_CONTAINER", i.grafanaContainer],
    ["CONFIG_SOURCES", i.configSources.join(" ")],
    ...(i.stateDir ? ([["STATE_DIR", i.stateDir]] as [string, string][]) : []),
    // backup.offsite: the repository, keep counts and the paths of the two root-only secret files.
    ...(i.settings.offsite ? offsiteEnvVars(i.stack, i.settings.offsite, i.layout.toolDir) : []),
  ];
  return `# ai-gateway backup settings for stack ${i.stack}, written by \`pulumi up\`.\n${vars.map(([k, v]) => `${k}=${shellQuote(v)}`).join("\n")}\n`;
}

export function renderCronFile(i: BackupRenderInput): string {
  const t = i.layout.toolDir;
  return [
    `# Managed by ai-gateway (Pulumi stack ${i.stack}): \`pulumi up\` rewrites this file and \`pulumi destroy\` removes it.`,
    "SHELL=/bin/bash",
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    `${i.settings.schedule} root ${t}/bin/backup.sh ${t}/backup.env >>${t}/backup.log 2>&1`,
    ...(i.settings.offsite ? [offsiteCheckCronLine(i.settings.offsite, t)] : []),
    "",
  ].join("\n");
}
