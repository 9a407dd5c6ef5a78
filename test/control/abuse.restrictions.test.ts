// What the control API must refuse to an attacker who holds little or nothing: a page of another site in the
// victim's browser, anyone who can reach the port, an app's key with no admin role, a killed identity. Each
// refusal changes nothing, and none of them can fill the audit log or the session table.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents, type AuditEvent } from "../../src/audit/index.js";
import type { RunningServer } from "../../src/http/server.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { bearer, request, signIn } from "./client.js";

describe.each(STORE_KINDS)("control API restrictions against abuse on %s", (kind) => {
  let p: Perimeter;
  let server: RunningServer;
  let admin: { key: string; id: string };
  let viewer: { key: string; id: string };
  let user: { key: string; id: string };

  beforeAll(async () => {
    p = await startPerimeter(kind);
    // Summaries every second and a budget of one audited refusal a second per identity (bursts of ten).
    ({ server } = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, unauthenticatedAuditSeconds: 1, refusalAuditPerSecond: 1 } })));
    admin = await p.key("abuse-admin", { scopes: ["admin"], owner: "ada" });
    viewer = await p.key("abuse-viewer", { scopes: ["viewer"], owner: "vic" });
    user = await p.key("abuse-app");
  });
  afterAll(async () => {
    await p?.close();
  });

  async function events(filter: (e: AuditEvent) => boolean = () => true): Promise<AuditEvent[]> {
    await p.audit.flush();
    const out: AuditEvent[] = [];
    for await (const e of readAuditEvents(p.store)) if (filter(e)) out.push(e);
    return out;
  }
  const sessionRows = async (identityId: string) =>
    (await p.store.db.selectFrom("control_sessions").select("id").where("identity_id", "=", identityId).execute()).length;

  it("refuses a sign-in sent by a page of another site (login CSRF), even as a form a page may send without asking", async () => {
    const url = `${server.url}/control/session`;
    const body = { raw: JSON.stringify({ key: admin.key }), headers: { "content-type": "application/x-www-form-urlencoded" } };
    const before = await sessionRows(admin.id);
    for (const headers of <Record<string, string>[]>[
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      { origin: "https://evil.example" },
      // another port of the same host is the same site, but not the dashboard's origin
      { origin: "http://127.0.0.1:1", "sec-fetch-site": "same-site" },
    ]) {
      const r = await request(url, headers, body);
      expect(r).toMatchObject({ status: 403, body: { error: { code: "CSRF_INVALID", stage: "csrf" } } });
      expect(r.headers.get("set-cookie")).toBeNull();
    }
    expect(await sessionRows(admin.id)).toBe(before);
    // The dashboard's own page, and a client that is no browser, still sign in.
    expect(await request(url, { origin: server.url, "sec-fetch-site": "same-origin" }, { body: { key: viewer.key } })).toMatchObject({ status: 200 });
    expect(await request(url, {}, { body: { key: viewer.key } })).toMatchObject({ status: 200 });
  });

  it("does not write an audit event for every request without credentials or failed sign-in: it counts them per source", async () => {
    const before = (await events()).length;
    for (let i = 0; i < 40; i++) {
      expect(await request(`${server.url}/control/kills`, {})).toMatchObject({ status: 401 });
      expect(await request(`${server.url}/control/session`, {}, { body: { key: "prm_nope_nope" } })).toMatchObject({ status: 401 });
      expect(await request(`${server.url}/control/session`, {}, { body: { link: "A".repeat(43) } })).toMatchObject({ status: 401 });
    }
    const written = (await events()).slice(before);
    expect(written.length).toBeLessThanOrEqual(3);
    // Counted, not lost: a summary names the routes within the interval.
    let summarised = 0;
    for (let i = 0; i < 40 && summarised < 120; i++) {
      await new Promise((r) => setTimeout(r, 100));
      summarised = (await events((e) => e.action === "gateway.unauthenticated"))
        .slice(-5)
        .reduce((n, e) => n + Number((e.details["routes"] as Record<string, number> | undefined)?.["/control/session"] ?? 0), 0);
    }
    expect(summarised).toBeGreaterThanOrEqual(79);
  });

  it("does not write an audit event for every refusal of one identity past its budget: the rest are summarised under it", async () => {
    const before = (await events((e) => e.details["identity"] === user.id)).length;
    for (let i = 0; i < 40; i++) expect(await bearer(server.url, user.key)("/control/kills")).toMatchObject({ status: 403 });
    const one = (await events((e) => e.details["identity"] === user.id)).length - before;
    expect(one).toBeGreaterThanOrEqual(1);
    expect(one).toBeLessThanOrEqual(12);
  });

  it("refuses to sign in a killed identity, and records the refusal", async () => {
    const leaked = await p.key("abuse-leaked-admin", { scopes: ["admin"], owner: "lee" });
    expect(await bearer(server.url, admin.key)("/control/kill", { body: { kind: "identity", target: leaked.id, reason: "key leaked" } })).toMatchObject({
      status: 200,
    });
    const r = await request(`${server.url}/control/session`, {}, { body: { key: leaked.key } });
    expect(r).toMatchObject({ status: 403, body: { error: { code: "KILLED" } } });
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(await sessionRows(leaked.id)).toBe(0);
    const refused = await events((e) => e.action === "control.signIn" && e.resource === `identity:${leaked.id}`);
    expect(refused.map((e) => [e.actor, e.decision])).toEqual([["lee", "deny"]]);
  });

  it("answers a caller who may not change identities 403 whether or not the identity it names exists", async () => {
    const as = bearer(server.url, user.key);
    for (const who of [admin.id, "abuse-admin", "no-such-identity"]) {
      expect(await as(`/control/identities/${who}/rotate`, { body: {} })).toMatchObject({
        status: 403,
        body: { error: { code: "PERMISSION_DENIED", stage: "authorize" } },
      });
    }
    // One who may, is told what does not exist.
    expect(await bearer(server.url, admin.key)("/control/identities/no-such-identity/rotate", { body: {} })).toMatchObject({
      status: 404,
      body: { error: { code: "IDENTITY_NOT_FOUND" } },
    });
  });

  it("keeps no more session rows for an identity than its cap, however often it signs in", async () => {
    const often = await p.key("abuse-often", { scopes: ["viewer"], owner: "otto" });
    let last = await signIn(server.url, { key: often.key });
    for (let i = 0; i < 24; i++) last = await signIn(server.url, { key: often.key });
    expect(await sessionRows(often.id)).toBeLessThanOrEqual(p.env.loaded.config.control.maxSessionsPerIdentity);
    expect(await last.call("/control/kills")).toMatchObject({ status: 200 });
  });

  it("documents every status it answers with: 415 for a body that is not JSON, 503 when the store does not answer", async () => {
    const r = await request(
      `${server.url}/control/kill`,
      { authorization: `Bearer ${admin.key}` },
      { raw: "kind=identity", headers: { "content-type": "text/plain" } },
    );
    expect(r.status).toBe(415);
    const doc = (await request(`${server.url}/control/openapi.json`, {})).body as { paths: Record<string, Record<string, { responses: object }>> };
    expect(Object.keys(doc.paths["/control/kill"]?.["post"]?.responses ?? {})).toEqual(expect.arrayContaining(["415", "503"]));
  });
});
