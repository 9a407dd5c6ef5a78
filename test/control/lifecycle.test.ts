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

    const approved = await bob.call(`/control/versions/${encodeURIComponent(v.id)}/approve`, { body: {} });
    expect(approved).toMatchObject({ status: 200, body: { version: v.id, evidence: { kind: "approval", verdict: "pass", createdBy: "bob" } } });
    expect(await state(v.id)).toBe("approved");
    const detail = await olga.call(`/control/versions/${encodeURIComponent(v.id)}`);
    expect((detail.body["evidence"] as { kind: string }[]).map((e) => e.kind).sort()).toEqual(["approval", "scan"]);
    expect(approved.body["signer"]).toBeTruthy();

    await p.audit.flush();
    const events = [];
    for await (const e of readAuditEvents(p.store)) if (e.action === "control.approveVersion") events.push([e.actor, e.decision, e.details["status"]]);
    expect(events).toEqual([
      ["alice", "deny", 403],
      ["bob", "allow", 200],
    ]);
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
