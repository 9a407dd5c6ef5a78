// The identities page's access review: each scope with when it last made a difference to a decision, so a
// scope never needed stands out as a grant to take back.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/http/server.js";
import { startPerimeter, type Perimeter } from "../gateway/setup.js";
import { bearer } from "./client.js";

describe("scope use in the control API", () => {
  let p: Perimeter;
  let server: RunningServer;
  let viewer: { key: string; id: string };

  beforeAll(async () => {
    p = await startPerimeter("sqlite");
    ({ server } = await p.serve());
    viewer = await p.key("review-viewer", { scopes: ["viewer", "long-output"], owner: "vic" });
  });
  afterAll(async () => {
    await p?.close();
  });

  const scopeUse = async (id: string) => {
    const r = await bearer(server.url, viewer.key)(`/control/identities/${id}`);
    expect(r.status).toBe(200);
    return Object.fromEntries(
      (r.body["identity"] as { scopeUse: { scope: string; lastUsedAt: string | null }[] }).scopeUse.map((u) => [u.scope, u.lastUsedAt]),
    );
  };

  it("marks the scopes a call needed as used, and leaves the ones it did not need unused", async () => {
    const agent = await p.key("review-agent", { scopes: ["tools", "long-output", "research"] });
    expect(await scopeUse(agent.id)).toEqual({ tools: null, "long-output": null, research: null });
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${agent.key}` },
      body: JSON.stringify({
        model: "vllm-llama@1",
        messages: [{ role: "user", content: "weather?" }],
        max_tokens: 8,
        tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: {} } } }],
      }),
    });
    expect(res.status).toBe(200);
    const use = await scopeUse(agent.id);
    expect(use["tools"]).toEqual(expect.any(String));
    expect(use["long-output"]).toBeNull();
    expect(use["research"]).toBeNull();
  });

  it("marks an admin role used when it let a control request through, and not a scope that was not needed", async () => {
    const use = await scopeUse(viewer.id);
    // The viewer role let these reads through; long-output never made a difference.
    expect(use["viewer"]).toEqual(expect.any(String));
    expect(use["long-output"]).toBeNull();
    // Two roles that grant the same read: each counts as used, neither alone was needed.
    const both = await p.key("review-both", { scopes: ["viewer", "auditor"], owner: "aud" });
    expect((await bearer(server.url, both.key)("/control/kills")).status).toBe(200);
    const bothUse = await scopeUse(both.id);
    expect(bothUse["viewer"]).toEqual(expect.any(String));
    expect(bothUse["auditor"]).toEqual(expect.any(String));
  });
});
