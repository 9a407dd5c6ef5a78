import { describe, expect, it } from "vitest";
import { availableParallelism } from "node:os";
import { planWorkers, usableCores } from "../../src/app/cluster.js";
import { configSchema } from "../../src/config/schema.js";

const config = (c: Record<string, unknown> = {}) => configSchema.parse(c);

describe("how many processes `perimeter serve` runs", () => {
  it("runs one per core by default, and the number asked for", () => {
    expect(planWorkers(config(), undefined, { cores: 16 })).toEqual({ workers: 16 });
    expect(planWorkers(config(), 3, { cores: 16 })).toEqual({ workers: 3 });
    expect(planWorkers(config(), 1, { cores: 16 })).toEqual({ workers: 1 });
  });

  it("serves on one process by default when limits live in memory, saying why, and refuses more when asked", () => {
    const limited = config({ gateway: { limits: { identity: { requestsPerMinute: 60 } } } });
    expect(planWorkers(limited, undefined, { cores: 8 })).toEqual({
      workers: 1,
      note: expect.stringMatching(/gateway\.limits are kept in each process's memory/),
    });
    expect(() => planWorkers(limited, 2, { cores: 8 })).toThrow(/--workers 2 cannot serve this configuration: gateway\.limits/);
    expect(planWorkers(limited, 1, { cores: 8 })).toEqual({ workers: 1 });
    // With Redis the budget is one budget, whatever the number of processes.
    const shared = config({ gateway: { redisUrl: "redis://127.0.0.1:6379", limits: { model: { concurrentStreams: 4 } } } });
    expect(planWorkers(shared, undefined, { cores: 8 })).toEqual({ workers: 8 });
    expect(planWorkers(shared, 4, { cores: 8 })).toEqual({ workers: 4 });
  });

  it("keeps the tool gateway's MCP sessions on one process", () => {
    const tools = config({ tools: { servers: [{ name: "search", url: "http://127.0.0.1:9/mcp" }] } });
    expect(planWorkers(tools, undefined, { cores: 8 })).toMatchObject({ workers: 1, note: expect.stringMatching(/MCP sessions/) });
    expect(() => planWorkers(tools, 2, { cores: 8 })).toThrow(/MCP sessions live in the process that opened them/);
  });

  it("serves the admission webhook's server on one process unless asked for more", () => {
    expect(planWorkers(config(), undefined, { cores: 8, webhook: true })).toEqual({ workers: 1 });
    expect(planWorkers(config(), 4, { cores: 8, webhook: true })).toEqual({ workers: 4 });
  });

  it("keeps the live monitor's incident counts on one process", () => {
    const monitored = config({ evals: { monitor: { enabled: true } } });
    expect(planWorkers(monitored, undefined, { cores: 8 })).toMatchObject({ workers: 1, note: expect.stringMatching(/live monitor/) });
    expect(() => planWorkers(monitored, 3, { cores: 8 })).toThrow(/--workers 3 cannot serve this configuration: the live monitor/);
  });

  it("serves on one process by default when an embedded runtime is registered, and as many as asked", () => {
    expect(planWorkers(config(), undefined, { cores: 8, embeddedRuntimes: 1 })).toMatchObject({
      workers: 1,
      note: expect.stringMatching(/embedded llama\.cpp/),
    });
    expect(planWorkers(config(), 2, { cores: 8, embeddedRuntimes: 1 })).toEqual({ workers: 2 });
  });

  it("counts a container's CPU quota, not the machine's cores", () => {
    const files = (m: Record<string, string>) => (path: string) => m[path];
    const cores = availableParallelism();
    expect(usableCores(files({ "/sys/fs/cgroup/cpu.max": "max 100000\n" }))).toBe(cores);
    expect(usableCores(files({ "/sys/fs/cgroup/cpu.max": "150000 100000\n" }))).toBe(Math.min(cores, 2));
    expect(usableCores(files({ "/sys/fs/cgroup/cpu.max": "50000 100000" }))).toBe(1);
    expect(usableCores(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "100000", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000" }))).toBe(1);
    expect(usableCores(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000" }))).toBe(cores);
    expect(usableCores(files({}))).toBe(cores);
  });
});
