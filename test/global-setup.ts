import { execFileSync } from "node:child_process";

// The CLI tests run bin/perimeter.js, which loads the bundle in dist/bin/: build it once so they test the
// current source. Each test project runs its global setup, in this one process: the first builds.
export default function setup(): void {
  if (process.env["PERIMETER_TEST_DIST_BUILT"] === "1") return;
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  execFileSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "inherit" });
  process.env["PERIMETER_TEST_DIST_BUILT"] = "1";
}
