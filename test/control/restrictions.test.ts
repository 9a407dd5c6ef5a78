// What the control API must refuse, case by case. Each refusal changes nothing, and answers with a coded JSON
// error and the status a client can act on: never a 500, never a stack.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents, type AuditEvent } from "../../src/audit/index.js";
import type { RunningServer } from "../../src/http/server.js";
import { listKills } from "../../src/killswitch/index.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { bearer, request, signIn } from "./client.js";

describe.each(STORE_KINDS)("control API restrictions on %s", (kind) => {
  let p: Perimeter;
  let server: RunningServer;
  let admin: { key: string; id: string };
  let viewer: { key: string; id: string };
  let operator: { key: string; id: string };
  let approver: { key: string; id: string };
  let user: { key: string; id: string };

  beforeAll(async () => {
    p = await startPerimeter(kind);
    ({ server } = await p.serve());
    admin = await p.key("soc-admin", { scopes: ["admin"], owner: "ada" });
    viewer = await p.key("dash-viewer", { scopes: ["viewer"], owner: "vic" });
    operator = await p.key("dash-operator", { scopes: ["operator"], owner: "olga" });
    approver = await p.key("dash-approver", { scopes: ["approver"], owner: "bob" });
    user = await p.key("app-user");
  });
  afterAll(async () => {
    await p?.close();
  });

  const as = (key: string | null) => bearer(server.url, key);
  const valid = () => ({ kind: "identity", target: "app-user", reason: "key found in a public repo" });
  const kill = (body: unknown, key: string | null = admin.key) => as(key)("/control/kill", typeof body === "string" ? { raw: body } : { body });

  async function nothingKilled(): Promise<void> {
    expect(await listKills(p.store)).toEqual([]);
  }
  async function events(filter: (e: AuditEvent) => boolean): Promise<AuditEvent[]> {
    await p.audit.flush();
    const out: AuditEvent[] = [];
    for await (const e of readAuditEvents(p.store)) if (filter(e)) out.push(e);
    return out;
  }

  it("refuses a caller without credentials or with a key Perimeter did not issue (401)", async () => {
    expect(await kill(valid(), null)).toMatchObject({ status: 401, body: { error: { code: "AUTH_MISSING", stage: "authenticate" } } });
    expect(await kill(valid(), "prm_nope_nope")).toMatchObject({ status: 401, body: { error: { code: "AUTH_KEY_INVALID" } } });
    expect(await as(null)("/control/kills")).toMatchObject({ status: 401 });
    expect(await as(null)("/control/lift", { body: valid() })).toMatchObject({ status: 401 });
    await nothingKilled();
  });

  it("refuses every operation to an identity that holds no admin role (403), and records each refusal under the person", async () => {
    const refused = await kill(valid(), user.key);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "PERMISSION_DENIED", stage: "authorize" } } });
    expect(refused.body.error?.message).toBe(`app-team (identity ${user.id}): no control policy permits control_kill for ${user.id} (its roles: none)`);
    expect(await as(user.key)("/control/kills")).toMatchObject({ status: 403 });
    expect(await as(user.key)("/control/lift", { body: valid() })).toMatchObject({ status: 403 });
    await nothingKilled();
    const denied = await events((e) => e.details["identity"] === user.id);
    expect(denied.map((e) => [e.actor, e.action, e.decision, e.details["code"]])).toEqual([
      ["app-team", "control.kill", "deny", "PERMISSION_DENIED"],
      ["app-team", "control.listKills", "deny", "PERMISSION_DENIED"],
      ["app-team", "control.lift", "deny", "PERMISSION_DENIED"],
    ]);
  });

  it("holds each role to what it may do: a viewer cannot kill or approve, an operator cannot approve, an approver cannot kill", async () => {
    expect(await as(viewer.key)("/control/kills")).toMatchObject({ status: 200 });
    expect(await kill(valid(), viewer.key)).toMatchObject({ status: 403, body: { error: { code: "PERMISSION_DENIED" } } });
    expect(await as(viewer.key)("/control/tools/decide", { body: { id: "apr_x", decision: "allow" } })).toMatchObject({ status: 403 });
    expect(await as(operator.key)("/control/tools/decide", { body: { id: "apr_x", decision: "allow" } })).toMatchObject({ status: 403 });
    expect(await kill(valid(), approver.key)).toMatchObject({ status: 403 });
    expect(await as(viewer.key)(`/control/kill/preview?kind=identity&target=app-user`)).toMatchObject({ status: 403 });
    expect(await as(operator.key)(`/control/kill/preview?kind=identity&target=app-user`)).toMatchObject({
      status: 200,
      body: { covers: `identity app-user (${user.id})` },
    });
    await nothingKilled();
  });

  it.each([
    ["null", "null"],
    ["an array", JSON.stringify([valid()])],
    ["a string", JSON.stringify("kill everything")],
    ["a number", "42"],
    ["an empty object", "{}"],
    ["not JSON at all", "{kind: identity"],
    ["an empty body", ""],
  ])("refuses a body that is %s with 400, not 500", async (_what, body) => {
    const r = await kill(body);
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe("USAGE");
    expect(r.body.error?.message).toContain("/control/openapi.json");
    await nothingKilled();
  });

  it.each([
    ["kind is not a string", { ...valid(), kind: 1 }, "body.kind"],
    ["an unknown kind", { ...valid(), kind: "tenant" }, "body.kind"],
    ["target is an array", { ...valid(), target: ["app-user"] }, "body.target"],
    ["target is null", { ...valid(), target: null }, "body.target"],
    ["an empty target", { ...valid(), target: "" }, "body.target"],
    ["an oversize target", { ...valid(), target: "x".repeat(301) }, "body.target"],
    ["reason is missing", { kind: "identity", target: "app-user" }, "body.reason"],
    ["an empty reason", { ...valid(), reason: "" }, "body.reason"],
    ["a reason of spaces", { ...valid(), reason: "   " }, "body.reason"],
    ["a reason that is not a string", { ...valid(), reason: { why: "x" } }, "body.reason"],
    ["a field the API does not know", { ...valid(), everywhere: true }, "body"],
  ])("refuses a body where %s (400, naming the field)", async (_what, body, field) => {
    const r = await kill(body);
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe("USAGE");
    expect(r.body.error?.message.startsWith(`${field}:`)).toBe(true);
    await nothingKilled();
  });

  it("refuses a killed admin (403 KILLED): a leaked admin key cannot lift its own kill or kill anyone else", async () => {
    const leaked = await p.key("leaked-admin", { scopes: ["admin"] });
    expect(await kill({ kind: "identity", target: "leaked-admin", reason: "admin key leaked" })).toMatchObject({ status: 200 });
    const lifted = await as(leaked.key)("/control/lift", { body: { kind: "identity", target: leaked.id, reason: "lol" } });
    expect(lifted).toMatchObject({ status: 403, body: { error: { code: "KILLED", stage: "kill-check" } } });
    expect(await kill(valid(), leaked.key)).toMatchObject({ status: 403, body: { error: { code: "KILLED" } } });
    expect(await as(leaked.key)("/control/kills")).toMatchObject({ status: 403, body: { error: { code: "KILLED" } } });
    expect((await listKills(p.store)).map((k) => k.target)).toEqual([leaked.id]);
    expect(await as(admin.key)("/control/lift", { body: { kind: "identity", target: leaked.id, reason: "rotated and reviewed" } })).toMatchObject({
      status: 200,
    });
    await nothingKilled();
  });

  it("refuses a body larger than a kill can be (413) without reading it", async () => {
    const r = await kill({ ...valid(), reason: "x".repeat(16 * 1024) });
    expect(r).toMatchObject({ status: 413, body: { error: { code: "BODY_TOO_LARGE" } } });
    await nothingKilled();
  });

  it.each([
    ["identity", "no-such-identity", /no identity with id or name "no-such-identity"/],
    ["identity", "id_000000000000", /no identity with id or name "id_000000000000"/],
    ["runtime", "no-such-runtime", /no runtime named "no-such-runtime"/],
    ["model", "vllm-llama@99", /vllm-llama@99 is not in the inventory/],
    ["model", "no-such-model", /no model named "no-such-model"/],
  ])("refuses to kill an unknown %s %s (404) and kills nothing", async (k, target, message) => {
    const r = await kill({ kind: k, target, reason: "x" });
    expect(r.status).toBe(404);
    expect(r.body.error?.code).toBe("KILL_TARGET_NOT_FOUND");
    expect(r.body.error?.message).toMatch(message);
    await nothingKilled();
  });

  it("refuses a malformed name@version with 400", async () => {
    expect(await kill({ kind: "model", target: "llama@", reason: "x" })).toMatchObject({ status: 400, body: { error: { code: "USAGE" } } });
  });

  it("refuses to lift what is not killed (404) or does not exist (404)", async () => {
    expect(await as(admin.key)("/control/lift", { body: { kind: "model", target: "vllm-llama@1", reason: "fine" } })).toMatchObject({
      status: 404,
      body: { error: { code: "KILL_NOT_FOUND" } },
    });
    expect(await as(admin.key)("/control/lift", { body: { kind: "model", target: "ghost@1", reason: "fine" } })).toMatchObject({
      status: 404,
      body: { error: { code: "KILL_TARGET_NOT_FOUND" } },
    });
    expect(await as(admin.key)("/control/lift", { raw: "null" })).toMatchObject({ status: 400 });
  });

  it("answers a wrong method with 405", async () => {
    expect((await as(admin.key)("/control/kill")).status).toBe(405);
    expect((await as(admin.key)("/control/kills", { body: {} })).status).toBe(405);
  });

  it("lets only an admin hand out a role: an operator cannot create an identity that holds one, or rotate one's key", async () => {
    const create = (key: string, scopes: string[], name: string) =>
      as(key)("/control/identities", { body: { name, kind: "service-account", owner: "olga", scopes } });
    const escalate = await create(operator.key, ["approver"], "olga-approver");
    expect(escalate).toMatchObject({ status: 403, body: { error: { code: "PERMISSION_DENIED", stage: "authorize" } } });
    expect(escalate.body.error?.message).toContain("control-roles-by-admin-only");
    expect(await create(operator.key, ["admin", "tools"], "olga-admin")).toMatchObject({ status: 403 });
    expect(await create(operator.key, ["tools"], "olga-agent")).toMatchObject({ status: 201, body: { identity: { createdBy: "olga" } } });
    expect(await create(admin.key, ["approver"], "second-approver")).toMatchObject({ status: 201 });
    // Rotating shows the new key to the caller: an admin's key is an admin's power.
    expect(await as(operator.key)(`/control/identities/${admin.id}/rotate`, { body: {} })).toMatchObject({
      status: 403,
      body: { error: { code: "PERMISSION_DENIED" } },
    });
    expect(await as(operator.key)("/control/identities/olga-agent/rotate", { body: { overlapSeconds: 0 } })).toMatchObject({ status: 200 });
    const names = (await p.identities.list()).map((i) => i.name);
    expect(names).not.toContain("olga-approver");
    expect(names).not.toContain("olga-admin");
  });

  describe("sessions", () => {
    it("signs in with a JWT whose scope names a role, as its subject, for no longer than the token lives", async () => {
      const exp = Math.floor(Date.now() / 1000) + 120;
      const s = await signIn(server.url, { token: await p.jwt({ scope: "auditor", exp }) });
      expect(s.signIn.body).toMatchObject({ actor: "spiffe://example.org/ns/ml/sa/agent", roles: ["auditor"], method: "jwt" });
      expect(Date.parse(String(s.signIn.body["expiresAt"]))).toBeLessThanOrEqual(exp * 1000);
      expect(await s.call("/control/audit/events?limit=1")).toMatchObject({ status: 200 });
      expect(await s.call("/control/kill", { body: valid() })).toMatchObject({ status: 403 });
      const none = await request(`${server.url}/control/session`, {}, { body: { token: await p.jwt({ scope: "models" }) } });
      expect(none).toMatchObject({ status: 403, body: { error: { code: "PERMISSION_DENIED" } } });
      const forged = await request(`${server.url}/control/session`, {}, { body: { token: await p.jwt({ scope: "admin" }, "another-audience") } });
      expect(forged).toMatchObject({ status: 401, body: { error: { code: "AUTH_TOKEN_INVALID" } } });
    });

    it("refuses to sign in an identity without an admin role, a bad key, a JWT sent as a key; records the identity, counts the rest per source", async () => {
      const url = `${server.url}/control/session`;
      expect(await request(url, {}, { body: { key: user.key } })).toMatchObject({ status: 403, body: { error: { code: "PERMISSION_DENIED" } } });
      expect(await request(url, {}, { body: { key: "prm_nope_nope" } })).toMatchObject({ status: 401, body: { error: { code: "AUTH_KEY_INVALID" } } });
      expect(await request(url, {}, { body: { key: await p.jwt({ scope: "admin" }) } })).toMatchObject({ status: 401 });
      expect(await request(url, {}, { body: { key: admin.key, token: "x" } })).toMatchObject({ status: 400 });
      expect(await request(url, {}, { body: { link: "A".repeat(43) } })).toMatchObject({ status: 401, body: { error: { code: "AUTH_SESSION_INVALID" } } });
      const signIns = await events((e) => e.action === "control.signIn" && e.decision === "deny");
      expect(signIns.map((e) => [e.actor, e.resource])).toContainEqual(["app-team", `identity:${user.id}`]);
      // Sign-ins without valid credentials are counted per source with every other refusal of a caller without
      // credentials (abuse.restrictions.test.ts): anyone could send them.
      expect(JSON.stringify(await events(() => true))).not.toContain(user.key);
    });

    it("sets an HttpOnly, SameSite=Strict session cookie that expires", async () => {
      const s = await signIn(server.url, { key: operator.key });
      const cookie = s.signIn.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/^perimeter_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
      expect(s.signIn.body).toMatchObject({ actor: "olga", roles: ["operator"], method: "api-key", identity: { id: operator.id } });
      expect(s.signIn.headers.get("cache-control")).toBe("no-store");
    });

    it("refuses a change made with the cookie but without its CSRF token, with another's, or from another origin", async () => {
      const s = await signIn(server.url, { key: operator.key });
      const other = await signIn(server.url, { key: admin.key });
      expect(await s.call("/control/kill", { body: valid(), csrf: false })).toMatchObject({
        status: 403,
        body: { error: { code: "CSRF_INVALID", stage: "csrf" } },
      });
      expect(await s.call("/control/kill", { body: valid(), csrf: other.csrf })).toMatchObject({ status: 403, body: { error: { code: "CSRF_INVALID" } } });
      expect(await s.call("/control/kill", { body: valid(), headers: { origin: "https://evil.example" } })).toMatchObject({ status: 403 });
      expect(await s.call("/control/kill", { body: valid(), headers: { "sec-fetch-site": "cross-site" } })).toMatchObject({ status: 403 });
      await nothingKilled();
      // Reads need no token; the token and same-origin headers let the change through.
      expect(await s.call("/control/kills")).toMatchObject({ status: 200 });
      const ok = await s.call("/control/kill", { body: valid(), headers: { origin: server.url, "sec-fetch-site": "same-origin" } });
      expect(ok).toMatchObject({ status: 200, body: { killed: { killedBy: "olga" } } });
      expect(await s.call("/control/lift", { body: { ...valid(), reason: "false alarm" } })).toMatchObject({ status: 200 });
      await nothingKilled();
    });

    it("refuses an expired, idle, signed-out or unknown session, and two session cookies at once", async () => {
      const expired = await signIn(server.url, { key: viewer.key });
      await p.store.db
        .updateTable("control_sessions")
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where("identity_id", "=", viewer.id)
        .execute();
      expect(await expired.call("/control/kills")).toMatchObject({ status: 401, body: { error: { code: "AUTH_SESSION_EXPIRED" } } });

      const idle = await signIn(server.url, { key: viewer.key });
      await p.store.db
        .updateTable("control_sessions")
        .set({ last_seen_at: new Date(Date.now() - 2 * 3600_000).toISOString() })
        .where("identity_id", "=", viewer.id)
        .where("ended_at", "is", null)
        .execute();
      expect(await idle.call("/control/kills")).toMatchObject({ status: 401, body: { error: { code: "AUTH_SESSION_EXPIRED" } } });

      const out = await signIn(server.url, { key: viewer.key });
      expect(await out.call("/control/session", { method: "DELETE" })).toMatchObject({ status: 200, body: { signedOut: true } });
      expect(await out.call("/control/kills")).toMatchObject({ status: 401, body: { error: { code: "AUTH_SESSION_INVALID" } } });

      expect(await request(`${server.url}/control/kills`, { cookie: `perimeter_session=${"A".repeat(43)}` })).toMatchObject({ status: 401 });
      expect(await request(`${server.url}/control/kills`, { cookie: "perimeter_session=../../etc" })).toMatchObject({ status: 401 });
      const live = await signIn(server.url, { key: viewer.key });
      expect(await request(`${server.url}/control/kills`, { cookie: `${live.cookie}; ${live.cookie}` })).toMatchObject({ status: 401 });
      expect(await live.call("/control/kills")).toMatchObject({ status: 200 });
    });

    it("ends a session at once when its key is revoked", async () => {
      const key = await p.key("short-lived-admin", { scopes: ["viewer"], owner: "sam" });
      const s = await signIn(server.url, { key: key.key });
      expect(await s.call("/control/kills")).toMatchObject({ status: 200 });
      await p.identities.revoke(key.id, { actor: "ada", reason: "left the team" });
      expect(await s.call("/control/kills")).toMatchObject({ status: 401, body: { error: { code: "AUTH_IDENTITY_REVOKED" } } });
    });

    it("refuses a session-only route to a bearer caller", async () => {
      expect(await as(viewer.key)("/control/session")).toMatchObject({ status: 401, body: { error: { code: "AUTH_SESSION_INVALID" } } });
    });
  });
});
