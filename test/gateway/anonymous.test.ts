import { afterEach, describe, expect, it } from "vitest";
import type { AuditEventInput } from "../../src/audit/index.js";
import { sourceOf, UnauthenticatedRefusals } from "../../src/gateway/anonymous.js";

// Refusals of callers without credentials, summarised per source: what reaches the audit log is bounded
// however many calls and however many addresses a flood uses.

const refusal = (source: string) => ({ source, code: "AUTH_MISSING", reason: "no credentials", route: "/v1/chat/completions", status: 401 });

describe("refusals of callers without credentials", () => {
  const opened: UnauthenticatedRefusals[] = [];
  const counter = (intervalSeconds: number, maxSources: number) => {
    const events: AuditEventInput[] = [];
    const c = new UnauthenticatedRefusals((e) => events.push(e), intervalSeconds, maxSources);
    opened.push(c);
    return { c, events };
  };
  afterEach(() => {
    for (const c of opened.splice(0)) c.close();
  });

  it("record a source's first refusal at once and the rest as one summary per interval", () => {
    const { c, events } = counter(60, 100);
    for (let i = 0; i < 1000; i++) c.note(refusal("203.0.113.7"));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: "anonymous", decision: "deny", reason: "no credentials", details: { count: 1, source: "203.0.113.7" } });
    c.flush(true);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ details: { count: 999, codes: { AUTH_MISSING: 999 }, source: "203.0.113.7" } });
  });

  it("track at most maxSources sources and sum the rest under one entry, whatever the number of addresses", () => {
    const { c, events } = counter(60, 3);
    for (let i = 0; i < 500; i++) c.note(refusal(`198.51.100.${i % 250}`));
    expect(c.trackedSources).toBeLessThanOrEqual(4);
    expect(events.length).toBeLessThanOrEqual(4);
    c.flush(true);
    expect(events.reduce((n, e) => n + Number((e.details as { count: number }).count), 0)).toBe(500);
    expect(events.some((e) => (e.details as { source: string }).source === "(other sources)")).toBe(true);
  });

  it("count an IPv6 flood by its /64, so drawing new addresses from it gains nothing", () => {
    const { c, events } = counter(60, 100);
    for (let i = 0; i < 300; i++) c.note(refusal(`2001:db8:aa:bb::${i.toString(16)}`));
    expect(c.trackedSources).toBe(1);
    expect(events).toHaveLength(1);
    expect(sourceOf("2001:db8:aa:bb:1:2:3:4")).toBe("2001:db8:aa:bb::/64");
    expect(sourceOf("::ffff:192.0.2.1")).toBe("192.0.2.1");
  });
});
