import { execFileSync } from "node:child_process";

// The CLI tests run bin/perimeter.js, which loads the bundle in dist/bin/: build it once so they test the
// current source.
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  execFileSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "inherit" });
}
