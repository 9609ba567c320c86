// npm run evidence -- [--stack S] [--url U --key K] [--prometheus-url ...] [--loki-url ...] [--grafana-url ...]
//                     [--qdrant-url ...] [--container NAME] [--bench-n N] [--json FILE]
// Collects a rollout's evidence from the live stack. Each section records its command, its output
// and PASS or FAIL; a service that cannot be reached fails its own section and nothing else.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { LABEL_KEYS } from "../services/names.js";
import { BACKUP_MAX_AGE_HOURS } from "../renderers/prometheus.js";
import { formatSummary, runBench, type BenchResult } from "./bench.js";
import { describeKey, fetchFailure, isRoute, listModels, mask, resolveTarget, runTool, stackOutputs, ToolError, type GatewayTarget } from "./client.js";

export type Status = "PASS" | "FAIL" | "SKIP";

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly command: string;
  readonly output: string;
  readonly status: Status;
}

export interface Evidence {
  readonly stack: string | null;
  readonly gateway: string;
  readonly container: string;
  readonly sections: Section[];
  readonly bench: BenchResult | null;
}

export interface EvidenceOptions {
  readonly target: GatewayTarget;
  readonly stack: string | null;
  readonly container: string;
  readonly prometheusUrl?: string;
  readonly lokiUrl?: string;
  readonly grafanaUrl?: string;
  readonly qdrantUrl?: string;
  readonly benchN: number;
  /** Values to mask besides anything shaped like sk-…: the Grafana password, the Qdrant key. */
  readonly secrets: readonly string[];
  /** The clock, in ms since the epoch; tests fix it. */
  readonly now: () => number;
}

async function httpSection(id: string, title: string, url: string, init: RequestInit, judge: (status: number, body: string) => { ok: boolean; output: string }): Promise<Section> {
  const command = `${init.method ?? "GET"} ${url}`;
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
    const body = await r.text();
    const { ok, output } = judge(r.status, body);
    return { id, title, command, output: `HTTP ${r.status}\n${output}`.trimEnd(), status: ok ? "PASS" : "FAIL" };
  } catch (e) {
    return { id, title, command, output: `unreachable: ${fetchFailure(e)}`, status: "FAIL" };
  }
}

function dockerSection(id: string, title: string, args: string[], judge: (stdout: string, status: number | null) => { ok: boolean; output: string }): Section {
  // The docker CLI honours DOCKER_HOST, so a remote host (ssh://...) works as it does for `pulumi up`.
  const command = `docker ${args.join(" ")}`;
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) return { id, title, command, output: `docker is not available here: ${r.error.message}`, status: "FAIL" };
  const { ok, output } = judge(`${r.stdout}${r.stderr}`, r.status);
  return { id, title, command, output, status: ok ? "PASS" : "FAIL" };
}

const pretty = (body: string) => {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
};

