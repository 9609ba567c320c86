// npm run evidence -- [--stack S] [--url U --key K] [--prometheus-url ...] [--loki-url ...] [--grafana-url ...]
//                     [--qdrant-url ...] [--container NAME] [--bench-n N] [--json FILE]
// Collects a rollout's evidence from the live stack (the checks are in tools/evidenceChecks.ts): the
// endpoints come from the flags, else from the stack's outputs.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { LABEL_KEYS } from "../services/names.js";
import { positiveInt, runTool, ToolError } from "./cli.js";
import { collectEvidence, formatEvidence, type FleetWorkerTarget } from "./evidenceChecks.js";
import { listModels, resolveTarget, stackOutputs } from "./gateway.js";
import { mask } from "./mask.js";

export { collectEvidence, entryAuth, formatEvidence, type Evidence, type EvidenceOptions, type FleetWorkerTarget, type Section, type Status } from "./evidenceChecks.js";

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
  const [basicAuthUser, basicAuthPassword] = [out("basicAuthUser"), out("basicAuthPassword")];
  const secrets = [out("grafanaAdminPassword"), out("qdrantApiKey"), basicAuthPassword].filter((s): s is string => !!s);
  const benchN = positiveInt("--bench-n", values["bench-n"], 3);
  const evidence = await collectEvidence({
    target,
    stack,
    container: values.container ?? out("gatewayContainer") ?? runningGatewayContainer(stack ?? "dev"),
    ...optional("prometheusUrl", values["prometheus-url"] ?? out("prometheusUrl")),
    ...optional("lokiUrl", values["loki-url"] ?? out("lokiUrl")),
    ...optional("grafanaUrl", values["grafana-url"] ?? out("grafanaUrl")),
    ...optional("qdrantUrl", values["qdrant-url"] ?? out("qdrantUrl")),
    ...(fleetWorkers(outputs?.["workers"]).length ? { workers: fleetWorkers(outputs?.["workers"]) } : {}),
    ...(basicAuthUser && basicAuthPassword ? { basicAuth: `Basic ${Buffer.from(`${basicAuthUser}:${basicAuthPassword}`).toString("base64")}` } : {}),
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

/** The stack output `workers`, as far as it has the expected shape. */
export function fleetWorkers(v: unknown): FleetWorkerTarget[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (w): w is FleetWorkerTarget => typeof w === "object" && w !== null && typeof w.host === "string" && typeof w.ollama === "string" && Array.isArray(w.models) && w.models.every((m: unknown) => typeof m === "string"),
  );
}

const optional = <K extends string>(k: K, v: string | undefined) => (v ? ({ [k]: v } as Record<K, string>) : {});
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) runTool("evidence", () => main(process.argv.slice(2)));
