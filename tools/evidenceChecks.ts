// The checks `npm run evidence` runs against a live stack (tools/evidence.ts is the command line). Each
// section records its command, its output and PASS or FAIL; a service that cannot be reached fails its
// own section and nothing else.
import { spawnSync } from "node:child_process";
import { BACKUP_MAX_AGE_HOURS } from "../observability/alerts.js";
import { BENCH_DEFAULTS, formatSummary, runBench, type BenchResult } from "./bench.js";
import { ToolError } from "./cli.js";
import { GatewayError, isRoute, listModels, request, type Answer, type GatewayTarget } from "./gateway.js";
import { describeKey, mask } from "./mask.js";

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

export interface FleetWorkerTarget {
  readonly host: string;
  /** Its Ollama, through the gateway host's relay (http://127.0.0.1:4080/<host>/ollama). */
  readonly ollama: string;
  readonly models: readonly string[];
}

export interface EvidenceOptions {
  readonly target: GatewayTarget;
  readonly stack: string | null;
  readonly container: string;
  readonly prometheusUrl?: string;
  readonly lokiUrl?: string;
  readonly grafanaUrl?: string;
  readonly qdrantUrl?: string;
  /** The entry point's basic auth (`Basic ...`), for exposed services reached through it (entryAuth). */
  readonly basicAuth?: string;
  /** The fleet's workers (stack output workers): each one's Ollama through the gateway's relay, and what it should serve. */
  readonly workers?: readonly FleetWorkerTarget[];
  readonly benchN: number;
  /** Values to mask besides anything shaped like sk-…: the Grafana password, the Qdrant key. */
  readonly secrets: readonly string[];
  /** The clock, in ms since the epoch; tests fix it. */
  readonly now: () => number;
}

/** What a check found. A skipped check may carry a shorter title than the one it has when it runs. */
type Finding = Omit<Section, "id" | "title"> & { readonly title?: string };

/** What the checks share: the options, and what earlier checks learnt for later ones. */
interface Run {
  readonly o: EvidenceOptions;
  models: string[];
  bench: BenchResult | null;
}

interface Check {
  readonly id: string;
  readonly title: string | ((o: EvidenceOptions) => string);
  readonly run: (r: Run) => Finding | Promise<Finding>;
}

/** A check per thing only known once earlier checks ran: a ping for each route /v1/models listed. */
type CheckFamily = (r: Run) => Check[];

const HTTP_LIMITS = { timeoutMs: 60_000, maxBytes: 16 * 1024 * 1024 };
const judged = (ok: boolean): Status => (ok ? "PASS" : "FAIL");
const skip = (output: string, title?: string): Finding => ({ ...(title ? { title } : {}), command: "-", output, status: "SKIP" });
const base = (url: string) => url.replace(/\/+$/, "");
const auth = (t: GatewayTarget) => ({ authorization: `Bearer ${t.key}` });
/** Basic auth for an exposed service reached through the entry point (HTTPS: a wildcard bindAddress leaves it no loopback port). */
export const entryAuth = (o: Pick<EvidenceOptions, "basicAuth">, url: string): RequestInit => (o.basicAuth && url.startsWith("https://") ? { headers: { authorization: o.basicAuth } } : {});

/** Why an exchange gave nothing to judge: `unreachable: ECONNREFUSED` as before, else the client's sentence. */
function broken(e: unknown): string {
  if (!(e instanceof ToolError)) throw e;
  return e instanceof GatewayError && e.seen.failure ? `unreachable: ${e.seen.failure}` : e.message;
}

async function httpCheck(url: string, init: RequestInit, judge: (status: number, body: string) => { ok: boolean; output: string }): Promise<Finding> {
  const command = `${init.method ?? "GET"} ${url}`;
  let answer: Answer;
  try {
    answer = await request(url, { ...init, ...HTTP_LIMITS });
  } catch (e) {
    return { command, output: broken(e), status: "FAIL" };
  }
  const { status, body } = answer;
  try {
    const { ok, output } = judge(status, body);
    return { command, output: `HTTP ${status}\n${output}`.trimEnd(), status: judged(ok) };
  } catch (e) {
    // A judge reading JSON of another shape (or none) fails its section, not the run.
    return { command, output: `HTTP ${status}\nunexpected answer: ${(e as Error).message}\n${body.slice(0, 500)}`.trimEnd(), status: "FAIL" };
  }
}