export async function collectEvidence(o: EvidenceOptions): Promise<Evidence> {
  const { target } = o;
  const auth = { authorization: `Bearer ${target.key}` };
  const sections: Section[] = [];

  let routes: string[] = [];
  let models: string[] = [];
  sections.push(
    await httpSection("models", "/v1/models", `${target.url}/v1/models`, { headers: auth }, (status, body) => {
      if (status === 200) models = ((JSON.parse(body) as { data?: { id: string }[] }).data ?? []).map((m) => m.id);
      routes = models.filter(isRoute);
      return { ok: status === 200 && models.length > 0, output: pretty(body) };
    }),
  );

  for (const route of routes) {
    const body = JSON.stringify({ model: route, max_tokens: 32, messages: [{ role: "user", content: "ping" }] });
    sections.push(
      await httpSection(`ping:${route}`, `Ping chat (${route})`, `${target.url}/v1/chat/completions`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body }, (status, text) => {
        const content = status === 200 ? (JSON.parse(text) as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content : undefined;
        return { ok: status === 200 && !!content, output: pretty(text) };
      }),
    );
  }

  sections.push(
    await httpSection("metrics", "/metrics (head)", `${target.url}/metrics/`, { headers: auth }, (status, body) => ({
      ok: status === 200 && /^litellm_/m.test(body),
      output: body.split("\n").filter((l) => l.startsWith("litellm_")).slice(0, 25).join("\n"),
    })),
  );

  sections.push(
    dockerSection("docker-logs", `Logs (docker logs --tail=200 ${o.container})`, ["logs", "--tail", "200", o.container], (out, status) => ({ ok: status === 0 && out.trim().length > 0, output: out.trimEnd() })),
  );

  if (o.lokiUrl) {
    const query = `{container="${o.container}"}`;
    const url = `${o.lokiUrl.replace(/\/+$/, "")}/loki/api/v1/query_range?${new URLSearchParams({ query, limit: "200", since: "1h", direction: "backward" })}`;
    sections.push(
      await httpSection("loki-logs", `Logs in Loki (${query})`, url, {}, (status, body) => {
        if (status !== 200) return { ok: false, output: body };
        const result = (JSON.parse(body) as { data?: { result?: { values: [string, string][] }[] } }).data?.result ?? [];
        const lines = result.flatMap((s) => s.values).sort((a, b) => a[0].localeCompare(b[0])).map((v) => v[1]);
        return { ok: lines.length > 0, output: lines.length ? lines.join("\n") : "no lines in the last hour: is the log shipper running?" };
      }),
    );
  } else {
    sections.push({ id: "loki-logs", title: "Logs in Loki", command: "-", output: "no Loki URL (--loki-url or the lokiUrl stack output)", status: "SKIP" });
  }

  let bench: BenchResult | null = null;
  if (models.length > 0) {
    bench = await runBench(target, { models, n: o.benchN, concurrency: 1, prompt: "Reply with one short sentence about the sea.", maxTokens: 64 });
    sections.push({
      id: "bench",
      title: "Bench",
      command: `npm run bench -- -n ${o.benchN} --models ${models.join(",")}`,
      output: formatSummary(bench.summary),
      status: bench.runs.every((r) => r.ok) ? "PASS" : "FAIL",
    });
  } else {
    sections.push({ id: "bench", title: "Bench", command: "-", output: "no models to bench", status: "FAIL" });
  }

  sections.push(
    dockerSection("openai-key", "Environment (container)", ["exec", o.container, "printenv", "OPENAI_API_KEY"], (out, status) => {
      const shown = describeKey(status === 0 ? out : undefined);
      return { ok: shown !== "missing", output: `OPENAI_API_KEY=${shown}` };
    }),
  );

  sections.push(
    dockerSection("container-health", "Healthcheck and restart policy", ["inspect", "--format", "{{.State.Health.Status}} {{.HostConfig.RestartPolicy.Name}}", o.container], (out, status) => ({
      ok: status === 0 && out.trim() === "healthy unless-stopped",
      output: out.trim(),
    })),
  );

  if (o.prometheusUrl) {
    const url = `${o.prometheusUrl.replace(/\/+$/, "")}/api/v1/query?${new URLSearchParams({ query: "max(ai_gateway_backup_last_success_timestamp_seconds)" })}`;
    sections.push(
      await httpSection("backup", "Backups (last success, from Prometheus)", url, {}, (status, body) => {
        const value = status === 200 ? (JSON.parse(body) as { data?: { result?: { value: [number, string] }[] } }).data?.result?.[0]?.value?.[1] : undefined;
        if (value === undefined) return { ok: false, output: "no backup has succeeded yet (or backups are off)" };
        const ageHours = (o.now() / 1000 - Number(value)) / 3600;
        return { ok: ageHours < BACKUP_MAX_AGE_HOURS, output: `last success ${new Date(Number(value) * 1000).toISOString()}, ${ageHours.toFixed(1)} h ago` };
      }),
    );
  } else {
    sections.push({ id: "backup", title: "Backups", command: "-", output: "no Prometheus URL given", status: "SKIP" });
  }

  const health: [string, string, string | undefined, string, (s: number, b: string) => boolean][] = [
    ["prometheus", "Prometheus", o.prometheusUrl, "/-/healthy", (s) => s === 200],
    ["grafana", "Grafana", o.grafanaUrl, "/api/health", (s, b) => s === 200 && /"database":\s*"ok"/.test(b)],
    ["qdrant", "Qdrant", o.qdrantUrl, "/readyz", (s) => s === 200],
  ];
  for (const [id, title, base, path, ok] of health) {
    if (!base) {
      sections.push({ id, title: `${title} health`, command: "-", output: `no ${title} URL given`, status: "SKIP" });
      continue;
    }
    sections.push(await httpSection(id, `${title} health`, `${base.replace(/\/+$/, "")}${path}`, {}, (s, b) => ({ ok: ok(s, b), output: b.trim().slice(0, 500) })));
  }

  // Masked once, here, so no caller can print an unmasked section.
  const secrets = [target.key, ...o.secrets];
  const masked = sections.map((s) => ({ ...s, output: mask(s.output, secrets), command: mask(s.command, secrets) }));
  return { stack: o.stack, gateway: target.url, container: o.container, sections: masked, bench };
}

