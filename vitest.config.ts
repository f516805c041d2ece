import { defineConfig } from "vitest/config";

// Two cores in CI: run test files in a small fork pool; integration tests spawn
// real processes and daemons, so give them room instead of tight timeouts.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    reporters: ["default"],
  },
});
