// `npm run pulumi` on a fresh clone, as far as it runs without Docker: the state folder exists before
// the CLI starts, the CLI gets the arguments as given, and its exit code comes back.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const TOOL = resolve("tools/pulumi.ts");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

describe("npm run pulumi", () => {
  it("creates the state folder before the CLI runs, passes the arguments, and returns the CLI's exit code", () => {
    const project = mkdtempSync(join(tmpdir(), "aigw-clone-"));
    for (const f of ["Pulumi.yaml", "package.json"]) writeFileSync(join(project, f), readFileSync(f));
    const bin = join(project, "bin");
    mkdirSync(bin);
    // A CLI that, like the real one, cannot open a missing state folder.
    writeFileSync(
      join(bin, "pulumi"),
      `#!/bin/sh\n[ "$1" = version ] && { echo v3.265.0; exit 0; }\n[ -d .pulumi-state ] || { echo 'error: unable to open state directory' >&2; exit 255; }\necho "ran: $*"\nexit 3\n`,
    );
    chmodSync(join(bin, "pulumi"), 0o755);
    const r = spawnSync(process.execPath, ["--import", TSX, TOOL, "stack", "select", "--create", "dev"], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}`, PULUMI_BACKEND_URL: "" },
      timeout: 30_000,
    });
    expect(r.stderr).not.toContain("unable to open state directory");
    expect(r.stdout).toBe("ran: stack select --create dev\n");
    expect(r.status).toBe(3);
  });
});
