// Pulumi.yaml checked against the schema the Pulumi CLI itself validates it with.
import Ajv2020 from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { describe, expect } from "vitest";
import { requiresShared } from "../support/requires.js";
import YAML from "yaml";

// On a fresh clone ../shared is not beside it: requiresShared then makes this an it.skip whose name
// says why, as the promtool tests do without promtool; CI has ../shared, so there it runs.
const SCHEMA = "../shared/schemas/pulumi-project.schema.json";
const schemaPresent = requiresShared(SCHEMA);

describe("Pulumi.yaml", () => {
  schemaPresent.it(`is valid under the Pulumi CLI's project schema${schemaPresent.why}`, () => {
    const schema = JSON.parse(readFileSync(SCHEMA, "utf8"));
    const validate = new Ajv2020.default({ strict: false }).compile(schema);
    const project = YAML.parse(readFileSync("Pulumi.yaml", "utf8"));
    expect(validate(project), JSON.stringify(validate.errors)).toBe(true);
    expect(project.name).toBe("ai-gateway");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.backend.url).toMatch(/^file:\/\//);
  });
});
