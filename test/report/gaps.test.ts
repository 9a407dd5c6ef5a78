// The compliance report over a perimeter with known gaps, each planted the way it happens: a model served
// that was never signed or approved, a key that never expires, a fine-tune approved and served without an
// evaluation of its own or provenance, a runtime on a vulnerable vLLM, an AWS key left in a model's
// config.json, an identity whose key was presented in another environment, a scope never used. The report
// names each under the controls the catalogue maps it to and fails nothing else; each fix, made the way an
// operator makes it, flips its check, and with the last one no control fails.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "../../src/app/context.js";
import { serveGateway } from "../../src/app/serve.js";
import { auditWitnesses } from "../../src/audit/index.js";
import { startGateway } from "../../src/gateway/start.js";
import { IdentityService } from "../../src/identity/service.js";
import { registerModel } from "../../src/inventory/models.js";
import { attest } from "../../src/lifecycle/provenance.js";
import { approve, recordScanEvidence, retire } from "../../src/lifecycle/service.js";
import { policyUse } from "../../src/policy/use.js";
import { controlCatalogue } from "../../src/report/catalogue.js";
import type { CheckId } from "../../src/report/checks.js";
import { buildReport, type ComplianceReport } from "../../src/report/report.js";
import { scanPaths } from "../../src/scan/scan.js";
import { computeManifest } from "../../src/signing/index.js";
import { careful, GATE_SUITE } from "../evals/gate-suite.js";
import { startEvalWorld, type EvalWorld } from "../evals/setup.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { perimeterAsync } from "../helpers/cli.js";
import { STORE_KINDS } from "../helpers/stores.js";

const BUILDER = "https://ci.example.test/trainer";
/** What every version records of who answers for it and under which licence. */
const OWNED = { owner: "ml-platform", license: "Apache-2.0" };
/** The checks the planted gaps fail; every other check must not. */
const GAP_CHECKS: readonly CheckId[] = [
  "served-models-approved",
  "identities-owned-expiring",
  "models-evaluated",
  "derived-models-evaluated",
  "derived-models-provenance",
  "runtime-patch-level",
  "model-files-no-secrets",
  "environments-separated",
  "identities-least-privilege",
];

/** An AWS access key pair made up for this test (the detector knows the shape, not the key). */
function awsKey(): { id: string; secret: string } {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const id = `AKIA${Array.from(randomBytes(16), (b) => alphabet[b % 32]).join("")}`;
  return { id, secret: randomBytes(30).toString("base64").slice(0, 40) };
}

