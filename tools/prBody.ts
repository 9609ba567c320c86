// npm run pr-body -- --evidence evidence.json [--lang pt|en] [--out FILE] [--create] [--secret S ...]
// Renders an evidence file as the rollout PR's description, in the structure of the team's template
// (../shared/rollout-pr-template.md). Checklist items are ticked from the evidence, never by hand.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { formatRuns, formatSummary } from "./bench.js";
import { runTool, ToolError } from "./cli.js";
import { mask } from "./mask.js";
import type { Evidence, Section } from "./evidence.js";

export type Lang = "pt" | "en";

const TEXT = {
  pt: {
    title: "[Infra] Gateway LiteLLM + Observabilidade + Roteadores",
    context: "Contexto",
    contextBody:
      "Padroniza o gateway (**LiteLLM**) para modelos locais (Ollama) com fallback OpenAI, expõe **/metrics** (Prometheus), centraliza logs (Loki) e mantém roteadores por tipo de tarefa (**task:code**, **task:docs**). Implantado com `pulumi up` (ai-gateway).",
    goal: "Objetivo",
    goalBody: ["Garantir estabilidade, healthcheck e restart automático.", "Roteamento por tarefa com fallback cloud quando necessário.", "Observabilidade (métricas + logs) e bench registrado."],
    changes: "Mudanças",
    changesBody: (e: Evidence) => [
      `Gateway em \`${e.gateway}\`${e.stack ? ` (stack \`${e.stack}\`)` : ""}, contêiner \`${e.container}\`.`,
      "Rotas e fallbacks gerados a partir da configuração da stack (`npm run render`).",
      "Observabilidade: Prometheus (scrape de `/metrics/`), Loki com Promtail/Alloy, Grafana com dashboards provisionados.",
      "Evidências coletadas por `npm run evidence`, bench por `npm run bench`.",
    ],
    evidence: "Evidências",
    chartTitle: "Latência por rota/modelo (ms)",
    risks: "Riscos & Rollback",
    risksBody: [
      "Risco: consumo de RAM/VRAM sob carga; acompanhar o dashboard *GPU & host* e os alertas `GpuMemoryNearFull` e `HostMemoryNearFull`.",
      "Rollback: `pulumi stack history` e `pulumi up` a partir do commit da última atualização boa.",
    ],
    checklist: "Checklist",
    items: {
      health: "Healthcheck verde e restart automático.",
      observability: "Métricas no Prometheus e logs no Loki/Grafana.",
      key: "`OPENAI_API_KEY` presente no contêiner (não no repositório).",
      bench: "Bench registrado (latência por tarefa/modelo).",
      backup: "Backup de config e Qdrant agendados.",
      workers: "Cada worker da frota responde pelo relay, com os modelos que anuncia.",
    },
    notVerified: "sem evidência nesta coleta",
    // Section titles that read differently in the team's template; the rest are paths and names.
    sectionTitles: {
      "openai-key": "Ambiente (container)",
      "container-health": "Healthcheck e política de restart",
      "loki-logs": "Logs no Loki",
      prometheus: "Saúde do Prometheus",
      backup: "Backups (último sucesso, pelo Prometheus)",
      grafana: "Saúde do Grafana",
      qdrant: "Saúde do Qdrant",
    } as Record<string, string>,
    howToTest: "Como testar",
    steps: (e: Evidence) => [
      `\`npm run evidence -- ${e.stack ? `--stack ${e.stack}` : "--url <gatewayUrl> --key <masterKey>"} --json evidence.json\``,
      "Pings de `task:code`/`task:docs` e `GET /v1/models` conforme acima.",
      "`npm run bench -- -n 5` para a latência por rota e modelo.",
      `Grafana → Explore: \`{container="${e.container}"}\` no Loki; dashboards *Gateway* e *GPU & host*.`,
    ],
  },
  en: {
    title: "[Infra] LiteLLM gateway + observability + routes",
    context: "Context",
    contextBody:
      "Standardises the gateway (**LiteLLM**) for local models (Ollama) with an OpenAI fallback, exposes **/metrics** (Prometheus), centralises logs (Loki) and keeps per-task routes (**task:code**, **task:docs**). Deployed with `pulumi up` (ai-gateway).",
    goal: "Goal",
    goalBody: ["Stability: healthchecks and automatic restart.", "Per-task routing with a cloud fallback when needed.", "Observability (metrics + logs) and a recorded bench."],
    changes: "Changes",
    changesBody: (e: Evidence) => [
      `Gateway at \`${e.gateway}\`${e.stack ? ` (stack \`${e.stack}\`)` : ""}, container \`${e.container}\`.`,
      "Routes and fallbacks generated from the stack config (`npm run render`).",
      "Observability: Prometheus (scraping `/metrics/`), Loki with Promtail/Alloy, Grafana with provisioned dashboards.",
      "Evidence collected by `npm run evidence`, bench by `npm run bench`.",
    ],
    evidence: "Evidence",
    chartTitle: "Latency per route/model (ms)",
    risks: "Risks & rollback",
    risksBody: [
      "Risk: RAM/VRAM use under load; watch the *GPU & host* dashboard and the `GpuMemoryNearFull` and `HostMemoryNearFull` alerts.",
      "Rollback: `pulumi stack history`, then `pulumi up` from the commit of the last good update.",
    ],
    checklist: "Checklist",
    items: {
      health: "Healthcheck green and automatic restart.",
      observability: "Metrics in Prometheus and logs in Loki/Grafana.",
      key: "`OPENAI_API_KEY` present in the container (not in the repository).",
      bench: "Bench recorded (latency per task/model).",
      backup: "Config and Qdrant backups scheduled.",
      workers: "Every fleet worker answers through the relay, with the models it announces.",
    },
    notVerified: "not covered by this evidence",
    sectionTitles: {} as Record<string, string>,
    howToTest: "How to test",
    steps: (e: Evidence) => [
      `\`npm run evidence -- ${e.stack ? `--stack ${e.stack}` : "--url <gatewayUrl> --key <masterKey>"} --json evidence.json\``,
      "Ping `task:code`/`task:docs` and `GET /v1/models` as above.",
      "`npm run bench -- -n 5` for latency per route and model.",
      `Grafana → Explore: \`{container="${e.container}"}\` in Loki; the *Gateway* and *GPU & host* dashboards.`,
    ],
  },
} as const;

