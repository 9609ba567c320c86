// The cron syntax of backup.schedule: minute hour day-of-month month day-of-week; each field `*`, `n`,
// `a-b`, with `/step`, comma lists. Nicknames such as "@daily" are refused.
const CRON_FIELDS: readonly (readonly [string, number, number])[] = [
  ["minute", 0, 59],
  ["hour", 0, 23],
  ["day of month", 1, 31],
  ["month", 1, 12],
  ["day of week", 0, 7],
];

/** What is wrong with a cron expression, or undefined. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `has ${fields.length} fields, cron needs 5 (minute hour day-of-month month day-of-week)`;
  for (let i = 0; i < 5; i++) {
    const [name, min, max] = CRON_FIELDS[i]!;
    for (const part of fields[i]!.split(",")) {
      const m = part.match(/^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/);
      if (!m) return `${name} field "${fields[i]}" is not a number, a range, a list or */step`;
      const [, , a, b, step] = m;
      for (const n of [a, b]) if (n !== undefined && (Number(n) < min || Number(n) > max)) return `${name} ${n} is outside ${min}-${max}`;
      if (a !== undefined && b !== undefined && Number(a) > Number(b)) return `${name} range ${a}-${b} runs backwards`;
      if (step !== undefined && Number(step) < 1) return `${name} step must be at least 1`;
    }
  }
  return undefined;
}
