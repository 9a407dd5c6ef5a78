import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/audit/canonical.js";

// RFC 8785 (JCS): what the audit log hashes must be the same text for the same details, whatever order
// the caller built them in.
describe("canonical JSON (RFC 8785)", () => {
  it("orders keys by UTF-16 code units, as the RFC's own sorting example does", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    // Read the order from the text: JSON.parse would put "1" (an array index) first whatever the text says.
    const order = [...canonicalJson(input).matchAll(/"([^"]*)":"[^"]*"/g)].map((m) => JSON.parse(`"${m[1] ?? ""}"`) as string);
    expect(order).toEqual(["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"]);
  });

  it("writes numbers as ECMAScript does, drops undefined members, keeps null, nests", () => {
    expect(canonicalJson({ b: [1e21, 1e-7, -0, 0.1 + 0.2, undefined], a: { z: null, y: undefined, x: true } })).toBe(
      '{"a":{"x":true,"z":null},"b":[1e+21,1e-7,0,0.30000000000000004,null]}',
    );
    expect(canonicalJson({ when: new Date(0) })).toBe('{"when":"1970-01-01T00:00:00.000Z"}');
  });

  it("orders index-like keys as strings, not as JavaScript enumerates them", () => {
    expect(canonicalJson({ a: 3, "9": 1, "10": 2 })).toBe('{"10":2,"9":1,"a":3}');
    expect(canonicalJson({ x: { "9": 1, "10": 2 } })).toBe('{"x":{"10":2,"9":1}}');
  });

  it("gives the same text for the same members in any order", () => {
    expect(canonicalJson({ route: "/v1/chat", status: 200, stream: false })).toBe(canonicalJson({ stream: false, status: 200, route: "/v1/chat" }));
  });

  it("writes any flat or nested object as parseable JSON with every level's keys in code-unit order", () => {
    const value = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const flat = fc.dictionary(fc.string(), value);
    fc.assert(
      fc.property(fc.oneof(flat, fc.dictionary(fc.string(), fc.oneof(value, flat))), (obj) => {
        const text = canonicalJson(obj);
        // The reference: JCS written plainly, key by key.
        const reference = (v: unknown): string =>
          v !== null && typeof v === "object"
            ? `{${Object.keys(v)
                .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
                .sort()
                .map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`)
                .join(",")}}`
            : JSON.stringify(v);
        expect(text).toBe(reference(obj));
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses what JSON cannot carry", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/cannot be represented/);
    expect(() => canonicalJson({ n: 10n })).toThrow(/bigint/);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/nested deeper/);
  });
});
