// evidence and pr-body against the local stand-in stack and a fake `docker` on PATH.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { collectEvidence, entryAuth, fleetWorkers, main as evidenceMain, type Evidence, type EvidenceOptions } from "../../../tools/evidence.js";
import { main as prBodyMain, renderPrBody } from "../../../tools/prBody.js";
import { KEY, NOW_SECONDS, startTestServer, type TestServer } from "../../support/testServer.js";

const OPENAI_KEY = "sk-proj-real-openai-key-wxyz";
const PLANTED = "sk-planted-in-a-log-line-9876";
const GRAFANA_PASSWORD = "grafana-pass-Zq81";
const CONTAINER = "ai-gateway-dev-litellm";

let binDir: string;
const originalPath = process.env["PATH"];
beforeAll(() => {
  // Answers the three docker calls the evidence tool makes, the way the real CLI would.
  binDir = mkdtempSync(join(tmpdir(), "fake-docker-"));
  writeFileSync(
    join(binDir, "docker"),
    [
      "#!/bin/sh",
      'case "$1" in',
      `  logs) echo "INFO started"; echo "ERROR upstream said Bearer ${PLANTED} was wrong";;`,
      `  exec) [ "$4" = OPENAI_API_KEY ] && [ -z "$NO_KEY" ] && echo "${OPENAI_KEY}" || exit 1;;`,
      '  inspect) echo "healthy unless-stopped";;',
      "  *) exit 2;;",
      "esac",
    ].join("\n") + "\n",
  );
  chmodSync(join(binDir, "docker"), 0o755);
  process.env["PATH"] = `${binDir}:${originalPath}`;
});
afterAll(() => {
  process.env["PATH"] = originalPath;
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  delete process.env["NO_KEY"];
});

async function evidenceFrom(s: TestServer, patch: Partial<EvidenceOptions> = {}): Promise<Evidence> {
  return collectEvidence({
    target: { url: s.url, key: KEY },
    stack: "dev",
    container: CONTAINER,
    prometheusUrl: s.url,
    lokiUrl: s.url,
    grafanaUrl: s.url,
    qdrantUrl: s.url,
    benchN: 2,
    secrets: [GRAFANA_PASSWORD],
    now: () => NOW_SECONDS * 1000,
    ...patch,
  });
}

const statusOf = (e: Evidence) => Object.fromEntries(e.sections.map((s) => [s.id, s.status]));

describe("evidence", () => {
  it("collects every section from a healthy stack, with PASS for each", async () => {
    server = await startTestServer({ lokiLines: ["a litellm log line"] });
    const e = await evidenceFrom(server);
    expect(statusOf(e)).toEqual({
      models: "PASS",
      "ping:task:code": "PASS",
      "ping:task:docs": "PASS",
      metrics: "PASS",
      "docker-logs": "PASS",
      "loki-logs": "PASS",
      bench: "PASS",
      "openai-key": "PASS",
      "container-health": "PASS",
      backup: "PASS",
      prometheus: "PASS",
      grafana: "PASS",
      qdrant: "PASS",
    });
    const byId = Object.fromEntries(e.sections.map((s) => [s.id, s]));
    expect(byId["openai-key"]!.output).toBe("OPENAI_API_KEY=set (sk-…wxyz)");
    expect(byId["docker-logs"]!.command).toBe(`docker logs --tail 200 ${CONTAINER}`);
    expect(byId["loki-logs"]!.output).toContain("a litellm log line");
    expect(byId["metrics"]!.output).toMatch(/^litellm_proxy_total_requests_metric_total/m);
    expect(e.bench!.runs).toHaveLength(6);
    expect(byId["backup"]!.output).toBe("HTTP 200\nlast success 2025-12-31T23:00:00.000Z, 1.0 h ago");
  });

  it("fails only the section of a service that cannot be reached", async () => {
    const gone = await startTestServer();
    const closedUrl = gone.url;
    await gone.close();
    server = await startTestServer();
    const e = await evidenceFrom(server, { grafanaUrl: closedUrl });
    const failed = e.sections.filter((s) => s.status === "FAIL").map((s) => s.id);
    expect(failed).toEqual(["grafana"]);
    expect(e.sections.find((s) => s.id === "grafana")!.output).toMatch(/^unreachable: ECONNREFUSED/);
  });

  it("fails the backup section when the last success is older than 26 h, or there is none", async () => {
    server = await startTestServer({ lastBackup: NOW_SECONDS - 27 * 3600 });
    const old = (await evidenceFrom(server)).sections.find((s) => s.id === "backup")!;
    expect(old).toMatchObject({ status: "FAIL", output: "HTTP 200\nlast success 2025-12-30T21:00:00.000Z, 27.0 h ago" });
    server.behaviour.lastBackup = null;
    const none = (await evidenceFrom(server)).sections.find((s) => s.id === "backup")!;
    expect(none).toMatchObject({ status: "FAIL", output: "HTTP 200\nno backup has succeeded yet (or backups are off)" });
  });

  it("reports a missing key as `missing`, and skips services it was given no URL for", async () => {
    server = await startTestServer();
    process.env["NO_KEY"] = "1";
    const e = await evidenceFrom(server, { qdrantUrl: undefined as unknown as string });
    expect(e.sections.find((s) => s.id === "openai-key")).toMatchObject({ status: "FAIL", output: "OPENAI_API_KEY=missing" });
    expect(statusOf(e)["qdrant"]).toBe("SKIP");
  });
});

