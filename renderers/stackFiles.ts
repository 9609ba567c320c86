// Every generated file of a stack, keyed by its path in a render folder. The components render
// the same files from the same inputs; a test holds the two together.
import type { StackConfig } from "../config/schema.js";
import { ollamaInternalUrl } from "../components/ollama.js";
import { renderLiteLlmConfig } from "./litellm.js";

export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

export function stackFiles(config: StackConfig): RenderedFile[] {
  return [
    {
      path: "litellm/config.yaml",
      content: renderLiteLlmConfig({ routes: config.routes, cloudModels: config.cloudModels, ollamaApiBase: ollamaInternalUrl() }),
    },
  ];
}
