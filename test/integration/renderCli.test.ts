// The render tool run as a user runs it, in a child process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";

describe("npm run render", () => {
  const render = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx/esm", "tools/render.ts", ...args], { encoding: "utf8", timeout: 30_000 });

  it("writes the dev stack's generated files without Pulumi or Docker, with secrets only as references", () => {
    const out = mkdtempSync(join(tmpdir(), "aigw-render-"));
    const r = render("--stack", "dev", "--out", out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readdirSync(join(out, "litellm"))).toEqual(["config.yaml"]);
    const text = readFileSync(join(out, "litellm", "config.yaml"), "utf8");
    expect(YAML.parse(text).general_settings.master_key).toBe("os.environ/LITELLM_MASTER_KEY");
    expect(text).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
  });

  it("explains bad flags and bad config instead of throwing", () => {
    const missing = render("--stack", "dev");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--stack and --out are required");
    const unknown = render("--stack", "nosuch", "--out", tmpdir());
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("there is no Pulumi.nosuch.yaml");
  });
});
