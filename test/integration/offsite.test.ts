// Off-host copies: the config contract (backup.offsite and its two secrets), what is rendered for the
// host, the command that installs the secrets, and offsite.sh's refusals against a real restic.
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { problemsOf } from "../support/refused.js";
import { runSh } from "../support/shell.js";
import { parseStackYaml, readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig, type RawConfig } from "../../config/validate.js";
import { SCRIPTS_DIR } from "../../components/backups.js";
import { offsiteSecretsInstallScript, offsiteSecretsRemoveScript } from "../../components/offsite.js";
import { offsiteCheckCronLine, offsiteEnvVars, offsiteHost, offsiteSecretsStdin, renderOffsiteCredentials } from "../../renderers/offsite.js";
import { isSecretInput, runProgram, type ProgramConfig } from "../support/program.js";
import { requiresTool } from "../support/requires.js";

const dev = readStackConfig(".", "dev");
const PASSWORD = "correct-horse-battery-staple";
const offsite = (o: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(dev.values["backup"] ?? "{}"), offsite: o });

function raw(values: Record<string, string | undefined>, secretKeys: string[] = ["backupOffsitePassword", "backupOffsiteEnv"]): RawConfig {
  const v: Record<string, string> = { ...dev.values };
  for (const [k, x] of Object.entries(values)) {
    if (x === undefined) delete v[k];
    else v[k] = x;
  }
  return { stack: "dev", values: v, secretKeys: new Set([...dev.secretKeys, ...secretKeys]) };
}
const withOffsite = (o: Record<string, unknown>, extra: Record<string, string | undefined> = {}, secretKeys?: string[]) =>
  raw({ backup: offsite(o), backupOffsitePassword: PASSWORD, ...extra }, secretKeys);