function dockerCheck(args: string[], judge: (stdout: string, status: number | null) => { ok: boolean; output: string }): Finding {
  // The docker CLI honours DOCKER_HOST, so a remote host (ssh://...) works as it does for `pulumi up`.
  const command = `docker ${args.join(" ")}`;
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) return { command, output: `docker is not available here: ${r.error.message}`, status: "FAIL" };
  const { ok, output } = judge(`${r.stdout}${r.stderr}`, r.status);
  return { command, output, status: judged(ok) };
}

const pretty = (body: string) => {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
};

const models: Check = {
  id: "models",
  title: "/v1/models",
  run: async (r) => {
    const command = `GET ${r.o.target.url}/v1/models`;
    try {
      const list = await listModels(r.o.target, HTTP_LIMITS);
      r.models = list.ids;
      return { command, output: `HTTP 200\n${pretty(list.body)}`.trimEnd(), status: judged(list.ids.length > 0) };
    } catch (e) {
      // An error answer is shown as sent; a login page or another shape, by the client's sentence.
      const answer = e instanceof GatewayError ? e.seen.answer : undefined;
      const output = answer && answer.status !== 200 ? `HTTP ${answer.status}\n${pretty(answer.body)}`.trimEnd() : broken(e);
      return { command, output, status: "FAIL" };
    }
  },
};

