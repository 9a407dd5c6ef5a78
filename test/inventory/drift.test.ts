import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog, readAuditEvents, type AuditLog } from "../../src/audit/index.js";
import { checkDrift, type DriftReport } from "../../src/inventory/drift.js";
import { registerModel } from "../../src/inventory/models.js";
import { addRuntime, discover, getRuntime } from "../../src/inventory/runtimes.js";
import type { ModelVersion } from "../../src/inventory/types.js";
import { DEMO_MODEL_FILE } from "../../src/runtimes/demo-model.js";
import type { Store } from "../../src/store/store.js";
import { startFakeOllama, type FakeOllama } from "../fixtures/fake-ollama.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai.js";
import { writeGgufModel, writeLoraAdapter } from "../fixtures/model-files.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

const randomDigest = (seed: string) => createHash("sha256").update(seed).digest("hex");

describe.each(STORE_KINDS)("drift on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let work: string;
  let deps: { store: Store; audit: () => AuditLog };
  let base: ModelVersion;
  let adapter: ModelVersion;
  const servers: Array<FakeOllama | FakeOpenAI> = [];

  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    deps = { store, audit: () => audit };
    work = mkdtempSync(join(tmpdir(), "perimeter-drift-"));
    const actor = "ml-platform";
    base = await registerModel(deps, {
      path: writeGgufModel(join(work, "base")),
      name: "llama-demo",
      version: "1",
      kind: "base",
      parents: [],
      environments: ["prod"],
      actor,
    });
    adapter = await registerModel(deps, {
      path: writeLoraAdapter(join(work, "lora")),
      name: "tone",
      version: "1",
      kind: "adapter",
      parents: ["llama-demo@1"],
      environments: ["prod"],
      actor,
    });
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    await audit.flush();
    await store.close();
    await env.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const weights = () => base.files[0]?.sha256 ?? "";
  const adapterWeights = () => adapter.files.find((f) => f.format === "safetensors")?.sha256 ?? "";
  const drift = (live = true): Promise<DriftReport> => checkDrift(deps, { live, timeoutMs: 2000, actor: "drift-cron" });
  const kinds = (r: DriftReport) => r.findings.map((f) => `${f.kind} ${f.runtime} ${f.servedName ?? "-"}`).sort();

  async function ollama(models: Parameters<typeof startFakeOllama>[0]["models"]): Promise<FakeOllama> {
    const s = await startFakeOllama({ models });
    servers.push(s);
    return s;
  }

  it("reports no drift when every runtime serves registered bytes in a registered environment", async () => {
    const o = await ollama([{ name: "llama-demo:1", blobSha256: weights(), adapterSha256s: [adapterWeights()], family: "llama" }]);
    await addRuntime(deps, { name: "ollama-prod", type: "ollama", url: o.url, environment: "prod", actor: "ops" });
    const dir = join(work, "served");
    mkdirSync(dir);
    copyFileSync(join(work, "base", DEMO_MODEL_FILE), join(dir, "llama-demo.gguf"));
    await addRuntime(deps, { name: "embedded", type: "embedded", url: dir, environment: "prod", actor: "ops" });

    const report = await drift();
    expect(report.findings).toEqual([]);
    expect(report.drift).toBe(false);
    expect(report.served.map((s) => [s.runtime, s.servedName, s.modelVersions, s.status])).toEqual([
      ["embedded", "llama-demo", ["llama-demo@1"], "ok"],
      ["ollama-prod", "llama-demo:1", ["llama-demo@1"], "ok"],
    ]);
  });

  it("finds unregistered models, changed weights, unknown adapters, unverified names and the wrong environment", async () => {
    const o = await ollama([
      { name: "llama-demo:1", blobSha256: weights() },
      { name: "llama-demo:latest", blobSha256: randomDigest("retrained over the weekend") },
      { name: "mystery:7b", blobSha256: randomDigest("pulled from a hub") },
      { name: "llama-demo-tone:1", blobSha256: weights(), adapterSha256s: [randomDigest("someone's LoRA")] },
    ]);
    await addRuntime(deps, { name: "ollama-prod", type: "ollama", url: o.url, environment: "prod", actor: "ops" });
    const vllm = await startFakeOpenAI({ flavour: "vllm", models: [{ id: "llama-demo" }, { id: "Qwen/Qwen2.5-7B-Instruct" }] });
    servers.push(vllm);
    await addRuntime(deps, { name: "vllm-prod", type: "openai", url: vllm.url, environment: "prod", actor: "ops" });
    const dir = join(work, "dev-models");
    mkdirSync(dir);
    copyFileSync(join(work, "base", DEMO_MODEL_FILE), join(dir, "demo.gguf"));
    await addRuntime(deps, { name: "laptop", type: "embedded", url: dir, environment: "dev", actor: "ops" });

    const report = await drift();
    expect(report.drift).toBe(true);
    expect(kinds(report)).toEqual([
      "digest-mismatch ollama-prod llama-demo:latest",
      "environment laptop demo",
      "unregistered ollama-prod mystery:7b",
      "unregistered vllm-prod Qwen/Qwen2.5-7B-Instruct",
      "unregistered-adapter ollama-prod llama-demo-tone:1",
      "unverified vllm-prod llama-demo",
    ]);
    const mismatch = report.findings.find((f) => f.kind === "digest-mismatch");
    expect(mismatch).toMatchObject({
      severity: "critical",
      modelVersions: ["llama-demo@1"],
      message: expect.stringMatching(/weights changed or were replaced/),
    });
    expect(report.findings.find((f) => f.kind === "environment")?.message).toMatch(/registered for prod, not for dev/);
    expect(report.findings.find((f) => f.kind === "unverified")?.message).toMatch(/does not report the digest/);

    // The check itself is evidence.
    await audit.flush();
    const events: string[] = [];
    for await (const e of readAuditEvents(store)) events.push(`${e.action} ${e.decision}`);
    expect(events.filter((e) => e.startsWith("drift.check"))).toEqual(["drift.check deny"]);
  });

  it("names a version served by a runtime of an environment it is not registered for, even when other versions of the same bytes are, and says what to do", async () => {
    // The same file registered a second time, for staging only: prod's runtime serves its bytes, but calls for it there are refused.
    await registerModel(deps, {
      path: join(work, "base"),
      name: "my-model",
      version: "1",
      kind: "base",
      parents: [],
      environments: ["staging"],
      actor: "ml-platform",
    });
    const dir = join(work, "served");
    mkdirSync(dir);
    copyFileSync(join(work, "base", DEMO_MODEL_FILE), join(dir, "my-model.gguf"));
    await addRuntime(deps, { name: "embedded", type: "embedded", url: dir, environment: "prod", actor: "ops" });

    const report = await drift();
    expect(report.drift).toBe(true);
    expect(kinds(report)).toEqual(["environment embedded my-model"]);
    const [f] = report.findings;
    expect(f).toMatchObject({ severity: "medium", environment: "prod", modelVersions: ["my-model@1"] });
    expect(f?.message).toMatch(/"my-model" on embedded is my-model@1, registered for staging, not for prod: the gateway will not serve it from this runtime/);
    expect(f?.message).toMatch(/perimeter runtime add NAME --environment staging/);
    expect(f?.message).toMatch(/perimeter model add PATH --name my-model --version NEW --environment prod/);
    expect(report.served).toEqual([expect.objectContaining({ servedName: "my-model", modelVersions: ["llama-demo@1", "my-model@1"], status: "environment" })]);
  });

  it("treats a runtime that does not answer as drift, names it, and keeps its last good snapshot", async () => {
    const o = await ollama([{ name: "llama-demo:1", blobSha256: weights() }]);
    await addRuntime(deps, { name: "gpu-1", type: "ollama", url: o.url, environment: "prod", actor: "ops" });
    const [first] = await discover({ ...deps, timeoutMs: 2000 }, ["gpu-1"], "ops");
    expect(first?.ok).toBe(true);
    const before = await getRuntime(deps, "gpu-1");

    o.misbehaviour = "hang";
    const [failed] = await discover({ ...deps, timeoutMs: 300 }, ["gpu-1"], "ops");
    expect(failed).toMatchObject({
      ok: false,
      error: { code: "RUNTIME_UNREACHABLE", message: expect.stringMatching(/runtime "gpu-1" \(ollama at http:\/\/127\.0\.0\.1:\d+\)/) },
    });
    expect(await getRuntime(deps, "gpu-1")).toEqual(before);

    const report = await checkDrift(deps, { live: true, timeoutMs: 300, actor: "drift-cron" });
    expect(kinds(report)).toEqual(["unreachable gpu-1 -"]);
    expect(report.runtimes).toEqual([expect.objectContaining({ name: "gpu-1", reachable: false })]);
  });

  it("judges the last recorded discovery without asking, and calls a never-discovered runtime drift", async () => {
    const o = await ollama([{ name: "mystery:1", blobSha256: randomDigest("x") }]);
    await addRuntime(deps, { name: "asked", type: "ollama", url: o.url, environment: "prod", actor: "ops" });
    await addRuntime(deps, { name: "never", type: "ollama", url: "http://127.0.0.1:9", environment: "prod", actor: "ops" });
    await discover({ ...deps, timeoutMs: 2000 }, ["asked"], "ops");
    await o.close();
    servers.splice(0);
    const report = await drift(false);
    expect(report.live).toBe(false);
    expect(kinds(report)).toEqual(["never-discovered never -", "unregistered asked mystery:1"]);
  });
});
