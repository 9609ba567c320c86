// Scheduled backups on the host: the scripts from scripts/, their settings, the Qdrant key and an
// /etc/cron.d entry, installed (and removed) by one idempotent host command.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cronFileName, renderBackupEnv, renderCronFile, type BackupLayout, type BackupRenderInput } from "../renderers/backup.js";
import type { StackContext } from "./hardenedContainer.js";
import { AS_ROOT_PRELUDE, shellQuote } from "../host/scripts.js";
import { hostCommand } from "./host.js";
import type { OffsiteSecretOutputs } from "../config/load.js";
import { offsiteSecretsInput, offsiteSecretsInstallScript, offsiteSecretsRemoveScript } from "./offsite.js";

export const SCRIPTS_DIR = fileURLToPath(new URL("../scripts/", import.meta.url));
const EOF_MARK = "AIGW_END_OF_FILE";

export const backupLayout = (dataRoot: string): BackupLayout => ({
  toolDir: `${dataRoot}/backup`,
  backupsDir: `${dataRoot}/backups`,
  textfileDir: `${dataRoot}/backup/textfile`,
  cronDir: "/etc/cron.d",
});

/** Writes `content` to `path` as root, through a quoted heredoc (no expansion inside). */
function writeFile(path: string, content: string, mode: string): string {
  if (content.split("\n").includes(EOF_MARK)) throw new Error(`${path}: content contains the heredoc marker ${EOF_MARK}`);
  return [`$SUDO tee ${shellQuote(path)} >/dev/null <<'${EOF_MARK}'`, content.replace(/\n$/, ""), EOF_MARK, `$SUDO chmod ${mode} ${shellQuote(path)}`].join("\n");
}

export function backupInstallScript(input: BackupRenderInput): string {
  const { toolDir, textfileDir, backupsDir, cronDir } = input.layout;
  const script = (name: string) => readFileSync(`${SCRIPTS_DIR}${name}`, "utf8");
  return [
    "set -eu",
    AS_ROOT_PRELUDE,
    `$SUDO mkdir -p ${shellQuote(`${toolDir}/bin`)} ${shellQuote(textfileDir)} ${shellQuote(backupsDir)}`,
    // Others may pass through (node-exporter reads textfile/ as nobody) but not list or read.
    `$SUDO chmod 0711 ${shellQuote(toolDir)}`,
    `$SUDO chmod 0755 ${shellQuote(textfileDir)}`,
    // The backups hold every collection and Grafana's users: root only.
    `$SUDO chmod 0700 ${shellQuote(backupsDir)} ${shellQuote(`${toolDir}/bin`)}`,
    // cron's >> creates the log with cron's umask (world-readable); created here, it stays root's.
    `$SUDO touch ${shellQuote(`${toolDir}/backup.log`)}`,
    `$SUDO chmod 0600 ${shellQuote(`${toolDir}/backup.log`)}`,
    // The Qdrant key arrives on standard input: it never appears in a command line or in state as text.
    // Written under umask 077 to a new file and moved over the old one: never readable by others, even briefly.
    `$SUDO sh -c ${shellQuote(`umask 077; cat > ${shellQuote(`${toolDir}/qdrant-api-key.new`)} && mv ${shellQuote(`${toolDir}/qdrant-api-key.new`)} ${shellQuote(`${toolDir}/qdrant-api-key`)}`)}`,
    writeFile(`${toolDir}/bin/backup.sh`, script("backup.sh"), "0700"),
    writeFile(`${toolDir}/bin/restore.sh`, script("restore.sh"), "0700"),
    writeFile(`${toolDir}/bin/offsite.sh`, script("offsite.sh"), "0700"),
    writeFile(`${toolDir}/backup.env`, renderBackupEnv(input), "0600"),
    writeFile(`${cronDir}/${cronFileName(input.stack)}`, renderCronFile(input), "0644"),
  ].join("\n");
}

/** Removes what the install wrote; the backups themselves stay. */
export function backupRemoveScript(input: BackupRenderInput): string {
  const t = input.layout.toolDir;
  const files = [`${input.layout.cronDir}/${cronFileName(input.stack)}`, `${t}/bin/backup.sh`, `${t}/bin/restore.sh`, `${t}/bin/offsite.sh`, `${t}/backup.env`, `${t}/qdrant-api-key`];
  return [AS_ROOT_PRELUDE, `$SUDO rm -f ${files.map(shellQuote).join(" ")}`].join("\n");
}

export interface BackupsArgs {
  readonly ctx: StackContext;
  readonly input: BackupRenderInput;
  readonly qdrantApiKey: pulumi.Output<string>;
  /** With backup.offsite: the restic password and credentials, installed by a command of their own. */
  readonly offsiteSecrets?: OffsiteSecretOutputs;
  readonly dependsOn: pulumi.Resource[];
}

export class Backups extends pulumi.ComponentResource {
  constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:backup:Backups", name, {}, opts);
    const install = hostCommand(
      args.ctx.host,
      "backup-install",
      { create: backupInstallScript(args.input), delete: backupRemoveScript(args.input), stdin: args.qdrantApiKey },
      { parent: this, dependsOn: args.dependsOn },
    );
    if (args.offsiteSecrets) {
      // Both secrets on stdin only, into 0600 files; `pulumi destroy` removes them.
      const t = args.input.layout.toolDir;
      hostCommand(
        args.ctx.host,
        "backup-offsite-secrets",
        { create: offsiteSecretsInstallScript(t), delete: offsiteSecretsRemoveScript(t), stdin: offsiteSecretsInput(args.offsiteSecrets) },
        { parent: this, dependsOn: [install.resource] },
      );
    }
    this.registerOutputs({});
  }
}
