// node --import tsx/esm tools/changedStacks.ts <base-ref>
// Prints `stacks=<JSON list>` for GitHub Actions: the stacks a pull request can change. A stack file
// changes only its stack; program code, dependencies and Pulumi.yaml change every stack; docs and
// tests change none.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { pathToFileURL } from "node:url";

const NO_EFFECT = [/\.md$/, /^test\//, /^\.github\//, /^observability\/rule-tests\//, /^\.ci\//, /^tools\//];

export function changedStacks(files: readonly string[], stacks: readonly string[]): string[] {
  const affected = new Set<string>();
  for (const f of files) {
    const stackFile = /^Pulumi\.([^.]+)\.yaml$/.exec(f);
    if (stackFile) {
      if (stacks.includes(stackFile[1]!)) affected.add(stackFile[1]!);
    } else if (!NO_EFFECT.some((re) => re.test(f))) {
      stacks.forEach((s) => affected.add(s));
    }
  }
  return stacks.filter((s) => affected.has(s));
}

export const projectStacks = (dir = "."): string[] =>
  readdirSync(dir)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const base = process.argv[2] ?? "origin/main";
  const files = execFileSync("git", ["diff", "--name-only", `${base}...HEAD`], { encoding: "utf8" }).split("\n").filter(Boolean);
  console.log(`stacks=${JSON.stringify(changedStacks(files, projectStacks()))}`);
}
