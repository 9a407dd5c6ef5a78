import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceServer, startConformanceServer } from "../fixtures/tools/conformance-server.js";
import { formatTables, runConformance, withAgentKey } from "../fixtures/tools/conformance.js";
import { startToolPerimeter, type ToolPerimeter } from "./setup.js";

// Transparency: the official MCP conformance suite's server scenarios, run against a conforming server directly
// and through Perimeter's /mcp (every tool approved, a policy that allows everything), pass the same.

const ALLOW_ALL = `@id("allow-all-tools")
permit (principal, action == Perimeter::Action::"call_tool", resource);`;

describe("MCP conformance through the tool gateway", () => {
  let server: ConformanceServer;
  let p: ToolPerimeter;

  beforeAll(async () => {
    server = await startConformanceServer();
    // The suite calls tools by their own names: the server is offered without a namespace.
    p = await startToolPerimeter("sqlite", { servers: [{ name: "conformance", url: server.url, namespace: "" }] }, { policies: ALLOW_ALL });
  }, 60_000);

  afterAll(async () => {
    await p?.close();
    await server?.close();
  });

  it("passes every scenario through Perimeter that the server passes directly", async () => {
    const approval = await p.service.approve("conformance", "olga");
    expect(approval.refused.map((r) => r.tool)).toEqual([]);
    await p.started.tools?.refresh();
    const { key } = await p.key("conformance-agent", []);
    const agent = await withAgentKey(`${p.url}/mcp`, key);
    try {
      const direct = await runConformance(server.url);
      const via = await runConformance(agent.url);
      console.log(formatTables(direct, via, ["direct", "through Perimeter"]));
      expect(direct.size).toBeGreaterThanOrEqual(30);
      expect([...direct.values()].every((r) => r.passed)).toBe(true);
      const differences = [...direct].filter(([name, r]) => via.get(name)?.passed !== r.passed).map(([name]) => [name, via.get(name)?.failures]);
      expect(differences).toEqual([]);
    } finally {
      await agent.close();
    }
  }, 300_000);
});
