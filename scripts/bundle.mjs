// Bundles the CLI (and the worker threads it starts) into dist/bin/: one file to load instead of hundreds
// of modules. Kysely's ESM tree alone took 126 ms to import; the bundled CLI starts in about a third of the
// time. Native and optional packages stay external, and so does cedar-wasm: it reads cedar_wasm_bg.wasm from
// its own directory (__dirname) when it loads.
import { copyFileSync, cpSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/bin", { recursive: true, force: true }); // chunk names change with content: no stale chunks

await build({
  entryPoints: {
    perimeter: "src/cli/main.ts",
    "verify-worker": "src/audit/verify-worker.ts",
    "writer-worker": "src/audit/writer-worker.ts",
    "hash-worker": "src/signing/hash-worker.ts",
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
