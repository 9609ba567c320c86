// The entry point and the LiteLLM switch behind it: a gateway config edit starts a new LiteLLM
// container beside the old one and leaves the entry point (which owns the port) untouched.
import { mkdtempSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { renderCaddyfile } from "../../renderers/caddy.js";
import { generatedFiles } from "../../services/files.js";
import { validateStackConfig } from "../../config/validate.js";
import { requiresTool } from "../support/requires.js";
import { evaluateOnce, runProgram, serviceOf, type ProgramConfig } from "../support/program.js";

const CONTAINER = "docker:index/container:Container";
const dev = readStackConfig(".", "dev");
const base: ProgramConfig = { values: { ...dev.values, openaiApiKey: "sk-test-openai-key-0123456789" }, secretKeys: ["openaiApiKey"] };
const withRoutes = (edit: (routes: Record<string, { timeoutSeconds?: number; fallbacks?: string[] }>) => void): ProgramConfig => {
  const routes = JSON.parse(base.values["routes"]!);
  edit(routes);
  return { ...base, values: { ...base.values, routes: JSON.stringify(routes) } };
};

describe("the Caddyfile", () => {
  const text = generatedFiles(validateStackConfig(dev)).find((f) => f.service === "caddy")!.content;

  it("proxies the gateway port to LiteLLM by its stack-network name, retrying across a switch", () => {
    expect(text).toMatch(/^:4000 \{$/m);
    expect(text).toMatch(/^\treverse_proxy litellm:4000 \{$/m);
    expect(text).toMatch(/^\t\tlb_try_duration 30s$/m);
    expect(text).toMatch(/^\t\t\tmethod GET HEAD POST$/m);
    // Without the buffer a retried POST has no body left to send (seen on a real engine).
    expect(text).toMatch(/^\t\trequest_buffers 8MB$/m);
    expect(text).toMatch(/^\tadmin localhost:2019$/m);
    expect(renderCaddyfile({ listenPort: 4000, gatewayUpstream: "litellm:4000", adminAddress: "localhost:2019", retrySeconds: 30, retryBufferMb: 8 })).toBe(text);
  });

  const caddy = requiresTool("caddy", "apt-get install -y caddy", ["version"]);
  // CI has Debian's Caddy 2.6.2; the pinned image is 2.11.4. `request_buffers` exists since 2.7.0
  // (2.6 spelled it buffer_requests, which 2.11 no longer parses), so an older caddy checks the
  // rest of the file; the whole file was checked by hand against a 2.11.4 build.
  caddy.it(`is accepted by caddy adapt (on Caddy < 2.7 without its one 2.7+ line, request_buffers)${caddy.why}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "aigw-caddy-"));
    const version = /v(\d+)\.(\d+)/.exec(spawnSync("caddy", ["version"], { encoding: "utf8" }).stdout) ?? [];
    const modern = Number(version[1]) > 2 || (Number(version[1]) === 2 && Number(version[2]) >= 7);
    const checked = modern ? text : text.replace(/^\t\trequest_buffers .*\n/m, "");
    expect(text.split("\n").length - checked.split("\n").length).toBe(modern ? 0 : 1);
    writeFileSync(join(dir, "Caddyfile"), checked);
    const r = spawnSync("caddy", ["adapt", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], { encoding: "utf8", env: { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    const route = JSON.stringify(json.apps.http.servers);
    expect(route).toContain('"dial":"litellm:4000"');
    expect(route).toContain('"try_duration":30000000000');
    expect(route).toContain('"flush_interval":-1');
    if (modern) expect(route).toContain('"request_buffers":8000000');
  });
});

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
    expect(run.container("caddy").inputs.uploads).toEqual([{ file: "/etc/caddy/Caddyfile", content: generatedFiles(validateStackConfig(dev)).find((f) => f.service === "caddy")!.content }]);
  });

  it("names the LiteLLM container by its config version, the same for the same config", async () => {
    const again = await runProgram(base);
    expect(again.container("litellm").name).toBe(before().container("litellm").name);
    expect(before().outputs["gatewayContainer"]).toBe(before().container("litellm").inputs.name);
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
