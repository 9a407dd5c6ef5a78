import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePythonJson, parsePythonJsonBytes, PYTHON_JSON_MAX_DEPTH } from "../../src/formats/python-json.js";

// The scanner reads the JSON files a Python loader opens (tokenizer_config.json, config.json, Keras configs)
// and must see what json.load sees. Expected values below are what CPython 3.11's json.loads returns.

const value = (text: string) => {
  const r = parsePythonJson(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${r.error}`);
  return r.value;
};
const refused = (text: string) => parsePythonJson(text).ok === false;

describe("JSON as Python's json.loads reads it", () => {
  it("agrees with JSON.parse on every valid JSON document", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(0, 2, "\t"), (json, indent) => {
        const text = JSON.stringify(json, null, indent);
        expect(value(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("agrees with JSON.parse on strings of any characters, escapes included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const text = JSON.stringify({ [s]: s });
        expect(value(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it("accepts NaN, Infinity and -Infinity as Python does", () => {
    expect(value("[NaN, Infinity, -Infinity]")).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(value('{"chat_template": "{{ x }}", "rope_scaling": NaN}')).toEqual({ chat_template: "{{ x }}", rope_scaling: Number.NaN });
    expect(value("[1e400]")).toEqual([Number.POSITIVE_INFINITY]);
  });

  it("keeps the last value of a duplicate key at the place of the first, as a Python dict does", () => {
    const v = value('{"a": 1, "b": 2, "a": 3}') as Record<string, unknown>;
    expect(v).toEqual({ a: 3, b: 2 });
    expect(Object.keys(v)).toEqual(["a", "b"]);
    const template = value('{"chat_template": "harmless", "chat_template": "{{ x.__class__ }}"}') as Record<string, unknown>;
    expect(template["chat_template"]).toBe("{{ x.__class__ }}");
  });

  it("keeps a __proto__ key as data instead of setting the prototype", () => {
    const v = value('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("refuses what Python refuses", () => {
    for (const text of [
      "[1,]",
      "+Infinity",
      "-NaN",
      "nan",
      "infinity",
      "[.5]",
      "[1.]",
      "[01]",
      '"a\tb"',
      "{'a': 1}",
      '{"a" 1}',
      "[1 2]",
      '"\\x41"',
      '"\\u12"',
      "",
      "   ",
      "[",
      '"open',
      "1 2",
      "/* c */ 1",
    ]) {
      expect(refused(text), text).toBe(true);
    }
  });

  it("refuses an integer longer than Python's 4300-digit limit, and takes one at the limit", () => {
    expect(refused("1".repeat(4301))).toBe(true);
    expect(refused(`-${"1".repeat(4301)}`)).toBe(true);
    expect(refused("1".repeat(4300))).toBe(false);
    expect(refused(`0.${"1".repeat(5000)}`)).toBe(false);
  });

  it("refuses nesting past its depth limit with a message, without overflowing the stack", () => {
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    expect(refused(deep(PYTHON_JSON_MAX_DEPTH))).toBe(false);
    const r = parsePythonJson(deep(PYTHON_JSON_MAX_DEPTH + 1));
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining(`deeper than ${PYTHON_JSON_MAX_DEPTH}`) });
    expect(refused(deep(1_000_000))).toBe(true);
    expect(refused('{"a":'.repeat(100_000))).toBe(true);
  });

  it("decodes UTF-8 bytes, drops a BOM, and refuses bytes that are not UTF-8", () => {
    expect(parsePythonJsonBytes(Buffer.from('\ufeff{"a": NaN}'))).toMatchObject({ ok: true, value: { a: Number.NaN } });
    expect(parsePythonJsonBytes(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toMatchObject({ ok: false, error: expect.stringContaining("UTF-8") });
  });

  it("never throws and always answers on arbitrary text", () => {
    const pieces = fc.constantFrom(
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      '"',
      "\\",
      "NaN",
      "-Infinity",
      "Infinity",
      "1",
      "-",
      ".",
      "e",
      "true",
      "nul",
      " ",
      "\u0000",
      "\ud800",
      "u00",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.array(pieces, { maxLength: 60 }).map((p) => p.join("")),
        ),
        (text) => {
          const r = parsePythonJson(text);
          expect(typeof r.ok).toBe("boolean");
          if (!r.ok) expect(r.error.length).toBeGreaterThan(5);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
