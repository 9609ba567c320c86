// The shell text that runs on the host: linted by shellcheck, and executed for real in a temp folder.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requiresTool } from "../support/requires.js";
import { folderCreateScript, folderDeleteScript } from "../../host/scripts.js";
import { modelPullScript } from "../../services/ollama.js";

function shellcheck(script: string): string {
  const r = spawnSync("shellcheck", ["--shell=sh", "-"], { input: script, encoding: "utf8" });
  if (r.error) throw new Error(`shellcheck is not installed (apt-get install -y shellcheck): ${r.error.message}`);
  return r.stdout;
}

const shellcheckPresent = requiresTool("shellcheck", "apt-get install -y shellcheck");
const sh = (script: string, env: NodeJS.ProcessEnv = process.env) => spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env });
const isRoot = process.getuid?.() === 0;

describe("host scripts", () => {
  const folder = { path: "/data/stack/ollama", uid: 0, gid: 0, mode: "0750" };

  shellcheckPresent.it(`are clean under shellcheck${shellcheckPresent.why}`, () => {
    for (const script of [folderCreateScript(folder), folderDeleteScript(folder), modelPullScript("ai-gateway-dev-ollama", "qwen2.5-coder:1.5b")]) {
      expect(shellcheck(script)).toBe("");
    }
  });

  it.runIf(isRoot)("create a folder with its owner and mode, again and again, and delete it only when empty", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "aigw-")), "data", "loki");
    const spec = { path: dir, uid: 10001, gid: 10001, mode: "0750" };
    for (let i = 0; i < 2; i++) expect(sh(folderCreateScript(spec)).status).toBe(0);
    const st = statSync(dir);
    expect([st.uid, st.gid, (st.mode & 0o777).toString(8)]).toEqual([10001, 10001, "750"]);
    writeFileSync(join(dir, "chunk"), "data");
    expect(sh(folderDeleteScript(spec)).status).toBe(0);
    expect(existsSync(join(dir, "chunk"))).toBe(true);
    execFileSync("rm", [join(dir, "chunk")]);
    expect(sh(folderDeleteScript(spec)).status).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(sh(folderDeleteScript(spec)).status).toBe(0);
  });

  it.runIf(isRoot)("never change the owner of an existing folder that holds files: refuse, and say how to proceed", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "aigw-")), "grafana");
    execFileSync("install", ["-d", "-o", "1234", "-g", "1234", dir]);
    const spec = { path: dir, uid: 472, gid: 0, mode: "0750" };
    // Empty: taken over with the service's owner.
    expect(sh(folderCreateScript(spec)).status).toBe(0);
    expect(statSync(dir).uid).toBe(472);
    // Holding someone else's files: left alone.
    execFileSync("chown", ["1234:1234", dir]);
    writeFileSync(join(dir, "their-file"), "x");
    const r = sh(folderCreateScript(spec));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`ai-gateway: ${dir} already holds files and belongs to 1234:1234, not 472:0; its owner is left as it is. Fix:`);
    expect([statSync(dir).uid, statSync(dir).gid]).toEqual([1234, 1234]);
    // The service's own data (the same owner) is fine, again and again.
    execFileSync("chown", ["472:0", dir]);
    expect(sh(folderCreateScript(spec)).status).toBe(0);
  });

  it.runIf(isRoot)("hand a folder of the owner this service had before over to its new one, after stopping its container (needs root to chown)", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "aigw-")), "qdrant");
    execFileSync("install", ["-d", "-o", "0", "-g", "0", join(dir, "storage")]);
    writeFileSync(join(dir, "storage", "segment"), "x");
    // A fake docker on PATH records the stop; the real one stops the old container before the chown.
    const bin = mkdtempSync(join(tmpdir(), "aigw-bin-"));
    writeFileSync(join(bin, "docker"), `#!/bin/sh\necho "$@" >> ${join(bin, "calls")}\n`);
    chmodSync(join(bin, "docker"), 0o755);
    const spec = { path: dir, uid: 1000, gid: 1000, mode: "0750", formerOwners: ["0:0"], container: "ai-gateway-dev-qdrant" };
    const r = sh(folderCreateScript(spec), { ...process.env, PATH: `${bin}:${process.env["PATH"]}` });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ai-gateway: ${dir} belonged to 0:0, which this service ran as before; handing it to 1000:1000`);
    expect(readFileSync(join(bin, "calls"), "utf8").trim()).toBe("stop -t 30 ai-gateway-dev-qdrant");
    for (const p of [dir, join(dir, "storage"), join(dir, "storage", "segment")]) expect([statSync(p).uid, statSync(p).gid], p).toEqual([1000, 1000]);
    // A folder of anyone else is still refused.
    execFileSync("chown", ["-R", "1234:1234", dir]);
    expect(sh(folderCreateScript(spec), { ...process.env, PATH: `${bin}:${process.env["PATH"]}` }).status).toBe(1);
  });

  describe("model pull, against a fake docker on PATH", () => {
    function fakeDocker(behaviour: { present: boolean; pullExit: number }) {
      const bin = mkdtempSync(join(tmpdir(), "aigw-bin-"));
      const log = join(bin, "calls.log");
      writeFileSync(
        join(bin, "docker"),
        `#!/bin/sh\necho "$*" >> ${log}\ncase "$4" in show) exit ${behaviour.present ? 0 : 1};; pull) exit ${behaviour.pullExit};; esac\nexit 9\n`,
      );
      chmodSync(join(bin, "docker"), 0o755);
      return { env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}` }, calls: () => readFileSync(log, "utf8").trim().split("\n") };
    }

    it("skips the download when the model is already on disk", () => {
      const d = fakeDocker({ present: true, pullExit: 1 });
      expect(sh(modelPullScript("c", "llama3.2:1b"), d.env).status).toBe(0);
      expect(d.calls()).toEqual(["exec c ollama show llama3.2:1b"]);
    });

    it("pulls a missing model", () => {
      const d = fakeDocker({ present: false, pullExit: 0 });
      expect(sh(modelPullScript("c", "llama3.2:1b"), d.env).status).toBe(0);
      expect(d.calls()).toEqual(["exec c ollama show llama3.2:1b", "exec c ollama pull llama3.2:1b"]);
    });

    it("fails the deploy and names the model when the pull fails", () => {
      const d = fakeDocker({ present: false, pullExit: 1 });
      const r = sh(modelPullScript("c", "llama3.2:1b"), d.env);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("ollama pull failed for model 'llama3.2:1b'");
    });
  });
});
