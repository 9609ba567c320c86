// The GitHub workflows, parsed, and the stack selection they run.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig } from "../../config/validate.js";
import YAML from "yaml";
import { changedStacks, projectStacks } from "../../tools/changedStacks.js";

const load = (f: string) => YAML.parse(readFileSync(`.github/workflows/${f}`, "utf8"));
const pulumiStep = (job: { steps: { uses?: string; with?: any; env?: any }[] }) => job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;

describe("preview.yml", () => {
  const wf = load("preview.yml");

  it("previews every changed stack on pull requests with pulumi/actions v7, diffs and a PR comment", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions["pull-requests"]).toBe("write");
    const job = wf.jobs.preview;
    expect(job.needs).toBe("stacks");
    // The credentials are environment secrets behind required reviewers, never handed to unreviewed code.
    expect(job.environment).toBe("preview-${{ matrix.stack }}");
    expect(job.strategy.matrix.stack).toBe("${{ fromJSON(needs.stacks.outputs.stacks) }}");
    const step = pulumiStep(job);
    expect(step.uses).toBe("pulumi/actions@v7");
    expect(step.with).toMatchObject({ command: "preview", diff: true, "comment-on-pr": true, "stack-name": "${{ matrix.stack }}" });
    expect(step.env.PULUMI_CONFIG_PASSPHRASE).toBe("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    // The action does not install dependencies: npm ci must come before it.
    const names = job.steps.map((s: { run?: string; uses?: string }) => s.run ?? s.uses);
    expect(names.indexOf("npm ci")).toBeLessThan(names.indexOf("pulumi/actions@v7"));
    expect(wf.jobs.stacks.steps.find((s: { id?: string }) => s.id === "changed").run).toContain("tools/changedStacks.ts");
  });
});

describe("up.yml", () => {
  const wf = load("up.yml");

  it("runs pulumi up on main only, behind an environment per stack, after the tests", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
    const job = wf.jobs.up;
    expect(job.environment).toBe("${{ matrix.stack }}");
    expect(job.strategy["max-parallel"]).toBe(1);
    expect(job.strategy["fail-fast"]).toBe(false);
    expect(pulumiStep(job).with).toMatchObject({ command: "up", "stack-name": "${{ matrix.stack }}" });
    const runs = job.steps.map((s: { run?: string }) => s.run);
    expect(runs).toContain("npm test");
    for (const stack of job.strategy.matrix.stack) expect(projectStacks()).toContain(stack);
  });

  it("ups every worker before the gateway that lists it, so the gateway reads its new outputs in the same run", () => {
    const order: string[] = wf.jobs.up.strategy.matrix.stack;
    for (const stack of order) {
      const config = validateStackConfig(readStackConfig(".", stack));
      for (const worker of config.workers) expect(order.indexOf(worker), `${worker} before ${stack}`).toBeLessThan(order.indexOf(stack));
    }
    expect(order).toContain("gpu-02");
  });
});

describe("changed stacks", () => {
  const stacks = ["dev", "gpu-02", "prod"];
  it("previews a stack whose file changed, every stack when code changed, and none for docs or tests", () => {
    expect(changedStacks(["Pulumi.prod.yaml"], stacks)).toEqual(["prod"]);
    expect(changedStacks(["components/ollama.ts", "README.md"], stacks)).toEqual(["dev", "gpu-02", "prod"]);
    expect(changedStacks(["package-lock.json"], stacks)).toEqual(["dev", "gpu-02", "prod"]);
    expect(changedStacks(["README.md", "test/unit/x.test.ts", "tools/bench.ts"], stacks)).toEqual([]);
    expect(changedStacks(["Pulumi.staging.yaml"], stacks)).toEqual([]);
    expect(projectStacks()).toEqual(["dev", "gpu-02", "prod"]);
  });
});
