import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog, readAuditEvents, type AuditEvent, type AuditLog } from "../../src/audit/index.js";
import { IdentityService } from "../../src/identity/service.js";
import { registerModel } from "../../src/inventory/models.js";
import { addRuntime } from "../../src/inventory/runtimes.js";
import { KillSet, KillSwitch, listKills } from "../../src/killswitch/index.js";
import type { Store } from "../../src/store/store.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

describe.each(STORE_KINDS)("the kill switch on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let work: string;
  let killswitch: KillSwitch;
  let identities: IdentityService;

  beforeEach(async () => {
    env = await createTestEnv(kind);
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    work = mkdtempSync(join(tmpdir(), "perimeter-killswitch-"));
    killswitch = new KillSwitch({ store, audit: () => audit, jwtIssuers: ["https://issuer.example.test"] });
    identities = new IdentityService({ store, audit: () => audit, config: env.loaded.config.identity });
  });
  afterEach(async () => {
    await identities.flush();
    await audit.flush();
    await store.close();
    await env.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const addModel = (name: string, version: string, seed: number) =>
    registerModel(
      { store, audit: () => audit },
      { path: writeGgufModel(join(work, `${name}-${version}`), { seed }), name, version, kind: "base", parents: [], environments: ["prod"], actor: "alice" },
    );

  async function killEvents(): Promise<AuditEvent[]> {
    await audit.flush();
    const out: AuditEvent[] = [];
    for await (const e of readAuditEvents(store)) if (e.action.startsWith("kill")) out.push(e);
    return out;
  }

  it("kills an identity named by its name under its id, which is what calls carry", async () => {
    const { identity } = await identities.create({ name: "compromised-agent", kind: "agent", owner: "team", environment: "prod", actor: "ops" });
    const { kill, resolved } = await killswitch.kill({ kind: "identity", target: "compromised-agent", reason: "key in a public repo", actor: "soc" });
    expect(kill.target).toBe(identity.id);
    expect(resolved.covers).toBe(`identity compromised-agent (${identity.id})`);
    const set = await killswitch.current();
    expect(set.covers(identity.id, "", "")).toBe(`identity ${identity.id} was killed by soc: key in a public repo`);
    expect((await killswitch.list()).map((k) => [k.kind, k.target, k.covers])).toEqual([
      ["identity", identity.id, `identity compromised-agent (${identity.id})`],
    ]);
    // Lifted by name too: the same resolution.
    await killswitch.lift({ kind: "identity", target: "compromised-agent", reason: "key rotated", actor: "soc" });
    expect(await listKills(store)).toEqual([]);
  });

  it("kills a workload authenticated by JWT by its id when its issuer is configured, and refuses other jwt: ids", async () => {
    const id = "jwt:https://issuer.example.test#spiffe://example.org/ns/ml/sa/agent";
    expect((await killswitch.kill({ kind: "identity", target: id, reason: "stolen token", actor: "soc" })).kill.target).toBe(id);
    await expect(killswitch.kill({ kind: "identity", target: "jwt:https://evil.example#x", reason: "x", actor: "soc" })).rejects.toMatchObject({
      code: "KILL_TARGET_NOT_FOUND",
      message: expect.stringContaining("identity.jwtIssuers"),
    });
  });

  it("kills every version of a model named without a version, including versions registered after the kill", async () => {
    await addModel("llama", "1", 1);
    await addModel("llama", "2", 2);
    await addModel("mistral", "1", 3);
    const { kill, resolved } = await killswitch.kill({ kind: "model", target: "llama", reason: "poisoned base", actor: "soc" });
    expect(kill.target).toBe("llama");
    expect(resolved.covers).toContain("llama@1, llama@2");
    const later = await addModel("llama", "3", 4);
    const set = await killswitch.current();
    for (const v of ["llama@1", "llama@2", later.id]) expect(set.covers("", v, "")).toBe("model llama (every version) was killed by soc: poisoned base");
    expect(set.covers("", "mistral@1", "")).toBeNull();
    // A name that is a prefix of another is not it.
    expect(set.covers("", "llama-2@1", "")).toBeNull();
    expect(await killswitch.modelKilled("llama@3")).toContain("poisoned base");
    expect((await killswitch.list())[0]?.covers).toBe("model llama, every version: llama@1, llama@2, llama@3, and versions registered later");
  });

  it("kills one version named name@version and leaves the others", async () => {
    await addModel("llama", "1", 1);
    await addModel("llama", "2", 2);
    await killswitch.kill({ kind: "model", target: "llama@1", reason: "jailbreak", actor: "soc" });
    const set = await killswitch.current();
    expect(set.covers("", "llama@1", "")).toContain("jailbreak");
    expect(set.covers("", "llama@2", "")).toBeNull();
  });

  it("kills a runtime by name", async () => {
    await addRuntime({ store, audit: () => audit }, { name: "vllm-a", type: "openai", url: "http://127.0.0.1:1", environment: "prod", actor: "ops" });
    await killswitch.kill({ kind: "runtime", target: "vllm-a", reason: "unpatched CVE", actor: "soc" });
    expect((await killswitch.current()).covers("", "", "vllm-a")).toContain("unpatched CVE");
    expect(await killswitch.runtimeKilled("vllm-a")).toContain("unpatched CVE");
  });

  it("kills a tool server, or one tool of it, by the names in tools.servers; an unknown server is refused", async () => {
    const tools = new KillSwitch({ store, audit: () => audit, toolServers: ["files"] });
    await tools.kill({ kind: "tool", target: "files/delete_all", reason: "deletes too much", actor: "soc" });
    let set = await tools.current();
    expect(set.decideTool("id_a", "files", "delete_all")).toMatchObject({ allow: false, code: "KILLED" });
    expect(set.decideTool("id_a", "files", "read_file").allow).toBe(true);
    await tools.kill({ kind: "tool", target: "files", reason: "compromised", actor: "soc" });
    set = await tools.current();
    expect(set.decideTool("id_a", "files", "read_file").reason).toContain("tool files was killed by soc: compromised");
    await expect(tools.kill({ kind: "tool", target: "nope/x", reason: "r", actor: "soc" })).rejects.toMatchObject({ code: "KILL_TARGET_NOT_FOUND" });
    await expect(tools.kill({ kind: "tool", target: "files/../../x", reason: "r", actor: "soc" })).rejects.toMatchObject({ code: "USAGE" });
  });

  it("refuses targets it cannot resolve, stores nothing, and records each refusal as deny", async () => {
    await addModel("llama", "1", 1);
    const refused = [
      { kind: "identity", target: "nobody" },
      { kind: "identity", target: "id_000000000000" },
      { kind: "runtime", target: "nowhere" },
      { kind: "model", target: "llama@9" },
      { kind: "model", target: "ghost" },
    ] as const;
    for (const r of refused) {
      await expect(killswitch.kill({ ...r, reason: "x", actor: "soc" })).rejects.toMatchObject({
        code: "KILL_TARGET_NOT_FOUND",
        status: 404,
        kind: "refused",
        message: expect.stringContaining("nothing was killed"),
      });
    }
    await expect(killswitch.kill({ kind: "model", target: "llama@1", reason: "  ", actor: "soc" })).rejects.toMatchObject({ code: "USAGE" });
    await expect(killswitch.lift({ kind: "model", target: "llama@1", reason: "fine", actor: "soc" })).rejects.toMatchObject({
      code: "KILL_NOT_FOUND",
      message: "model llama@1 is not killed (see perimeter kill list)",
    });
    expect(await listKills(store)).toEqual([]);
    const events = await killEvents();
    expect(events.map((e) => [e.action, e.resource, e.decision, e.details["code"]])).toEqual([
      ["kill.identity", "identity:nobody", "deny", "KILL_TARGET_NOT_FOUND"],
      ["kill.identity", "identity:id_000000000000", "deny", "KILL_TARGET_NOT_FOUND"],
      ["kill.runtime", "runtime:nowhere", "deny", "KILL_TARGET_NOT_FOUND"],
      ["kill.model", "model:llama@9", "deny", "KILL_TARGET_NOT_FOUND"],
      ["kill.model", "model:ghost", "deny", "KILL_TARGET_NOT_FOUND"],
      ["kill.model", "model:llama@1", "deny", "USAGE"],
      ["kill.lift", "model:llama@1", "deny", "KILL_NOT_FOUND"],
    ]);
  });

  it("records a kill and a lift as allow, with what the kill disables in the details", async () => {
    await addModel("llama", "1", 1);
    await killswitch.kill({ kind: "model", target: "llama", reason: "poisoned", actor: "soc" });
    await killswitch.lift({ kind: "model", target: "llama", reason: "retrained", actor: "soc" });
    const [killed, lifted] = await killEvents();
    expect(killed).toMatchObject({ action: "kill.model", resource: "model:llama", decision: "allow", reason: "poisoned", actor: "soc" });
    expect(killed?.details["kill"]).toMatchObject({ kind: "model", target: "llama", named: "llama", covers: expect.stringContaining("every version") });
    expect(lifted).toMatchObject({ action: "kill.lift", resource: "model:llama", decision: "allow", reason: "retrained" });
    expect(lifted?.details["lifted"]).toMatchObject({ killedBy: "soc", killReason: "poisoned" });
  });

  it("lifts a kill whose target has since left the inventory, by the name it was stored under", async () => {
    await addRuntime({ store, audit: () => audit }, { name: "old-runtime", type: "openai", url: "http://127.0.0.1:1", environment: "prod", actor: "ops" });
    await killswitch.kill({ kind: "runtime", target: "old-runtime", reason: "retired", actor: "soc" });
    await store.db.deleteFrom("runtimes").where("name", "=", "old-runtime").execute();
    await killswitch.lift({ kind: "runtime", target: "old-runtime", reason: "gone anyway", actor: "soc" });
    expect(await listKills(store)).toEqual([]);
  });
});

describe("KillSet", () => {
  const k = (kind: "model" | "identity" | "runtime" | "tool", target: string) => ({
    kind,
    target,
    reason: "r",
    killedAt: "2026-01-01T00:00:00Z",
    killedBy: "soc",
  });

  it("matches identity ids, model versions, model names and runtimes, and nothing else", () => {
    const set = KillSet.of([k("identity", "id_a"), k("model", "llama@1"), k("model", "qwen"), k("runtime", "vllm")]);
    expect(set.covers("id_a", "x@1", "r")).toContain("identity id_a");
    expect(set.covers("id_b", "llama@1", "r")).toContain("model llama@1");
    expect(set.covers("id_b", "llama@2", "r")).toBeNull();
    expect(set.covers("id_b", "qwen@7", "r")).toContain("model qwen (every version)");
    expect(set.covers("id_b", "qwen2@7", "r")).toBeNull();
    expect(set.covers("id_b", "x@1", "vllm")).toContain("runtime vllm");
    expect(set.covers("", "", "")).toBeNull();
  });

  it("covers a tool call by its identity, its server or the tool itself", () => {
    const set = KillSet.of([k("identity", "id_a"), k("tool", "files/delete_all"), k("tool", "shell")]);
    expect(set.decideTool("id_b", "files", "read_file").allow).toBe(true);
    expect(set.decideTool("id_b", "files", "delete_all").findings.map((f) => f.location)).toEqual(["tool:files/delete_all"]);
    expect(set.decideTool("id_b", "shell", "run").findings.map((f) => f.location)).toEqual(["tool:shell"]);
    expect(set.decideTool("id_a", "files", "read_file").findings.map((f) => f.location)).toEqual(["identity:id_a"]);
    // A model kill never touches tools, nor a tool kill models.
    expect(KillSet.of([k("model", "files")]).decideTool("id_b", "files", "x").allow).toBe(true);
    expect(set.covers("id_b", "files@1", "shell")).toBeNull();
  });

  it("decides with the one Decision shape: allowed with no findings, or KILLED with a critical finding per kill", () => {
    const set = KillSet.of([k("identity", "id_a"), k("model", "qwen"), k("runtime", "vllm")]);
    expect(set.decide({ identityId: "id_b", modelId: "llama@1", runtime: "ollama" })).toEqual({
      allow: true,
      reason: "nothing it names is killed",
      findings: [],
    });
    const refused = set.decide({ identityId: "id_a", modelId: "qwen@2", runtime: "vllm" });
    expect(refused).toMatchObject({ allow: false, code: "KILLED" });
    expect(refused.findings.map((f) => [f.rule, f.severity, f.location])).toEqual([
      ["kill-switch", "critical", "identity:id_a"],
      ["kill-switch", "critical", "model:qwen"],
      ["kill-switch", "critical", "runtime:vllm"],
    ]);
    expect(refused.findings[0]?.controls).toEqual(["NIST-AI-RMF:MANAGE-2.4", "EU-AI-ACT:Art.14"]);
    expect(refused.reason).toContain("model qwen (every version) was killed by soc: r");
  });
});