describe("pr-body", () => {
  it("follows the template, ticks the checklist from the evidence, charts p50/p95, and masks every secret", async () => {
    server = await startTestServer({ metricsExtra: `litellm_leak{key="${KEY}",other="${PLANTED}"} 1`, lokiLines: [`password=${GRAFANA_PASSWORD}`] });
    const e = await evidenceFrom(server);
    const body = renderPrBody(e, "pt");
    const headings = body.split("\n").filter((l) => /^## /.test(l));
    expect(headings).toEqual(["## Contexto", "## Objetivo", "## Mudanças", "## Evidências", "## Riscos & Rollback", "## Checklist", "## Como testar"]);
    expect(body).toContain("- [x] Healthcheck verde e restart automático.");
    expect(body).toContain("- [x] Métricas no Prometheus e logs no Loki/Grafana.");
    expect(body).toContain("- [x] `OPENAI_API_KEY` presente no contêiner (não no repositório).");
    expect(body).toContain("- [x] Bench registrado (latência por tarefa/modelo).");
    expect(body).toContain("- [x] Backup de config e Qdrant agendados.");
    expect(body).toContain("```mermaid\nxychart-beta");
    expect(body).toContain('x-axis ["task:code", "task:docs", "openai/gpt-4o"]');
    expect(body).toContain("OPENAI_API_KEY=set (sk-…wxyz)");
    for (const secret of [KEY, PLANTED, OPENAI_KEY, GRAFANA_PASSWORD]) expect(body).not.toContain(secret);
    const en = renderPrBody(e, "en");
    expect(en.split("\n").filter((l) => /^## /.test(l))).toEqual(["## Context", "## Goal", "## Changes", "## Evidence", "## Risks & rollback", "## Checklist", "## How to test"]);
  });

  it("shows FAIL for a failed rollout, leaves the checklist unticked, and still includes the chart", async () => {
    server = await startTestServer({ mode: "fail500" });
    const e = await evidenceFrom(server);
    const body = renderPrBody(e, "pt");
    expect(body).toMatch(/\*\*FAIL:\*\* Ping chat \(task:code\), Ping chat \(task:docs\), Bench/);
    expect(body).toContain("### Bench — FAIL");
    expect(body).toContain("- [ ] Healthcheck verde e restart automático.");
    expect(body).toContain("- [ ] Bench registrado (latência por tarefa/modelo).");
    expect(body).toMatch(/^task:code\s+FAIL\s+\d+\s+-\s+-\s+500 stand-in failure for task:code$/m);
    expect(body).toContain("```mermaid\nxychart-beta");
  });
});

describe("the evidence and pr-body CLIs", () => {
  it("write evidence JSON, and turn it into a PR body file", async () => {
    // The CLI runs on the real clock: a backup that succeeded a minute ago.
    server = await startTestServer({ lastBackup: Math.floor(Date.now() / 1000) - 60 });
    const dir = mkdtempSync(join(tmpdir(), "evidence-cli-"));
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const args = ["--url", server.url, "--key", KEY, "--container", CONTAINER, "--loki-url", server.url, "--prometheus-url", server.url, "--grafana-url", server.url, "--qdrant-url", server.url, "--bench-n", "1", "--json", join(dir, "evidence.json")];
      expect(await evidenceMain(args)).toBe(0);
      expect(await prBodyMain(["--evidence", join(dir, "evidence.json"), "--lang", "en", "--out", join(dir, "body.md")])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const body = readFileSync(join(dir, "body.md"), "utf8");
    expect(body).toContain("- [x] Bench recorded (latency per task/model).");
    expect(body).not.toContain(KEY);
    await expect(prBodyMain(["--evidence", join(dir, "missing.json")])).rejects.toThrow(/cannot read/);
  });
});

describe("evidence through the entry point", () => {
  it("sends the basic-auth credential to services reached over the entry point's HTTPS, and to nothing on a loopback port", () => {
    const basicAuth = `Basic ${Buffer.from("ai-gateway:pw").toString("base64")}`;
    expect(entryAuth({ basicAuth }, "https://127.0.0.1:3100")).toEqual({ headers: { authorization: basicAuth } });
    expect(entryAuth({ basicAuth }, "http://127.0.0.1:3100")).toEqual({});
    expect(entryAuth({}, "https://127.0.0.1:3100")).toEqual({});
  });
});

describe("evidence on a fleet", () => {
  it("lists each worker and how it answers through the relay: its models, or what it said", async () => {
    server = await startTestServer({ lokiLines: ["a litellm log line"] });
    // The relay on the gateway host: gpu-02 answers with its models, gpu-03 is down (the relay's 503).
    const { createServer } = await import("node:http");
    const relay = createServer((req, res) => {
      if (req.url === "/gpu-02/ollama/api/tags") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ models: [{ name: "qwen2.5-coder:32b" }, { name: "llama3.1:8b" }] }));
      else res.writeHead(503).end("");
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const at = `http://127.0.0.1:${(relay.address() as { port: number }).port}`;
    try {
      const e = await evidenceFrom(server, {
        workers: [
          { host: "gpu-02", ollama: `${at}/gpu-02/ollama`, models: ["qwen2.5-coder:32b", "llama3.1:8b"] },
          { host: "gpu-03", ollama: `${at}/gpu-03/ollama`, models: ["qwen2.5-coder:32b"] },
        ],
      });
      const gpu02 = e.sections.find((s) => s.id === "worker:gpu-02")!;
      expect(gpu02).toMatchObject({ title: "Worker gpu-02 (Ollama through the relay)", status: "PASS", command: `GET ${at}/gpu-02/ollama/api/tags` });
      expect(gpu02.output).toBe("HTTP 200\nmodels: qwen2.5-coder:32b, llama3.1:8b");
      expect(e.sections.find((s) => s.id === "worker:gpu-03")).toMatchObject({ status: "FAIL", output: "HTTP 503" });
      // Right after the pings, and ticked in the PR body only when every worker passed.
      expect(e.sections.map((s) => s.id).slice(3, 5)).toEqual(["worker:gpu-02", "worker:gpu-03"]);
      expect(renderPrBody(e, "en")).toContain("- [ ] Every fleet worker answers through the relay, with the models it announces.");
      const one = await evidenceFrom(server, { workers: [{ host: "gpu-02", ollama: `${at}/gpu-02/ollama`, models: ["qwen2.5-coder:32b"] }] });
      expect(renderPrBody(one, "en")).toContain("- [x] Every fleet worker answers through the relay");
      expect(renderPrBody(await evidenceFrom(server), "en")).not.toContain("fleet worker");
    } finally {
      relay.close();
    }
  });

  it("reads the workers from the stack output, ignoring anything of another shape", () => {
    expect(fleetWorkers([{ host: "gpu-02", ollama: "http://127.0.0.1:4080/gpu-02/ollama", models: ["a"], stack: "gpu-02", exporters: {} }, { host: 3 }, "x"])).toEqual([
      { host: "gpu-02", ollama: "http://127.0.0.1:4080/gpu-02/ollama", models: ["a"], stack: "gpu-02", exporters: {} },
    ]);
    expect(fleetWorkers(undefined)).toEqual([]);
  });
});
