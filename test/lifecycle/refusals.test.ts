import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateSigningKey } from "../../src/audit/checkpoint.js";
import { openAuditLog, readAuditEvents, type AuditEvent, type AuditLog } from "../../src/audit/index.js";
import { registerModel } from "../../src/inventory/models.js";
import { approve, deploy, recordScanEvidence, retire, rollback, stateOf, type LifecycleDeps } from "../../src/lifecycle/service.js";
import { resolveTrustedSigners } from "../../src/lifecycle/signers.js";
import { scanPaths } from "../../src/scan/scan.js";
import { computeManifest, signModelWithKey } from "../../src/signing/index.js";
import type { Store } from "../../src/store/store.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { perimeter } from "../helpers/cli.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

// Every privileged lifecycle decision is an audit event whose decision says what was decided: a refused
// approve, deploy, deprecate, revoke or rollback is recorded as deny with the reason; a successful one as
// allow. And separation of duties can rest on the approver's own key instead of a self-asserted --actor.

const pem = (k: KeyObject, type: "pkcs8" | "spki") => k.export({ type, format: "pem" }).toString();

describe.each(STORE_KINDS)("privileged lifecycle actions on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let work: string;
  let deps: LifecycleDeps;
  let signerKey: string;
  const bobKey = generateKeyPairSync("ed25519");
  const carolKey = generateKeyPairSync("ec", { namedCurve: "P-256" });

  async function setUp(lifecycle: Record<string, unknown> = {}): Promise<void> {
    const trusted = generateKeyPairSync("ec", { namedCurve: "P-256" });
    signerKey = pem(trusted.privateKey, "pkcs8");
    env = await createTestEnv(
      kind,
      {},
      {
        lifecycle: {
          roles: { submitter: ["alice"], approver: ["bob", "carol", "alice"], operator: ["olga"], auditor: [] },
          trustedSigners: [{ name: "release-key", publicKey: "release.pub" }],
          signingKey: "keys/lifecycle.pem",
          approverKeys: { bob: ["bob.pub"], carol: ["carol.pub"] },
          ...lifecycle,
        },
      },
    );
    writeFileSync(join(env.dir, "release.pub"), pem(trusted.publicKey, "spki"));
    writeFileSync(join(env.dir, "bob.pub"), pem(bobKey.publicKey, "spki"));
    writeFileSync(join(env.dir, "carol.pub"), pem(carolKey.publicKey, "spki"));
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    const key = loadOrCreateSigningKey(join(env.dir, "keys/lifecycle.pem"), true);
    const approverKeys = new Map([
      ["bob", [bobKey.publicKey]],
      ["carol", [carolKey.publicKey]],
    ]);
    deps = {
      store,
      audit: () => audit,
      config: env.loaded.config.lifecycle,
      signers: () => resolveTrustedSigners(env.loaded),
      instanceKey: () => key,
      approverKeys: () => approverKeys,
    };
    work = mkdtempSync(join(tmpdir(), "perimeter-refusals-"));
  }
  beforeEach(async () => setUp());
  afterEach(async () => {
    await audit.flush();
    await store.close();
    await env.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  async function ready(name = "llama", seed?: number): Promise<string> {
    const dir = writeGgufModel(join(work, name), seed === undefined ? {} : { seed });
    await registerModel(
      { store, audit: () => audit },
      { path: dir, name, version: seed === undefined ? "1" : String(seed), kind: "base", parents: [], environments: ["prod"], actor: "alice" },
    );
    const ref = `${name}@${seed === undefined ? "1" : String(seed)}`;
    await recordScanEvidence(deps, ref, await scanPaths([dir]), (await computeManifest(dir)).digest, "ci");
    writeFileSync(join(dir, "model.sig"), (await signModelWithKey(dir, { privateKeyPem: signerKey })).bundle);
    return ref;
  }

  async function refused(p: Promise<unknown>): Promise<Error & { code?: string }> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    if (err === undefined) throw new Error("expected the action to be refused");
    return err;
  }

  async function events(action: string): Promise<AuditEvent[]> {
    await audit.flush();
    const out: AuditEvent[] = [];
    for await (const e of readAuditEvents(store)) if (e.action === action) out.push(e);
    return out;
  }

  it("records a deploy refused for the wrong role and for the wrong state as deny, with the reason", async () => {
    const ref = await ready();
    await expect(deploy(deps, ref, "prod", "bob")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await expect(deploy(deps, ref, "prod", "olga")).rejects.toMatchObject({ code: "LIFECYCLE_TRANSITION_INVALID" });
    const denied = await events("model.deploy");
    expect(denied.map((e) => [e.actor, e.decision])).toEqual([
      ["bob", "deny"],
      ["olga", "deny"],
    ]);
    expect(denied[0]?.reason).toMatch(/bob may not deploy: it takes the operator role/);
    expect(denied[0]?.details).toMatchObject({ code: "PERMISSION_DENIED", environment: "prod" });
    expect(denied[1]?.reason).toMatch(/only an approved version can be deployed/);
    expect(denied[1]?.resource).toBe(`model:${ref}`);
  });

  it("records refused revoke, deprecate and rollback as deny, and the successful ones as allow", async () => {
    const ref = await ready();
    await expect(retire(deps, ref, "revoked", "mallory", "because")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await expect(retire(deps, ref, "deprecated", "olga", "old")).rejects.toMatchObject({ code: "LIFECYCLE_TRANSITION_INVALID" });
    await expect(rollback(deps, "llama", "prod", ref, "bob", "regressed")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await expect(rollback(deps, "llama", "prod", ref, "olga", "regressed")).rejects.toMatchObject({ code: "LIFECYCLE_TRANSITION_INVALID" });
    await expect(retire(deps, "ghost@1", "revoked", "bob", "unknown")).rejects.toMatchObject({ code: expect.any(String) });
    await retire(deps, ref, "revoked", "bob", "leaked weights");

    const revokes = await events("model.revoke");
    expect(revokes.map((e) => [e.actor, e.decision, e.resource])).toEqual([
      ["mallory", "deny", `model:${ref}`],
      ["bob", "deny", "model:ghost@1"],
      ["bob", "allow", `model:${ref}`],
    ]);
    expect(revokes[0]?.reason).toMatch(/mallory may not revoke/);
    // The successful revocation was allowed: its decision says so, its reason is the operator's.
    expect(revokes[2]?.reason).toBe("leaked weights");
    expect((await events("model.deprecate")).map((e) => e.decision)).toEqual(["deny"]);
    const rollbacks = await events("model.rollback");
    expect(rollbacks.map((e) => [e.actor, e.decision])).toEqual([
      ["bob", "deny"],
      ["olga", "deny"],
    ]);
    expect(rollbacks[1]?.reason).toMatch(/roll back only to a version that was approved/);
  });

  it("records a refused approval once, as deny: the submitter approving, and a version in the wrong state", async () => {
    const ref = await ready();
    await expect(approve(deps, ref, { actor: "alice" })).rejects.toMatchObject({ code: "APPROVAL_REFUSED" });
    await approve(deps, ref, { actor: "bob" });
    await expect(approve(deps, ref, { actor: "carol" })).rejects.toMatchObject({ code: "LIFECYCLE_TRANSITION_INVALID" });
    const approvals = await events("model.approve");
    expect(approvals.map((e) => [e.actor, e.decision])).toEqual([
      ["alice", "deny"],
      ["bob", "allow"],
      ["carol", "deny"],
    ]);
    expect(approvals[0]?.reason).toMatch(/alice submitted llama@1 and cannot also approve it/);
    expect(approvals[2]?.reason).toMatch(/is already approved for prod/);
  });

  it("by default trusts the asserted approver, but a key given for a configured approver must be theirs", async () => {
    const ref = await ready();
    // Bob's name with Carol's key: the key speaks for someone else.
    const err = await refused(approve(deps, ref, { actor: "bob", signingKey: carolKey.privateKey }));
    expect(err).toMatchObject({ code: "APPROVAL_REFUSED" });
    expect((err as Error).message).toMatch(/not one of bob's keys in lifecycle.approverKeys/);
    // No key at all: the default trusts --actor as asserted.
    await expect(approve(deps, ref, { actor: "bob" })).resolves.toMatchObject({ signer: "release-key" });
  });

  describe("with lifecycle.requireApproverKeys", () => {
    beforeEach(async () => {
      await audit.close();
      await store.close();
      await env.cleanup();
      rmSync(work, { recursive: true, force: true });
      await setUp({ requireApproverKeys: true });
    });

    it("refuses an approval not signed with the approver's own key, and accepts one that is", async () => {
      const ref = await ready();
      const unsigned = await refused(approve(deps, ref, { actor: "bob" }));
      expect(unsigned.message).toMatch(/approvals must be signed with the approver's own key \(lifecycle.requireApproverKeys\): pass --signing-key/);
      const stolenName = await refused(approve(deps, ref, { actor: "bob", signingKey: carolKey.privateKey }));
      expect(stolenName.message).toMatch(/not one of bob's keys/);
      const stranger = generateKeyPairSync("ed25519").privateKey;
      // An approver with no configured key cannot approve at all.
      const noKeys = await refused(approve(deps, ref, { actor: "alice", signingKey: stranger }));
      expect(noKeys.message).toMatch(/alice has none in lifecycle.approverKeys/);
      expect(await stateOf(store, ref)).toBe("registered");

      await expect(approve(deps, ref, { actor: "bob", signingKey: bobKey.privateKey })).resolves.toMatchObject({ signer: "release-key" });
      expect((await events("model.approve")).map((e) => [e.actor, e.decision])).toEqual([
        ["bob", "deny"],
        ["bob", "deny"],
        ["alice", "deny"],
        ["bob", "allow"],
      ]);
    });

    it("refuses every approval when the deps carry no approver keys (fail closed)", async () => {
      const ref = await ready();
      const { approverKeys: _unused, ...withoutKeys } = deps;
      await expect(approve(withoutKeys, ref, { actor: "bob", signingKey: bobKey.privateKey })).rejects.toMatchObject({
        code: "APPROVAL_REFUSED",
        message: expect.stringMatching(/bob has none in lifecycle.approverKeys/),
      });
    });
  });
});

describe("the CLI records a refused privileged action", () => {
  it("perimeter deploy by a non-operator exits 1 and audit list shows it denied", async () => {
    const env = await createTestEnv("sqlite", {}, { lifecycle: { roles: { submitter: [], approver: [], operator: ["olga"], auditor: [] } } });
    try {
      const run = (args: string[]) => perimeter(args, { cwd: env.dir, env: env.env });
      const r = run(["deploy", "llama@1", "--environment", "prod", "--actor", "mallory"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/mallory may not deploy/);
      const list = JSON.parse(run(["audit", "list", "--format", "json"]).stdout) as AuditEvent[];
      expect(list.filter((e) => e.action === "model.deploy").map((e) => [e.actor, e.decision, e.reason])).toEqual([
        ["mallory", "deny", expect.stringMatching(/takes the operator role/)],
      ]);
    } finally {
      await env.cleanup();
    }
  });
});
