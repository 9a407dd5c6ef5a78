import { generateKeyPairSync, createPublicKey } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { EXIT, PerimeterError } from "../errors.js";
import { startGateway } from "../gateway/start.js";
import { IdentityService } from "../identity/service.js";
import { getModel, registerModel } from "../inventory/models.js";
import { InventoryRepository } from "../inventory/repository.js";
import { addRuntime, discover } from "../inventory/runtimes.js";
import { approve, recordScanEvidence, stateOf } from "../lifecycle/service.js";
import { createLogger } from "../log.js";
import { buildDemoModel, DEMO_MODEL_FILE } from "../runtimes/demo-model.js";
import { scanPaths } from "../scan/scan.js";
import { computeManifest, signModelWithKey } from "../signing/index.js";
import { parsePositiveInt, withContext, type Cli } from "./context.js";
import { lifecycleDeps } from "./lifecycle.js";
import { serveGateway, untilSignal } from "./serve.js";

// perimeter up — the whole path on a fresh clone with nothing configured: store, demo model, scan, sign,
// register, approve, runtime, identity, serve. Every step is the same service call an operator would make,
// under named demo actors so that separation of duties holds; re-running reuses what is there.

const MODEL = "perimeter-demo";
const VERSION = "1";
const ACTORS = { submitter: "demo-submitter", approver: "demo-approver", operator: "demo-operator" } as const;
const DEMO_CONFIG = {
  lifecycle: {
    roles: { submitter: [ACTORS.submitter], approver: [ACTORS.approver], operator: [ACTORS.operator], auditor: [] },
    trustedSigners: [{ name: "demo-release-key", publicKey: ".perimeter/demo-release.pub" }],
  },
};

export function registerUp(program: Command, cli: Cli): void {
  program
    .command("up")
    .description("set up and run everything on the embedded defaults: store, demo model, scan, sign, register, approve, identity, and the gateway")
    .option("--port <port>", "port to serve on (default gateway.port, 8080)")
    .option("--host <host>", "address to serve on (default gateway.host, 127.0.0.1)")
    .action(
      cli.run(async (opts: { port?: string; host?: string }) => {
        const port = opts.port === undefined ? undefined : opts.port === "0" ? 0 : parsePositiveInt(opts.port, "--port");
        if (cli.globals().config === undefined && !existsSync(resolve("perimeter.yaml"))) {
          // Nothing configured: write the demo's configuration where the user can read and change it.
          writeFileSync(resolve("perimeter.yaml"), `# Written by perimeter up: demo roles and the demo signing key. Edit freely.\n${stringify(DEMO_CONFIG)}`);
          process.stderr.write("perimeter: wrote perimeter.yaml (demo roles and trusted signer)\n");
        }
        return withContext(cli.globals(), async (ctx) => {
          const say = (line: string) => process.stderr.write(`perimeter: ${line}\n`);
          const base = ctx.loaded.baseDir;
          const state = join(base, ".perimeter");
          mkdirSync(state, { recursive: true });
          const keyFile = join(state, "demo-release.pem");
          if (!existsSync(keyFile)) {
            const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
            writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
            writeFileSync(join(state, "demo-release.pub"), createPublicKey(privateKey).export({ type: "spki", format: "pem" }));
          }
          const modelDir = join(base, "models", MODEL);
          if (!existsSync(join(modelDir, DEMO_MODEL_FILE))) {
            mkdirSync(modelDir, { recursive: true });
            writeFileSync(join(modelDir, DEMO_MODEL_FILE), buildDemoModel());
            say(`generated the demo model: ${join(modelDir, DEMO_MODEL_FILE)}`);
          }

          const lifecycle = lifecycleDeps(ctx);
          const id = `${MODEL}@${VERSION}`;
          const inventory = { store: ctx.store, audit: ctx.audit };
          const repo = new InventoryRepository(ctx.store);
          if (!(await repo.modelExists(id))) {
            await registerModel(inventory, { path: modelDir, name: MODEL, version: VERSION, kind: "base", parents: [], license: "Apache-2.0", owner: "perimeter-demo", environments: [ctx.loaded.config.inventory.defaultEnvironment], actor: ACTORS.submitter });
            say(`registered ${id}`);
          }
          const version = await getModel(ctx.store, id);
          if ((await stateOf(ctx.store, id)) === "registered") {
            const report = await scanPaths([modelDir]);
            await recordScanEvidence(lifecycle, id, report, (await computeManifest(modelDir)).digest, ACTORS.submitter);
            say(`scanned ${id}: ${report.summary.clean} of ${report.summary.files} file(s) clean`);
            const { bundle } = await signModelWithKey(modelDir, { privateKeyPem: readFileSync(keyFile, "utf8") });
            writeFileSync(join(modelDir, "model.sig"), bundle);
            say(`signed ${id} (OMS, ${join(modelDir, "model.sig")})`);
            await approve(lifecycle, id, { actor: ACTORS.approver });
            say(`approved ${id} by ${ACTORS.approver} (submitted by ${ACTORS.submitter})`);
          }
          if ((await repo.getRuntime("embedded")) === undefined) {
            await addRuntime(inventory, { name: "embedded", type: "embedded", url: modelDir, environment: ctx.loaded.config.inventory.defaultEnvironment, actor: ACTORS.operator });
          }
          const [found] = await discover({ ...inventory, timeoutMs: 30_000 }, ["embedded"], ACTORS.operator);
          if (found === undefined || !found.ok) throw found?.error ?? new PerimeterError("RUNTIME_UNREACHABLE", "the embedded runtime could not be discovered");

          const identities = new IdentityService({ store: ctx.store, audit: ctx.audit, config: ctx.loaded.config.identity });
          let key: string;
          try {
            key = (await identities.rotate("demo-app", { actor: ACTORS.operator, overlapSeconds: 0 })).key;
          } catch {
            key = (await identities.create({ name: "demo-app", kind: "service-account", owner: "perimeter-demo", environment: ctx.loaded.config.inventory.defaultEnvironment, actor: ACTORS.operator })).key;
          }
          await identities.flush();

          const logger = createLogger(ctx.loaded.config);
          const started = await startGateway(ctx, { logger });
          const server = await serveGateway(ctx, started, { host: opts.host ?? ctx.loaded.config.gateway.host, port: port ?? ctx.loaded.config.gateway.port, logger });
          process.stdout.write(
            [
              "",
              `Perimeter is serving ${id} (sha256 ${version.digest.slice(0, 16)}…) on the embedded llama.cpp runtime.`,
              `  gateway   ${server.url}/v1 (OpenAI) and ${server.url}/api (Ollama); metrics at ${server.url}/metrics`,
              `  API key   ${key}`,
              "            (shown once; perimeter identity rotate demo-app makes a new one)",
              "",
              "Try it:",
              `  curl -s ${server.url}/v1/chat/completions -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
              `    -d '{"model":"${id}","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'`,
              "",
              `  node --input-type=module -e 'import OpenAI from "openai"; const c = new OpenAI({ baseURL: "${server.url}/v1", apiKey: "${key}" });`,
              `    console.log((await c.chat.completions.create({ model: "${id}", messages: [{ role: "user", content: "Hello" }], max_tokens: 16 })).choices[0].message)'`,
              "",
              "Then: perimeter audit list · perimeter model show perimeter-demo@1 · perimeter kill model perimeter-demo@1 --reason test",
              "Stop with Ctrl-C.",
              "",
            ].join("\n"),
          );
          const signal = await untilSignal();
          say(`${signal}: stopping`);
          await server.close();
          await started.close();
          return EXIT.ok;
        }, { server: true });
      }),
    );
}
