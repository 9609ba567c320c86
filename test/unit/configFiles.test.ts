// Config files on the host: the script that writes them runs for real here, under sh, as the
// provider's command would run it, with the bundle on standard input.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfigFiles, configBundle, configDeleteScript, configVersion, configWriteScript, type ConfigFile } from "../../host/configFiles.js";
import { decodeConfigBundle } from "../support/program.js";
import { requiresTool } from "../support/requires.js";

const FILES: ConfigFile[] = [
  { file: "/etc/prometheus/prometheus.yml", content: "global:\n  scrape_interval: 15s\n# ünïcode and 'quotes' and $dollars\n", permissions: "0444" },
  { file: "/etc/prometheus/secrets/key", content: "sk-secret", permissions: "0400", owner: "65534:65534" },
];
const FOLDERS = ["/etc/prometheus", "/run/empty"];
const isRoot = process.getuid?.() === 0;

function write(dir: string, files: readonly ConfigFile[]) {
  return spawnSync("/bin/sh", ["-c", configWriteScript(dir, FOLDERS)], { input: configBundle(files), encoding: "utf8" });
}

describe("config files on the host", () => {
  const shellcheck = requiresTool("shellcheck", "apt-get install -y shellcheck");
  shellcheck.it(`write and delete scripts are clean under shellcheck${shellcheck.why}`, () => {
    for (const script of [configWriteScript("/data/stack/config/x-0123456789ab", FOLDERS), configDeleteScript("/data/stack/config/x-0123456789ab")]) {
      const r = spawnSync("shellcheck", ["--shell=sh", "-"], { input: script, encoding: "utf8" });
      expect(r.stdout).toBe("");
    }
  });

  it("carries the secret only on standard input, never in the script", () => {
    const script = configWriteScript("/data/stack/config/prometheus-0123456789ab", FOLDERS);
    expect(script).not.toContain("sk-secret");
    expect(configBundle(FILES)).not.toContain("sk-secret");
    expect(decodeConfigBundle(configBundle(FILES), true).map((f) => f.content)).toEqual(FILES.map((f) => f.content));
  });

  it.runIf(isRoot)("writes every file with its mode and owner, makes each mounted folder, and can run again (needs root to chown)", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "aigw-config-")), "prometheus-0123456789ab");
    for (let run = 0; run < 2; run++) {
      const r = write(dir, FILES);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
    expect(readFileSync(`${dir}/etc/prometheus/prometheus.yml`, "utf8")).toBe(FILES[0]!.content);
    expect(readFileSync(`${dir}/etc/prometheus/secrets/key`, "utf8")).toBe("sk-secret");
    const secret = statSync(`${dir}/etc/prometheus/secrets/key`);
    expect([secret.mode & 0o777, secret.uid, secret.gid]).toEqual([0o400, 65534, 65534]);
    expect(statSync(`${dir}/etc/prometheus/prometheus.yml`).mode & 0o777).toBe(0o444);
    expect(readdirSync(`${dir}/run/empty`)).toEqual([]);
    // Nothing half-written is left beside it.
    expect(existsSync(`${dir}.tmp`)).toBe(false);
    expect(spawnSync("/bin/sh", ["-c", configDeleteScript(dir)]).status).toBe(0);
    expect(existsSync(dir)).toBe(false);
    // A damaged bundle is refused before anything is written.
    const broken = spawnSync("/bin/sh", ["-c", configWriteScript(dir, FOLDERS)], { input: "0444 0:0 /etc/prometheus/x.yml\n!!not base64!!\n", encoding: "utf8" });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain("the config bundle is damaged at /etc/prometheus/x.yml");
    expect(existsSync(dir)).toBe(false);
  });

  it("names the folder by a keyed digest of every file (secrets included), its folders and place, whatever their order", () => {
    const where = { base: "/data/stack/config/prometheus", folders: FOLDERS };
    const v = (files: readonly ConfigFile[], w = where, key = "stack-key") => configVersion(files, w, key);
    expect(v(FILES)).toMatch(/^[0-9a-f]{12}$/);
    expect(v([...FILES].reverse())).toBe(v(FILES));
    expect(v([FILES[0]!, { ...FILES[1]!, content: "sk-rotated" }])).not.toBe(v(FILES));
    expect(v([FILES[0]!, { ...FILES[1]!, permissions: "0440" }])).not.toBe(v(FILES));
    // Anything else that changes what the script does gives a new folder too: a folder in use is never rewritten.
    expect(v(FILES, { ...where, folders: ["/etc/prometheus"] })).not.toBe(v(FILES));
    expect(v(FILES, { ...where, base: "/srv/other/config/prometheus" })).not.toBe(v(FILES));
    // Keyed: without the stack's key the name says nothing about a secret in the folder.
    expect(v(FILES, where, "another-key")).not.toBe(v(FILES));
  });

  it("refuses a file outside the mounted folders, or one the script could not write safely", () => {
    expect(() => checkConfigFiles(FILES, FOLDERS)).not.toThrow();
    expect(() => checkConfigFiles([{ file: "/etc/other/x.yml", content: "", permissions: "0444" }], FOLDERS)).toThrow(/outside the service's config folders \(\/etc\/prometheus, \/run\/empty\)/);
    expect(() => checkConfigFiles([{ file: "/etc/prometheus/a b.yml", content: "", permissions: "0444" }], FOLDERS)).toThrow(/without spaces/);
    expect(() => checkConfigFiles([{ file: "/etc/prometheus/../shadow", content: "", permissions: "0444" }], FOLDERS)).toThrow(/without spaces or \.\./);
    expect(() => checkConfigFiles([{ file: "/etc/prometheus/x", content: "", permissions: "644" }], FOLDERS)).toThrow(/octal mode/);
    expect(() => checkConfigFiles([{ file: "/etc/prometheus/x", content: "", permissions: "0444", owner: "nobody" }], FOLDERS)).toThrow(/uid:gid/);
  });
});
