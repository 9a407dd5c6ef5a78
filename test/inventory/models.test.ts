import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog, readAuditEvents, type AuditLog } from "../../src/audit/index.js";
import { inventoryFindings } from "../../src/inventory/findings.js";
import { getModel, lineageOf, listModels, registerModel, removeModel, reviewEuAiAct, type RegisterModelInput } from "../../src/inventory/models.js";
import { computeManifest } from "../../src/signing/index.js";
import type { Store } from "../../src/store/store.js";
import { DEMO_MODEL_FILE } from "../../src/runtimes/demo-model.js";
import { writeFiles, writeGgufModel, writeLoraAdapter } from "../fixtures/model-files.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

describe.each(STORE_KINDS)("model inventory on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let work: string;
  let deps: { store: Store; audit: () => AuditLog };

  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    deps = { store, audit: () => audit };
    work = mkdtempSync(join(tmpdir(), "perimeter-inventory-"));
  });
  afterEach(async () => {
    await audit.flush();
    await store.close();
    await env.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const add = (input: Partial<RegisterModelInput> & Pick<RegisterModelInput, "path" | "name" | "version">) =>
    registerModel(deps, { kind: "base", parents: [], environments: ["prod"], actor: "ml-platform", ...input });

  async function actions(): Promise<string[]> {
    await audit.flush();
    const out: string[] = [];
    for await (const e of readAuditEvents(store)) out.push(`${e.action} ${e.resource}`);
    return out;
  }

  it("records base → fine-tune → adapter lineage with digests, formats and both directions of the graph", async () => {
    const base = await add({
      path: writeGgufModel(join(work, "base")),
      name: "llama-demo",
      version: "1",
      license: "llama3.1",
      owner: "ml-platform",
      source: "hf://meta-llama/demo",
    });
    const tuned = await add({
      path: writeGgufModel(join(work, "tuned"), { seed: 7 }),
      name: "support-bot",
      version: "1",
      kind: "fine-tune",
      parents: ["llama-demo@1"],
    });
    const adapter = await add({
      path: writeLoraAdapter(join(work, "lora")),
      name: "support-bot-lora",
      version: "1",
      kind: "adapter",
      parents: ["support-bot@1"],
      license: "Apache-2.0",
    });

    const manifest = await computeManifest(join(work, "base"));
    expect(base.digest).toBe(manifest.digest);
    expect(base.files).toEqual([{ path: DEMO_MODEL_FILE, size: manifest.files[0]?.size, sha256: manifest.files[0]?.sha256, format: "gguf" }]);
    expect(base.modelCard).toMatchObject({ architecture: "llama", task: "text-generation" });
    expect(tuned.digest).not.toBe(base.digest);
    expect(adapter.formats).toEqual(["json", "safetensors"]);

    const lineage = await lineageOf(store, "support-bot-lora@1");
    expect(lineage.ancestry).toMatchObject({
      id: "support-bot-lora@1",
      next: [{ id: "support-bot@1", kind: "fine-tune", next: [{ id: "llama-demo@1", kind: "base", next: [] }] }],
    });
    const fromBase = await lineageOf(store, "llama-demo@1");
    expect(fromBase.descendants).toMatchObject({ id: "llama-demo@1", next: [{ id: "support-bot@1", next: [{ id: "support-bot-lora@1", next: [] }] }] });

    const shown = await getModel(store, "support-bot@1");
    expect(shown).toEqual(tuned);
    expect((await listModels(store)).map((m) => m.id)).toEqual(["llama-demo@1", "support-bot@1", "support-bot-lora@1"]);
    expect(await actions()).toEqual(["model.register model:llama-demo@1", "model.register model:support-bot@1", "model.register model:support-bot-lora@1"]);
  });

  it("records a merge with every parent, in order", async () => {
    await add({ path: writeGgufModel(join(work, "a")), name: "a", version: "1" });
    await add({ path: writeGgufModel(join(work, "b"), { seed: 2 }), name: "b", version: "1" });
    const merged = await add({ path: writeGgufModel(join(work, "m"), { seed: 3 }), name: "ab-merge", version: "1", kind: "merge", parents: ["b@1", "a@1"] });
    expect(merged.parents).toEqual(["b@1", "a@1"]);
    expect((await lineageOf(store, "ab-merge@1")).ancestry.next.map((n) => n.id)).toEqual(["b@1", "a@1"]);
  });

  it("refuses lineage that does not fit the kind, names an unknown parent or loops, and records nothing", async () => {
    const path = writeGgufModel(join(work, "m"));
    await add({ path, name: "base", version: "1" });
    const refusals: Array<[Partial<RegisterModelInput>, RegExp]> = [
      [{ kind: "fine-tune", parents: [] }, /a fine-tune has exactly one parent.*none was given/],
      [{ kind: "base", parents: ["base@1"] }, /a base model has no parent/],
      [{ kind: "merge", parents: ["base@1"] }, /a merge has two or more parents/],
      [{ kind: "adapter", parents: ["ghost@3"] }, /parent ghost@3 is not in the inventory: register it first/],
      [{ kind: "fine-tune", parents: ["x@1"], name: "x", version: "1" }, /x@1 cannot be its own parent: that would form a cycle/],
      [{ kind: "merge", parents: ["base@1", "base@1"] }, /a parent is named twice/],
    ];
    for (const [input, message] of refusals) {
      await expect(add({ path, name: "child", version: "1", ...input })).rejects.toMatchObject({
        code: "LINEAGE_INVALID",
        message: expect.stringMatching(message),
      });
    }
    expect((await listModels(store)).map((m) => m.id)).toEqual(["base@1"]);
    expect(await actions()).toEqual(["model.register model:base@1"]);
  });

  it("refuses a duplicate name@version, also when two registrations race", async () => {
    const path = writeGgufModel(join(work, "m"));
    await add({ path, name: "dup", version: "1" });
    await expect(add({ path, name: "dup", version: "1" })).rejects.toMatchObject({
      code: "MODEL_VERSION_EXISTS",
      message: expect.stringMatching(/dup@1 is already in the inventory/),
    });
    const race = await Promise.allSettled([add({ path, name: "race", version: "1" }), add({ path, name: "race", version: "1" })]);
    expect(race.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(race.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "MODEL_VERSION_EXISTS" } });
    expect((await listModels(store, { name: "race" })).length).toBe(1);
  });

  it("refuses a path that is not a model, saying what it found", async () => {
    const docs = writeFiles(join(work, "docs"), { "README.md": "# hello\n", "notes.txt": "just text\n" });
    await expect(add({ path: docs, name: "docs", version: "1" })).rejects.toMatchObject({
      code: "MODEL_NOT_A_MODEL",
      message: expect.stringMatching(/is not a model: found 2 text files/),
    });
    await expect(add({ path: join(work, "missing"), name: "missing", version: "1" })).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/no such file or directory/),
    });
    expect(await listModels(store)).toEqual([]);
    expect(await actions()).toEqual([]);
  });

  it("classifies licences into tiers and reports an unknown licence as a finding", async () => {
    const restricted = await add({ path: writeGgufModel(join(work, "l")), name: "llama", version: "1", license: "llama3.1" });
    expect(restricted.license).toMatchObject({ expression: "LicenseRef-llama3.1", tier: "restricted-use", source: "flag" });
    const none = await add({ path: writeGgufModel(join(work, "n"), { seed: 4 }), name: "nolicence", version: "1" });
    expect(none.license).toMatchObject({ expression: null, tier: "unknown" });
    expect(inventoryFindings(none)).toContainEqual(expect.objectContaining({ rule: "LICENSE_UNKNOWN", severity: "medium" }));
    const card = "---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-3.1-8B\npipeline_tag: text-generation\n---\n\nA helpful model.\n";
    const carded = await add({ path: writeGgufModel(join(work, "c"), { seed: 5, readme: card }), name: "carded", version: "1" });
    expect(carded.license).toMatchObject({ expression: "Apache-2.0", tier: "permissive", source: "model-card" });
    // The card names a base model that the inventory does not link: the lineage is incomplete.
    expect(inventoryFindings(carded)).toContainEqual(
      expect.objectContaining({ rule: "LINEAGE_UNDECLARED", message: expect.stringMatching(/meta-llama\/Llama-3.1-8B/) }),
    );
  });

  it("flags a fine-tune, adapter or merge of a general-purpose model for EU AI Act review and records the review", async () => {
    await add({ path: writeGgufModel(join(work, "base")), name: "gpai", version: "1" });
    await add({ path: writeGgufModel(join(work, "clf"), { seed: 9 }), name: "classifier", version: "1", generalPurpose: false });
    const tuned = await add({ path: writeGgufModel(join(work, "t"), { seed: 7 }), name: "tuned", version: "1", kind: "fine-tune", parents: ["gpai@1"] });
    const quant = await add({ path: writeGgufModel(join(work, "q"), { seed: 8 }), name: "gpai-q4", version: "1", kind: "quantization", parents: ["gpai@1"] });
    const narrow = await add({
      path: writeGgufModel(join(work, "n"), { seed: 10 }),
      name: "clf-tuned",
      version: "1",
      kind: "fine-tune",
      parents: ["classifier@1"],
    });
    expect(tuned.euAiAct).toMatchObject({ substantialModificationCandidate: true, basis: expect.stringMatching(/Art\. 25\(2\)/), review: null });
    expect(tuned.generalPurpose).toBe(true);
    expect(inventoryFindings(tuned)).toContainEqual(expect.objectContaining({ rule: "EU_AI_ACT_REVIEW_PENDING" }));
    expect(quant.euAiAct.substantialModificationCandidate).toBe(false);
    expect(narrow.euAiAct.substantialModificationCandidate).toBe(false);

    await expect(reviewEuAiAct(deps, "gpai-q4@1", "substantial", "x", "legal")).rejects.toMatchObject({ code: "USAGE" });
    const reviewed = await reviewEuAiAct(
      deps,
      "tuned@1",
      "not-substantial",
      "LoRA on 2k support tickets; compute far below a third of the original",
      "legal-reviewer",
    );
    expect((await getModel(store, "tuned@1")).euAiAct.review).toMatchObject({ outcome: "not-substantial", reviewer: "legal-reviewer" });
    expect(inventoryFindings(reviewed).map((f) => f.rule)).not.toContain("EU_AI_ACT_REVIEW_PENDING");
    expect(await actions()).toContain("model.eu-ai-act-review model:tuned@1");
  });

  it("refuses to remove a version others descend from, then removes leaves", async () => {
    await add({ path: writeGgufModel(join(work, "base")), name: "base", version: "1" });
    await add({ path: writeLoraAdapter(join(work, "lora")), name: "lora", version: "1", kind: "adapter", parents: ["base@1"] });
    await expect(removeModel(deps, "base@1", "ops", "retired")).rejects.toMatchObject({
      code: "MODEL_HAS_DESCENDANTS",
      message: expect.stringMatching(/base@1 is a parent of lora@1/),
    });
    await removeModel(deps, "lora@1", "ops", "retired");
    await removeModel(deps, "base@1", "ops", "retired");
    expect(await listModels(store)).toEqual([]);
    await expect(getModel(store, "base@1")).rejects.toMatchObject({ code: "MODEL_VERSION_NOT_FOUND" });
    expect((await actions()).filter((a) => a.startsWith("model.remove"))).toEqual(["model.remove model:lora@1", "model.remove model:base@1"]);
  });
});