describe("backup.offsite in the config", () => {
  it("is off unless set, and takes the defaults for what is left out", () => {
    expect(validateStackConfig(dev).backup.offsite).toBeUndefined();
    const c = validateStackConfig(withOffsite({ repository: "/mnt/nas/ai-gateway" }));
    expect(c.backup.offsite).toEqual({ repository: "/mnt/nas/ai-gateway", keepDaily: 7, keepWeekly: 4, checkSchedule: "45 4 * * 0" });
  });

  it.each(["/mnt/nas/ai-gateway", "sftp:backup@nas.lan:/srv/restic/gw", "sftp://backup@nas.lan:2222//srv/restic", "s3:s3.eu-central-1.amazonaws.com/bucket/gw", "s3:https://minio.lan:9000/gw", "rest:https://rest.lan:8000/gw"])(
    "accepts the repository %s",
    (repository) => {
      const c = validateStackConfig(withOffsite({ repository, keepDaily: 14, keepWeekly: 8, checkSchedule: "0  5 * * 6", maxAgeHours: 30 }));
      expect(c.backup.offsite).toEqual({ repository, keepDaily: 14, keepWeekly: 8, checkSchedule: "0 5 * * 6", maxAgeHours: 30 });
    },
  );

  it("takes the credentials as a secret JSON mapping, and reads a stack file set with --secret --path as secret", () => {
    const env = JSON.stringify({ AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s3cr3t" });
    expect(validateStackConfig(withOffsite({ repository: "s3:s3.amazonaws.com/b/gw" }, { backupOffsiteEnv: env })).backup.offsite?.repository).toBe("s3:s3.amazonaws.com/b/gw");
    const yaml = "config:\n  ai-gateway:backupOffsiteEnv:\n    AWS_ACCESS_KEY_ID:\n      secure: v1:abc\n";
    const parsed = parseStackYaml(yaml, "prod");
    expect(parsed.secretKeys.has("backupOffsiteEnv")).toBe(true);
    expect(parsed.values["backupOffsiteEnv"]).toBe("<secret>");
  });

  it.each([
    ["no repository", withOffsite({}), /ai-gateway:backup\.offsite\.repository: is not set\. Fix: pulumi config set --path backup\.offsite\.repository/],
    ["a relative path", withOffsite({ repository: "nas/gw" }), /backup\.offsite\.repository: "nas\/gw" is not an absolute path or an sftp:, s3: or rest: repository\. Fix: e\.g\./],
    ["a path inside dataRoot", withOffsite({ repository: "/data/stack/offsite" }), /backup\.offsite\.repository: .* is on the same disk as the data it protects \(inside dataRoot \/data\/stack\)\. Fix: use a path on another machine's storage/],
    ["an unknown key", withOffsite({ repository: "/mnt/nas", keep: 3 }), /backup\.offsite\.keep: unknown key/],
    ["keepDaily 0", withOffsite({ repository: "/mnt/nas", keepDaily: 0 }), /backup\.offsite\.keepDaily: 0 is not a whole number from 1 to 3650/],
    ["a bad check schedule", withOffsite({ repository: "/mnt/nas", checkSchedule: "@weekly" }), /backup\.offsite\.checkSchedule: "@weekly" has 1 fields, cron needs 5.*Fix: use five fields/],
    ["backups turned off", raw({ backup: JSON.stringify({ enabled: false, offsite: { repository: "/mnt/nas" } }), backupOffsitePassword: PASSWORD }), /ai-gateway:backup\.offsite: sends the local backups off-host, but backup\.enabled is false.*Fix: set backup\.enabled to true, or remove backup\.offsite/],
    ["no password", withOffsite({ repository: "/mnt/nas" }, { backupOffsitePassword: undefined }), /ai-gateway:backupOffsitePassword: is not set, but backup\.offsite needs it.*Fix: pulumi config set --secret backupOffsitePassword/],
    ["a short password", withOffsite({ repository: "/mnt/nas" }, { backupOffsitePassword: "short" }), /backupOffsitePassword: is shorter than 12 characters/],
    ["a password with a trailing space", withOffsite({ repository: "/mnt/nas" }, { backupOffsitePassword: `${PASSWORD} ` }), /backupOffsitePassword: starts or ends with whitespace/],
    ["a password without offsite", raw({ backupOffsitePassword: PASSWORD }), /ai-gateway:backupOffsitePassword: is set, but backup\.offsite is not.*Fix: set backup\.offsite\.repository, or `pulumi config rm backupOffsitePassword`/],
    ["credentials that are not a mapping", withOffsite({ repository: "/mnt/nas" }, { backupOffsiteEnv: "AWS_ACCESS_KEY_ID=x" }), /backupOffsiteEnv: is not a mapping of environment variable names to values\. Fix: pulumi config set --secret backupOffsiteEnv/],
    ["a variable restic does not read", withOffsite({ repository: "/mnt/nas" }, { backupOffsiteEnv: JSON.stringify({ LD_PRELOAD: "/x.so" }) }), /backupOffsiteEnv\.LD_PRELOAD: is not a variable restic reads/],
    ["an empty credential", withOffsite({ repository: "/mnt/nas" }, { backupOffsiteEnv: JSON.stringify({ AWS_ACCESS_KEY_ID: "" }) }), /backupOffsiteEnv\.AWS_ACCESS_KEY_ID: is not a non-empty string/],
  ])("refuses %s, naming the key and the fix", (_name, r, pattern) => {
    expect(problemsOf(r)).toMatch(pattern);
  });

  it("refuses secrets in plain text and never echoes them", () => {
    const leaked = "sftp-and-s3-password-in-plain-text";
    const msg = problemsOf(
      withOffsite({ repository: `rest:https://backup:${leaked}@rest.lan:8000/gw` }, { backupOffsitePassword: leaked, backupOffsiteEnv: JSON.stringify({ AWS_SECRET_ACCESS_KEY: leaked }) }, []),
    );
    expect(msg).toMatch(/ai-gateway:backupOffsitePassword: is stored in plain text in Pulumi\.<stack>\.yaml\. Fix: pulumi config set --secret backupOffsitePassword/);
    expect(msg).toMatch(/ai-gateway:backupOffsiteEnv: is stored in plain text in Pulumi\.<stack>\.yaml\. Fix: pulumi config set --secret backupOffsiteEnv/);
    expect(msg).toMatch(/backup\.offsite\.repository: .* holds a password in plain text\. Fix: remove user:password@/);
    // The repository is echoed as given (it is config, not a secret), so only the secret keys are checked.
    expect(msg.replace(/"rest:[^"]*"/, "")).not.toContain(leaked);
  });
});

describe("what is rendered for the host", () => {
  const settings = { repository: "sftp:backup@nas.lan:/srv/restic/gw", keepDaily: 7, keepWeekly: 4, checkSchedule: "45 4 * * 0" };

  it("names the repository, the counts, the fixed restic host name and the secret files, never a secret", () => {
    expect(Object.fromEntries(offsiteEnvVars("prod.eu", settings, "/data/stack/backup"))).toEqual({
      OFFSITE_REPOSITORY: "sftp:backup@nas.lan:/srv/restic/gw",
      OFFSITE_KEEP_DAILY: "7",
      OFFSITE_KEEP_WEEKLY: "4",
      OFFSITE_HOST: "ai-gateway-prod-eu",
      OFFSITE_PASSWORD_FILE: "/data/stack/backup/offsite-password",
      OFFSITE_ENV_FILE: "/data/stack/backup/offsite.env",
      OFFSITE_WORK_DIR: "/data/stack/backup/restic",
    });
    expect(offsiteHost("dev")).toBe("ai-gateway-dev");
    expect(offsiteCheckCronLine(settings, "/data/stack/backup")).toBe(
      "45 4 * * 0 root /data/stack/backup/bin/offsite.sh /data/stack/backup/backup.env check >>/data/stack/backup/backup.log 2>&1",
    );
  });

  it("writes credentials that bash reads back exactly, quotes and all", () => {
    const env = { AWS_SECRET_ACCESS_KEY: `a'b"c$d \\e`, AWS_ACCESS_KEY_ID: "AKIA" };
    const text = renderOffsiteCredentials(env);
    expect(text.split("\n")[0]).toMatch(/^AWS_ACCESS_KEY_ID=/);
    const dir = mkdtempSync(join(tmpdir(), "aigw-offsite-env-"));
    const file = join(dir, "offsite.env");
    writeFileSync(file, text);
    const out = execFileSync("bash", ["-c", 'set -a; . "$1"; printf "%s\\n%s" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"', "bash", file], { encoding: "utf8" });
    rmSync(dir, { recursive: true });
    expect(out).toBe(`AKIA\n${env.AWS_SECRET_ACCESS_KEY}`);
  });
});

describe("the command that installs the secrets", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "aigw-offsite-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const sh = runSh;

  const shellcheck = requiresTool("shellcheck", "apt-get install -y shellcheck");
  shellcheck.it(`passes shellcheck${shellcheck.why}`, async () => {
    for (const script of [offsiteSecretsInstallScript("/data/stack/backup"), offsiteSecretsRemoveScript("/data/stack/backup")]) {
      const code = await new Promise<number>((resolve) => {
        const child = execFile("shellcheck", ["--shell=sh", "-"], (err, out) => resolve(err ? (console.error(out), 1) : 0));
        child.stdin!.end(script);
      });
      expect(code).toBe(0);
    }
    const script = await new Promise<string>((resolve) => execFile("shellcheck", [join(SCRIPTS_DIR, "offsite.sh")], (_err, out) => resolve(out)));
    expect(script).toBe("");
  });

  it.runIf(process.getuid?.() === 0)("writes both files 0600 from stdin only, again and again, and removes them", async () => {
    const t = join(root, "backup");
    const stdin = offsiteSecretsStdin(PASSWORD, { AWS_ACCESS_KEY_ID: "AKIA-x" });
    for (let i = 0; i < 2; i++) expect(await sh(offsiteSecretsInstallScript(t), stdin)).toBe(0);
    expect(readFileSync(join(t, "offsite-password"), "utf8")).toBe(`${PASSWORD}\n`);
    expect(readFileSync(join(t, "offsite.env"), "utf8")).toBe("AWS_ACCESS_KEY_ID='AKIA-x'\n");
    for (const f of ["offsite-password", "offsite.env"]) expect((statSync(join(t, f)).mode & 0o777).toString(8)).toBe("600");
    expect(offsiteSecretsInstallScript(t)).not.toContain(PASSWORD);
    expect(await sh(offsiteSecretsRemoveScript(t))).toBe(0);
    expect(existsSync(join(t, "offsite-password"))).toBe(false);
    expect(existsSync(join(t, "offsite.env"))).toBe(false);
  });
});

describe("offsite.sh refuses", () => {
  let root: string;
  let env: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "aigw-offsite-"));
    env = join(root, "backup.env");
    const vars = {
      BACKUP_ROOT: join(root, "backups"),
      TEXTFILE_DIR: join(root, "textfile"),
      OFFSITE_REPOSITORY: join(root, "repo"),
      OFFSITE_PASSWORD_FILE: join(root, "pw"),
      OFFSITE_HOST: "ai-gateway-dev",
      OFFSITE_WORK_DIR: join(root, "restic"),
      OFFSITE_KEEP_DAILY: "7",
      OFFSITE_KEEP_WEEKLY: "4",
    };
    writeFileSync(env, Object.entries(vars).map(([k, v]) => `${k}='${v}'\n`).join(""));
    writeFileSync(join(root, "pw"), `${PASSWORD}\n`, { mode: 0o600 });
    const b = join(root, "backups", "20260101T031500Z");
    mkdirSync(join(b, "qdrant"), { recursive: true });
    writeFileSync(join(b, "qdrant", "code.snapshot"), "bytes");
    writeFileSync(join(b, "MANIFEST.sha256"), execFileSync("sha256sum", ["./qdrant/code.snapshot"], { cwd: b }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const offsite = (...args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile("bash", [join(SCRIPTS_DIR, "offsite.sh"), env, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });

  const restic = requiresTool("restic", "apt-get install -y restic", ["version"]);
  restic.it(`a password file others can read, a damaged backup, an existing restore target, an option for a snapshot, and a repository that is not there${restic.why}`, async () => {
    chmodSync(join(root, "pw"), 0o644);
    expect((await offsite("send")).out).toContain(`${join(root, "pw")} is readable by group or others. Fix: chmod 600`);
    chmodSync(join(root, "pw"), 0o600);
    // Not initialised: nothing is created at the path (an unmounted NAS must not fill the local disk).
    const missing = await offsite("send");
    expect(missing.code).toBe(1);
    expect(missing.out).toContain("offsite: FAILED: restic backup");
    expect(existsSync(join(root, "repo"))).toBe(false);
    expect((await offsite("init")).code).toBe(0);
    writeFileSync(join(root, "backups", "20260101T031500Z", "qdrant", "code.snapshot"), "tampered");
    const damaged = await offsite("send");
    expect(damaged.out).toContain("does not match its manifest; not sent");
    expect(existsSync(join(root, "textfile", "ai_gateway_offsite.prom"))).toBe(false);
    mkdirSync(join(root, "target"));
    expect((await offsite("restore", "latest", join(root, "target"))).out).toContain("already exists; choose a new folder");
    expect((await offsite("restore", "--target=/", join(root, "elsewhere"))).out).toContain('"--target=/" is not a snapshot ID or latest');
    expect((await offsite("nonsense")).out).toContain("unknown mode nonsense");
    for (const r of [missing, damaged]) expect(r.out).not.toContain(PASSWORD);
  });
});

describe("the program with backup.offsite, under mocks", () => {
  const COMMAND = "command:local:Command";
  const CONTAINER = "docker:index/container:Container";
  const CREDENTIAL = "AKIA-program-credential";
  const base: ProgramConfig = { values: { ...dev.values }, secretKeys: dev.secretKeys };
  const rulesOf = (run: Awaited<ReturnType<typeof runProgram>>) =>
    run.configFiles(run.one(CONTAINER, "prometheus")).find((u) => u.file === "/etc/prometheus/rules/backup.yml")!.content;

  it("installs the password and credentials from a secret stdin only, with the settings, the check's cron line and the alerts", async () => {
    const run = await runProgram({
      values: {
        ...base.values,
        backup: offsite({ repository: "sftp:backup@nas.lan:/srv/restic/gw" }),
        backupOffsitePassword: PASSWORD,
        backupOffsiteEnv: JSON.stringify({ AWS_ACCESS_KEY_ID: CREDENTIAL }),
      },
      secretKeys: [...dev.secretKeys, "backupOffsitePassword", "backupOffsiteEnv"],
    });
    const secrets = run.one(COMMAND, "backup-offsite-secrets");
    expect(isSecretInput(secrets.rawInputs["stdin"])).toBe(true);
    expect(secrets.inputs.stdin).toBe(`${PASSWORD}\nAWS_ACCESS_KEY_ID='${CREDENTIAL}'\n`);
    expect(secrets.options.dependencies.some((d) => d.endsWith("::backup-install"))).toBe(true);
    const install = run.one(COMMAND, "backup-install").inputs.create as string;
    expect(install).toContain("45 4 * * 0 root /data/stack/backup/bin/offsite.sh /data/stack/backup/backup.env check >>/data/stack/backup/backup.log 2>&1");
    expect(install).toContain("OFFSITE_REPOSITORY='sftp:backup@nas.lan:/srv/restic/gw'");
    expect(install).toContain("OFFSITE_PASSWORD_FILE='/data/stack/backup/offsite-password'");
    expect(install).toContain("/data/stack/backup/bin/offsite.sh");
    expect(secrets.inputs.delete).toContain("rm -f '/data/stack/backup/offsite-password' '/data/stack/backup/offsite.env'");
    // Nothing but the secret stdin carries either secret: not the scripts, not a label, not a rendered file.
    const everythingElse = JSON.stringify(run.resources.map((r) => ({ ...r.inputs, stdin: undefined })));
    expect(everythingElse).not.toContain(PASSWORD);
    expect(everythingElse).not.toContain(CREDENTIAL);
    expect(rulesOf(run)).toContain("OffsiteBackupStale");
  });

  it("installs no secrets command and no off-host alert without backup.offsite", async () => {
    const run = await runProgram(base);
    expect(run.byType(COMMAND).map((r) => r.name)).not.toContain("backup-offsite-secrets");
    const install = run.one(COMMAND, "backup-install").inputs.create as string;
    expect(install).not.toContain("OFFSITE_REPOSITORY='");
    expect(install).not.toContain("backup.env check");
    expect(rulesOf(run)).not.toContain("Offsite");
  });
});
