import { describe, expect, it } from "vitest";
import { planWorkers } from "../../src/app/cluster.js";
import { configSchema } from "../../src/config/schema.js";

const config = (c: Record<string, unknown> = {}) => configSchema.parse(c);

describe("how many processes `perimeter serve` runs", () => {
  it("runs one per core by default, and the number asked for", () => {
    expect(planWorkers(config(), undefined, 16)).toEqual({ workers: 16 });
    expect(planWorkers(config(), 3, 16)).toEqual({ workers: 3 });
    expect(planWorkers(config(), 1, 16)).toEqual({ workers: 1 });
  });

  it("serves on one process by default when limits live in memory, saying why, and refuses more when asked", () => {
    const limited = config({ gateway: { limits: { identity: { requestsPerMinute: 60 } } } });
    expect(planWorkers(limited, undefined, 8)).toEqual({ workers: 1, note: expect.stringMatching(/gateway\.limits are kept in each process's memory/) });
    expect(() => planWorkers(limited, 2, 8)).toThrow(/--workers 2 cannot serve this configuration: gateway\.limits/);
    expect(planWorkers(limited, 1, 8)).toEqual({ workers: 1 });
    // With Redis the budget is one budget, whatever the number of processes.
    const shared = config({ gateway: { redisUrl: "redis://127.0.0.1:6379", limits: { model: { concurrentStreams: 4 } } } });
    expect(planWorkers(shared, undefined, 8)).toEqual({ workers: 8 });
    expect(planWorkers(shared, 4, 8)).toEqual({ workers: 4 });
  });

  it("keeps the tool gateway's MCP sessions on one process", () => {
    const tools = config({ tools: { servers: [{ name: "search", url: "http://127.0.0.1:9/mcp" }] } });
    expect(planWorkers(tools, undefined, 8)).toMatchObject({ workers: 1, note: expect.stringMatching(/MCP sessions/) });
    expect(() => planWorkers(tools, 2, 8)).toThrow(/MCP sessions live in the process that opened them/);
  });
});
