// The cron syntax of backup.schedule: minute hour day-of-month month day-of-week; each field `*`, `n`,
// `a-b`, with `/step`, comma lists. Nicknames such as "@daily" are refused.
export const CRON_FIELDS: readonly (readonly [string, number, number])[] = [
  ["minute", 0, 59],
  ["hour", 0, 23],
  ["day of month", 1, 31],
  ["month", 1, 12],
  ["day of week", 0, 7],
];

/** One comma-separated part of a field: `*`, `n` or `a-b`, each with an optional `/step`. */
const PART = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

/**
 * The values field `index` of a valid expression matches, as cron reads it (`n/step` is `n-max/step`).
 * Call it on fields cronProblem has accepted; it throws on anything else.
 */
export function cronFieldValues(field: string, index: number): Set<number> {
  const [, min, max] = CRON_FIELDS[index]!;
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const m = PART.exec(part);
    if (!m) throw new Error(`cron field "${field}" is not a number, a range, a list or */step`);
    const [, star, a, b, step] = m;
    const from = star === "*" ? min : Number(a);
    const to = star === "*" ? max : b !== undefined ? Number(b) : step !== undefined ? max : Number(a);
    for (let v = from; v <= to; v += step !== undefined ? Number(step) : 1) out.add(v);
  }
  return out;
}

/** What is wrong with a cron expression, or undefined. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `has ${fields.length} fields, cron needs 5 (minute hour day-of-month month day-of-week)`;
  for (let i = 0; i < 5; i++) {
    const [name, min, max] = CRON_FIELDS[i]!;
    for (const part of fields[i]!.split(",")) {
      const m = part.match(PART);
      if (!m) return `${name} field "${fields[i]}" is not a number, a range, a list or */step`;
      const [, , a, b, step] = m;
      for (const n of [a, b]) if (n !== undefined && (Number(n) < min || Number(n) > max)) return `${name} ${n} is outside ${min}-${max}`;
      if (a !== undefined && b !== undefined && Number(a) > Number(b)) return `${name} range ${a}-${b} runs backwards`;
      if (step !== undefined && Number(step) < 1) return `${name} step must be at least 1`;
    }
  }
  return undefined;
}
