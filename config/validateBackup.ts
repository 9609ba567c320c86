// The backup section of the contract: whether, when and how many, and the off-host copies with their
// two secrets (the repository password and the credentials restic needs).
import { cronProblem } from "./cron.js";
import { DEFAULTS, type BackupSettings, type ExporterSettings, type OffsiteSettings } from "./schema.js";
import { bool, intIn, isPlainObject, mapping, quote, type Collector } from "./validation.js";

/** A secret top-level key as the engine hands it over: its text, and whether it was set with --secret. */
export interface SecretValue {
  readonly value: string | undefined;
  readonly secret: boolean;
}

export interface OffsiteSecrets {
  readonly dataRoot: string;
  readonly password: SecretValue;
  readonly env: SecretValue;
}

// What config/stackYaml.ts puts in place of an encrypted value it cannot read: nothing to check.
const UNREADABLE_SECRET = "<secret>";
// restic reads these; anything else (PATH, LD_PRELOAD, RESTIC_PASSWORD_COMMAND...) would change what
// the script runs, and the password and repository have keys of their own.
const ENV_NAMES = /^(AWS_[A-Z0-9_]+|RESTIC_REST_USERNAME|RESTIC_REST_PASSWORD|RESTIC_COMPRESSION|RESTIC_PACK_SIZE)$/;
const MIN_PASSWORD = 12;

export function validateBackup(c: Collector, raw: unknown, exporters: ExporterSettings, secrets?: OffsiteSecrets): BackupSettings {
  const d = DEFAULTS.backup;
  const o = mapping(c, "backup", raw, ["enabled", "schedule", "retention", "offsite"]);
  const schedule = o["schedule"] ?? d.schedule;
  if (typeof schedule !== "string") {
    c.add("backup.schedule", `${quote(schedule)} is not a cron expression`, `e.g. backup.schedule: "${d.schedule}"`);
  } else {
    const problem = cronProblem(schedule);
    if (problem) c.add("backup.schedule", `"${schedule}" ${problem}`, `use five fields, e.g. "${d.schedule}" (03:15 every day)`);
  }
  const backup = {
    enabled: bool(c, "backup.enabled", o["enabled"], d.enabled),
    schedule: typeof schedule === "string" ? schedule.trim().split(/\s+/).join(" ") : d.schedule,
    retention: intIn(c, "backup.retention", o["retention"], 1, 365, d.retention),
  };
  if (backup.enabled && !exporters.nodeExporter) {
    c.add("backup.enabled", "backups report success through node-exporter, which exporters.nodeExporter turns off", "enable exporters.nodeExporter, or set backup.enabled to false");
  }
  const offsite = validateOffsite(c, o["offsite"], backup.enabled, secrets);
  return offsite ? { ...backup, offsite } : backup;
}

/** The repository location: never the password, which has its own secret key. */
function repositoryProblem(repo: string, dataRoot: string): { problem: string; fix: string } | undefined {
  const example = `e.g. "/mnt/nas/ai-gateway", "sftp:backup@nas.lan:/srv/restic/ai-gateway" or "s3:s3.eu-central-1.amazonaws.com/my-bucket/ai-gateway"`;
  if (/\s/.test(repo)) return { problem: `${quote(repo)} contains whitespace`, fix: example };
  if (repo.startsWith("/")) {
    const root = dataRoot.replace(/\/+$/, "");
    if (repo === "/" || repo === root || repo.startsWith(`${root}/`)) {
      return { problem: `${quote(repo)} is on the same disk as the data it protects (inside dataRoot ${root})`, fix: "use a path on another machine's storage, such as a mounted NAS, or an sftp:, s3: or rest: repository" };
    }
    return undefined;
  }
  // user:password@ in a URL would put the password in plain text in Pulumi.<stack>.yaml and in backup.env.
  const withPassword = /^(sftp|rest):(\/\/)?(https?:\/\/)?[^/@]*:[^/@]*@/;
  if (/^rest:https?:\/\/[^\s]+$/.test(repo) || /^sftp:[^\s]+$/.test(repo) || /^s3:[^\s]+$/.test(repo)) {
    if (withPassword.test(repo)) {
      return {
        problem: `${quote(repo)} holds a password in plain text`,
        fix: "remove user:password@ from the URL; for rest: set RESTIC_REST_USERNAME and RESTIC_REST_PASSWORD in the secret backupOffsiteEnv, for sftp: use root's SSH key",
      };
    }
    return undefined;
  }
  return { problem: `${quote(repo)} is not an absolute path or an sftp:, s3: or rest: repository`, fix: example };
}

