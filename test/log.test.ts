import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { configSchema } from "../src/config/schema.js";
import { createLogger } from "../src/log.js";

describe("server log", () => {
  it("writes one JSON object a line at the configured level and never prints a credential", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().trim().split("\n"));
        done();
      },
    });
    const config = configSchema.parse({ log: { level: "info" } });
    const log = createLogger(config, sink);
    log.debug("not shown at info");
    log.info({ req: { headers: { authorization: "Bearer sk-live-123" } }, client: { apiKey: "pk_abc" } }, "call");
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: 30, msg: "call", name: "perimeter" });
    expect(lines[0]).not.toContain("sk-live-123");
    expect(lines[0]).not.toContain("pk_abc");
    expect(lines[0]).toContain("[redacted]");
  });
});
