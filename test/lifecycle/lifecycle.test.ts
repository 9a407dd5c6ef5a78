import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateSigningKey } from "../../src/audit/checkpoint.js";
import { openAuditLog, readAuditEvents, type AuditLog } from "../../src/audit/index.js";
import { registerModel } from "../../src/inventory/models.js";
import { admitFiles, bundleSource, exportAdmissionBundle, referenceAdmitter, storeSource } from "../../src/lifecycle/admission.js";
import { APPROVAL_PAYLOAD_TYPE, verifyStatement } from "../../src/lifecycle/attestation.js";
import { LifecycleRepository } from "../../src/lifecycle/repository.js";
import {
  approve,
  attachImage,
  deploy,
  recordEvalEvidence,
  recordScanEvidence,
  retire,
  rollback,
  stateOf,
  type LifecycleDeps,
} from "../../src/lifecycle/service.js";
import { resolveTrustedSigners } from "../../src/lifecycle/signers.js";
import { DEMO_MODEL_FILE } from "../../src/runtimes/demo-model.js";
import { scanPaths } from "../../src/scan/scan.js";
import { computeManifest, signModelWithKey } from "../../src/signing/index.js";
import type { Store } from "../../src/store/store.js";
import { writeFiles, writeGgufModel } from "../fixtures/model-files.js";
import { systemCallPickle } from "../fixtures/pickles.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";
import { makeTlsFixture } from "../fixtures/tls.js";
import { serveWebhook } from "../../src/cli/serve.js";
import { request } from "node:https";
import { pino } from "pino";

const pem = (k: KeyObject, type: "pkcs8" | "spki") => k.export({ type, format: "pem" }).toString();

