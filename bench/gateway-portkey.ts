// Portkey's open-source AI gateway (@portkey-ai/gateway) as a peer target of bench/gateway.ts, in a process of
// its own: its published entry (the package's bin, build/start-server.js) started as `--port=N --headless`
// would start it, run in this process so that the parent can ask it for CPU time, event-loop delay and a
// profile as it does the others. Calls reach the upstream with `x-portkey-provider: openai` and
// `x-portkey-custom-host: <upstream>/v1`; Portkey passes Authorization on.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { freePort } from "../test/helpers/replicas.js";
import { runChild } from "./gateway-child.js";

/** The package's bin, from its package.json (the package exports no subpaths). */
function portkeyEntry(): { file: string; version: string } {
  const require = createRequire(import.meta.url);
  let pkgFile: string;
  try {
    pkgFile = require.resolve("@portkey-ai/gateway/package.json");
  } catch {
    // Its "exports" may hide package.json: find the package directory from the main entry instead.
    pkgFile = join(dirname(dirname(require.resolve("@portkey-ai/gateway"))), "package.json");
  }
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { version?: string; bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === "string" ? pkg.bin : Object.values(pkg.bin ?? {})[0];
  if (bin === undefined) throw new Error(`${pkgFile} names no bin: cannot start Portkey's gateway`);
  return { file: join(dirname(pkgFile), bin), version: pkg.version ?? "?" };
}

await runChild(async () => {
  const { file, version } = portkeyEntry();
  // Portkey takes a port number, not 0.
  const port = await freePort();
  process.argv = [process.argv[0] ?? process.execPath, file, `--port=${port}`, "--headless"];
  await import(pathToFileURL(file).href);
  const url = `http://127.0.0.1:${port}`;
  // It listens once its module has run; wait until it answers (any status) before saying ready.
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.arrayBuffer());
      break;
    } catch (err) {
      if (i >= 100) throw new Error(`Portkey's gateway did not answer on ${url} within 10 s: ${(err as Error).message}`);
      await sleep(100);
    }
  }
  return {
    ready: { url, notes: [`@portkey-ai/gateway ${version} (${file} --port=${port} --headless), provider openai with a custom host`] },
    // Its server is not reachable from outside its module; the process exits after close().
    close: async () => undefined,
  };
});
