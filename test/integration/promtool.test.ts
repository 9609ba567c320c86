// The Prometheus files checked by the real promtool: the scrape config, every rule file, and the
// rules' own unit tests (observability/rule-tests), which must also notice a changed threshold.
// promtool is a child process and its rule tests simulate days of samples: an integration test.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect } from "vitest";
import type { StackConfig } from "../../config/schema.js";
import { DEFAULTS } from "../../config/schema.js";
import { alertRuleFiles } from "../../observability/alerts.js";
import { renderRuleFile } from "../../renderers/prometheus.js";
import { filesOf, generatedFiles } from "../../services/files.js";
import { PROMETHEUS } from "../../services/prometheus.js";
import { validateStackConfig } from "../../config/validate.js";
import type { FleetView } from "../../services/files.js";
import { twoWorkerRaw, twoWorkers } from "../support/fleet.js";
import { requiresTool } from "../support/requires.js";
import { devConfig, gpuConfig } from "../support/stacks.js";

const prometheusFiles = (config: StackConfig, fleet: FleetView = {}) => filesOf(generatedFiles(config, { fleet }), "prometheus");

const { it: promtoolIt, why } = requiresTool("promtool", "apt-get install -y prometheus");

function promtool(args: string[], cwd: string) {
  const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
  if (r.error) throw new Error(`promtool could not run (apt-get install -y prometheus): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Lays the Prometheus files out as the container sees them, below a temp folder. */
function prometheusDir(config = gpuConfig, fleet: FleetView = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "aigw-prom-"));
  for (const f of prometheusFiles(config, fleet)) {
    const target = join(dir, f.containerPath.slice(PROMETHEUS.configDir.length + 1));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
  }
  mkdirSync(join(dir, "secrets"), { recursive: true });
  for (const f of [PROMETHEUS.litellmKeyFile, PROMETHEUS.qdrantKeyFile]) writeFileSync(join(dir, f), "test-key");
  return dir;
}

function ruleTestDir(thresholds = DEFAULTS.alerts): string {
  const dir = mkdtempSync(join(tmpdir(), "aigw-rules-"));
  for (const f of alertRuleFiles(thresholds, { gpu: true, host: true, backup: true, offsite: DEFAULTS.offsite, fleet: true })) writeFileSync(join(dir, `${f.name}.yml`), renderRuleFile(f));
  cpSync("observability/rule-tests", dir, { recursive: true });
  return dir;
}
const ruleTests = () => readdirSync("observability/rule-tests").filter((f) => f.endsWith(".test.yml")).sort();

describe("Prometheus files, with promtool", () => {
  promtoolIt(`prometheus.yml passes promtool check config${why}`, () => {
    for (const config of [devConfig, gpuConfig]) {
      const r = promtool(["check", "config", "prometheus.yml"], prometheusDir(config));
      expect(r.out).toContain("SUCCESS");
      expect(r.status, r.out).toBe(0);
    }
  });

  promtoolIt(`every rule file passes promtool check rules${why}`, () => {
    const dir = prometheusDir();
    const files = readdirSync(join(dir, "rules"));
    expect(files.sort()).toEqual(["backup.yml", "gateway.yml", "gpu.yml", "host.yml", "targets.yml"]);
    const r = promtool(["check", "rules", ...files.map((f) => join("rules", f))], dir);
    expect(r.status, r.out).toBe(0);
  });

  promtoolIt(`the two-worker gateway's prometheus.yml and rules pass promtool, with a target per worker${why}`, () => {
    const dir = prometheusDir(validateStackConfig(twoWorkerRaw), { workers: twoWorkers() });
    const r = promtool(["check", "config", "prometheus.yml"], dir);
    expect(r.status, r.out).toBe(0);
    expect(readdirSync(join(dir, "rules")).sort()).toEqual(["backup.yml", "fleet.yml", "gateway.yml", "gpu.yml", "host.yml", "targets.yml"]);
    const rules = promtool(["check", "rules", "rules/fleet.yml"], dir);
    expect(rules.status, rules.out).toBe(0);
    expect(rules.out).toContain("SUCCESS: 1 rules found");
  });

  promtoolIt(`the alert rules pass their promtool unit tests${why}`, () => {
    const r = promtool(["test", "rules", ...ruleTests()], ruleTestDir());
    expect(r.status, r.out).toBe(0);
    expect(r.out.match(/SUCCESS/g)?.length).toBe(ruleTests().length);
  });

  promtoolIt(`the unit tests notice a changed threshold${why}`, () => {
    // Raised thresholds silence every firing case, so promtool must report failures.
    const quiet = { errorRatePercent: 50, fallbackRatePercent: 90, p95LatencySeconds: 600, gpuMemoryPercent: 99.9, hostMemoryPercent: 99, diskPercent: 99 };
    const r = promtool(["test", "rules", ...ruleTests()], ruleTestDir(quiet));
    expect(r.status).not.toBe(0);
    for (const alert of ["GatewayErrorRateHigh", "GatewayFallbackRateHigh", "RouteLatencyP95High", "HostMemoryNearFull", "HostDiskNearFull", "GpuMemoryNearFull"]) {
      expect(r.out).toContain(alert);
    }
  });

});
