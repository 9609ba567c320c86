// The frame every tool runs in: how a known problem ends a run (one line, exit code 2) and the
// argument checks the tools share. Bugs are not known problems; they keep their stack traces.

/** A problem that ends a tool with one line on stderr and exit code 2, never a stack trace. */
export class ToolError extends Error {
  override readonly name = "ToolError";
}

/** parseArgs reports unknown or malformed flags with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION. */
function isParseArgsError(e: unknown): e is Error {
  return e instanceof Error && String((e as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
}

/** Runs a tool's main: ToolError or a bad flag → `<tool>: <message>` and exit 2; anything else is a bug and keeps its trace. */
export function runTool(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof ToolError || isParseArgsError(e)) {
        console.error(`${name}: ${e.message}`);
        process.exitCode = 2;
      } else {
        throw e;
      }
    },
  );
}

/** A flag that counts something (requests, runs): absent gives the fallback, anything but 1, 2, 3… is refused. */
export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ToolError(`${flag} must be a whole number of at least 1, got "${value}"`);
  return n;
}