function validateOffsite(c: Collector, raw: unknown, enabled: boolean, secrets: OffsiteSecrets | undefined): OffsiteSettings | undefined {
  const password = secrets?.password ?? { value: undefined, secret: false };
  const env = secrets?.env ?? { value: undefined, secret: false };
  if (raw === undefined || raw === null) {
    // A secret nothing reads is most likely a half-finished setup: say so rather than ignore it.
    for (const [key, s] of [["backupOffsitePassword", password], ["backupOffsiteEnv", env]] as const) {
      if (s.value !== undefined) c.add(key, "is set, but backup.offsite is not, so nothing uses it", `set backup.offsite.repository, or \`pulumi config rm ${key}\``);
    }
    return undefined;
  }
  const d = DEFAULTS.offsite;
  const o = mapping(c, "backup.offsite", raw, ["repository", "keepDaily", "keepWeekly", "checkSchedule", "maxAgeHours"]);
  if (!enabled) c.add("backup.offsite", "sends the local backups off-host, but backup.enabled is false, so there are none", "set backup.enabled to true, or remove backup.offsite");
  const repository = o["repository"];
  if (typeof repository !== "string" || repository === "") {
    c.add("backup.offsite.repository", repository === undefined ? "is not set" : `${quote(repository)} is not a restic repository`, `pulumi config set --path backup.offsite.repository /mnt/nas/ai-gateway (or sftp:user@host:/path, s3:host/bucket/path, rest:https://host:8000/path)`);
  } else {
    const p = repositoryProblem(repository, secrets?.dataRoot ?? DEFAULTS.dataRoot);
    if (p) c.add("backup.offsite.repository", p.problem, p.fix);
  }
  const checkSchedule = o["checkSchedule"] ?? d.checkSchedule;
  if (typeof checkSchedule !== "string") {
    c.add("backup.offsite.checkSchedule", `${quote(checkSchedule)} is not a cron expression`, `e.g. "${d.checkSchedule}" (Sundays at 04:45)`);
  } else {
    const problem = cronProblem(checkSchedule);
    if (problem) c.add("backup.offsite.checkSchedule", `"${checkSchedule}" ${problem}`, `use five fields, e.g. "${d.checkSchedule}" (Sundays at 04:45)`);
  }
  validatePassword(c, password);
  validateEnv(c, env);
  return {
    repository: typeof repository === "string" ? repository : "",
    // At least one daily copy: restic refuses a policy that keeps nothing.
    keepDaily: intIn(c, "backup.offsite.keepDaily", o["keepDaily"], 1, 3650, d.keepDaily),
    keepWeekly: intIn(c, "backup.offsite.keepWeekly", o["keepWeekly"], 0, 520, d.keepWeekly),
    checkSchedule: typeof checkSchedule === "string" ? checkSchedule.trim().split(/\s+/).join(" ") : d.checkSchedule,
    ...(o["maxAgeHours"] !== undefined ? { maxAgeHours: intIn(c, "backup.offsite.maxAgeHours", o["maxAgeHours"], 1, 8760, 48) } : {}),
  };
}

// Neither value is ever echoed: it may be a real secret stored by mistake in plain text.
function validatePassword(c: Collector, s: SecretValue): void {
  const set = "pulumi config set --secret backupOffsitePassword \"$(openssl rand -base64 32)\", and keep a copy away from this host: without it no off-host copy can be read";
  if (s.value === undefined) {
    c.add("backupOffsitePassword", "is not set, but backup.offsite needs it to encrypt the repository", set);
  } else if (!s.secret) {
    c.add("backupOffsitePassword", "is stored in plain text in Pulumi.<stack>.yaml", `${set}; if the file was ever committed, change the repository's password too (restic key add / key remove)`);
  } else if (s.value !== UNREADABLE_SECRET) {
    // restic trims the password file, so whitespace at either end would not be part of the password.
    if (s.value.trim() !== s.value || /[\r\n]/.test(s.value)) c.add("backupOffsitePassword", "starts or ends with whitespace or spans lines", set);
    else if (s.value.length < MIN_PASSWORD) c.add("backupOffsitePassword", `is shorter than ${MIN_PASSWORD} characters, too weak for a repository anyone with the storage can attack offline`, set);
  }
}

function validateEnv(c: Collector, s: SecretValue): void {
  if (s.value === undefined) return;
  const example = `pulumi config set --secret backupOffsiteEnv '{"AWS_ACCESS_KEY_ID":"...","AWS_SECRET_ACCESS_KEY":"..."}'`;
  if (!s.secret) {
    c.add("backupOffsiteEnv", "is stored in plain text in Pulumi.<stack>.yaml", `${example}, and rotate those credentials if the file was ever committed`);
    return;
  }
  if (s.value === UNREADABLE_SECRET) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(s.value);
  } catch {
    parsed = undefined;
  }
  if (!isPlainObject(parsed)) {
    c.add("backupOffsiteEnv", "is not a mapping of environment variable names to values", example);
    return;
  }
  for (const name of Object.keys(parsed).sort()) {
    const v = parsed[name];
    if (!ENV_NAMES.test(name)) {
      c.add(`backupOffsiteEnv.${name}`, `is not a variable restic reads for the repositories this stack supports (allowed: AWS_*, RESTIC_REST_USERNAME, RESTIC_REST_PASSWORD, RESTIC_COMPRESSION, RESTIC_PACK_SIZE)`, `remove it or correct the spelling`);
    } else if (typeof v !== "string" || v === "" || v.includes("\0")) {
      c.add(`backupOffsiteEnv.${name}`, "is not a non-empty string", `pulumi config set --secret --path backupOffsiteEnv.${name} <value>`);
    }
  }
}