const pings: CheckFamily = (r) =>
  r.models.filter(isRoute).map((route) => ({
    id: `ping:${route}`,
    title: `Ping chat (${route})`,
    run: ({ o }) => {
      const body = JSON.stringify({ model: route, max_tokens: 32, messages: [{ role: "user", content: "ping" }] });
      const init = { method: "POST", headers: { ...auth(o.target), "content-type": "application/json" }, body };
      return httpCheck(`${o.target.url}/v1/chat/completions`, init, (status, text) => {
        const content = status === 200 ? (JSON.parse(text) as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content : undefined;
        return { ok: status === 200 && !!content, output: pretty(text) };
      });
    },
  }));

const metrics: Check = {
  id: "metrics",
  title: "/metrics (head)",
  run: ({ o }) =>
    httpCheck(`${o.target.url}/metrics/`, { headers: auth(o.target) }, (status, body) => ({
      ok: status === 200 && /^litellm_/m.test(body),
      output: body.split("\n").filter((l) => l.startsWith("litellm_")).slice(0, 25).join("\n"),
    })),
};

const dockerLogs: Check = {
  id: "docker-logs",
  title: (o) => `Logs (docker logs --tail=200 ${o.container})`,
  run: ({ o }) => dockerCheck(["logs", "--tail", "200", o.container], (out, status) => ({ ok: status === 0 && out.trim().length > 0, output: out.trimEnd() })),
};

const lokiQuery = (o: EvidenceOptions) => `{container="${o.container}"}`;
const lokiLogs: Check = {
  id: "loki-logs",
  title: (o) => `Logs in Loki (${lokiQuery(o)})`,
  run: ({ o }) => {
    if (!o.lokiUrl) return skip("no Loki URL (--loki-url or the lokiUrl stack output)", "Logs in Loki");
    const url = `${base(o.lokiUrl)}/loki/api/v1/query_range?${new URLSearchParams({ query: lokiQuery(o), limit: "200", since: "1h", direction: "backward" })}`;
    return httpCheck(url, entryAuth(o, url), (status, body) => {
      if (status !== 200) return { ok: false, output: body };
      const result = (JSON.parse(body) as { data?: { result?: { values: [string, string][] }[] } }).data?.result ?? [];
      const lines = result.flatMap((s) => s.values).sort((a, b) => a[0].localeCompare(b[0])).map((v) => v[1]);
      return { ok: lines.length > 0, output: lines.length ? lines.join("\n") : "no lines in the last hour: is the log shipper running?" };
    });
  },
};

const bench: Check = {
  id: "bench",
  title: "Bench",
  run: async (r) => {
    if (r.models.length === 0) return { command: "-", output: "no models to bench", status: "FAIL" };
    r.bench = await runBench(r.o.target, { ...BENCH_DEFAULTS, models: r.models, n: r.o.benchN });
    return {
      command: `npm run bench -- -n ${r.o.benchN} --models ${r.models.join(",")}`,
      output: formatSummary(r.bench.summary),
      status: judged(r.bench.runs.every((x) => x.ok)),
    };
  },
};

const openaiKey: Check = {
  id: "openai-key",
  title: "Environment (container)",
  run: ({ o }) =>
    dockerCheck(["exec", o.container, "printenv", "OPENAI_API_KEY"], (out, status) => {
      const shown = describeKey(status === 0 ? out : undefined);
      return { ok: shown !== "missing", output: `OPENAI_API_KEY=${shown}` };
    }),
};

const containerHealth: Check = {
  id: "container-health",
  title: "Healthcheck and restart policy",
  run: ({ o }) =>
    dockerCheck(["inspect", "--format", "{{.State.Health.Status}} {{.HostConfig.RestartPolicy.Name}}", o.container], (out, status) => ({
      ok: status === 0 && out.trim() === "healthy unless-stopped",
      output: out.trim(),
    })),
};

const backup: Check = {
  id: "backup",
  title: "Backups (last success, from Prometheus)",
  run: ({ o }) => {
    if (!o.prometheusUrl) return skip("no Prometheus URL given", "Backups");
    const url = `${base(o.prometheusUrl)}/api/v1/query?${new URLSearchParams({ query: "max(ai_gateway_backup_last_success_timestamp_seconds)" })}`;
    return httpCheck(url, entryAuth(o, url), (status, body) => {
      const value = status === 200 ? (JSON.parse(body) as { data?: { result?: { value: [number, string] }[] } }).data?.result?.[0]?.value?.[1] : undefined;
      if (value === undefined) return { ok: false, output: "no backup has succeeded yet (or backups are off)" };
      const ageHours = (o.now() / 1000 - Number(value)) / 3600;
      return { ok: ageHours < BACKUP_MAX_AGE_HOURS, output: `last success ${new Date(Number(value) * 1000).toISOString()}, ${ageHours.toFixed(1)} h ago` };
    });
  },
};

/** Each fleet worker: its Ollama, asked through the gateway's relay which models it has. */
const workers: CheckFamily = (r) =>
  (r.o.workers ?? []).map((w) => ({
    id: `worker:${w.host}`,
    title: `Worker ${w.host} (Ollama through the relay)`,
    run: () =>
      httpCheck(`${base(w.ollama)}/api/tags`, {}, (status, body) => {
        if (status !== 200) return { ok: false, output: body.trim().slice(0, 500) };
        const have = ((JSON.parse(body) as { models?: { name?: string }[] }).models ?? []).map((m) => m.name ?? "");
        const missing = w.models.filter((m) => !have.includes(m));
        return { ok: missing.length === 0, output: [`models: ${have.join(", ") || "none"}`, ...(missing.length ? [`not pulled yet: ${missing.join(", ")}`] : [])].join("\n") };
      }),
  }));

/** A service's own health endpoint, skipped when no URL for it was given. */
function health(id: string, name: string, url: (o: EvidenceOptions) => string | undefined, path: string, ok: (status: number, body: string) => boolean): Check {
  return {
    id,
    title: `${name} health`,
    run: ({ o }) => {
      const at = url(o);
      if (!at) return skip(`no ${name} URL given`);
      return httpCheck(`${base(at)}${path}`, entryAuth(o, at), (s, b) => ({ ok: ok(s, b), output: b.trim().slice(0, 500) }));
    },
  };
}

/** The evidence, in the order of the PR description: evaluated in this order, each after the last. */
const CHECKS: readonly (Check | CheckFamily)[] = [
  models,
  pings,
  workers,
  metrics,
  dockerLogs,
  lokiLogs,
  bench,
  openaiKey,
  containerHealth,
  backup,
  health("prometheus", "Prometheus", (o) => o.prometheusUrl, "/-/healthy", (s) => s === 200),
  health("grafana", "Grafana", (o) => o.grafanaUrl, "/api/health", (s, b) => s === 200 && /"database":\s*"ok"/.test(b)),
  health("qdrant", "Qdrant", (o) => o.qdrantUrl, "/readyz", (s) => s === 200),
];

export async function collectEvidence(o: EvidenceOptions): Promise<Evidence> {
  const run: Run = { o, models: [], bench: null };
  const sections: Section[] = [];
  for (const entry of CHECKS) {
    for (const check of typeof entry === "function" ? entry(run) : [entry]) {
      const { title = typeof check.title === "string" ? check.title : check.title(o), command, output, status } = await check.run(run);
      sections.push({ id: check.id, title, command, output, status });
    }
  }
  // Masked once, here, so no caller can print an unmasked section.
  const secrets = [o.target.key, ...o.secrets];
  const masked = sections.map((s) => ({ ...s, output: mask(s.output, secrets), command: mask(s.command, secrets) }));
  return { stack: o.stack, gateway: o.target.url, container: o.container, sections: masked, bench: run.bench };
}

export function formatEvidence(e: Evidence): string {
  return e.sections.map((s) => `== ${s.status}  ${s.title}\n$ ${s.command}\n${s.output}\n`).join("\n");
}
