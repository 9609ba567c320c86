// Which Pulumi CLI the npm scripts run, and the state folder that must exist before it starts.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { atLeast, chooseCli, ensureStateFolder, minimumCliVersion, parseVersion, userCliOnPath } from "../../tools/pulumiCli.js";

function fakeCli(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, "pulumi");
  writeFileSync(p, "#!/bin/sh\nexit 0\n");
  chmodSync(p, 0o755);
  return p;
}

describe("the pulumi CLI the scripts run", () => {
  const project = resolve(".");
  const min = minimumCliVersion(project);

  it("requires at least the SDK's version, read from package.json", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    expect(min).toBe(pkg.dependencies["@pulumi/pulumi"]);
    expect(parseVersion("v3.248.0\n")).toEqual([3, 248, 0]);
    expect(parseVersion("garbage")).toBeUndefined();
    expect(atLeast([3, 248, 0], [3, 248, 0])).toBe(true);
    expect(atLeast([3, 300, 1], [3, 248, 0])).toBe(true);
    expect(atLeast([3, 99, 9], [3, 248, 0])).toBe(false);
    expect(atLeast([4, 0, 0], [3, 248, 0])).toBe(true);
  });

  it("finds the user's own CLI on PATH, passing over npm's node_modules/.bin launchers", () => {
    const root = mkdtempSync(join(tmpdir(), "aigw-cli-"));
    const launcherDir = join(root, "proj", "node_modules", ".bin");
    fakeCli(launcherDir);
    const own = fakeCli(join(root, "usr", "bin"));
    expect(userCliOnPath(`${launcherDir}:${join(root, "empty")}:${join(root, "usr", "bin")}`)).toBe(own);
    expect(userCliOnPath(launcherDir)).toBeUndefined();
  });

  it("prefers a new enough CLI from PATH, and falls back to the launcher, saying why, when it is older", () => {
    const own = fakeCli(join(mkdtempSync(join(tmpdir(), "aigw-cli-")), "bin"));
    const env = { PATH: own.replace(/\/pulumi$/, "") };
    expect(chooseCli(project, env, () => "v3.265.0\n")).toEqual({ path: own });
    const old = chooseCli(project, env, () => "v3.100.0\n");
    expect(old.path).toBe(join(project, "node_modules", ".bin", "pulumi"));
    expect(old.note).toBe(`${own} (v3.100.0) is older than ${min}, the Pulumi SDK this program uses; running the launcher from devDependencies instead`);
    expect(chooseCli(project, { PATH: "" }).path).toBe(join(project, "node_modules", ".bin", "pulumi"));
  });
});

describe("the state folder of a fresh clone", () => {
  const freshProject = () => {
    const dir = mkdtempSync(join(tmpdir(), "aigw-fresh-"));
    writeFileSync(join(dir, "Pulumi.yaml"), readFileSync("Pulumi.yaml"));
    return dir;
  };

  it("is created, private, before the CLI opens Pulumi.yaml's file backend", () => {
    const dir = freshProject();
    expect(existsSync(join(dir, ".pulumi-state"))).toBe(false);
    expect(ensureStateFolder(dir, {})).toBe(join(dir, ".pulumi-state"));
    expect(statSync(join(dir, ".pulumi-state")).mode & 0o777).toBe(0o700);
    // Again: nothing to do, no error.
    expect(ensureStateFolder(dir, {})).toBe(join(dir, ".pulumi-state"));
  });

  it("follows PULUMI_BACKEND_URL, and creates nothing for remote state", () => {
    const dir = freshProject();
    const elsewhere = join(mkdtempSync(join(tmpdir(), "aigw-state-")), "nested", "state");
    expect(ensureStateFolder(dir, { PULUMI_BACKEND_URL: `file://${elsewhere}` })).toBe(elsewhere);
    expect(existsSync(elsewhere)).toBe(true);
    expect(ensureStateFolder(dir, { PULUMI_BACKEND_URL: "s3://bucket/ai-gateway" })).toBeUndefined();
    expect(existsSync(join(dir, ".pulumi-state"))).toBe(false);
  });

  it("is what `npm run deploy:dev` and `npm run preview` go through", () => {
    const scripts = JSON.parse(readFileSync("package.json", "utf8")).scripts as Record<string, string>;
    expect(scripts["pulumi"]).toBe("node --import tsx/esm tools/pulumi.ts");
    expect(scripts["deploy:dev"]).toBe("npm run -s pulumi -- stack select --create dev && npm run -s pulumi -- up --stack dev");
    expect(scripts["preview"]).toMatch(/^npm run -s pulumi -- preview/);
  });
});
