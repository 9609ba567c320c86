// The dev stack's validated config, and its GPU variant: what the observability checks render.
import { readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig } from "../../config/validate.js";

export const devRaw = readStackConfig(".", "dev");
export const devConfig = validateStackConfig(devRaw);
/** The dev stack with GPUs: DCGM, its rule file and the GPU panels come in. */
export const gpuConfig = validateStackConfig({
  ...devRaw,
  values: { ...devRaw.values, ollama: JSON.stringify({ ...JSON.parse(devRaw.values["ollama"]!), gpus: "all", flashAttention: true, kvCacheType: "q8_0" }) },
});
