import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KillSwitch } from "../../src/killswitch/index.js";
import { startToolServer, type ToolServerHandle } from "../fixtures/tools/tool-server.js";
import { startToolPerimeter, type ToolPerimeter } from "./setup.js";

// What /mcp must refuse: the tool gateway's trust boundary, as the attacker sees it.

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
};

describe("/mcp refuses", () => {
  let tools: ToolServerHandle;
  let p: ToolPerimeter;
  let key: string;
  let other: string;

  beforeAll(async () => {
    tools = await startToolServer();
    p = await startToolPerimeter(
      "sqlite",
      { servers: [{ name: "files", url: tools.url }], sessions: { max: 50, perIdentity: 3, idleSeconds: 600 }, allowedOrigins: ["https://agent.example.com"] },
      { approve: ["files"] },
    );
    key = (await p.key("attacker-target")).key;
    other = (await p.key("other-agent")).key;
  }, 60_000);

  afterAll(async () => {
    await p?.close();
    await tools?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${p.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const code = async (res: Response) => ((await res.json()) as { error: { data?: { code?: string } } }).error.data?.code;

  /** A session of `withKey`, initialised; its id. */
  async function session(withKey: string): Promise<string> {
    const res = await post(INIT, { authorization: `Bearer ${withKey}` });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const id = res.headers.get("mcp-session-id") as string;
    await (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, { authorization: `Bearer ${withKey}`, "mcp-session-id": id })).body?.cancel();
    return id;
  }

  it("a caller without credentials, with a key Perimeter did not issue, or with a malformed header", async () => {
    for (const authorization of [undefined, "Bearer prm_nope_nope", "Basic dXNlcjpwYXNz", "Bearer", `Bearer ${key} extra`]) {
      const res = await post(INIT, authorization === undefined ? {} : { authorization });
      expect(res.status, String(authorization)).toBe(401);
      expect(await code(res)).toMatch(/^AUTH_/);
    }
  });

  it("an identity of another environment at a tool gateway pinned to prod (403 AUTH_WRONG_ENVIRONMENT)", async () => {
    const pinned = await startToolPerimeter(
      "sqlite",
      { servers: [{ name: "files", url: tools.url }] },
      { approve: ["files"], extra: { gateway: { killPollMs: 100, environments: ["prod"] } } },
    );
    try {
      const foreign = await pinned.key("default-agent");
      const res = await fetch(`${pinned.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${foreign.key}` },
        body: JSON.stringify(INIT),
      });
      expect(res.status).toBe(403);
      expect(await code(res)).toBe("AUTH_WRONG_ENVIRONMENT");
    } finally {
      await pinned.close();
    }
  });

  it("a killed identity", async () => {
    const victim = await p.key("killed-agent");
    await new KillSwitch({ store: p.store, audit: () => p.audit }).kill({ kind: "identity", target: victim.id, reason: "stolen", actor: "soc" });
    await p.started.tools?.refresh();
    const res = await post(INIT, { authorization: `Bearer ${victim.key}` });
    expect(res.status).toBe(403);
    expect(await code(res)).toBe("KILLED");
  });

  it("a Host or Origin that is not this loopback gateway's (DNS rebinding), unless the origin is allowed", async () => {
    const rebound = await post(INIT, { authorization: `Bearer ${key}`, host: "evil.example.com", origin: "http://evil.example.com" });
    expect(rebound.status).toBe(403);
    const foreign = await post(INIT, { authorization: `Bearer ${key}`, origin: "https://evil.example.com" });
    expect(foreign.status).toBe(403);
    const allowed = await post(INIT, { authorization: `Bearer ${key}`, origin: "https://agent.example.com" });
    expect(allowed.status).toBe(200);
    await allowed.body?.cancel();
    await fetch(`${p.url}/mcp`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${key}`, "mcp-session-id": allowed.headers.get("mcp-session-id") as string },
    });
  });

  it("a request that is not an initialize without a session, an unknown session, and another identity's session", async () => {
    const none = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, { authorization: `Bearer ${key}` });
    expect(none.status).toBe(400);
    const unknown = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { authorization: `Bearer ${key}`, "mcp-session-id": "00000000-0000-4000-8000-000000000000" },
    );
    expect(unknown.status).toBe(404);
    const id = await session(key);
    const stolen = await post({ jsonrpc: "2.0", id: 3, method: "tools/list" }, { authorization: `Bearer ${other}`, "mcp-session-id": id });
    expect(stolen.status).toBe(404);
    const get = await fetch(`${p.url}/mcp`, { headers: { authorization: `Bearer ${other}`, "mcp-session-id": id, accept: "text/event-stream" } });
    expect(get.status).toBe(404);
    const del = await fetch(`${p.url}/mcp`, { method: "DELETE", headers: { authorization: `Bearer ${other}`, "mcp-session-id": id } });
    expect(del.status).toBe(404);
    // The owner's session is untouched by all that.
    const mine = await post({ jsonrpc: "2.0", id: 4, method: "tools/list" }, { authorization: `Bearer ${key}`, "mcp-session-id": id });
    expect(mine.status).toBe(200);
    expect(await mine.text()).toContain("files__echo");
    await fetch(`${p.url}/mcp`, { method: "DELETE", headers: { authorization: `Bearer ${key}`, "mcp-session-id": id } });
  });

  it("a body that is not JSON, or too large", async () => {
    const text = await post("{not json", { authorization: `Bearer ${key}` });
    expect(text.status).toBe(400);
    const large = await post({ ...INIT, pad: "x".repeat(5 * 1024 * 1024) }, { authorization: `Bearer ${key}` });
    expect(large.status).toBe(413);
  });

  it("more sessions than an identity may hold: its least recently used one is closed", async () => {
    const flood = await p.key("flooder");
    const ids = [await session(flood.key), await session(flood.key), await session(flood.key)];
    const fourth = await session(flood.key);
    const list = (id: string) => post({ jsonrpc: "2.0", id: 9, method: "tools/list" }, { authorization: `Bearer ${flood.key}`, "mcp-session-id": id });
    expect((await list(ids[0] as string)).status).toBe(404);
    for (const id of [ids[1], ids[2], fourth]) {
      const r = await list(id as string);
      expect(r.status).toBe(200);
      await r.body?.cancel();
    }
    expect(p.started.tools?.sessionCount).toBeLessThanOrEqual(50);
  });

  it("tool calls whose name or arguments are not what a tool takes", async () => {
    const agent = await p.agent(key);
    const before = tools.calls.length;
    for (const name of ["echo", "files__", "files__../echo", "FILES__echo", "files__echo\u0000", "other__echo", "__proto__"])
      await expect(agent.callTool({ name, arguments: { text: "x" } }), name).rejects.toThrow(/unknown tool/i);
    for (const args of [[1, 2], "text", 5, null])
      await expect(
        agent.request({ method: "tools/call", params: { name: "files__echo", arguments: args } } as never, CallToolResultSchema),
        JSON.stringify(args),
      ).rejects.toThrow(/-32602|arguments/i);
    expect(tools.calls.length).toBe(before);
  });
});
