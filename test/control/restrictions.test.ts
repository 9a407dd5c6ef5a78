// What the control API must refuse, case by case. Each refusal kills nothing, and answers with a coded JSON
// error and the status a client can act on: never a 500, never a stack.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents } from "../../src/audit/index.js";
import { CONTROL_MAX_BODY_BYTES } from "../../src/control/routes.js";
import type { RunningServer } from "../../src/http/server.js";
import { listKills } from "../../src/killswitch/index.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { STORE_KINDS } from "../helpers/stores.js";

describe.each(STORE_KINDS)("control API restrictions on %s", (kind) => {
  let p: Perimeter;
  let server: RunningServer;
  let admin: { key: string; id: string };
  let user: { key: string; id: string };

  beforeAll(async () => {
    p = await startPerimeter(kind);
    ({ server } = await p.serve());
    admin = await p.key("soc-admin", { scopes: ["admin"] });
    user = await p.key("app-user");
  });
  afterAll(async () => {
    await p?.close();
  });

  const send = async (path: string, options: { bearer?: string | null; body?: string; method?: string; contentType?: string } = {}) => {
    const headers: Record<string, string> = {};
    const bearer = options.bearer === undefined ? admin.key : options.bearer;
    if (bearer !== null) headers["authorization"] = `Bearer ${bearer}`;
    if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
    const res = await fetch(`${server.url}${path}`, {
      method: options.method ?? (options.body === undefined ? "GET" : "POST"),
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as { error?: { code: string; message: string } } & Record<string, unknown> };
  };
  const kill = (body: unknown, bearer?: string | null) => send("/control/kill", { body: typeof body === "string" ? body : JSON.stringify(body), bearer });
  const valid = () => ({ kind: "identity", target: "app-user", reason: "key found in a public repo" });

  async function nothingKilled(): Promise<void> {
    expect(await listKills(p.store)).toEqual([]);
  }

  it("refuses a caller without credentials or with a key Perimeter did not issue (401)", async () => {
    expect(await kill(valid(), null)).toMatchObject({ status: 401, body: { error: { code: "AUTH_MISSING" } } });
    expect(await kill(valid(), "prm_nope_nope")).toMatchObject({ status: 401, body: { error: { code: "AUTH_KEY_INVALID" } } });
    expect(await send("/control/kills", { bearer: null })).toMatchObject({ status: 401 });
    expect(await send("/control/lift", { bearer: null, body: JSON.stringify(valid()) })).toMatchObject({ status: 401 });
    await nothingKilled();
  });

  it("refuses an identity without the admin scope (403), and records the refusal as deny under its id", async () => {
    const refused = await kill(valid(), user.key);
    expect(refused).toMatchObject({
      status: 403,
      body: { error: { code: "PERMISSION_DENIED", message: `identity ${user.id} lacks the "admin" scope the control API requires` } },
    });
    expect(await send("/control/kills", { bearer: user.key })).toMatchObject({ status: 403 });
    expect(await send("/control/lift", { bearer: user.key, body: JSON.stringify(valid()) })).toMatchObject({ status: 403 });
    await nothingKilled();
    await p.audit.flush();
    const events = [];
    for await (const e of readAuditEvents(p.store)) if (e.actor === `identity:${user.id}` && e.action.startsWith("kill")) events.push(e);
    expect(events.map((e) => [e.action, e.decision, e.details["code"]])).toEqual([
      ["kill.identity", "deny", "PERMISSION_DENIED"],
      ["kill.list", "deny", "PERMISSION_DENIED"],
      ["kill.lift", "deny", "PERMISSION_DENIED"],
    ]);
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
    expect(r.body.error?.message).toContain('the body must be {"kind": "model" | "identity" | "runtime"');
    await nothingKilled();
  });

  it.each([
    ["kind is not a string", { ...valid(), kind: 1 }, "kind"],
    ["an unknown kind", { ...valid(), kind: "tenant" }, "kind"],
    ["target is an array", { ...valid(), target: ["app-user"] }, "target"],
    ["target is null", { ...valid(), target: null }, "target"],
    ["an empty target", { ...valid(), target: "" }, "target"],
    ["an oversize target", { ...valid(), target: "x".repeat(301) }, "target"],
    ["reason is missing", { kind: "identity", target: "app-user" }, "reason"],
    ["an empty reason", { ...valid(), reason: "" }, "reason"],
    ["a reason of spaces", { ...valid(), reason: "   " }, "reason"],
    ["a reason that is not a string", { ...valid(), reason: { why: "x" } }, "reason"],
    ["a field the API does not know", { ...valid(), everywhere: true }, "(body)"],
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
    const lifted = await send("/control/lift", { bearer: leaked.key, body: JSON.stringify({ kind: "identity", target: leaked.id, reason: "lol" }) });
    expect(lifted).toMatchObject({ status: 403, body: { error: { code: "KILLED" } } });
    expect(await kill(valid(), leaked.key)).toMatchObject({ status: 403, body: { error: { code: "KILLED" } } });
    expect((await listKills(p.store)).map((k) => k.target)).toEqual([leaked.id]);
    expect(await send("/control/lift", { body: JSON.stringify({ kind: "identity", target: leaked.id, reason: "rotated and reviewed" }) })).toMatchObject({
      status: 200,
    });
    await nothingKilled();
  });

  it("refuses a body larger than a kill can be (413) without reading it", async () => {
    const r = await kill({ ...valid(), reason: "x".repeat(CONTROL_MAX_BODY_BYTES) });
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
    expect(await send("/control/lift", { body: JSON.stringify({ kind: "model", target: "vllm-llama@1", reason: "fine" }) })).toMatchObject({
      status: 404,
      body: { error: { code: "KILL_NOT_FOUND" } },
    });
    expect(await send("/control/lift", { body: JSON.stringify({ kind: "model", target: "ghost@1", reason: "fine" }) })).toMatchObject({
      status: 404,
      body: { error: { code: "KILL_TARGET_NOT_FOUND" } },
    });
    expect(await send("/control/lift", { body: "null" })).toMatchObject({ status: 400 });
  });

  it("answers a wrong method with 405", async () => {
    expect((await send("/control/kill")).status).toBe(405);
    expect((await send("/control/kills", { body: "{}" })).status).toBe(405);
  });
});