describe.each(STORE_KINDS)("lifecycle and admission on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let work: string;
  let deps: LifecycleDeps;
  let signerKey: string;
  let strangerKey: string;

  beforeEach(async () => {
    const trusted = generateKeyPairSync("ec", { namedCurve: "P-256" });
    signerKey = pem(trusted.privateKey, "pkcs8");
    strangerKey = pem(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, "pkcs8");
    env = await createTestEnv(
      kind,
      {},
      {
        lifecycle: {
          roles: { submitter: ["alice"], approver: ["bob", "alice"], operator: ["olga"], auditor: [] },
          trustedSigners: [{ name: "release-key", publicKey: "release.pub" }],
          signingKey: "keys/lifecycle.pem",
          namespaces: { "ml-prod": "prod", "ml-dev": "dev" },
        },
      },
    );
    writeFileSync(join(env.dir, "release.pub"), pem(trusted.publicKey, "spki"));
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    const key = loadOrCreateSigningKey(join(env.dir, "keys/lifecycle.pem"), true);
    deps = { store, audit: () => audit, config: env.loaded.config.lifecycle, signers: () => resolveTrustedSigners(env.loaded), instanceKey: () => key };
    work = mkdtempSync(join(tmpdir(), "perimeter-lifecycle-"));
  });
  afterEach(async () => {
    await audit.flush();
    await store.close();
    await env.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  async function register(name: string, dir: string, environments = ["prod"]): Promise<void> {
    await registerModel({ store, audit: () => audit }, { path: dir, name, version: "1", kind: "base", parents: [], environments, actor: "alice" });
  }
  async function scan(ref: string, dir: string): Promise<void> {
    const report = await scanPaths([dir]);
    await recordScanEvidence(deps, ref, report, (await computeManifest(dir)).digest, "ci");
  }
  async function sign(dir: string, key = signerKey): Promise<void> {
    const { bundle } = await signModelWithKey(dir, { privateKeyPem: key });
    writeFileSync(join(dir, "model.sig"), bundle);
  }
  /** A model that passes every condition but the approver. */
  async function ready(name = "llama"): Promise<string> {
    const dir = writeGgufModel(join(work, name));
    await register(name, dir);
    await scan(`${name}@1`, dir);
    await sign(dir);
    return dir;
  }
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    const err = (await p.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: string; message?: string } | undefined;
    expect(err?.code).toBe("APPROVAL_REFUSED");
    return err?.message ?? "";
  };

  it("admits a version approved for staging only in staging, until an approver promotes it to prod", async () => {
    const dir = writeGgufModel(join(work, "qwen"));
    await register("qwen", dir, ["staging", "prod"]);
    await scan("qwen@1", dir);
    await sign(dir);
    await expect(approve(deps, "qwen@1", { actor: "bob", environments: ["dev"] })).rejects.toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/registered for prod, staging, not for dev/),
    });
    const staged = await approve(deps, "qwen@1", { actor: "bob", environments: ["staging"] });
    expect(staged.environments).toEqual(["staging"]);
    const source = storeSource(store, resolveTrustedSigners(env.loaded));
    expect(await admitFiles(source, dir, "staging")).toMatchObject({ allow: true, model: "qwen@1" });
    expect(await admitFiles(source, dir, "prod")).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/qwen@1 is approved for staging, not for prod \(perimeter approve qwen@1 --environment prod\)/),
    });
    // The offline bundle carries the same answer.
    const key = deps.instanceKey();
    const { envelope } = await exportAdmissionBundle(store, resolveTrustedSigners(env.loaded), key, 1, null);
    const offline = bundleSource(JSON.stringify(envelope), createPublicKey(key));
    expect(await admitFiles(offline, dir, "prod")).toMatchObject({ allow: false, reason: expect.stringMatching(/approved for staging, not for prod/) });
    await expect(deploy(deps, "qwen@1", "prod", "olga")).rejects.toMatchObject({
      code: "LIFECYCLE_TRANSITION_INVALID",
      message: expect.stringMatching(/approved for staging, not for prod: an approver approves it there first/),
    });
    await expect(rollback(deps, "qwen", "prod", "qwen@1", "olga", "back to the staged one")).rejects.toMatchObject({
      message: expect.stringMatching(/qwen@1 is approved for staging, not for prod: roll back only to a version approved there/),
    });
    await expect(approve(deps, "qwen@1", { actor: "bob", environments: ["staging"] })).rejects.toMatchObject({
      message: expect.stringMatching(/already approved for staging/),
    });
    // Promotion runs every check again: the submitter cannot promote her own version.
    expect(await refusal(approve(deps, "qwen@1", { actor: "alice", environments: ["prod"] }))).toMatch(/alice submitted qwen@1/);
    const promoted = await approve(deps, "qwen@1", { actor: "bob", environments: ["prod"] });
    expect(promoted.environments).toEqual(["prod"]);
    expect(await stateOf(store, "qwen@1")).toBe("approved");
    expect(await admitFiles(source, dir, "prod")).toMatchObject({ allow: true, model: "qwen@1" });
    await audit.flush();
    const approvals = [];
    for await (const e of readAuditEvents(store)) if (e.action === "model.approve" && e.decision === "allow") approvals.push(e);
    expect(approvals.map((e) => e.details["environments"])).toEqual([["staging"], ["prod"]]);
    expect(approvals[1]?.details).toMatchObject({ promotion: true, alreadyApprovedFor: ["staging"] });
  });

  it("approves a scanned, signed version for an approver who did not submit it, and signs the approval", async () => {
    await ready();
    const result = await approve(deps, "llama@1", { actor: "bob" });
    expect(result.signer).toBe("release-key");
    expect(await stateOf(store, "llama@1")).toBe("approved");
    const statement = verifyStatement(
      (result.evidence.body as { envelope: unknown }).envelope,
      APPROVAL_PAYLOAD_TYPE,
      createPublicKey(deps.instanceKey()),
      "approval",
    ) as {
      subject: Array<{ digest: { sha256: string } }>;
      predicate: { approver: string; submitter: string };
    };
    expect(statement.predicate).toMatchObject({ approver: "bob", submitter: "alice" });
    expect(statement.subject[0]?.digest.sha256).toBe(result.version.digest);
  });

  it("signs the approval with the approver's own key when one is given", async () => {
    await ready();
    const own = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const result = await approve(deps, "llama@1", { actor: "bob", signingKey: own.privateKey });
    const envelope = (result.evidence.body as { envelope: unknown }).envelope;
    expect(verifyStatement(envelope, APPROVAL_PAYLOAD_TYPE, own.publicKey, "approval")).toMatchObject({ predicate: { approver: "bob" } });
    expect(() => verifyStatement(envelope, APPROVAL_PAYLOAD_TYPE, createPublicKey(deps.instanceKey()), "approval")).toThrow(/not signed by the trusted key/);
  });

  it("refuses approval for each unmet condition, listing every one", async () => {
    const dir = writeGgufModel(join(work, "m"));
    await register("m", dir);
    // Nothing done yet: no scan, no signature, and the submitter is asking.
    const first = await refusal(approve(deps, "m@1", { actor: "alice" }));
    expect(first).toMatch(/alice submitted m@1 and cannot also approve it/);
    expect(first).toMatch(/no scan on record/);
    expect(first).toMatch(/no signature at .*model\.sig/);
    expect(await refusal(approve(deps, "m@1", { actor: "mallory" }))).toMatch(/mallory does not hold the approver role/);

    await scan("m@1", dir);
    await sign(dir, strangerKey);
    expect(await refusal(approve(deps, "m@1", { actor: "bob" }))).toMatch(/does not verify against any trusted signer \(release-key: /);

    await sign(dir);
    appendFileSync(join(dir, DEMO_MODEL_FILE), "x"); // changed after signing
    expect(await refusal(approve(deps, "m@1", { actor: "bob" }))).toMatch(
      /the signature verifies but the files differ: perimeter-demo-llama\.gguf changed since it was signed/,
    );
    expect(await stateOf(store, "m@1")).toBe("registered");
  });

  it("refuses a scan that was not clean, or was of other files", async () => {
    const dir = writeFiles(join(work, "bad"), { "model.pkl": systemCallPickle("posix", "id") });
    await register("bad", dir);
    await scan("bad@1", dir);
    await sign(dir);
    expect(await refusal(approve(deps, "bad@1", { actor: "bob" }))).toMatch(/the last scan .* was not clean: .*model\.pkl is malicious/);

    const good = writeGgufModel(join(work, "good"));
    await register("good", good);
    await sign(good);
    await scan("good@1", writeGgufModel(join(work, "other"), { seed: 3 }));
    expect(await refusal(approve(deps, "good@1", { actor: "bob" }))).toMatch(/the last scan .* covered other files/);
  });

  it("fails closed when the eval gate is required but cannot be checked, and takes no hand-written eval result for it", async () => {
    await ready();
    const gated = { ...deps, config: { ...deps.config, requireEval: true } };
    expect(await refusal(approve(gated, "llama@1", { actor: "bob" }))).toMatch(
      /the eval gate is required \(lifecycle.requireEval\) but cannot be checked here/,
    );
    // A recorded "pass" is a record, not an evaluation: the gate (tested in test/evals/run.test.ts) assesses stored runs.
    await recordEvalEvidence(gated, "llama@1", "pass", { gate: { pass: true, reasons: [] } }, "ci");
    expect(await stateOf(store, "llama@1")).toBe("evaluated");
    expect(await refusal(approve(gated, "llama@1", { actor: "bob" }))).toMatch(/cannot be checked here/);
    const failing = { ...gated, evalGate: async () => ({ pass: false, reasons: ["evaluation ev_1: attack success in the critical category x is 50%"] }) };
    expect(await refusal(approve(failing, "llama@1", { actor: "bob" }))).toMatch(
      /the eval gate refuses: evaluation ev_1: attack success in the critical category x is 50%/,
    );
    expect(await stateOf(store, "llama@1")).toBe("evaluated");
    await approve({ ...gated, evalGate: async () => ({ evaluation: "ev_2", pass: true, reasons: [] }) }, "llama@1", { actor: "bob" });
    expect(await stateOf(store, "llama@1")).toBe("approved");
  });

  it("admits approved files in their environment and refuses changed, unapproved, foreign-environment and revoked ones", async () => {
    const dir = await ready();
    const source = storeSource(store, resolveTrustedSigners(env.loaded));
    expect(await admitFiles(source, dir, "prod")).toMatchObject({ allow: false, reason: expect.stringMatching(/llama@1 is registered, not approved/) });
    await approve(deps, "llama@1", { actor: "bob" });
    expect(await admitFiles(source, dir, "prod")).toMatchObject({
      allow: true,
      model: "llama@1",
      reason: expect.stringMatching(/approved for prod; signature by release-key verifies/),
    });
    expect(await admitFiles(source, dir, "dev")).toMatchObject({ allow: false, reason: expect.stringMatching(/registered for prod, not for dev/) });

    const copy = writeGgufModel(join(work, "copy"));
    writeFileSync(join(copy, "model.sig"), readFileSync(join(dir, "model.sig")));
    appendFileSync(join(copy, DEMO_MODEL_FILE), "tampered");
    expect(await admitFiles(source, copy, "prod")).toMatchObject({ allow: false, reason: expect.stringMatching(/is not a model version in the store/) });

    unlinkSync(join(dir, "model.sig"));
    expect(await admitFiles(source, dir, "prod")).toMatchObject({ allow: false, reason: expect.stringMatching(/llama@1: no signature at/) });
    await sign(dir);

    await expect(retire(deps, "llama@1", "revoked", "mallory", "x")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await retire(deps, "llama@1", "revoked", "olga", "CVE in the chat template");
    expect(await admitFiles(source, dir, "prod")).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/llama@1 is revoked \(revoked: refused everywhere\)/),
    });
    await expect(approve(deps, "llama@1", { actor: "bob" })).rejects.toMatchObject({ code: "LIFECYCLE_TRANSITION_INVALID" });
  });

  it("answers Pod references by name, digest and modelcar image, and a revocation takes effect at once", async () => {
    await ready();
    await approve(deps, "llama@1", { actor: "bob" });
    const version = await new LifecycleRepository(store).state("llama@1");
    expect(version?.state).toBe("approved");
    const image = `registry.local/models/llama@sha256:${"c".repeat(64)}`;
    await attachImage(deps, "llama@1", image, "olga");
    const admit = referenceAdmitter(storeSource(store, []));
    const digest = (await computeManifest(join(work, "llama"))).digest;
    expect(await admit({ model: "llama@1" }, "prod")).toMatchObject({ allow: true, model: "llama@1" });
    expect(await admit({ digest }, "prod")).toMatchObject({ allow: true, model: "llama@1" });
    expect(await admit({ ociDigest: "c".repeat(64) }, "prod")).toMatchObject({ allow: true });
    expect(await admit({ model: "ghost@1" }, "prod")).toMatchObject({ allow: false, reason: expect.stringMatching(/ghost@1 is not a model version/) });
    await retire(deps, "llama@1", "revoked", "bob", "leaked weights");
    expect(await admit({ model: "llama@1" }, "prod")).toMatchObject({ allow: false, reason: expect.stringMatching(/revoked/) });
    expect(await admit({ ociDigest: "c".repeat(64) }, "prod")).toMatchObject({ allow: false });
  });

  it("admits offline from a signed bundle, and refuses a tampered, foreign-signed or expired one", async () => {
    const dir = await ready();
    await approve(deps, "llama@1", { actor: "bob" });
    const { envelope } = await exportAdmissionBundle(store, resolveTrustedSigners(env.loaded), deps.instanceKey(), 24, "prod");
    const text = JSON.stringify(envelope);
    const key = createPublicKey(deps.instanceKey());
    expect(await admitFiles(bundleSource(text, key), dir, "prod")).toMatchObject({ allow: true, model: "llama@1" });

    const forged = JSON.parse(text) as { payload: string };
    const payload = JSON.parse(Buffer.from(forged.payload, "base64").toString()) as { versions: Array<{ environments: string[] }> };
    payload.versions[0]?.environments.push("dev");
    forged.payload = Buffer.from(JSON.stringify(payload)).toString("base64");
    expect(() => bundleSource(JSON.stringify(forged), key)).toThrow(expect.objectContaining({ code: "SIGNATURE_INVALID" }));
    expect(() => bundleSource(text, generateKeyPairSync("ed25519").publicKey)).toThrow(expect.objectContaining({ code: "SIGNATURE_INVALID" }));
    expect(() => bundleSource(text, key, new Date(Date.now() + 25 * 3_600_000))).toThrow(
      expect.objectContaining({ code: "ADMISSION_BUNDLE_INVALID", message: expect.stringMatching(/expired/) }),
    );

    await retire(deps, "llama@1", "revoked", "olga", "recalled");
    const after = await exportAdmissionBundle(store, resolveTrustedSigners(env.loaded), deps.instanceKey(), 24, "prod");
    expect(await admitFiles(bundleSource(JSON.stringify(after.envelope), key), dir, "prod")).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/revoked/),
    });
  });

  it("deploys for operators only and rolls back to an earlier approved version", async () => {
    const v1 = await ready();
    await approve(deps, "llama@1", { actor: "bob" });
    const v2 = writeGgufModel(join(work, "llama2"), { seed: 11 });
    await registerModel(
      { store, audit: () => audit },
      { path: v2, name: "llama", version: "2", kind: "fine-tune", parents: ["llama@1"], environments: ["prod"], actor: "alice" },
    );
    await scan("llama@2", v2);
    await sign(v2);
    await approve(deps, "llama@2", { actor: "bob" });
    await expect(deploy(deps, "llama@2", "prod", "bob")).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
      message: expect.stringMatching(/takes the operator role/),
    });
    await expect(deploy(deps, "llama@2", "dev", "olga")).rejects.toMatchObject({ code: "LIFECYCLE_TRANSITION_INVALID" });
    await deploy(deps, "llama@1", "prod", "olga");
    await deploy(deps, "llama@2", "prod", "olga");
    const r = await rollback(deps, "llama", "prod", "llama@1", "olga", "v2 regressed on refusals");
    expect(r).toEqual({ from: "llama@2", to: "llama@1" });
    expect(await stateOf(store, "llama@1")).toBe("deployed");
    expect(await stateOf(store, "llama@2")).toBe("deprecated");
    expect((await new LifecycleRepository(store).deployments({ environment: "prod" })).map((d) => d.versionId)).toEqual(["llama@1"]);
    expect(await admitFiles(storeSource(store, resolveTrustedSigners(env.loaded)), v2, "prod")).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/deprecated/),
    });
    expect(await admitFiles(storeSource(store, resolveTrustedSigners(env.loaded)), v1, "prod")).toMatchObject({ allow: true });

    await audit.flush();
    const actions: string[] = [];
    for await (const e of readAuditEvents(store)) actions.push(`${e.action}:${e.decision}`);
    expect(actions).toEqual(expect.arrayContaining(["model.approve:allow", "model.deploy:allow", "model.rollback:allow"]));
  });

  it("answers real AdmissionReview v1 over HTTPS from the store, and a revocation takes effect at once", async () => {
    await ready();
    await approve(deps, "llama@1", { actor: "bob" });
    const fixture = makeTlsFixture();
    const server = await serveWebhook(
      { loaded: env.loaded, store, audit: () => audit },
      { host: "127.0.0.1", port: 0, tls: { ...fixture.tls, clientCa: fixture.ca }, logger: pino({ level: "silent" }) },
      () => referenceAdmitter(storeSource(store, resolveTrustedSigners(env.loaded))),
    );
    const review = (uid: string, namespace: string, model: string) => ({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid,
        kind: { group: "", version: "v1", kind: "Pod" },
        resource: { group: "", version: "v1", resource: "pods" },
        namespace,
        operation: "CREATE",
        userInfo: { username: "system:serviceaccount:kserve:controller" },
        object: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "vllm-0", namespace, annotations: { "perimeter.dev/model": model } },
          spec: { containers: [{ name: "vllm", image: "vllm/vllm-openai:v0.6.3" }] },
        },
        dryRun: false,
      },
    });
    const post = (body: unknown) =>
      new Promise<{ response: { uid: string; allowed: boolean; status?: { code: number; message: string } } }>((resolve, reject) => {
        const { hostname, port } = new URL(server.url);
        const r = request(
          {
            hostname,
            port,
            path: "/k8s/admission/validate",
            method: "POST",
            ca: fixture.ca,
            cert: fixture.client.cert,
            key: fixture.client.key,
            headers: { "content-type": "application/json" },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
          },
        );
        r.on("error", reject);
        r.end(JSON.stringify(body));
      });
    try {
      expect((await post(review("u1", "ml-prod", "llama@1"))).response).toMatchObject({ uid: "u1", allowed: true });
      const dev = (await post(review("u2", "ml-dev", "llama@1"))).response;
      expect(dev).toMatchObject({ uid: "u2", allowed: false, status: { message: expect.stringMatching(/registered for prod, not for dev/) } });
      await retire(deps, "llama@1", "revoked", "olga", "recalled");
      const revoked = (await post(review("u3", "ml-prod", "llama@1"))).response;
      expect(revoked).toMatchObject({ uid: "u3", allowed: false, status: { message: expect.stringMatching(/llama@1 is revoked/) } });
    } finally {
      await server.close();
      fixture.cleanup();
    }
  });
});
