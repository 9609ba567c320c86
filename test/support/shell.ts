// Runs host shell text the way a host command does (/bin/sh -c, with standard input), for its exit code.
import { execFile } from "node:child_process";

export const runSh = (script: string, stdin = "") =>
  new Promise<number>((resolve) => {
    const child = execFile("/bin/sh", ["-c", script], (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0));
    child.stdin!.end(stdin);
  });
