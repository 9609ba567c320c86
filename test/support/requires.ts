// Tests that need something outside the repository (a system tool, or ../shared beside the clone)
// skip when it is missing, and their names say why. In CI nothing may be missing, so they always run
// there and fail loudly if .ci/run forgot to install a tool.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { it, type TestAPI } from "vitest";

const inCi = !!process.env["CI"];

export interface Requirement {
  /** `it`, or `it.skip` when the requirement is missing outside CI. */
  readonly it: TestAPI;
  /** Appended to a test name: empty, or " (skipped: ...)". */
  readonly why: string;
}

function requirement(present: boolean, reason: string): Requirement {
  return present || inCi ? { it, why: "" } : { it: it.skip as TestAPI, why: ` (skipped: ${reason})` };
}

/** A command on PATH, probed with `args` (exit code 0 means present). */
export function requiresTool(command: string, install: string, args: readonly string[] = ["--version"]): Requirement {
  return requirement(spawnSync(command, [...args]).status === 0, `${command} is not installed; ${install}`);
}

/** A file from ../shared, which a fresh clone does not have beside it. */
export function requiresShared(path: string): Requirement {
  return requirement(existsSync(path), `${path} is not beside this clone`);
}
