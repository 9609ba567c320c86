import { describe, expect, it } from "vitest";
import { COMPROMISED_LITELLM_VERSIONS, PINNED_IMAGES, imageRefProblem, litellmVersionOf, parseImageRef } from "../../config/images.js";
import { SERVICES } from "../../services/names.js";

describe("the image table", () => {
  it("pins every service to an exact, acceptable tag", () => {
    for (const s of SERVICES) {
      expect(imageRefProblem(s, PINNED_IMAGES[s]), s).toBeUndefined();
      expect(parseImageRef(PINNED_IMAGES[s]).tag, s).toMatch(/\d/);
    }
  });

  it("refuses every compromised LiteLLM release in any tag spelling", () => {
    for (const v of COMPROMISED_LITELLM_VERSIONS) {
      for (const tag of [v, `v${v}`, `main-v${v}-stable`, `${v}-stable.patch.1`]) {
        expect(imageRefProblem("litellm", `ghcr.io/berriai/litellm:${tag}`), tag).toMatch(/compromised/);
      }
    }
    expect(imageRefProblem("litellm", "ghcr.io/berriai/litellm:1.82.6")).toBeUndefined();
    // The version anywhere in the tag counts, however the tag dresses it.
    for (const tag of ["litellm_stable_release_branch-v1.82.7", "custom-1.82.8-rc", "v1.107.0.post1", "build_1.82.7"]) {
      expect(imageRefProblem("litellm", `ghcr.io/berriai/litellm:${tag}`), tag).toMatch(/LiteLLM 1\.(82\.[78]|107\.0) is reported compromised/);
    }
    // Near misses are not the compromised release.
    for (const tag of ["1.82.70", "11.82.7", "fixed-in-1.82.9"]) {
      expect(imageRefProblem("litellm", `ghcr.io/berriai/litellm:${tag}`), tag).toBeUndefined();
    }
  });

  it("parses registry ports, tags and digests", () => {
    expect(parseImageRef("registry:5000/team/img:1.2")).toEqual({ repository: "registry:5000/team/img", tag: "1.2" });
    const digest = `sha256:${"a".repeat(64)}`;
    expect(parseImageRef(`img@${digest}`)).toEqual({ repository: "img", digest });
    expect(imageRefProblem("ollama", `ollama/ollama@${digest}`)).toBeUndefined();
    expect(imageRefProblem("ollama", "registry:5000/ollama")).toMatch(/no tag/);
    expect(litellmVersionOf(PINNED_IMAGES.litellm)).toBe("1.100.0");
  });
});
