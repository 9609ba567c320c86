// npm run render -- --stack dev --out <dir>
// Writes every file the stack generates, from Pulumi.<stack>.yaml alone: no Pulumi CLI, no Docker,
// no secrets (they appear as os.environ/... references).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatWorstCase, worstCase } from "../renderers/litellm.js";
import type { StackConfig } from "../config/schema.js";
import { generatedFiles, type FleetView } from "../services/files.js";
import { checkWorkers, FLEET, isProblem, readGateway, readWorker } from "../services/fleet.js";
import { stackOutputs } from "./gateway.js";
import { readStackConfig } from "../config/stackYaml.js";
import { ConfigError, validateStackConfig } from "../config/validate.js";

const usage = `Usage: npm run render -- --stack <name> --out <dir> [--project <dir>] [--outputs <file>]

Renders the config files of stack <name> (read from Pulumi.<name>.yaml) into <dir>,
so they can be reviewed and diffed in a pull request, and prints the worst case of one
request to each route (how long, and how many tries of each model). A fleet stack also
reads the other stacks' outputs with \`pulumi stack output\` (a gateway's workers, a
worker's gateway), or from <file>: JSON mapping each stack name to its outputs, as
\`pulumi stack output --json --stack <name>\` prints them.`;


/**
 * A fleet stack's files depend on what the other stacks published: read with `pulumi stack output`.
 * A gateway renders without a worker it cannot read (and says so); a worker cannot render without its gateway.
 */
export function renderFleet(config: StackConfig, outputs: (ref: string) => Record<string, unknown> | undefined): { view: FleetView; notes: string[] } | string {
  if (config.role === "gpu-worker") {
    const gateway = readGateway(config.gatewayStack!, outputs(config.gatewayStack!)?.[FLEET.gatewayOutput]);
    if (isProblem(gateway)) return `a gpu-worker's files need its gateway's outputs: ${gateway.problem}. Fix: ${gateway.fix}`;
    return { view: { gateway }, notes: [] };
  }
  const notes: string[] = [];
  const workers = config.workers.flatMap((ref, i) => {
    const published = outputs(ref);
    if (!published || Object.keys(published).length === 0) {
      notes.push(`note: rendered without worker ${ref}: it has published nothing yet (not deployed, or its outputs could not be read), as pulumi up would leave it out`);
      return [];
    }
    const w = readWorker(`workers[${i}]`, ref, published[FLEET.workerOutput]);
    if (!isProblem(w)) return [w];
    notes.push(`note: rendered without worker ${ref}: ${w.problem}`);
    return [];
  });
  // What pulumi up would refuse once the workers are read, said here too.
  for (const p of checkWorkers(config, workers)) notes.push(`note: pulumi up would refuse this: ${p.key}: ${p.problem}. Fix: ${p.fix}`);
  return { view: { workers }, notes };
}

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      out: { type: "string" },
      project: { type: "string", default: "." },
      outputs: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.stack || !values.out) {
    console.error(`render: --stack and --out are required\n\n${usage}`);
    return 2;
  }
  const project = resolve(values.project);
  if (!existsSync(join(project, `Pulumi.${values.stack}.yaml`))) {
    console.error(`render: there is no Pulumi.${values.stack}.yaml in ${project}; create the stack with \`pulumi stack init ${values.stack}\``);
    return 2;
  }
  const config = validateStackConfig(readStackConfig(project, values.stack));
  // The other stacks' outputs: saved ones (--outputs), else the Pulumi CLI's (plain values only).
  const saved = values.outputs ? (JSON.parse(readFileSync(values.outputs, "utf8")) as Record<string, Record<string, unknown>>) : undefined;
  const fleet = renderFleet(config, saved ? (ref) => saved[ref] : (ref) => stackOutputs(ref, false));
  if (typeof fleet === "string") {
    console.error(`render: ${fleet}`);
    return 1;
  }
  for (const note of fleet.notes) console.log(note);
  for (const file of generatedFiles(config, { fleet: fleet.view })) {
    const target = join(values.out, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    console.log(`wrote ${target}`);
  }
  // What one request can cost at worst, from the config alone: the bound every retry setting adds up to.
  console.log("\nworst case for one request, per route:");
  for (const r of config.routes) {
    // Every host that serves the route's model: a hung one is given up on, then the next is tried.
    // (LiteLLM moves a failed request on to another host with simple-shuffle only.)
    const hosts = config.routingStrategy !== "simple-shuffle" ? 1 : 1 + config.ollama.hosts.length + (fleet.view.workers ?? []).filter((w) => w.models.includes(r.model)).length;
    console.log(`  ${formatWorstCase(worstCase(r, config.cloudModels, hosts))}`);
  }
  console.log(
    config.gateway.workers !== undefined
      ? `\nLiteLLM workers: ${config.gateway.workers} (gateway.workers)`
      : "\nLiteLLM workers: rendered for 1; on the host, one per core up to 4 and at most the smallest cloud-model limit, as pulumi up reads them",
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`render: ${e.message}`);
    process.exitCode = 1;
  } else if (e instanceof Error && String((e as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS")) {
    console.error(`render: ${e.message}\n\n${usage}`);
    process.exitCode = 2;
  } else {
    throw e;
  }
}