/** A code fence longer than any run of backticks inside, so output can never close it early. */
function fenced(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

const passed = (e: Evidence, ...ids: string[]) => ids.every((id) => e.sections.some((s) => s.id === id && s.status === "PASS"));

function checklist(e: Evidence, lang: Lang): string[] {
  const t = TEXT[lang];
  const pings = e.sections.filter((s) => s.id.startsWith("ping:"));
  const items: [string, boolean | null][] = [
    [t.items.health, passed(e, "container-health") && pings.length > 0 && pings.every((s) => s.status === "PASS")],
    [t.items.observability, passed(e, "metrics", "loki-logs", "prometheus", "grafana")],
    [t.items.key, passed(e, "openai-key")],
    [t.items.bench, passed(e, "bench")],
    [t.items.backup, e.sections.some((s) => s.id === "backup") ? passed(e, "backup") : null],
  ];
  // A fleet's item only where there is a fleet.
  const workers = e.sections.filter((s) => s.id.startsWith("worker:"));
  if (workers.length > 0) items.push([t.items.workers, workers.every((s) => s.status === "PASS")]);
  return items.map(([label, ok]) => `- [${ok ? "x" : " "}] ${label}${ok === null ? ` _(${t.notVerified})_` : ""}`);
}

/** Mermaid bar chart of p50 and p95 per route/model, which GitHub renders. */
function latencyChart(e: Evidence, lang: Lang): string {
  const summary = e.bench?.summary ?? [];
  const labels = summary.map((s) => JSON.stringify(s.model)).join(", ");
  const values = (f: (s: (typeof summary)[number]) => number | null) => summary.map((s) => Math.round(f(s) ?? 0)).join(", ");
  const max = Math.max(1, ...summary.map((s) => s.totalMs.p95 ?? 0));
  return fenced(
    [
      "xychart-beta",
      `  title "${TEXT[lang].chartTitle}: p50, p95"`,
      `  x-axis [${labels}]`,
      `  y-axis "ms" 0 --> ${Math.ceil(max * 1.1)}`,
      `  bar [${values((s) => s.totalMs.p50)}]`,
      `  bar [${values((s) => s.totalMs.p95)}]`,
    ].join("\n"),
    "mermaid",
  );
}

function sectionBlock(s: Section, e: Evidence, lang: Lang): string {
  const head = `### ${TEXT[lang].sectionTitles[s.id] ?? s.title} — ${s.status}\n\n\`${s.command}\``;
  if (s.id === "bench" && e.bench) {
    return `${head}\n\n${fenced(formatSummary(e.bench.summary))}\n\n<details><summary>runs</summary>\n\n${fenced(formatRuns(e.bench.runs))}\n\n</details>`;
  }
  const body = fenced(s.output, s.output.trimStart().startsWith("{") ? "json" : "");
  // Long logs fold away so the PR stays readable.
  return s.output.split("\n").length > 30 ? `${head}\n\n<details><summary>${s.output.split("\n").length} lines</summary>\n\n${body}\n\n</details>` : `${head}\n\n${body}`;
}

export function renderPrBody(e: Evidence, lang: Lang, secrets: readonly string[] = []): string {
  const t = TEXT[lang];
  const failed = e.sections.filter((s) => s.status === "FAIL").map((s) => s.title);
  const parts = [
    `# ${t.title}`,
    `## ${t.context}\n${t.contextBody}`,
    `## ${t.goal}\n${t.goalBody.map((g) => `- ${g}`).join("\n")}`,
    `## ${t.changes}\n${t.changesBody(e).map((c) => `- ${c}`).join("\n")}`,
    `## ${t.evidence}\n${failed.length ? `**FAIL:** ${failed.join(", ")}\n\n` : ""}${e.sections.map((s) => sectionBlock(s, e, lang)).join("\n\n")}\n\n${latencyChart(e, lang)}`,
    `## ${t.risks}\n${t.risksBody.map((r) => `- ${r}`).join("\n")}`,
    `## ${t.checklist}\n${checklist(e, lang).join("\n")}`,
    `## ${t.howToTest}\n${t.steps(e).map((step, i) => `${i + 1}. ${step}`).join("\n")}`,
  ];
  // The evidence is masked already; masking again guards hand-edited files and extra secrets.
  return mask(parts.join("\n\n") + "\n", secrets);
}

const usage = `Usage: npm run pr-body -- --evidence FILE [options]

  --evidence FILE   evidence JSON from \`npm run evidence -- --json FILE\`
  --lang pt|en      language of the body (default pt, the team's)
  --out FILE        write the body to FILE instead of stdout
  --secret VALUE    a value to mask besides sk-… strings (repeatable)
  --create          run \`gh pr create --body-file\` with the body (needs the GitHub CLI)
  -h, --help        this text`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      evidence: { type: "string" },
      lang: { type: "string", default: "pt" },
      out: { type: "string" },
      secret: { type: "string", multiple: true },
      create: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.evidence) throw new ToolError(`--evidence is required\n\n${usage}`);
  if (values.lang !== "pt" && values.lang !== "en") throw new ToolError(`--lang must be pt or en, got "${values.lang}"`);
  let evidence: Evidence;
  try {
    evidence = JSON.parse(readFileSync(values.evidence, "utf8")) as Evidence;
  } catch (e) {
    throw new ToolError(`cannot read ${values.evidence}: ${(e as Error).message}`);
  }
  // Any other JSON would crash the renderer with a stack trace; say what the file is not instead.
  if (!Array.isArray((evidence as Partial<Evidence> | null)?.sections)) throw new ToolError(`${values.evidence} is not an evidence file (no "sections" list); make one with \`npm run evidence -- --json FILE\``);
  const body = renderPrBody(evidence, values.lang, values.secret ?? []);
  if (values.out) writeFileSync(values.out, body);
  else if (!values.create) process.stdout.write(body);
  if (values.create) {
    const file = values.out ?? join(mkdtempSync(join(tmpdir(), "pr-body-")), "body.md");
    if (!values.out) writeFileSync(file, body);
    const r = spawnSync("gh", ["pr", "create", "--title", TEXT[values.lang].title, "--body-file", file], { stdio: "inherit" });
    if (r.error) throw new ToolError(`the GitHub CLI (gh) is not available: ${r.error.message}; the body is in ${file}`);
    return r.status ?? 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) runTool("pr-body", () => main(process.argv.slice(2)));
