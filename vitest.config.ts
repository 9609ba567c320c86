import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          sequence: { groupOrder: 0 },
          testTimeout: 20_000,
        },
      },
      {
        test: {
          // Child processes and timing: the deploy-time loader, the render CLI, the bench overhead.
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "litellm",
          include: ["test/litellm/**/*.test.ts"],
          // After the unit tests, not beside them: its failover timings should not share two cores.
          sequence: { groupOrder: 2 },
          // The first run installs LiteLLM from PyPI into a cached virtualenv.
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
