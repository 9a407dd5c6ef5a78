import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceServer, startConformanceServer } from "../fixtures/tools/conformance-server.js";
import { type ConformanceTable, formatTable, listServerScenarios, runConformance } from "../fixtures/tools/conformance.js";

// The baseline the tool gateway is compared against: the official MCP conformance suite's server scenarios,
// every one (active and pending), run straight at the conformance server with nothing in between.

describe("MCP conformance suite against the conformance server directly", () => {
  let server: ConformanceServer;
  let table: ConformanceTable;

  beforeAll(async () => {
    server = await startConformanceServer();
    table = await runConformance(server.url, { timeoutMs: 150_000 });
    console.log(formatTable(table, "direct"));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it("runs every server scenario the suite lists", () => {
    expect([...table.keys()].sort()).toEqual([...listServerScenarios()].sort());
  });

  it("passes every scenario: no check fails", () => {
    const failing = [...table].filter(([, r]) => !r.passed).map(([name, r]) => [name, r.failures]);
    expect(failing).toEqual([]);
    expect([...table.values()].every((r) => r.checks > 0)).toBe(true);
  });

  it("meets every SHOULD the suite checks: no warnings", () => {
    expect([...table].filter(([, r]) => r.warnings.length > 0).map(([name, r]) => [name, r.warnings])).toEqual([]);
  });

  it("closes test_reconnection's stream mid-call and delivers the result when the client resumes with Last-Event-ID", () => {
    expect(table.get("server-sse-polling")?.succeeded).toEqual(
      expect.arrayContaining(["server-sse-priming-event", "server-sse-retry-field", "server-sse-disconnect-resume"]),
    );
  });

  it("refuses a request whose Host and Origin name another site, and answers its own", () => {
    expect(table.get("dns-rebinding-protection")?.succeeded).toEqual(["localhost-host-rebinding-rejected", "localhost-host-valid-accepted"]);
  });
});
