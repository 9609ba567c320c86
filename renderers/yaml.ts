// Shared YAML emitter for every rendered config file: the `yaml` package builds the text (never
// string templates), and any string holding a colon is double-quoted, so a model name such as
// "task:code" can never be misread as a mapping.
import YAML from "yaml";

export function toYaml(value: unknown, header: string): string {
  const doc = new YAML.Document(value);
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && node.value.includes(":")) node.type = "QUOTE_DOUBLE";
    },
  });
  doc.commentBefore = ` ${header}`;
  return doc.toString({ lineWidth: 0 });
}
