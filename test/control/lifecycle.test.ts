// Approving, rejecting and deploying through the control API run the lifecycle's own checks: the same
// separation of duties and roles as `perimeter approve`, each decision an audit event naming the person.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents } from "../../src/audit/index.js";
import type { RunningServer } from "../../src/http/server.js";
import { LifecycleRepository } from "../../src/lifecycle/repository.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { signIn, type Session } from "./client.js";

describe("the lifecycle through the control API", () => {
  let p: Perimeter;
  let server: RunningServer;
  let bob: Session;
  let alice: Session;
  let olga: Session;

  beforeAll(async () => {
    p = await startPerimeter("sqlite", {
      lifecycle: {
        roles: { approver: ["bob", "alice"], operator: ["olga"] },
        trustedSigners: [{ name: "release", publicKey: "release.pub" }],
        signingKey: "keys/lifecycle.pem",
      },
    });
    ({ server } = await p.serve());
    bob = await signIn(server.url, { key: (await p.key("bob-laptop", { scopes: ["approver"], owner: "bob" })).key });
    alice = await signIn(server.url, { key: (await p.key("alice-laptop", { scopes: ["approver"], owner: "alice" })).key });
    olga = await signIn(server.url, { key: (await p.key("olga-laptop", { scopes: ["operator"], owner: "olga" })).key });
  });
  afterAll(async () => {
    await p?.close();
  });

  const state = async (id: string) => (await new LifecycleRepository(p.store).state(id))?.state ?? "registered";

  it("lists a scanned, signed version as waiting, refuses its submitter, and approves it for another approver", async () => {
    const v = await p.candidate("support-llama", "alice");
    const waiting = await bob.call("/control/approvals");
    expect((waiting.body["waiting"] as { id: string }[]).map((w) => w.id)).toContain(v.id);

    const own = await alice.call(`/control/versions/${encodeURIComponent(v.id)}/approve`, { body: {} });
    expect(own).toMatchObject({ status: 403, body: { error: { code: "APPROVAL_REFUSED" } } });
    expect(own.body.error?.message).toMatch(/alice.*submit/i);
    expect(await state(v.id)).toBe("registered");

    const before = await olga.call(`/control/versions/${encodeURIComponent(v.id)}`);
    expect(before.body["signature"]).toMatchObject({ signer: null, approvals: [] });
    expect((before.body["signature"] as { file: string | null }).file).toMatch(/model\.sig$/);

    const approved = await bob.call(`/control/versions/${encodeURIComponent(v.id)}/approve`, { body: { reason: "red-team report #12 reviewed" } });
    expect(approved).toMatchObject({
      status: 200,
      body: { version: v.id, signer: "release", evidence: { kind: "approval", verdict: "pass", createdBy: "bob" } },
    });
    expect(await state(v.id)).toBe("approved");
    const detail = await olga.call(`/control/versions/${encodeURIComponent(v.id)}`);
    expect((detail.body["evidence"] as { kind: string }[]).map((e) => e.kind).sort()).toEqual(["approval", "scan"]);
    // The signer is read from the signed approval, which verifies; the approver's reason is kept in it.
    expect(detail.body["signature"]).toMatchObject({
      signer: "release",
      approvals: [{ approver: "bob", submitter: "alice", signer: "release", note: "red-team report #12 reviewed", verified: true, problem: null }],
    });

    await p.audit.flush();
    const events = [];
    for await (const e of readAuditEvents(p.store)) if (e.action === "control.approveVersion") events.push([e.actor, e.decision, e.details["status"]]);
    expect(events).toEqual([
      ["alice", "deny", 403],
      ["bob", "allow", 200],
    ]);
    const approvals = [];
    for await (const e of readAuditEvents(p.store))
      if (e.action === "model.approve" && e.resource === `model:${v.id}` && e.decision === "allow") approvals.push(e.details["note"]);
    expect(approvals).toEqual(["red-team report #12 reviewed"]);

    // An approval row changed in the store (the signer swapped) no longer verifies, and names no signer.
    const evidence = (await new LifecycleRepository(p.store).latest(v.id, "approval"))!;
    const envelope = evidence.body["envelope"] as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as { predicate: { signer: string } };
    statement.predicate.signer = "someone-else";
    await p.store.db
      .updateTable("evidence")
      .set({ body: JSON.stringify({ ...evidence.body, envelope: { ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString("base64") } }) })
      .where("id", "=", evidence.id)
      .execute();
    const tampered = await olga.call(`/control/versions/${encodeURIComponent(v.id)}`);
    expect(tampered.body["signature"]).toMatchObject({ signer: null, approvals: [{ verified: false, signer: null }] });
    expect((tampered.body["signature"] as { approvals: { problem: string }[] }).approvals[0]?.problem).toMatch(/not signed by the trusted key/);
  });

  it("lists open findings in the overview: never scanned, refused scans and drift, the most severe first", async () => {
    const overview = await olga.call("/control/overview");
    const findings = overview.body["findings"] as { source: string; rule: string; severity: string; version: string | null; runtime: string | null }[];
    expect(findings).toContainEqual(expect.objectContaining({ source: "scan", rule: "SCAN_MISSING", version: p.models.unapproved.id }));
    const ranks = findings.map((f) => ["critical", "high", "medium", "low", "info"].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // A version whose scan refused it is a high finding naming the file.
    const refused = await p.candidate("refused-llama", "alice");
    const repo = new LifecycleRepository(p.store);
    await repo.addEvidence({
      versionId: refused.id,
      kind: "scan",
      verdict: "fail",
      digest: refused.digest,
      createdBy: "scanner",
      body: { refused: [{ path: "model.gguf", verdict: "unsafe", rules: ["GGUF_TEMPLATE_EXEC"] }] },
    });
    const after = (await olga.call("/control/overview")).body["findings"] as typeof findings;
    expect(after).toContainEqual(expect.objectContaining({ source: "scan", rule: "SCAN_REFUSED", severity: "high", version: refused.id }));
    expect(after.find((f) => f.rule === "SCAN_REFUSED")).toMatchObject({ message: expect.stringMatching(/model\.gguf is unsafe \(GGUF_TEMPLATE_EXEC\)/) });
  });

  it("refuses to approve what was never scanned or signed, saying what is missing", async () => {
    const r = await bob.call(`/control/versions/${encodeURIComponent(p.models.unapproved.id)}/approve`, { body: {} });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.error?.message).toMatch(/scan/);
    expect(await state(p.models.unapproved.id)).toBe("registered");
  });

  it("rejects a version (revoked everywhere) for an approver, and deploys one for an operator only", async () => {
    const v = await p.candidate("reject-me");
    expect(await olga.call(`/control/versions/${encodeURIComponent(v.id)}/reject`, { body: { reason: "x" } })).toMatchObject({ status: 403 });
    const rejected = await bob.call(`/control/versions/${encodeURIComponent(v.id)}/reject`, { body: { reason: "licence not cleared" } });
    expect(rejected).toMatchObject({ status: 200, body: { state: "revoked" } });
    expect(await state(v.id)).toBe("revoked");

    expect(await bob.call(`/control/versions/${encodeURIComponent(p.models.vllm.id)}/deploy`, { body: { environment: "default" } })).toMatchObject({
      status: 403,
    });
    expect(await olga.call(`/control/versions/${encodeURIComponent(p.models.vllm.id)}/deploy`, { body: { environment: "default" } })).toMatchObject({
      status: 200,
      body: { state: "deployed" },
    });
    expect(await state(p.models.vllm.id)).toBe("deployed");
  });
});
