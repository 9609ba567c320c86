// npm run docs:tables
// Writes the tables the docs take from the code, between their markers, so they never drift from it:
// the alert table of docs/observability.md and the least-privilege tables of docs/security.md.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { alertTable } from "./alertTable.js";
import { confinementTable, exceptionsTable } from "./confinementTable.js";

export interface DocTable {
  /** The marker name: the table sits between `<!-- name:begin -->` and `<!-- name:end -->`. */
  readonly name: string;
  /** The doc, relative to the repository. */
  readonly doc: string;
  readonly render: () => string;
}

export const DOC_TABLES: readonly DocTable[] = Object.freeze([
  { name: "alerts", doc: "docs/observability.md", render: alertTable },
  { name: "confinement", doc: "docs/security.md", render: confinementTable },
  { name: "exceptions", doc: "docs/security.md", render: exceptionsTable },
]);

export const markers = (name: string) => ({ begin: `<!-- ${name}:begin -->`, end: `<!-- ${name}:end -->` });

/** The text with the named table replaced; throws when a marker is missing. */
export function withTable(text: string, name: string, table: string): string {
  const { begin, end } = markers(name);
  const b = text.indexOf(begin);
  const e = text.indexOf(end);
  if (b < 0 || e < b) throw new Error(`the markers ${begin} and ${end} are missing or out of order`);
  return `${text.slice(0, b + begin.length)}\n${table}\n${text.slice(e)}`;
}

/** What is between the named markers now, without the line breaks that frame it. */
export function currentTable(text: string, name: string): string | undefined {
  const { begin, end } = markers(name);
  const b = text.indexOf(begin);
  const e = text.indexOf(end);
  if (b < 0 || e < b) return undefined;
  return text.slice(b + begin.length, e).replace(/^\n/, "").replace(/\n$/, "");
}

/** Rewrites each doc in place; returns the docs that changed. */
export function writeDocTables(root: string = fileURLToPath(new URL("..", import.meta.url))): string[] {
  const changed: string[] = [];
  for (const doc of [...new Set(DOC_TABLES.map((t) => t.doc))]) {
    const path = `${root}/${doc}`;
    const before = readFileSync(path, "utf8");
    const after = DOC_TABLES.filter((t) => t.doc === doc).reduce((text, t) => withTable(text, t.name, t.render()), before);
    if (after !== before) {
      writeFileSync(path, after);
      changed.push(doc);
    }
  }
  return changed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const changed = writeDocTables();
  process.stdout.write(changed.length ? `rewrote the tables of ${changed.join(", ")}\n` : "every doc table is up to date\n");
}
