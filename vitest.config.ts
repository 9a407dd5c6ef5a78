import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "suite", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, "test/scale/**"] } },
      // The replica tests time a kill's reach across three gateway processes: they run after everything else,
      // alone, so that the other test files do not take the two cores they measure on.
      { extends: true, test: { name: "scale", include: ["test/scale/**/*.test.ts"], sequence: { groupOrder: 1 } } },
    ],
  },
});
