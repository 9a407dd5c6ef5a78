import { approvalCheck } from "../../src/evals/assess.js";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateSigningKey } from "../../src/audit/checkpoint.js";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import { runEvaluation, type RunOutcome, type RunRequest } from "../../src/evals/runner.js";
import { openEvaluator } from "../../src/evals/service.js";
import { registerModel } from "../../src/inventory/models.js";
import { InventoryRepository } from "../../src/inventory/repository.js";
import { addRuntime, discover } from "../../src/inventory/runtimes.js";
import type { ModelVersion } from "../../src/inventory/types.js";
import { recordScanEvidence, type LifecycleDeps } from "../../src/lifecycle/service.js";
import { resolveTrustedSigners } from "../../src/lifecycle/signers.js";
import { scanPaths } from "../../src/scan/scan.js";
import { computeManifest, signModelWithKey } from "../../src/signing/index.js";
import type { Store } from "../../src/store/store.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { createTestEnv, type StoreKind, type TestEnv } from "../helpers/stores.js";

// A world for evaluation tests: a store, model versions registered, scanned and signed, each served by a
// faithful fake vLLM whose model the test chooses (one that refuses, one that complies), discovered by the
// inventory; suites written as the operator writes them (evals.suites).

export interface EvalWorld {
  readonly env: TestEnv;
  readonly store: Store;
  readonly audit: AuditLog;
  readonly lifecycle: LifecycleDeps;
  /** The fake runtime serving each version, by name@version. */
  readonly served: Readonly<Record<string, FakeOpenAI>>;
  /** Register, scan, sign and serve a version on a fake vLLM of its own, answering with `model`. */
  add(
    name: string,
    version: string,
    parents: string[],
    model: (lastUser: string) => string,
    registration?: { readonly owner?: string; readonly license?: string },
  ): Promise<ModelVersion>;
  /** Discovery: what each runtime serves, by digest. */
  discover(): Promise<void>;
  /** Run the test's own suites (unless options.suites names others) against a version. */
  evaluate(ref: string, options?: Omit<RunRequest, "ref" | "actor">): Promise<RunOutcome>;
  close(): Promise<void>;
}

export async function startEvalWorld(kind: StoreKind, suites: Readonly<Record<string, string>>, config: Record<string, unknown> = {}): Promise<EvalWorld> {
  const signer = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const env = await createTestEnv(
    kind,
    {},
    {
      lifecycle: {
        roles: { approver: ["bob"], operator: ["olga"] },
        trustedSigners: [{ name: "release", publicKey: "release.pub" }],
        signingKey: "keys/lifecycle.pem",
        requireEval: true,
      },
      ...config,
      evals: { suites: ["suites"], ...(config["evals"] as Record<string, unknown> | undefined) },
    },
  );
  mkdirSync(join(env.dir, "suites"));
  for (const [file, text] of Object.entries(suites)) writeFileSync(join(env.dir, "suites", file), text);
  writeFileSync(join(env.dir, "release.pub"), signer.publicKey.export({ type: "spki", format: "pem" }));
  const store = await env.open();
  const audit = openAuditLog(env.loaded, store);
  const key = loadOrCreateSigningKey(join(env.dir, "keys/lifecycle.pem"), true);
  const lifecycle: LifecycleDeps = {
    store,
    audit: () => audit,
    config: env.loaded.config.lifecycle,
    signers: () => resolveTrustedSigners(env.loaded),
    instanceKey: () => key,
    evalGate: (version) => approvalCheck(store, env.loaded.config.evals, version),
  };
  const work = mkdtempSync(join(tmpdir(), "perimeter-evals-"));
  const deps = { store, audit: () => audit };
  const fakes: FakeOpenAI[] = [];
  const served: Record<string, FakeOpenAI> = {};
  let seed = 1;
  // The test's own suites unless it names others: the built-in ones are hundreds of cases.
  const ownSuites = Object.keys(suites).map((f) => f.replace(/\.ya?ml$/, ""));
  return {
    env,
    store,
    audit,
    lifecycle,
    served,
    async add(name, version, parents, model, registration = {}) {
      const dir = writeGgufModel(join(work, `${name}-${version}`), { seed: seed++ });
      const v = await registerModel(deps, {
        path: dir,
        name,
        version,
        kind: parents.length === 0 ? "base" : "fine-tune",
        parents,
        environments: ["default"],
        actor: "alice",
        ...registration,
      });
      await recordScanEvidence(lifecycle, v.id, await scanPaths([dir]), (await computeManifest(dir)).digest, "ci");
      const pem = signer.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      writeFileSync(join(dir, "model.sig"), (await signModelWithKey(dir, { privateKeyPem: pem })).bundle);
      const servedName = `${name}-${version}`;
      const fake = await startFakeOpenAI({ flavour: "vllm", models: [{ id: servedName }] });
      fake.model = model;
      fakes.push(fake);
      served[v.id] = fake;
      await addRuntime(deps, { name: `rt-${servedName}`, type: "openai", url: fake.url, environment: "default", actor: "ops" });
      // What `perimeter admit --runtime` records when the runtime's init container admits the files.
      await new InventoryRepository(store).attest(`rt-${servedName}`, servedName, v.digest, "init");
      return v;
    },
    async discover() {
      await discover({ ...deps, timeoutMs: 5000 }, [], "ops");
    },
    async evaluate(ref, options = {}) {
      const evaluator = await openEvaluator({ loaded: env.loaded, store, audit: () => audit });
      try {
        return await runEvaluation(evaluator.deps, { ref, actor: "ci", suites: ownSuites, ...options });
      } finally {
        await evaluator.close();
      }
    },
    async close() {
      for (const f of fakes) await f.close();
      await audit.close();
      await store.close();
      await env.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Chat calls a fake runtime was asked. */
export function chatCalls(fake: FakeOpenAI): unknown[] {
  return fake.requests.filter((r) => r.path === "/v1/chat/completions").map((r) => r.json);
}
