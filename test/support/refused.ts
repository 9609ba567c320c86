// The message of a config the validator must refuse; fails the test if it is accepted.
import { expect } from "vitest";
import { ConfigError, validateStackConfig, type RawConfig } from "../../config/validate.js";

export function problemsOf(raw: RawConfig): string {
  try {
    validateStackConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected the config to be refused");
}
