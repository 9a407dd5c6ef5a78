import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import { registerModel } from "../../src/inventory/models.js";
import { InventoryRepository } from "../../src/inventory/repository.js";
import { addRuntime } from "../../src/inventory/runtimes.js";
import type { ModelVersion } from "../../src/inventory/types.js";
import { LifecycleRepository } from "../../src/lifecycle/repository.js";
import { explainServable } from "../../src/lifecycle/explain-servable.js";
import type { Store } from "../../src/store/store.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

// What the gateway's 404 says: each reason a model name cannot be served names what stands in the way.

describe.each(STORE_KINDS)("why a model is not servable, on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let work: string;
  let deps: { store: Store; audit: () => AuditLog };
  let llama: ModelVersion;

  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    deps = { store, audit: () => audit };
    work = mkdtempSync(join(tmpdir(), "perimeter-servable-"));
    llama = await registerModel(deps, {
      path: writeGgufModel(join(work, "llama")),
      name: "llama",
      version: "1",
      kind: "base",
      parents: [],
      environments: ["prod"],
      actor: "ml",
    });
  });
  afterEach(async () => {
    await audit.flush();
    await store.close();
    await env.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  // The state and an approval statement naming the environments (what the lifecycle's approve records, unsigned here).
  const approve = async (id: string, environments = ["prod"]) => {
    const repo = new LifecycleRepository(store);
    await repo.transition(id, ["registered"], "approved", "approver", "test");
    const statement = { predicate: { model: id, environments } };
    await repo.addEvidence({
      versionId: id,
      kind: "approval",
      verdict: "pass",
      digest: llama.digest,
      createdBy: "approver",
      body: { envelope: { payload: Buffer.from(JSON.stringify(statement)).toString("base64") } },
    });
  };
  const weights = () => llama.files[0]?.sha256 ?? "";
  async function runtimeServing(name: string, environment: string, served: Array<{ servedName: string; digest: string | null }>): Promise<void> {
    await addRuntime(deps, { name, type: "ollama", url: "http://127.0.0.1:9", environment, actor: "ops" });
    await new InventoryRepository(store).recordDiscovery(
      name,
      served.map((s) => ({ ...s, digestSource: s.digest === null ? "none" : "ollama-blob", adapterDigests: [], details: {} })),
      new Date().toISOString(),
    );
  }
  const rules = (d: { findings: readonly { rule: string }[] }) => d.findings.map((f) => f.rule);

  it("says a name no version has is not in the inventory, and lists the versions of a known name", async () => {
    const unknown = await explainServable(store, "mystery", "prod");
    expect(unknown).toMatchObject({ allow: false, code: "MODEL_NOT_SERVABLE", reason: expect.stringMatching(/"mystery" is not in the inventory/) });
    expect(rules(unknown)).toEqual(["unknown-model"]);
    const wrongVersion = await explainServable(store, "llama@7", "prod");
    expect(wrongVersion.reason).toMatch(/"llama@7" is not in the inventory; llama has version llama@1/);
  });

  it("says a registered version is not approved and who must approve it, and a revoked one is revoked", async () => {
    const registered = await explainServable(store, "llama@1", "prod");
    expect(registered).toMatchObject({
      allow: false,
      reason: expect.stringMatching(
        /has no approved version: llama@1 is registered, not approved: an approver other than its submitter runs perimeter approve llama@1/,
      ),
    });
    await approve("llama@1");
    await new LifecycleRepository(store).transition("llama@1", ["approved"], "revoked", "approver", "leaked weights");
    const revoked = await explainServable(store, "llama", "prod");
    expect(revoked.reason).toMatch(/"llama" is revoked: llama@1 is revoked \(leaked weights\)/);
    expect(rules(revoked)).toEqual(["revoked"]);
  });

  it("says when no runtime serves an approved version, and why", async () => {
    await approve("llama@1");
    expect((await explainServable(store, "llama@1", "prod")).reason).toMatch(
      /no runtime reports serving the approved bytes of llama@1: no runtime is registered/,
    );
    await addRuntime(deps, { name: "gpu-1", type: "ollama", url: "http://127.0.0.1:9", environment: "prod", actor: "ops" });
    expect((await explainServable(store, "llama@1", "prod")).reason).toMatch(/runtime gpu-1 has never been discovered \(perimeter runtime discover\)/);
  });

  it("names the runtime and both environments when the approved bytes are served where the version is not registered", async () => {
    await approve("llama@1");
    await runtimeServing("laptop", "dev", [{ servedName: "llama:1", digest: weights() }]);
    const d = await explainServable(store, "llama@1", "dev");
    expect(d).toMatchObject({ allow: false, code: "MODEL_NOT_SERVABLE" });
    expect(rules(d)).toEqual(["environment-mismatch"]);
    expect(d.reason).toMatch(
      /runtime "laptop" serves llama@1 as "llama:1" in environment dev, but llama@1 is registered for prod: serve it from a runtime in prod, or register the files as a version for dev/,
    );
  });

  it("names the runtime's environment when the caller calls from another", async () => {
    await approve("llama@1");
    await runtimeServing("gpu-1", "prod", [{ servedName: "llama:1", digest: weights() }]);
    const d = await explainServable(store, "llama", "staging");
    expect(rules(d)).toEqual(["other-environment"]);
    expect(d.reason).toMatch(
      /not servable in environment staging: runtime "gpu-1" serves llama@1 as "llama:1" in environment prod, and the caller's environment is staging/,
    );
    expect(await explainServable(store, "llama", "prod")).toMatchObject({
      allow: true,
      reason: 'runtime "gpu-1" serves llama@1 as "llama:1" in environment prod',
    });
  });

  it("says a runtime serves the name with other bytes, or with none it vouches for", async () => {
    await approve("llama@1");
    await runtimeServing("gpu-1", "prod", [{ servedName: "llama:1", digest: "ab".repeat(32) }]);
    await runtimeServing("vllm-1", "prod", [{ servedName: "llama", digest: null }]);
    const d = await explainServable(store, "llama@1", "prod");
    expect(rules(d)).toEqual(["digest-drift", "unverified"]);
    expect(d.reason).toMatch(/runtime "gpu-1" serves "llama:1" with sha256 (ab){32}, not the approved bytes of llama@1: the weights changed or were replaced/);
    expect(d.findings[1]?.message).toMatch(/runtime "vllm-1" serves "llama" but reports no digest.*perimeter admit PATH --runtime vllm-1 --served-name llama/);
  });

  it("says a version served in a registered environment is not approved there yet, and how to approve it", async () => {
    llama = await registerModel(deps, {
      path: writeGgufModel(join(work, "qwen")),
      name: "qwen",
      version: "1",
      kind: "base",
      parents: [],
      environments: ["prod", "staging"],
      actor: "ml",
    });
    await approve("qwen@1", ["staging"]);
    await runtimeServing("gpu-1", "prod", [{ servedName: "qwen:1", digest: weights() }]);
    const d = await explainServable(store, "qwen@1", "prod");
    expect(rules(d)).toEqual(["not-approved-here"]);
    expect(d.reason).toMatch(/qwen@1 is approved for staging: an approver approves it for prod \(perimeter approve qwen@1 --environment prod\)/);
  });
});
