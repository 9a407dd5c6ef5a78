import { createRemoteJWKSet, decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallTokenVerifier } from "../../src/tools/credentials.js";
import { startToolServer, type ToolServerHandle } from "../fixtures/tools/tool-server.js";
import { startToolPerimeter, type ToolPerimeter } from "./setup.js";

// The tool gateway's HTTP surface beside /mcp: the control API's tool routes (approvals of calls and of servers,
// admins only) and the RFC 8693 token exchange at /oauth/token.

describe("the control API's tool routes and the token exchange", () => {
  let tools: ToolServerHandle;
  let p: ToolPerimeter;
  let admin: string;
  let agentKey: string;

  beforeAll(async () => {
    tools = await startToolServer();
    p = await startToolPerimeter(
      "sqlite",
      {
        servers: [{ name: "files", url: tools.url, approval: "required", exchangeAudiences: ["reports-api"] }],
        approvalTimeoutSeconds: 30,
      },
      { approve: ["files"] },
    );
    admin = (await p.key("ops-admin", ["admin"], "sec-team")).key;
    agentKey = (await p.key("agent")).key;
  }, 60_000);

  afterAll(async () => {
    await p?.close();
    await tools?.close();
  });

  const control = (path: string, key: string, body?: unknown) =>
    fetch(`${p.url}/control/tools/${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it("lets an admin see a waiting call and allow it, which the call learns at once", async () => {
    const agent = await p.agent(agentKey);
    const call = agent.callTool({ name: "files__echo", arguments: { text: "approved by a person" } });
    let pending: { id: string; tool: string; arguments: unknown }[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      pending = ((await (await control("pending", admin)).json()) as { pending: typeof pending }).pending;
      if (pending.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ tool: "echo", arguments: { text: "approved by a person" } });
    const started = Date.now();
    const decided = await control("decide", admin, { id: pending[0]?.id, decision: "allow", reason: "looks right" });
    expect(decided.status).toBe(200);
    const result = await call;
    expect(Date.now() - started).toBeLessThan(200);
    expect((result.content as { text: string }[])[0]?.text).toBe("approved by a person");
    // Deciding again changes nothing.
    const again = await control("decide", admin, { id: pending[0]?.id, decision: "deny" });
    expect(again.status).toBe(403);
  });

  it("refuses the owner of the calling agent allowing its call, and lets them deny it", async () => {
    const ownAdmin = (await p.key("app-team-admin", ["admin"])).key;
    const agent = await p.agent(agentKey);
    const call = agent.callTool({ name: "files__echo", arguments: { text: "my own agent" } });
    let pending: { id: string }[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      pending = ((await (await control("pending", admin)).json()) as { pending: typeof pending }).pending;
      if (pending.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    const id = pending[0]?.id;
    const own = await control("decide", ownAdmin, { id, decision: "allow" });
    expect(own.status).toBe(403);
    expect(((await own.json()) as { error: { message: string } }).error.message).toMatch(/app-team owns agent.*separation of duties/);
    // Owners are free text: another spelling of the same name is the same person.
    const respelled = (await p.key("respelled-admin", ["admin"], " App-Team ")).key;
    expect((await control("decide", respelled, { id, decision: "allow" })).status).toBe(403);
    expect(await p.service.pending()).toHaveLength(1);
    expect((await control("decide", ownAdmin, { id, decision: "deny", reason: "not now" })).status).toBe(200);
    await expect(call).rejects.toThrow();
  });

  it("refuses identities without the admin scope, malformed bodies and unknown ids", async () => {
    expect((await control("pending", agentKey)).status).toBe(403);
    expect((await control("decide", agentKey, { id: "apr_x", decision: "allow" })).status).toBe(403);
    expect((await fetch(`${p.url}/control/tools/pending`)).status).toBe(401);
    expect((await control("decide", admin, { id: "apr_x", decision: "maybe" })).status).toBe(400);
    expect((await control("decide", admin, { id: "apr_x", decision: "allow", extra: 1 })).status).toBe(400);
    expect((await control("decide", admin, { id: "apr_nope", decision: "allow" })).status).toBe(404);
    expect((await control("approve", admin, { server: "nope" })).status).toBe(404);
  });

  it("pins nothing when the server's tools changed since the approver reviewed them", async () => {
    const review = (await (await fetch(`${p.url}/control/tools/servers/files/review`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      tools: { tool: string; digest: string; status: string }[];
    };
    const reviewed = Object.fromEntries(review.tools.map((r) => [r.tool, r.digest]));
    const before = await p.service.pins("files");
    await tools.redefine("weather", "Says what the weather is, and where.");
    const refused = await control("approve", admin, { server: "files", reviewed });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/changed since they were reviewed \(weather\)/);
    expect(await p.service.pins("files")).toEqual(before);
    await tools.redefine("weather", "Says what the weather is.");
    // A server's address shows its origin only: a path or query may carry a token.
    const servers = (await (await control("servers", admin)).json()) as { servers: { url: string }[] };
    expect(servers.servers[0]?.url).toBe(`${new URL(tools.url).origin}/…`);
  });

  it("approves a server's tools over the control API", async () => {
    const r = await control("approve", admin, { server: "files" });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { approved: unknown[] }).approved.length).toBe(7);
    const pins = ((await (await control("pins", admin)).json()) as { pins: { tool: string; approvedBy: string }[] }).pins;
    // Pinned in the name of the person behind the admin key (its owner), not the key.
    expect(pins.every((pin) => pin.approvedBy === "sec-team")).toBe(true);
  });

  it("exchanges a call token for one to an allowed audience, once, never longer-lived, and refuses the rest", async () => {
    const agent = await p.agent(agentKey);
    const call = agent.callTool({ name: "files__echo", arguments: { text: "exchange" } });
    for (let i = 0; i < 100; i++) {
      const pending = await p.service.pending();
      if (pending[0] !== undefined) {
        await p.service.decide(pending[0].id, "allow", "bob", "");
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await call;
    const token = (tools.calls.at(-1)?.authorization ?? "").replace(/^Bearer /, "");
    const exchange = (fields: Record<string, string>) =>
      fetch(`${p.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          subject_token: token,
          subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
          ...fields,
        }),
      });
    const ok = await exchange({ audience: "reports-api" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const issued = (await ok.json()) as { access_token: string; issued_token_type: string; token_type: string };
    expect(issued.issued_token_type).toBe("urn:ietf:params:oauth:token-type:jwt");
    const claims = decodeJwt(issued.access_token);
    const original = decodeJwt(token);
    expect(claims).toMatchObject({ aud: "reports-api", sub: original.sub, purpose: "echo", args: original["args"], act: { sub: "files" } });
    expect(claims.exp).toBeLessThanOrEqual(original.exp as number);
    const verifier = new CallTokenVerifier({
      issuer: "perimeter",
      audience: "reports-api",
      keys: createRemoteJWKSet(new URL(`${p.url}/.well-known/jwks.json`)),
    });
    await expect(verifier.verify(issued.access_token, { purpose: "echo" })).resolves.toMatchObject({ aud: "reports-api" });
    expect(((await (await exchange({ audience: "reports-api" })).json()) as { error: string }).error).toBe("invalid_grant");
    expect(((await (await exchange({ audience: "billing-api" })).json()) as { error: string }).error).toBe("invalid_target");
    const wrongGrant = await fetch(`${p.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials" }),
    });
    expect(wrongGrant.status).toBe(400);
    expect(((await wrongGrant.json()) as { error: string }).error).toBe("unsupported_grant_type");
    const json = await fetch(`${p.url}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(json.status).toBe(415);
  });
});
