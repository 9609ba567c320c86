// The shape the architecture promises, checked: every config file a container mounts comes from the
// one list (and the list has nothing no container mounts), tools stay free of Pulumi, and no source file grows past
// what a reader can hold.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig } from "../../config/validate.js";
import { generatedFiles } from "../../services/files.js";
import { gatewayWorkers } from "../../services/litellm.js";
import { GRAFANA } from "../../services/grafana.js";
import { PROMETHEUS } from "../../services/prometheus.js";
import type { FleetView } from "../../services/files.js";
import { FLEET, type GatewayAnnouncement } from "../../services/fleet.js";
import { shipperPushFiles } from "../../services/logShippers.js";
import { gatewayOutputs, prodStacks, twoWorkers, workerStacks } from "../support/fleet.js";
import { evaluateOnce, serviceOf, type ProgramConfig } from "../support/program.js";

// Secret files are uploaded beside the list and never rendered.
const SECRET_FILES = new Set([
  GRAFANA.passwordFile,
  `${PROMETHEUS.configDir}/${PROMETHEUS.litellmKeyFile}`,
  `${PROMETHEUS.configDir}/${PROMETHEUS.qdrantKeyFile}`,
  shipperPushFiles("promtail").passwordFile,
]);

function stackCase(stack: string, patch: Record<string, string> = {}): ProgramConfig & { fleet?: FleetView } {
  const raw = readStackConfig(".", stack);
  if (stack === "gpu-02") return { stack, values: { ...raw.values, ...patch }, stacks: workerStacks(), fleet: { gateway: gatewayOutputs().outputs[FLEET.gatewayOutput] as GatewayAnnouncement } };
  return { stack, values: { ...raw.values, ...patch, openaiApiKey: "sk-structure-test-0123456789" }, secretKeys: ["openaiApiKey"], stacks: prodStacks(), ...(stack === "prod" ? { fleet: { workers: twoWorkers().slice(0, 1) } } : {}) };
}

for (const [label, cfg] of [
  ["dev", stackCase("dev")],
  ["prod", stackCase("prod")],
  ["the gpu-02 worker", stackCase("gpu-02")],
  ["dev with Alloy", stackCase("dev", { logShipper: "alloy" })],
] as const) {
  describe(`the generated files of ${label}`, () => {
    const run = evaluateOnce(cfg);
    it("are exactly the containers' config files, apart from secret files", () => {
      const all = run()
        .byType("docker:index/container:Container")
        .filter((c) => run().resources.some((r) => r.name === `${c.name}-config`))
        .flatMap((c) => run().configFiles(c).map((u) => ({ service: serviceOf(c), file: u.file, content: u.content })));
      const uploaded = all.filter((u) => !SECRET_FILES.has(u.file));
      const config = validateStackConfig({ stack: cfg.stack!, values: cfg.values, secretKeys: new Set(cfg.secretKeys) });
      // The recorded host has 8 cores: LiteLLM's workers follow them.
      const listed = generatedFiles(config, { workers: gatewayWorkers(config, 8), ...(cfg.fleet ? { fleet: cfg.fleet } : {}) }).map((f) => ({ service: f.service, file: f.containerPath, content: f.content }));
      const key = (x: { service?: string; file: string }) => `${x.service}:${x.file}`;
      expect(uploaded.map(key).sort()).toEqual(listed.map(key).sort());
      for (const u of uploaded) expect(u.content, key(u)).toBe(listed.find((l) => key(l) === key(u))!.content);
      // The secret files are there too, so the filter above hides nothing else.
      // (Grafana's password and Prometheus's two keys on a gateway; the log-push password on a worker.)
      expect(all.filter((u) => SECRET_FILES.has(u.file))).toHaveLength(cfg.stack === "gpu-02" ? 1 : 3);
    });
  });
}

/** Every relative import of a file, resolved to a repository path, and every package it names. */
function importsOf(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(file, "utf8");
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g),
    ...text.matchAll(/(?:^|\n)\s*import\s+"([^"]+)"/g),
    ...text.matchAll(/import\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1]!);
  const files = specs.filter((s) => s.startsWith(".")).map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, ".ts"));
  return { files, packages: specs.filter((s) => !s.startsWith(".")) };
}

describe("the tools", () => {
  it("reach neither components/ nor any @pulumi package, directly or through what they import", () => {
    const tools = readdirSync("tools").filter((f) => f.endsWith(".ts")).map((f) => `tools/${f}`);
    const seen = new Map<string, string>();
    const queue = tools.map((t) => [t, t] as const);
    const problems: string[] = [];
    while (queue.length) {
      const [file, via] = queue.shift()!;
      if (seen.has(file)) continue;
      seen.set(file, via);
      if (file.startsWith("components/") || file === "index.ts") problems.push(`${via} reaches ${file}`);
      const { files, packages } = importsOf(file);
      for (const p of packages) if (p.startsWith("@pulumi/")) problems.push(`${via} reaches ${p} (in ${file})`);
      for (const f of files) queue.push([f, via]);
    }
    expect(problems).toEqual([]);
    // The walk really followed the imports.
    expect(seen.has("services/catalog.ts")).toBe(true);
  });
});

describe("source files", () => {
  it("are at most 350 lines each", () => {
    const tooLong: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (name === "node_modules" || name.startsWith(".")) continue;
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith(".ts")) {
          const lines = readFileSync(path, "utf8").split("\n").length - 1;
          if (lines > 350) tooLong.push(`${relative(".", path)}: ${lines}`);
        }
      }
    };
    walk(".");
    expect(tooLong).toEqual([]);
  });
});
