// `pulumi up` does not use vitest's loader: it runs index.ts through ts-node's ESM hooks. This checks
// that path, so an import or module setting that only vitest tolerates fails here and not on a host.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";

describe("the deploy-time loader", () => {
  it("type-checks and runs the program the way the Pulumi language host does", () => {
    const dev = readStackConfig(".", "dev");
    const config = Object.fromEntries(Object.entries(dev.values).map(([k, v]) => [`ai-gateway:${k}`, v]));
    const r = spawnSync(process.execPath, ["test/integration/fixtures/deployLoader.mjs"], {
      encoding: "utf8",
      env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: "[]" },
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").pop()!).registered).toBeGreaterThan(8);
  }, 60_000);
});
