// Applying policies from the control API: validated first, stored, an audit event, and in force on every
// gateway — this one at once, another replica within its poll — until the configured files are restored.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents } from "../../src/audit/index.js";
import type { RunningServer } from "../../src/http/server.js";
import { DEFAULT_CONTROL_POLICIES } from "../../src/policy/control-policies.js";
import { DEFAULT_POLICIES } from "../../src/policy/default-policies.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { bearer, signIn } from "./client.js";

const FORBID_VLLM = `${DEFAULT_POLICIES}
@id("no-vllm-llama")
forbid (principal, action in Perimeter::Action::"model", resource)
when { resource.name == "vllm-llama" };
`;

describe.each(STORE_KINDS)("applying policies through the control API on %s", (kind) => {
  let p: Perimeter;
  let server: RunningServer;
  let replica: string;
  let admin: { key: string; id: string };
  let operator: { key: string; id: string };
  let app: { key: string; id: string };

  beforeAll(async () => {
    p = await startPerimeter(kind);
    ({ server } = await p.serve());
    replica = (await p.serve()).url;
    admin = await p.key("policy-admin", { scopes: ["admin"], owner: "ada" });
    operator = await p.key("policy-operator", { scopes: ["operator"], owner: "olga" });
    app = await p.key("policy-app");
  });
  afterAll(async () => {
    await p?.close();
  });

  const chat = async (url: string) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${app.key}` },
      body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: "hi" }], max_tokens: 8 }),
    });
    const body = (await res.json()) as { error?: { message: string } };
    return { status: res.status, message: body.error?.message ?? "" };
  };
  const eventually = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 50 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await check()).toBe(true);
  };

  it("puts an applied gateway policy in force here at once and on the other replica within a poll, then restores the files", async () => {
    expect((await chat(server.url)).status).toBe(200);
    const applied = await bearer(server.url, admin.key)("/control/policies/apply", {
      body: { target: "gateway", text: FORBID_VLLM, reason: "vLLM host under investigation" },
    });
    expect(applied).toMatchObject({ status: 200, body: { target: "gateway", applied: { seq: 1, appliedBy: "ada" } } });
    expect(await chat(server.url)).toMatchObject({ status: 403, message: expect.stringContaining("no-vllm-llama") });
    await eventually(async () => (await chat(replica)).status === 403);

    const shown = await bearer(server.url, operator.key)("/control/policies");
    expect(shown.body).toMatchObject({ gateway: { source: "applied", applied: { seq: 1 } }, control: { source: "default" } });

    const back = await bearer(server.url, admin.key)("/control/policies/apply", { body: { target: "gateway", text: null, reason: "investigation closed" } });
    expect(back).toMatchObject({ status: 200, body: { applied: { seq: 2, digest: "" } } });
    expect((await chat(server.url)).status).toBe(200);
    await eventually(async () => (await chat(replica)).status === 200);

    await p.audit.flush();
    const events = [];
    for await (const e of readAuditEvents(p.store)) if (e.action === "policy.apply") events.push([e.actor, e.reason, e.details["seq"]]);
    expect(events).toEqual([
      ["ada", "vLLM host under investigation", 1],
      ["ada", "investigation closed", 2],
    ]);
  });

  it("refuses an invalid set, an empty one, an operator, and a control change that would lock its author out — changing nothing", async () => {
    const apply = (body: unknown, key = admin.key) => bearer(server.url, key)("/control/policies/apply", { body });
    const before = (await bearer(server.url, admin.key)("/control/policies")).body;
    expect(await apply({ target: "gateway", text: "permit(", reason: "x" })).toMatchObject({ status: 400, body: { error: { code: "USAGE" } } });
    expect(await apply({ target: "gateway", text: "// nothing", reason: "x" })).toMatchObject({ status: 400 });
    expect(await apply({ target: "gateway", text: DEFAULT_POLICIES, reason: " " })).toMatchObject({ status: 400 });
    expect(await apply({ target: "gateway", text: DEFAULT_POLICIES, reason: "x" }, operator.key)).toMatchObject({
      status: 403,
      body: { error: { code: "PERMISSION_DENIED", stage: "authorize" } },
    });
    // The defaults without the one permit that lets admins change policies.
    const lockout = DEFAULT_CONTROL_POLICIES.replace(/@id\("control-policies"\)\npermit[\s\S]*?\};\n/, "");
    expect(lockout).not.toBe(DEFAULT_CONTROL_POLICIES);
    const locked = await apply({ target: "control", text: lockout, reason: "tidy up" });
    expect(locked).toMatchObject({ status: 400, body: { error: { code: "USAGE" } } });
    expect(locked.body.error?.message).toContain("could no longer change the policies");
    expect((await bearer(server.url, admin.key)("/control/policies")).body).toEqual(before);
  });

  it("holds an applied control policy on the next request", async () => {
    const readOnlyAdmins = `${DEFAULT_CONTROL_POLICIES}
@id("no-kills-from-operators")
forbid (principal, action == Perimeter::Action::"control_kill", resource)
unless { principal in Perimeter::Role::"admin" };
`;
    const body = { kind: "identity", target: "policy-app", reason: "test" };
    expect(await bearer(server.url, operator.key)("/control/kill/preview?kind=identity&target=policy-app")).toMatchObject({ status: 200 });
    // What the dashboard shows an operator follows the policies in force, not a copy of the default roles.
    const abilities = async () => (await signIn(server.url, { key: operator.key })).signIn.body["abilities"];
    expect(await abilities()).toEqual({
      control_read: true,
      control_audit: true,
      control_kill: true,
      control_approve: false,
      control_identities: true,
      control_lifecycle: true,
      control_policies: false,
      grantRoles: false,
    });
    expect(
      await bearer(server.url, admin.key)("/control/policies/apply", { body: { target: "control", text: readOnlyAdmins, reason: "change freeze" } }),
    ).toMatchObject({
      status: 200,
    });
    expect(await bearer(replica, operator.key)("/control/kill", { body })).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringContaining("no-kills-from-operators") } },
    });
    expect(await abilities()).toMatchObject({ control_kill: false, control_identities: true });
    expect(await bearer(server.url, admin.key)("/control/policies/apply", { body: { target: "control", text: null, reason: "freeze over" } })).toMatchObject({
      status: 200,
    });
    expect(await bearer(server.url, operator.key)("/control/kill/preview?kind=identity&target=policy-app")).toMatchObject({ status: 200 });
  });
});
