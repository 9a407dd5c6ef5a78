// The gateway of bench/gateway.ts, set up as an operator would, in a process of its own, from the compiled
// dist/: a fresh SQLite store (the config file the parent wrote, PERIMETER_CONFIG), a tiny GGUF model
// registered, scanned, signed by a trusted key and approved by a second person, the upstream added as an
// openai runtime, attested and discovered, an identity with an API key; then the gateway with the default
// Cedar policy, limits per identity and per model on, and every call audited.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runChild } from "./gateway-child.js";

const dist = (p: string) => new URL(`../dist/${p}`, import.meta.url).href;
const { loadConfig, configPath } = (await import(dist("config/load.js"))) as typeof import("../src/config/load.js");
const { openStoreFor } = (await import(dist("cli/context.js"))) as typeof import("../src/cli/context.js");
const { openAuditLog, auditVerifierKeys, verifyAuditLog } = (await import(dist("audit/index.js"))) as typeof import("../src/audit/index.js");
const { loadOrCreateSigningKey } = (await import(dist("audit/checkpoint.js"))) as typeof import("../src/audit/checkpoint.js");
const { startGateway } = (await import(dist("gateway/start.js"))) as typeof import("../src/gateway/start.js");
// The server moved to http/ (issue 13); a baseline build from before the move has it in gateway/.
const { startServer } = (await import(dist("http/server.js")).catch(() => import(dist("gateway/server.js")))) as typeof import("../src/http/server.js");
const { IdentityService } = (await import(dist("identity/service.js"))) as typeof import("../src/identity/service.js");
const { registerModel } = (await import(dist("inventory/models.js"))) as typeof import("../src/inventory/models.js");
const { InventoryRepository } = (await import(dist("inventory/repository.js"))) as typeof import("../src/inventory/repository.js");
const { addRuntime, discover } = (await import(dist("inventory/runtimes.js"))) as typeof import("../src/inventory/runtimes.js");
const { approve, recordScanEvidence } = (await import(dist("lifecycle/service.js"))) as typeof import("../src/lifecycle/service.js");
const { resolveTrustedSigners } = (await import(dist("lifecycle/signers.js"))) as typeof import("../src/lifecycle/signers.js");
const { buildDemoModel, DEMO_MODEL_FILE } = (await import(dist("runtimes/demo-model.js"))) as typeof import("../src/runtimes/demo-model.js");
const { scanPaths } = (await import(dist("scan/scan.js"))) as typeof import("../src/scan/scan.js");
const { computeManifest, signModelWithKey } = (await import(dist("signing/index.js"))) as typeof import("../src/signing/index.js");
const { createLogger } = (await import(dist("log.js"))) as typeof import("../src/log.js");

const upstream = process.env["BENCH_UPSTREAM_URL"];
const served = process.env["BENCH_SERVED_MODEL"] ?? "bench-model";
if (upstream === undefined) throw new Error("BENCH_UPSTREAM_URL is not set");

await runChild(async () => {
  const loaded = loadConfig();
  const store = await openStoreFor(loaded);
  const audit = openAuditLog(loaded, store, { thread: true }); // as `perimeter serve` opens it
  const deps = { store, audit: () => audit };

  // Intake: register (alice), scan, sign with the release key, approve (bob).
  const modelDir = join(loaded.baseDir, "model");
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, DEMO_MODEL_FILE), buildDemoModel({ seed: 7 }));
  const version = await registerModel(deps, {
    path: modelDir,
    name: served,
    version: "1",
    kind: "base",
    parents: [],
    environments: ["default"],
    actor: "alice",
  });
  const lifecycleKey = loadOrCreateSigningKey(configPath(loaded, loaded.config.lifecycle.signingKey), true);
  const lifecycle = {
    store,
    audit: () => audit,
    config: loaded.config.lifecycle,
    signers: () => resolveTrustedSigners(loaded),
    instanceKey: () => lifecycleKey,
  };
  await recordScanEvidence(lifecycle, version.id, await scanPaths([modelDir]), (await computeManifest(modelDir)).digest, "ci");
  const releaseKey = readFileSync(join(loaded.baseDir, "release.pem"), "utf8");
  writeFileSync(join(modelDir, "model.sig"), (await signModelWithKey(modelDir, { privateKeyPem: releaseKey })).bundle);
  const approval = await approve(lifecycle, version.id, { actor: "bob" });

  // The runtime: what `perimeter admit --runtime bench` records at start, then discovery.
  await addRuntime(deps, { name: "bench", type: "openai", url: upstream, environment: "default", actor: "ops" });
  await new InventoryRepository(store).attest("bench", served, version.digest, "init");
  const discovered = await discover({ ...deps, timeoutMs: 5000 }, [], "ops");
  for (const d of discovered) if (!d.ok) throw d.error;

  const identities = new IdentityService({ store, audit: () => audit, config: loaded.config.identity });
  const issued = await identities.create({ name: "bench-client", kind: "service-account", owner: "bench", environment: "default", actor: "ops" });

  // As `perimeter serve` starts it: default identity cache, the configured logger (nothing per call at info).
  const logger = createLogger(loaded.config, process.stderr);
  const started = await startGateway({ loaded, store, audit: () => audit }, { logger });
  const server = await startServer({ host: "127.0.0.1", port: 0, routes: started.gateway.routes(), logger });

  const limits = loaded.config.gateway.limits;
  return {
    ready: {
      url: server.url,
      key: issued.key,
      notes: [
        `model ${version.id} (digest ${version.digest.slice(0, 12)}…) scanned, signed by ${approval.signer}, approved by bob; runtime bench (openai) at ${upstream} serves it as "${served}"`,
        `identity ${issued.identity.id}; limits identity ${JSON.stringify(limits.identity)}, model ${JSON.stringify(limits.model)}; policy: default Cedar set; audit: SQLite ${store.location}, committed on a writer thread`,
      ],
    },
    async stats() {
      await audit.flush();
      const rows = await store.db
        .selectFrom("audit_events")
        .select(["decision", (eb) => eb.fn.countAll<number>().as("n")])
        .where("action", "=", "gateway.call")
        .groupBy("decision")
        .execute();
      const stats: Record<string, number> = {};
      for (const r of rows) stats[`gateway.call ${r.decision}`] = Number(r.n);
      // Calls whose audit event carries what the guards found (bench/guards.ts checks its guards ran).
      const guarded = await store.db
        .selectFrom("audit_events")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("action", "=", "gateway.call")
        .where("details", "like", '%"guards":%')
        .executeTakeFirst();
      if (Number(guarded?.n ?? 0) > 0) stats["gateway.call with guard findings"] = Number(guarded?.n);
      return stats;
    },
    async close() {
      await server.close();
      await started.close();
      await identities.flush();
      await audit.close();
      // The log was written by the gateway under load: check it still verifies end to end.
      const report = await verifyAuditLog(store, auditVerifierKeys(loaded));
      process.stderr.write(
        `gateway: audit log verify: ${report.ok ? "ok" : `FAILED (${JSON.stringify(report.problems[0])})`}, ${report.events} events, ${report.checkpoints} checkpoints\n`,
      );
      await store.close();
    },
  };
});
