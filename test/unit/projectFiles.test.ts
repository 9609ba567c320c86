// Pulumi.yaml checked against the schema the Pulumi CLI itself validates it with.
import Ajv2020 from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import YAML from "yaml";

describe("Pulumi.yaml", () => {
  it("is valid under the Pulumi CLI's project schema", () => {
    const schema = JSON.parse(readFileSync("../shared/schemas/pulumi-project.schema.json", "utf8"));
    const validate = new Ajv2020.default({ strict: false }).compile(schema);
    const project = YAML.parse(readFileSync("Pulumi.yaml", "utf8"));
    expect(validate(project), JSON.stringify(validate.errors)).toBe(true);
    expect(project.name).toBe("ai-gateway");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.backend.url).toMatch(/^file:\/\//);
  });
});
