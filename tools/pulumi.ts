// npm run pulumi -- <pulumi arguments>
// The project's way to run the Pulumi CLI: the state folder of a file backend is created first, and
// the user's own CLI is preferred to the launcher (see pulumiCli.ts).
import { pathToFileURL } from "node:url";
import { runPulumi } from "./pulumiCli.js";

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = runPulumi(process.argv.slice(2));
  if (r.status === 127) process.stderr.write("pulumi: no Pulumi CLI could be started; run npm ci, or install the CLI (https://www.pulumi.com/docs/install/)\n");
  process.exitCode = r.status;
}