export function formatEvidence(e: Evidence): string {
  return e.sections.map((s) => `== ${s.status}  ${s.title}\n$ ${s.command}\n${s.output}\n`).join("\n");
}

const usage = `Usage: npm run evidence -- [options]

  --stack NAME          read the endpoints from \`pulumi stack output\` of this stack
  --url URL, --key KEY  the gateway (or AI_GATEWAY_URL / AI_GATEWAY_KEY, or the stack outputs)
  --prometheus-url URL  --loki-url URL  --grafana-url URL  --qdrant-url URL
  --container NAME      the LiteLLM container (default: the stack output gatewayContainer, else the
                        running container labelled ai-gateway.service=litellm)
  --bench-n N           requests per model in the bench section (default 3)
  --json FILE           write the evidence as JSON (the input of \`npm run pr-body\`)
  -h, --help            this text

docker logs/exec/inspect use DOCKER_HOST, so a remote Docker host works.
Exit code: 0 every section passed or was skipped, 1 some section failed, 2 the tool could not run.`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      url: { type: "string" },
      key: { type: "string" },
      "prometheus-url": { type: "string" },
      "loki-url": { type: "string" },
      "grafana-url": { type: "string" },
      "qdrant-url": { type: "string" },
      container: { type: "string" },
      "bench-n": { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const outputs = values.url && values.key ? undefined : stackOutputs(values.stack);
  const out = (k: string) => (typeof outputs?.[k] === "string" ? (outputs[k] as string) : undefined);
  const target = resolveTarget({ url: values.url ?? out("gatewayUrl"), key: values.key ?? out("masterKey") });
  await listModels(target); // an unreachable gateway or a refused key ends the run here, with exit 2
  const stack = values.stack ?? null;
  const secrets = [out("grafanaAdminPassword"), out("qdrantApiKey")].filter((s): s is string => !!s);
  const benchN = Number(values["bench-n"] ?? 3);
  if (!Number.isInteger(benchN) || benchN < 1) throw new ToolError("--bench-n must be a whole number of at least 1");
  const evidence = await collectEvidence({
    target,
    stack,
    container: values.container ?? out("gatewayContainer") ?? runningGatewayContainer(stack ?? "dev"),
    ...optional("prometheusUrl", values["prometheus-url"] ?? out("prometheusUrl")),
    ...optional("lokiUrl", values["loki-url"] ?? out("lokiUrl")),
    ...optional("grafanaUrl", values["grafana-url"] ?? out("grafanaUrl")),
    ...optional("qdrantUrl", values["qdrant-url"] ?? out("qdrantUrl")),
    benchN,
    secrets,
    now: Date.now,
  });
  console.log(formatEvidence(evidence));
  if (values.json) writeFileSync(values.json, mask(JSON.stringify(evidence, null, 2), [target.key, ...secrets]) + "\n");
  return evidence.sections.some((s) => s.status === "FAIL") ? 1 : 0;
}

/** The LiteLLM container by its labels: its name carries a config version, so it cannot be derived. */
function runningGatewayContainer(stack: string): string {
  const r = spawnSync("docker", ["ps", "--filter", `label=${LABEL_KEYS.stack}=${stack}`, "--filter", `label=${LABEL_KEYS.service}=litellm`, "--format", "{{.Names}}"], { encoding: "utf8", timeout: 30_000 });
  const name = r.status === 0 ? r.stdout.split("\n")[0]?.trim() : undefined;
  if (!name) throw new ToolError(`no running LiteLLM container of stack ${stack} was found; pass --container NAME`);
  return name;
}

const optional = <K extends string>(k: K, v: string | undefined) => (v ? ({ [k]: v } as Record<K, string>) : {});

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) runTool("evidence", () => main(process.argv.slice(2)));
