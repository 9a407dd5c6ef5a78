import fc from "fast-check";
import RE2 from "re2";
import { describe, expect, it } from "vitest";
import { placeholder } from "../../src/guards/engine.js";
import { ChannelFilter, type ChannelOptions, type Release } from "../../src/guards/stream.js";
import type { GuardFinding } from "../../src/guards/types.js";

// The streaming filter alone, with a detector of one made-up key format (KEY- and 20 capitals or digits), a
// multi-word format (a "PIN 12 34 56" group) and a PEM-like block with an open start: what reaches the
// client, however the answer is chunked.

const KEY = new RE2("KEY-[A-Z0-9]{20}|PIN(?: [0-9]{2}){3}|BEGIN SECRET[\\s\\S]*?(?:END SECRET|$)", "g");

function scan(text: string): GuardFinding[] {
  const out: GuardFinding[] = [];
  KEY.lastIndex = 0;
  for (let m = KEY.exec(text); m !== null; m = KEY.exec(text)) {
    const type = m[0].startsWith("KEY") ? "key" : m[0].startsWith("PIN") ? "pin" : "block";
    out.push({ detector: "test", category: "secret", type, severity: "high", span: { start: m.index, end: m.index + m[0].length }, confidence: 1 });
  }
  return out;
}

function openAt(text: string): number {
  const begin = text.lastIndexOf("BEGIN SECRET");
  return begin >= 0 && text.indexOf("END SECRET", begin) < 0 ? begin : -1;
}

function filter(action: "redact" | "block", o: Partial<ChannelOptions> = {}): { f: ChannelFilter; decided: GuardFinding[] } {
  const decided: GuardFinding[] = [];
  const f = new ChannelFilter({
    holdChars: 64,
    holdsBack: true,
    maxHeldChars: 16 * 1024,
    scan,
    openAt,
    decide: (found) => {
      decided.push(...found);
      return action === "block" ? { blocked: found } : { redact: found };
    },
    placeholder,
    ...o,
  });
  return { f, decided };
}

/** Everything the client receives, feeding the pieces in order; stops at a block. */
function run(f: ChannelFilter, pieces: readonly string[]): { sent: string; blocked: boolean } {
  let sent = "";
  const take = (r: Release): boolean => {
    if ("blocked" in r) return false;
    sent += r.text;
    return true;
  };
  for (const p of pieces) if (!take(f.push(p))) return { sent, blocked: true };
  return take(f.end()) ? { sent, blocked: false } : { sent, blocked: true };
}

/** The text cut at the given points. */
function chunked(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let at = 0;
  for (const p of points) {
    out.push(text.slice(at, p));
    at = p;
  }
  out.push(text.slice(at));
  return out;
}

const key = `KEY-${"A1B2C3D4E5F6G7H8J9K0"}`;
const prose = "The deployment finished and the service answered on the first try, so we moved on. ";

describe("the streaming output filter", () => {
  it("never sends any part of a key split across any number of chunks, and sends the rest unchanged", () => {
    const text = `${prose.repeat(3)}here it is: ${key} and ${prose.repeat(2)}`;
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 80 }), (cuts) => {
        const { f } = filter("redact");
        const { sent } = run(f, chunked(text, cuts));
        expect(sent).not.toContain("A1B2C3");
        expect(sent).toBe(text.replace(key, "[SECRET:key]"));
      }),
      { numRuns: 300 },
    );
  });

  it("splits one character per chunk and still redacts a key and a multi-word PIN", () => {
    const text = `${prose}${key} then PIN 12 34 56 at the end`;
    const { f } = filter("redact");
    const { sent } = run(f, [...text]);
    expect(sent).toBe(`${prose}[SECRET:key] then [SECRET:pin] at the end`);
  });

  it("stops before any of a blocked key goes out, having sent what came well before it", () => {
    const text = `${prose.repeat(4)}${key} ${prose}`;
    const { f, decided } = filter("block");
    const { sent, blocked } = run(
      f,
      chunked(
        text,
        Array.from({ length: 60 }, (_, i) => i * 7),
      ),
    );
    expect(blocked).toBe(true);
    expect(sent).not.toContain("KEY-");
    expect(sent.length).toBeGreaterThan(prose.length * 2);
    expect(text.startsWith(sent)).toBe(true);
    expect(decided.map((d) => d.type)).toEqual(["key"]);
  });

  it("holds a block from its open start until its end line, longer than the window", () => {
    const body = "QUJD".repeat(200);
    const text = `${prose}BEGIN SECRET\n${body}\nEND SECRET\n${prose}`;
    const { f } = filter("redact");
    const { sent } = run(
      f,
      chunked(
        text,
        Array.from({ length: 100 }, (_, i) => i * 13),
      ),
    );
    expect(sent).not.toContain("QUJD");
    expect(sent).toBe(`${prose}[SECRET:block]\n${prose}`);
  });

  it("holds no more than the window behind the newest text when nothing is open", () => {
    const { f } = filter("redact");
    let sent = "";
    let fed = "";
    for (let i = 0; i < 200; i++) {
      const piece = `word${i} `;
      fed += piece;
      const r = f.push(piece);
      if ("text" in r) sent += r.text;
      expect(fed.length - sent.length).toBeLessThanOrEqual(64 + piece.length);
    }
  });

  it("sends each piece at once when nothing found could change it (findings only recorded)", () => {
    const { f, decided } = filter("redact", { holdsBack: false });
    const first = f.push(`${prose}${key.slice(0, 10)}`);
    expect(first).toEqual({ text: `${prose}${key.slice(0, 10)}` });
    f.push(key.slice(10));
    expect(decided.map((d) => d.type)).toEqual(["key"]);
  });

  it("reads a 1 MB answer of one endless word in pieces in bounded time", () => {
    const { f } = filter("redact");
    const started = performance.now();
    const piece = "K".repeat(100);
    for (let i = 0; i < 10_000; i++) f.push(piece);
    f.end();
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