for (const kind of STORE_KINDS) {
  describe(`the compliance report over a perimeter with known gaps (${kind})`, () => {
    let w: EvalWorld;
    let ctx: Context;
    let identities: IdentityService;
    let gatewayUrl: string;
    let close: () => Promise<void>;
    const builder = generateKeyPairSync("ed25519");
    const keys: Record<string, { key: string; id: string }> = {};
    let mysteryDir: string;

    const report = () => buildReport(ctx, { witnesses: auditWitnesses(ctx.loaded) });
    const control = (r: ComplianceReport, framework: string, id: string) => {
      const c = r.controls.find((x) => x.framework === framework && x.id === id);
      if (c === undefined) throw new Error(`no control ${framework} ${id}`);
      return c;
    };
    const failing = (r: ComplianceReport) =>
      new Set(r.controls.filter((c) => c.status === "fail").flatMap((c) => c.checks.filter((k) => k.status === "fail").map((k) => k.id)));
    const call = (key: string) =>
      fetch(`${gatewayUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: "llama@1", messages: [{ role: "user", content: "How do I list files?" }], max_tokens: 32 }),
      });

    const create = async (name: string, options: { scopes?: string[]; environment?: string; expires?: boolean } = {}) => {
      const issued = await identities.create({
        name,
        kind: "service-account",
        owner: "app-team",
        environment: options.environment ?? "default",
        scopes: options.scopes ?? [],
        expiresAt: options.expires === false ? undefined : new Date(Date.now() + 200 * 86_400_000),
        actor: "ops",
      });
      keys[name] = { key: issued.key, id: issued.identity.id };
    };
    beforeAll(async () => {
      w = await startEvalWorld(
        kind,
        { "gate-test.yaml": GATE_SUITE },
        {
          lifecycle: {
            roles: { approver: ["bob"], operator: ["olga"] },
            trustedSigners: [{ name: "release", publicKey: "release.pub" }],
            signingKey: "keys/lifecycle.pem",
            builders: { [BUILDER]: ["builder.pub"] },
          },
          evals: { concurrency: 4, gate: { requiredSuites: ["gate-test"] }, monitor: { enabled: true, sampleRate: 0.05 } },
          gateway: { environments: ["default"], limits: { identity: { requestsPerMinute: 600, tokensPerMinute: 200_000 } } },
          guards: {
            actions: {
              input: { secret: "redact", pii: "redact", injection: "block", jailbreak: "block" },
              output: { secret: "block", pii: "redact", injection: "allow", jailbreak: "allow" },
            },
          },
          posture: { accessReview: { unusedDays: 30, keyMaxAgeDays: 365, maxAdmins: 3 } },
        },
      );
      writeFileSync(join(w.env.dir, "builder.pub"), builder.publicKey.export({ type: "spki", format: "pem" }));
      ctx = { loaded: w.env.loaded, store: w.store, audit: () => w.audit };
      identities = new IdentityService({ store: w.store, audit: () => w.audit, config: w.env.loaded.config.identity }, { ttlMs: 0, negativeTtlMs: 0 });

      // The base model: evaluated, approved by someone other than its submitter, served on a patched vLLM.
      await w.add("llama", "1", [], careful, OWNED);
      // A fine-tune of it, approved without an evaluation of its own or provenance (neither is required here).
      await w.add("llama-ft", "1", ["llama@1"], careful, OWNED);
      // A model put on a runtime straight from a download: registered, never signed or approved.
      const mystery = await w.add("mystery", "1", [], careful, OWNED);
      mysteryDir = mystery.location as string;
      renameSync(join(mysteryDir, "model.sig"), join(w.env.dir, "mystery.sig"));
      for (const fake of Object.values(w.served)) fake.version = "0.14.1";
      (w.served["llama-ft@1"] ?? expect.unreachable()).version = "0.8.4";
      await w.discover();
      expect((await w.evaluate("llama@1")).evaluation.gate?.pass).toBe(true);
      await approve(w.lifecycle, "llama@1", { actor: "bob" });
      await approve(w.lifecycle, "llama-ft@1", { actor: "bob" });

      // Credentials beside the weights: an AWS key in config.json.
      const leaky = writeGgufModel(join(w.env.dir, "leaky"));
      const aws = awsKey();
      writeFileSync(join(leaky, "config.json"), JSON.stringify({ model_type: "llama", s3: { aws_access_key_id: aws.id, aws_secret_access_key: aws.secret } }));
      await registerModel(
        { store: w.store, audit: () => w.audit },
        { path: leaky, name: "leaky", version: "1", kind: "base", parents: [], environments: ["default"], actor: "alice", ...OWNED },
      );
      await recordScanEvidence(w.lifecycle, "leaky@1", await scanPaths([leaky]), (await computeManifest(leaky)).digest, "ci");

      // Identities: one that never expires, one holding a scope it never uses, one of staging whose key turns up here.
      await create("ci-bot", { expires: false });
      await create("summariser", { scopes: ["long-output"] });
      await create("staging-bot", { environment: "staging" });
      // The summariser has held its grant for 60 days (the review judges only identities older than its window).
      const longAgo = new Date(Date.now() - 60 * 86_400_000).toISOString();
      await w.store.db.updateTable("identities").set({ created_at: longAgo }).where("name", "=", "summariser").execute();

      const started = await startGateway(ctx, { identityCache: { ttlMs: 0, negativeTtlMs: 0 } });
      const server = await serveGateway(ctx, started, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
      gatewayUrl = server.url;
      close = async () => {
        await server.close();
        await started.close();
      };
      for (const name of ["ci-bot", "summariser"]) expect((await call(keys[name]?.key ?? "")).status).toBe(200);
      const foreign = await call(keys["staging-bot"]?.key ?? "");
      expect(foreign.status).toBe(403);
      // What the gateway noted reaches the store when it stops (the recorders flush on close).
      await close();
      close = async () => undefined;
      await identities.flush();
    }, 240_000);
    afterAll(async () => {
      await close?.();
      await identities?.flush();
      await w?.close();
    });

    it("names every planted gap under the controls the catalogue maps it to, and fails nothing else", async () => {
      const r = await report();
      expect([...failing(r)].sort()).toEqual([...GAP_CHECKS].sort());
      const gapOf = (framework: string, id: string) => control(r, framework, id).gap;

      expect(control(r, "owasp-llm", "LLM03").status).toBe("fail");
      expect(gapOf("owasp-llm", "LLM03")).toMatch(
        /\[served-models-approved\] runtime rt-mystery-1 \(default\) serves "mystery-1", which is mystery@1 \(registered\)/,
      );
      expect(gapOf("owasp-llm", "LLM03")).toMatch(/\[runtime-patch-level\] runtime rt-llama-ft-1 runs vllm 0\.8\.4, affected by .*upgrade to 0\.\d+/);
      expect(gapOf("owasp-llm", "LLM03")).toMatch(/\[derived-models-provenance\] llama-ft@1: /);
      expect(control(r, "owasp-nhi", "NHI7").gap).toMatch(/ci-bot .* never expires/);
      expect(control(r, "nist-ai-rmf", "MEASURE 2.7").gap).toMatch(
        /\[derived-models-evaluated\] llama-ft@1 is a fine-tune of llama@1 and was never evaluated itself/,
      );
      expect(control(r, "nist-ai-rmf", "MEASURE 2.7").gap).toMatch(
        /\[models-evaluated\] llama-ft@1 is in use and does not pass the eval gate: no complete evaluation of llama-ft@1's bytes is on record/,
      );
      const secrets = r.controls.filter((c) => c.checks.some((k) => k.id === "model-files-no-secrets" && k.status === "fail"));
      expect(secrets.map((c) => `${c.framework} ${c.id}`)).toContain("owasp-nhi NHI2");
      expect(control(r, "owasp-nhi", "NHI2").gap).toMatch(/leaky@1's files hold credentials \(\S*\/leaky\/config\.json; see scan/);
      expect(control(r, "owasp-nhi", "NHI2").gap).not.toContain("AKIA");
      expect(control(r, "nist-csf", "PR.AA-05").gap).toMatch(/summariser .* holds scope long-output, which no decision has needed/);
      expect(control(r, "nist-csf", "PR.AA-05").gap).toMatch(/staging-bot .* belongs to staging and its credentials were also presented in default/);

      // Controls untouched by the gaps pass on evidence: the audit log, the approvals, the guards.
      expect(control(r, "eu-ai-act", "Art. 12").status).not.toBe("fail");
      const art14 = control(r, "eu-ai-act", "Art. 14");
      expect(art14.status).toBe("pass");
      expect(art14.evidence.some((e) => e.kind === "audit-event" && /^#\d+$/.test(e.ref) && e.about === "model.approve of llama@1")).toBe(true);
      expect(control(r, "owasp-llm", "LLM05").status).toBe("pass");
      expect(control(r, "owasp-llm", "LLM02").checks.find((k) => k.id === "guards-sensitive-data")?.status).toBe("pass");
      // A control no check covers is said to be the organisation's, never passed.
      expect(control(r, "owasp-llm", "LLM09")).toMatchObject({ status: "not-applicable", coverage: "none" });
      // Every control of the catalogue is reported, with its id as the framework writes it.
      expect(r.controls).toHaveLength(controlCatalogue().controls.length);
      expect(r.controls.map((c) => c.id)).toEqual(expect.arrayContaining(["LLM03", "ASI03", "NHI7", "MEASURE 2.7", "GV.SC-05", "A.6.2.8", "Art. 12"]));
      // The gateway noted which permit allowed its calls (the access review's unused permits read it).
      expect((await policyUse(w.store, "gateway")).get("model-in-environment")?.lastUsedAt).toEqual(expect.any(String));
      expect(r.auditHead).toMatchObject({ verified: true });
      expect(r.auditHead.size).toBeGreaterThan(0);
    }, 60_000);

    it("flips each gap's check as it is fixed, until no control fails", async () => {
      const still = async (id: CheckId) => failing(await report()).has(id);

      // Sign the downloaded model (its signature restored), evaluate it and have it approved.
      renameSync(join(w.env.dir, "mystery.sig"), join(mysteryDir, "model.sig"));
      expect((await w.evaluate("mystery@1")).evaluation.gate?.pass).toBe(true);
      await approve(w.lifecycle, "mystery@1", { actor: "bob" });
      expect(await still("served-models-approved")).toBe(false);

      // Evaluate the fine-tune itself.
      expect((await w.evaluate("llama-ft@1")).evaluation.gate?.pass).toBe(true);
      expect(await still("derived-models-evaluated")).toBe(false);
      expect(await still("models-evaluated")).toBe(false);

      // Its builder attests how it was made.
      await attest({ store: w.store, audit: () => w.audit }, "llama-ft@1", {
        builder: BUILDER,
        materials: ["llama@1", `train-set=sha256:${"ab".repeat(32)}`],
        parameters: { epochs: "3" },
        signingKey: builder.privateKey,
        actor: "ci",
      });
      expect(await still("derived-models-provenance")).toBe(false);

      // Upgrade the runtime.
      (w.served["llama-ft@1"] ?? expect.unreachable()).version = "0.14.1";
      await w.discover();
      expect(await still("runtime-patch-level")).toBe(false);

      // Revoke the leaky version and register the cleaned files.
      await retire(w.lifecycle, "leaky@1", "revoked", "bob", "AWS key in config.json; key revoked");
      const clean = writeGgufModel(join(w.env.dir, "clean"), { seed: 99 });
      writeFileSync(join(clean, "config.json"), JSON.stringify({ model_type: "llama" }));
      await registerModel(
        { store: w.store, audit: () => w.audit },
        { path: clean, name: "leaky", version: "2", kind: "base", parents: [], environments: ["default"], actor: "alice", ...OWNED },
      );
      await recordScanEvidence(w.lifecycle, "leaky@2", await scanPaths([clean]), (await computeManifest(clean)).digest, "ci");
      expect(await still("model-files-no-secrets")).toBe(false);

      // Identities: an expiring replacement for ci-bot, the staging key's identity revoked, the unused grant taken back.
      await identities.revoke("ci-bot", { actor: "ops", reason: "replaced by an expiring identity" });
      await create("ci-bot-2");
      expect(await still("identities-owned-expiring")).toBe(false);
      await identities.revoke("staging-bot", { actor: "ops", reason: "its key was found in the default environment" });
      expect(await still("environments-separated")).toBe(false);
      await identities.revoke("summariser", { actor: "ops", reason: "recreated without long-output" });
      await create("summariser-2");
      expect(await still("identities-least-privilege")).toBe(false);

      const after = await report();
      expect(after.summary.fail).toBe(0);
      expect(control(after, "owasp-llm", "LLM03").status).toMatch(/^(pass|partial)$/);
      expect(control(after, "nist-ai-rmf", "MEASURE 2.7").status).toMatch(/^(pass|partial)$/);

      // A report run with another configuration than the gateway's says so instead of passing on it.
      const elsewhere = { ...ctx, loaded: { ...ctx.loaded, config: { ...ctx.loaded.config, guards: { ...ctx.loaded.config.guards, holdBackTokens: 8 } } } };
      const other = await buildReport(elsewhere, { witnesses: auditWitnesses(ctx.loaded) });
      const limits = control(other, "owasp-llm", "LLM10").checks.find((k) => k.id === "limits-configured");
      expect(limits?.status).toBe("partial");
      expect(control(other, "owasp-llm", "LLM10").gap).toMatch(
        /\[limits-configured\] judged on the configuration this report was run with, which is not the one the gateway that started at .* runs with \(audit event #\d+/,
      );

      // The CLI writes the same judgement, as JSON with the documented shape, and records its digest in the log.
      const cli = await perimeterAsync(["report", "--format", "json", "--framework", "owasp-llm", "eu-ai-act"], { cwd: w.env.dir, env: w.env.env });
      expect(cli.code).toBe(0);
      const json = JSON.parse(cli.stdout) as { generatedAt: string; auditHead: { size: number }; controls: Array<Record<string, unknown>> };
      expect(Object.keys(json)).toEqual(expect.arrayContaining(["generatedAt", "auditHead", "controls"]));
      expect(new Set(json.controls.map((c) => c["framework"]))).toEqual(new Set(["owasp-llm", "eu-ai-act"]));
      for (const c of json.controls) expect(Object.keys(c)).toEqual(expect.arrayContaining(["id", "framework", "title", "status", "evidence", "gap"]));
    }, 240_000);
  });
}
