// Policy text sent to the control API is untrusted input: a viewer may validate it and an admin may apply it.
// Cedar runs in one WebAssembly instance for the whole process (the gateway's policies and the control API's),
// and an expression nested deeper than its stack leaves that instance unusable: every decision after it fails
// (closed). What must be refused before Cedar sees it, and what validating must not keep.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/http/server.js";
import { DEFAULT_CONTROL_POLICIES } from "../../src/policy/control-policies.js";
import { DEFAULT_POLICIES } from "../../src/policy/default-policies.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { bearer } from "./client.js";

const permit = (when: string) => `@id("deep") permit (principal, action == Perimeter::Action::"control_read", resource) when { ${when} };`;

describe("policy text the control API refuses before Cedar sees it", () => {
  let p: Perimeter;
  let server: RunningServer;
  let viewer: { key: string; id: string };
  let admin: { key: string; id: string };
  let app: { key: string; id: string };

  beforeAll(async () => {
    p = await startPerimeter("sqlite");
    ({ server } = await p.serve());
    viewer = await p.key("text-viewer", { scopes: ["viewer"], owner: "vic" });
    admin = await p.key("text-admin", { scopes: ["admin"], owner: "ada" });
    app = await p.key("text-app");
  });
  afterAll(async () => {
    await p?.close();
  });

  const chat = async () =>
    (
      await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${app.key}` },
        body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: "hi" }], max_tokens: 8 }),
      })
    ).status;
  const stillDeciding = async () => {
    expect(await bearer(server.url, viewer.key)("/control/kills")).toMatchObject({ status: 200 });
    expect(await chat()).toBe(200);
  };

  it.each([
    ["parentheses", `${"(".repeat(200)}context.route == "/x"${")".repeat(200)}`],
    ["sets", `${"[".repeat(200)}1${"]".repeat(200)} == [1]`],
    ["records", `${"{a:".repeat(150)}1${"}".repeat(150)} == {a:1}`],
    ["if-then-else", `${'if context.route == "/x" then '.repeat(800)}true${" else false".repeat(800)}`],
    ["a chain of operators", `${Array(400).fill("1").join(" + ")} == 400`],
    ["a chain of conditions", Array(500).fill('context.route == "/x"').join(" && ")],
  ])("refuses %s nested deeper than Cedar can take, from a viewer's validation, and goes on deciding", async (_what, when) => {
    const r = await bearer(server.url, viewer.key)("/control/policies/validate", { body: { target: "control", text: permit(when) } });
    expect(r).toMatchObject({ status: 200, body: { valid: false } });
    expect(JSON.stringify(r.body["issues"])).toMatch(/nest/);
    await stillDeciding();
  });

  it("refuses to apply policies whose evaluation would exhaust Cedar's stack, and changes nothing", async () => {
    const deep = `${DEFAULT_POLICIES}\n@id("deep") forbid (principal, action, resource) when { ${Array(400).fill("1").join(" + ")} == 1 };\n`;
    const applied = await bearer(server.url, admin.key)("/control/policies/apply", { body: { target: "gateway", text: deep, reason: "x" } });
    expect(applied).toMatchObject({ status: 400, body: { error: { code: "USAGE" } } });
    await stillDeciding();
    const control = `${DEFAULT_CONTROL_POLICIES}\n${permit(Array(500).fill('context.route == "/x"').join(" || "))}\n`;
    expect(await bearer(server.url, admin.key)("/control/policies/apply", { body: { target: "control", text: control, reason: "x" } })).toMatchObject({
      status: 400,
    });
    await stillDeciding();
    expect((await bearer(server.url, admin.key)("/control/policies")).body).toMatchObject({ gateway: { source: "default" }, control: { source: "default" } });
  });

  it("still takes ordinary policies: a long allow-list as a set, a few dozen conditions", async () => {
    const routes = Array.from({ length: 2000 }, (_, i) => `"/r${i}"`).join(", ");
    const conditions = Array.from({ length: 30 }, (_, i) => `context.route == "/r${i}"`).join(" || ");
    const brackets = "(".repeat(500);
    for (const when of [
      `[${routes}].contains(context.route)`,
      conditions,
      `(principal in Perimeter::Role::"viewer") && (${conditions})`,
      // what a string or a comment holds is not nesting
      `context.route == "${brackets}\\"${brackets}" // ${brackets}\n`,
    ]) {
      const r = await bearer(server.url, viewer.key)("/control/policies/validate", { body: { target: "control", text: permit(when) } });
      expect(r).toMatchObject({ status: 200, body: { valid: true } });
    }
  });

  it("keeps nothing of the policies it only validates: a viewer cannot grow the server's memory with them", async () => {
    const text = (n: number) =>
      Array.from({ length: 2000 }, (_, j) => permit(`context.route == "/v${n}-${j}"`).replace('@id("deep")', `@id("v${n}-${j}")`)).join("\n");
    const validate = async (n: number) =>
      expect(await bearer(server.url, viewer.key)("/control/policies/validate", { body: { target: "control", text: text(n) } })).toMatchObject({
        status: 200,
        body: { valid: true },
      });
    await validate(0);
    const before = process.memoryUsage().external;
    for (let n = 1; n <= 8; n++) await validate(n);
    // Each kept set would hold about 5 MB of Cedar's memory.
    expect((process.memoryUsage().external - before) / 1e6).toBeLessThan(15);
  });

  it("refuses policy text over 256 KB before Cedar sees it", async () => {
    const big = Array.from({ length: 3000 }, (_, j) => permit(`context.route == "/big-${j}"`).replace('@id("deep")', `@id("big-${j}")`)).join("\n");
    expect(big.length).toBeGreaterThan(256 * 1024);
    for (const [path, body] of [
      ["/control/policies/validate", { target: "control", text: big }],
      ["/control/policies/apply", { target: "control", text: big, reason: "too big" }],
    ] as const) {
      const r = await bearer(server.url, admin.key)(path, { body });
      expect(r, path).toMatchObject({ status: 413, body: { error: { code: "BODY_TOO_LARGE" } } });
    }
    await stillDeciding();
  });

  it("checks a large set off the gateway's thread: calls and an admin's apply go on meanwhile, a second check at once is refused", async () => {
    const large = Array.from({ length: 2000 }, (_, j) => permit(`context.route == "/l-${j}"`).replace('@id("deep")', `@id("l-${j}")`)).join("\n");
    expect(large.length).toBeLessThan(256 * 1024);
    const order: string[] = [];
    const checking = bearer(server.url, viewer.key)("/control/policies/validate", { body: { target: "control", text: large } }).then((r) => {
      order.push("validated");
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    const second = await bearer(server.url, viewer.key)("/control/policies/validate", { body: { target: "control", text: permit("true") } });
    expect(second).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED", message: expect.stringMatching(/already running/) } } });
    expect(await chat()).toBe(200);
    order.push("served");
    // A viewer's dry run does not hold up an admin's apply.
    const apply = (text: string | null) =>
      bearer(server.url, admin.key)("/control/policies/apply", { body: { target: "gateway", text, reason: "during a viewer's check" } });
    expect(await apply(DEFAULT_POLICIES)).toMatchObject({ status: 200 });
    expect(await apply(null)).toMatchObject({ status: 200 });
    expect(await checking).toMatchObject({ status: 200, body: { valid: true } });
    // The call did not wait for Cedar: it was served while the set was still being checked.
    expect(order).toEqual(["served", "validated"]);
  });
});
