// The documentation stays true to the code where it can be checked: the tables taken from the code
// (alerts, least privilege) are the ones it renders, README stays a short way in, and no relative
// link points nowhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { currentTable, DOC_TABLES, markers } from "../../tools/docTables.js";

const DOCS = readdirSync("docs")
  .filter((f) => f.endsWith(".md"))
  .map((f) => join("docs", f));

/** Every link target in Markdown text that is not a URL with a scheme or an anchor on the same page. */
function relativeLinks(text: string): string[] {
  // Links inside code blocks and inline code are examples, not links.
  const prose = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith("#"));
}

describe("tables taken from the code", () => {
  for (const t of DOC_TABLES) {
    it(`${t.doc} holds exactly the ${t.name} table the code renders`, () => {
      const text = readFileSync(t.doc, "utf8");
      const { begin, end } = markers(t.name);
      expect(text, `${begin} and ${end} must both be in ${t.doc}`).toContain(begin);
      expect(currentTable(text, t.name), `the ${t.name} table is out of date: run \`npm run docs:tables\``).toBe(t.render());
    });
  }
});

describe("README.md", () => {
  it("is under 200 lines", () => {
    const lines = readFileSync("README.md", "utf8").split("\n").length - 1;
    expect(lines, "README is the way in; move detail to docs/").toBeLessThan(200);
  });
});

describe("relative links", () => {
  for (const file of ["README.md", ...DOCS]) {
    it(`in ${file} point to files that exist`, () => {
      const links = relativeLinks(readFileSync(file, "utf8"));
      const missing = links.filter((l) => !existsSync(join(dirname(file), decodeURIComponent(l.split("#")[0]!))));
      expect(missing).toEqual([]);
    });
  }

  it("are found at all (README links to every page in docs/)", () => {
    const links = relativeLinks(readFileSync("README.md", "utf8")).map((l) => l.split("#")[0]);
    for (const doc of DOCS) expect(links, doc).toContain(doc);
  });
});
