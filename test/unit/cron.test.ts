import { describe, expect, it } from "vitest";
import { cronProblem } from "../../config/cron.js";

// config.test.ts covers field count, ranges and nicknames through validateStackConfig; these are the
// branches it does not reach.
describe("cronProblem", () => {
  it("accepts both spellings of Sunday and the edges of each field", () => {
    for (const expr of ["0 0 1 1 0", "59 23 31 12 7", "*/1 * * * *"]) expect(cronProblem(expr), expr).toBeUndefined();
  });

  it("names the field and what is wrong with it", () => {
    expect(cronProblem("*/0 * * * *")).toBe("minute step must be at least 1");
    expect(cronProblem("0 3 0 * *")).toBe("day of month 0 is outside 1-31");
    expect(cronProblem("0 3 * JAN *")).toBe('month field "JAN" is not a number, a range, a list or */step');
    expect(cronProblem("0 3 * * 1-8")).toBe("day of week 8 is outside 0-7");
  });
});
