// Building blocks of config validation: the problem collector every section reports into, the error it
// becomes, and the parsers for values of the shapes the contract uses.

export const PROJECT = "ai-gateway";

export interface ConfigProblem {
  readonly key: string;
  readonly problem: string;
  readonly fix: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Stack configuration is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was deployed.\n` +
        problems.map((p) => `  - ${PROJECT}:${p.key}: ${p.problem}. Fix: ${p.fix}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export const quote = (v: unknown) => JSON.stringify(v);
export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export class Collector {
  readonly problems: ConfigProblem[] = [];
  add(key: string, problem: string, fix: string): void {
    this.problems.push({ key, problem, fix });
  }
  unknownKeys(key: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(obj).sort()) {
      if (!allowed.includes(k)) {
        this.add(`${key}.${k}`, `unknown key ${quote(k)} (allowed: ${allowed.join(", ")})`, `remove it or correct the spelling`);
      }
    }
  }
}

export function parseStructured(c: Collector, key: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    c.add(key, `expected a structured value but got the plain string ${quote(text)}`, `write it as a YAML mapping or list in Pulumi.<stack>.yaml, or use \`pulumi config set --path\``);
    return null;
  }
}

export function intIn(c: Collector, key: string, v: unknown, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    c.add(key, `${quote(v)} is not a whole number from ${min} to ${max}`, `pulumi config set --path ${key} ${fallback}`);
    return fallback;
  }
  return n;
}

export function bool(c: Collector, key: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  c.add(key, `${quote(v)} is not true or false`, `pulumi config set --path ${key} ${fallback}`);
  return fallback;
}

/** A list of strings each passing `pattern` (a RegExp or anything with the same `test`). */
export function stringList(c: Collector, key: string, v: unknown, pattern: { test(s: string): boolean }, what: string, example: string): string[] | undefined {
  if (!Array.isArray(v)) {
    c.add(key, `expected a list of ${what}, got ${quote(v)}`, `set it as a YAML list, e.g. [${quote(example)}]`);
    return undefined;
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item !== "string" || !pattern.test(item)) {
      c.add(`${key}[${i}]`, `${quote(item)} is not a valid ${what}`, `use a value like ${quote(example)}`);
    } else if (out.includes(item)) {
      c.add(`${key}[${i}]`, `${quote(item)} is listed twice`, `remove the duplicate`);
    } else {
      out.push(item);
    }
  });
  return out;
}

/** A mapping of known keys; anything else is reported. Returns {} for an absent value. */
export function mapping(c: Collector, key: string, raw: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) {
    c.add(key, `expected a mapping with keys ${allowed.join(", ")}, got ${quote(raw)}`, `see README, "Configuration"`);
    return {};
  }
  c.unknownKeys(key, raw, allowed);
  return raw;
}
