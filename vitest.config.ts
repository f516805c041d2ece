import { configDefaults, defineConfig } from "vitest/config";

// Two cores in CI: run test files in a small fork pool; integration tests spawn
// real processes and daemons, so give them room instead of tight timeouts.
export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
          exclude: [...configDefaults.exclude, "test/slurm/**", "test/flux/**"],
        },
      },
      // Tests against a real 4-node Slurm on localhost (test/setup/slurm): the
      // cluster starts once for all of them, and they run one file at a time
      // because they share its nodes.
      {
        extends: true,
        test: {
          name: "slurm",
          include: ["test/slurm/**/*.test.ts"],
          globalSetup: ["test/setup/slurm/global-setup.ts"],
          fileParallelism: false,
        },
      },
      // Tests against a real 4-broker Flux instance on this machine (test/setup/flux):
      // one instance for all of them, one file at a time for the same reason.
      {
        extends: true,
        test: {
          name: "flux",
          include: ["test/flux/**/*.test.ts"],
          globalSetup: ["test/setup/flux/global-setup.ts"],
          fileParallelism: false,
        },
      },
    ],
  },
});
