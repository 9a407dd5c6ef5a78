// The guards through the control API: what is in force, what the gateway's guards found since it started
// (from its own counters), and a dry run of one text through the built-in detectors in force.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/http/server.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { bearer } from "./client.js";

/** A GitHub token shaped like a real one, made here. */
const githubToken = () => `ghp_${randomBytes(27).toString("base64url").replace(/[-_]/g, "a").slice(0, 36)}`;

describe("the guards through the control API", () => {
  let p: Perimeter;
  let server: RunningServer;
  let viewer: { key: string; id: string };
  let app: { key: string; id: string };

  beforeAll(async () => {
    p = await startPerimeter("sqlite", { guards: { rules: [{ identities: ["guards-app"], direction: "input", actions: { pii: "block" } }] } });
    ({ server } = await p.serve());
    viewer = await p.key("guards-viewer", { scopes: ["viewer"], owner: "vic" });
    app = await p.key("guards-app");
  });
  afterAll(async () => {
    await p?.close();
  });

  it("shows the actions, rules and detectors in force, and counts what the gateway's guards found", async () => {
    const before = await bearer(server.url, viewer.key)("/control/guards");
    expect(before).toMatchObject({
      status: 200,
      body: {
        enabled: true,
        detectors: ["secrets", "pii", "injection"],
        actions: { input: { secret: "redact" }, output: { secret: "block" }, other: "block" },
        rules: [{ identities: ["guards-app"], models: null, direction: "input", actions: { pii: "block" } }],
        findings: [],
      },
    });
    const answered = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${app.key}` },
      body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: `use ${githubToken()} for the repo` }], max_tokens: 8 }),
    });
    expect(answered.status).toBe(200);
    const after = await bearer(server.url, viewer.key)("/control/guards");
    expect(after.body["findings"]).toEqual([{ direction: "input", category: "secret", action: "redact", count: 1 }]);
  });

  it("tries a text on the detectors in force for a viewer, as a request or as an answer, with the rules of an identity", async () => {
    const token = githubToken();
    const check = (body: unknown) => bearer(server.url, viewer.key)("/control/guards/check", { body });
    const input = await check({ text: `deploy with ${token}\nplease`, direction: "input" });
    expect(input).toMatchObject({ status: 200, body: { action: "redact", findings: [{ detector: "secrets", category: "secret", action: "redact" }] } });
    expect(input.body["redacted"]).not.toContain(token);
    expect(input.body["redacted"]).toMatch(/^deploy with .+\nplease$/);
    const [start, end] = (input.body["findings"] as { span: [number, number] }[])[0]!.span;
    expect(`deploy with ${token}\nplease`.slice(start, end)).toBe(token);

    expect(await check({ text: `here: ${token}`, direction: "output" })).toMatchObject({ body: { action: "block", redacted: null } });
    expect(await check({ text: "the weather is fine" })).toMatchObject({ body: { action: "allow", findings: [], redacted: null } });
    // A rule for one identity holds when the text is judged as theirs.
    const email = "write to alice@corp.io";
    expect((await check({ text: email })).body["action"]).toBe("flag");
    expect((await check({ text: email, identity: "guards-app" })).body["action"]).toBe("block");
  });

  it("refuses a text past 16 KB, an unknown direction, and a caller without a role", async () => {
    const check = (key: string | null, body: unknown) => bearer(server.url, key)("/control/guards/check", { body });
    expect(await check(viewer.key, { text: "x".repeat(16 * 1024 + 1) })).toMatchObject({ status: 400, body: { error: { stage: "parse" } } });
    expect(await check(viewer.key, { text: "x", direction: "sideways" })).toMatchObject({ status: 400 });
    expect(await check(app.key, { text: "x" })).toMatchObject({ status: 403 });
    expect(await check(null, { text: "x" })).toMatchObject({ status: 401 });
  });
});
