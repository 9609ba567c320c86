// npm run render -- --stack dev --out <dir>
// Writes every file the stack generates, from Pulumi.<stack>.yaml alone: no Pulumi CLI, no Docker,
// no secrets (they appear as os.environ/... references).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatWorstCase, worstCase } from "../renderers/litellm.js";
import { generatedFiles } from "../services/files.js";
import { readStackConfig } from "../config/stackYaml.js";
import { ConfigError, validateStackConfig } from "../config/validate.js";

const usage = `Usage: npm run render -- --stack <name> --out <dir> [--project <dir>]

Renders the config files of stack <name> (read from Pulumi.<name>.yaml) into <dir>,
so they can be reviewed and diffed in a pull request, and prints the worst case of one
request to each route (how long, and how many tries of each model).`;

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      out: { type: "string" },
      project: { type: "string", default: "." },
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
  for (const file of generatedFiles(config)) {
    const target = join(values.out, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    console.log(`wrote ${target}`);
  }
  // What one request can cost at worst, from the config alone: the bound every retry setting adds up to.
  console.log("\nworst case for one request, per route:");
  for (const r of config.routes) console.log(`  ${formatWorstCase(worstCase(r, config.cloudModels))}`);
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
