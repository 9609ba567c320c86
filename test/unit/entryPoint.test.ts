// The entry point and the LiteLLM switch behind it: a gateway config edit starts a new LiteLLM
// container beside the old one and leaves the entry point (which owns the port) untouched.
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { generatedFiles } from "../../services/files.js";
import { validateStackConfig } from "../../config/validate.js";
import { evaluateOnce, runProgram, serviceOf, type ProgramConfig } from "../support/program.js";

const CONTAINER = "docker:index/container:Container";
const dev = readStackConfig(".", "dev");
const base: ProgramConfig = { values: { ...dev.values, openaiApiKey: "sk-test-openai-key-0123456789" }, secretKeys: ["openaiApiKey"] };
const withRoutes = (edit: (routes: Record<string, { timeoutSeconds?: number; fallbacks?: string[] }>) => void): ProgramConfig => {
  const routes = JSON.parse(base.values["routes"]!);
  edit(routes);
  return { ...base, values: { ...base.values, routes: JSON.stringify(routes) } };
};

describe("a gateway config edit under mocks", () => {
  const before = evaluateOnce(base);
  const after = evaluateOnce(withRoutes((r) => (r["task:code"]!.timeoutSeconds = 15)));

  it("publishes the gateway port from Caddy only; LiteLLM publishes nothing and answers to its service name", () => {
    const run = before();
    const published = run.byType(CONTAINER).filter((c) => (c.inputs.ports ?? []).some((p: { external: number }) => p.external === 4000));
    expect(published.map(serviceOf)).toEqual(["caddy"]);
    const litellm = run.container("litellm").inputs;
    expect(litellm.ports ?? []).toEqual([]);
    expect(litellm.networksAdvanced[0].aliases).toEqual(["litellm"]);
    expect(run.configFiles(run.container("caddy")).map((f) => [f.file, f.content])).toEqual([["/etc/caddy/Caddyfile", generatedFiles(validateStackConfig(dev)).find((f) => f.service === "caddy")!.content]]);
  });

  it("names the LiteLLM container by its config version, the same for the same config", async () => {
    const again = await runProgram(base);
    expect(again.container("litellm").name).toBe(before().container("litellm").name);
    expect(before().outputs["gatewayContainer"]).toBe(before().container("litellm").inputs.name);
  });

  it("gives the gateway a new version when its config folder moves (dataRoot), never a second container of the same name", async () => {
    const moved = await runProgram({ ...base, values: { ...base.values, dataRoot: "/srv/elsewhere" } });
    expect(moved.container("litellm").name).not.toBe(before().container("litellm").name);
  });

  it("registers the edited gateway as a new resource beside the old name, so Pulumi creates it before deleting the old one", () => {
    const [old, next] = [before().container("litellm"), after().container("litellm")];
    expect(next.name).not.toBe(old.name);
    expect(next.inputs.name).not.toBe(old.inputs.name);
    // Nothing but the gateway changes: the entry point, Ollama and the rest keep their inputs.
    const inputs = (run: ReturnType<typeof before>) => Object.fromEntries(run.byType(CONTAINER).filter((c) => serviceOf(c) !== "litellm").map((c) => [c.name, JSON.stringify(c.inputs)]));
    expect(inputs(after())).toEqual(inputs(before()));
  });

  it("lets the old LiteLLM finish its requests: the longest route budget plus a minute", () => {
    expect(before().container("litellm").inputs.destroyGraceSeconds).toBe(60 + 60);
    const long = withRoutes((r) => (r["task:docs"]!.timeoutSeconds = 3600));
    return runProgram(long).then((run) => expect(run.container("litellm").inputs.destroyGraceSeconds).toBe(600));
  });
});
