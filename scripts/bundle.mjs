// Bundles the CLI (and the worker threads it starts) into dist/bin/: one file to load instead of hundreds
// of modules. Kysely's ESM tree alone took 126 ms to import; the bundled CLI starts in about a third of the
// time. Native and optional packages stay external, and so does cedar-wasm: it reads cedar_wasm_bg.wasm from
// its own directory (__dirname) when it loads.
//
// It also bundles the dashboard (src/web/app) for the browser into dist/web/: index.html and hashed assets that
// src/web/serve.ts serves at /ui/. `node scripts/bundle.mjs web [DIR]` builds only the dashboard (into DIR):
// the browser tests build it that way, in a second.
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "esbuild";

if (process.argv[2] === "web") await bundleDashboard(process.argv[3] ?? "dist/web");
else {
  await bundleCli();
  await bundleDashboard("dist/web");
}

async function bundleCli() {
  rmSync("dist/bin", { recursive: true, force: true }); // chunk names change with content: no stale chunks

  await build({
    entryPoints: {
      perimeter: "src/cli/main.ts",
      "verify-worker": "src/audit/verify-worker.ts",
      "writer-worker": "src/audit/writer-worker.ts",
      "hash-worker": "src/signing/hash-worker.ts",
      "check-worker": "src/policy/check-worker.ts",
    },
    outdir: "dist/bin",
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    // OpenTelemetry loads only when tracing is configured, from node_modules: its CommonJS builds keep their
    // named exports that way, which a bundled dynamic import loses.
    external: [
      "better-sqlite3",
      "pg",
      "pg-native",
      "node-llama-cpp",
      "re2",
      "onnxruntime-node",
      "pino",
      "thread-stream",
      "@cedar-policy/cedar-wasm",
      "@opentelemetry/*",
    ],
    // CommonJS dependencies call require(); an ESM bundle has to provide it.
    banner: { js: "import { createRequire as __perimeterCreateRequire } from 'node:module'; const require = __perimeterCreateRequire(import.meta.url);" },
    logLevel: "warning",
  });

  // The injection classifier reads its weights from beside its module: next to the bundle's chunks, and next to
  // tsc's output of src/guards/.
  for (const dir of ["dist/bin", "dist/guards"]) copyFileSync("src/guards/injection-weights.bin", `${dir}/injection-weights.bin`);
  // The built-in evaluation suites are data files read from beside their module too.
  for (const dir of ["dist/bin/suites", "dist/evals/suites"]) {
    rmSync(dir, { recursive: true, force: true });
    cpSync("src/evals/suites", dir, { recursive: true });
  }
  // So is the table of runtime advisories the posture checks hold runtimes' versions against.
  for (const dir of ["dist/bin", "dist/posture"]) copyFileSync("src/posture/runtime-advisories.yaml", `${dir}/runtime-advisories.yaml`);
  // And the compliance control catalogue the reports are judged against.
  for (const dir of ["dist/bin", "dist/report"]) copyFileSync("src/report/catalogue.yaml", `${dir}/catalogue.yaml`);
}

/** The dashboard: one script and one stylesheet with content hashes in their names, and the page naming them. */
async function bundleDashboard(outdir) {
  const assets = join(outdir, "assets");
  // Only what this build writes: tsc's output of src/web/ (serve.js) lives in dist/web/ too.
  rmSync(assets, { recursive: true, force: true });
  rmSync(join(outdir, "index.html"), { force: true });
  const result = await build({
    entryPoints: { app: "src/web/app/main.tsx" },
    outdir: assets,
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome115", "firefox115", "safari16.4"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: "linked",
    metafile: true,
    legalComments: "linked",
    tsconfig: "src/web/app/tsconfig.json",
    logLevel: "warning",
  });
  const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === "src/web/app/main.tsx");
  if (entry === undefined || entry[1].cssBundle === undefined) throw new Error("the dashboard bundle has no script or no stylesheet");
  // The icon is named by its content like the rest, so it can be cached for good.
  const icon = readFileSync("src/web/app/icon.svg");
  const iconName = `icon-${createHash("sha256").update(icon).digest("hex").slice(0, 8)}.svg`;
  mkdirSync(assets, { recursive: true });
  writeFileSync(join(assets, iconName), icon);
  const html = readFileSync("src/web/app/index.html", "utf8")
    .replace("{{script}}", `/ui/assets/${basename(entry[0])}`)
    .replace("{{style}}", `/ui/assets/${basename(entry[1].cssBundle)}`)
    .replace("{{icon}}", `/ui/assets/${iconName}`);
  if (html.includes("{{")) throw new Error("src/web/app/index.html names an asset the build does not make");
  // Written whole and then renamed: a server starting meanwhile reads the old page or the new one, never half.
  writeFileSync(join(outdir, "index.html.tmp"), html);
  renameSync(join(outdir, "index.html.tmp"), join(outdir, "index.html"));
}
