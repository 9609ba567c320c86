// The render tool run as a user runs it, in a child process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { gatewayOutputs, workerOutputs, workerRaw } from "../support/fleet.js";

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

describe("npm run render on a fleet", () => {
  const render = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx/esm", "tools/render.ts", ...args], { encoding: "utf8", timeout: 30_000 });
  const saved = (outputs: Record<string, unknown>) => {
    const file = join(mkdtempSync(join(tmpdir(), "aigw-outputs-")), "outputs.json");
    writeFileSync(file, JSON.stringify(outputs));
    return file;
  };

  it("renders the gateway with each worker it can read, and says which it could not", () => {
    const out = mkdtempSync(join(tmpdir(), "aigw-render-"));
    const r = render("--stack", "prod", "--out", out, "--outputs", saved({ "gpu-02": workerOutputs(workerRaw).outputs }));
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, "litellm", "config.yaml"), "utf8")).toContain("http://caddy:4080/gpu-02/ollama");
    expect(readdirSync(join(out, "caddy", "fleet"))).toEqual(["gpu-02.pem"]);
    const without = render("--stack", "prod", "--out", mkdtempSync(join(tmpdir(), "aigw-render-")), "--outputs", saved({}));
    expect(without.status).toBe(0);
    expect(without.stdout).toContain("note: rendered without worker gpu-02: it has published nothing yet");
  });

  it("renders a worker from its gateway's outputs, and refuses without them", () => {
    const out = mkdtempSync(join(tmpdir(), "aigw-render-"));
    const r = render("--stack", "gpu-02", "--out", out, "--outputs", saved({ prod: gatewayOutputs().outputs }));
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["caddy", "promtail"]);
    const refused = render("--stack", "gpu-02", "--out", out, "--outputs", saved({}));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`render: a gpu-worker's files need its gateway's outputs: stack "prod" has no fleetGateway output`);
  });
});
