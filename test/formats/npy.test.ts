import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NPY_MAX_HEADER_BYTES, parseNpyHeader, parsePythonLiteral, type NpyHeader, type PyLiteral } from "../../src/formats/npy.js";
import { findZipEnd, inflateZipEntry, parseCentralDirectory, parseLocalHeader } from "../../src/formats/zip.js";

// A .npy header is a Python literal that numpy reads with ast.literal_eval; an object dtype means a
// pickle follows it. The reader must see what numpy sees, never evaluate anything, and stay bounded.

const DATA2 = new URL("../../../shared/vectors/picklescan/tests/data2/", import.meta.url).pathname;

/** A .npy file as numpy writes it: magic, version, length, the header padded with spaces to 64 bytes, data. */
function npy(header: string, options: { version?: 1 | 2 | 3; data?: Uint8Array; pad?: boolean } = {}): Uint8Array {
  const version = options.version ?? 1;
  const lengthBytes = version === 1 ? 2 : 4;
  let body = version === 3 ? new TextEncoder().encode(header) : Uint8Array.from(header, (c) => c.charCodeAt(0));
  if (options.pad ?? true) {
    const total = 8 + lengthBytes + body.length + 1;
    const padding = (64 - (total % 64)) % 64;
    const padded = new Uint8Array(body.length + padding + 1).fill(0x20);
    padded.set(body);
    padded[padded.length - 1] = 0x0a;
    body = padded;
  }
  const data = options.data ?? new Uint8Array();
  const out = new Uint8Array(8 + lengthBytes + body.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, body.length, true);
  else view.setUint32(8, body.length, true);
  out.set(body, 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + body.length);
  return out;
}

function parsed(bytes: Uint8Array): NpyHeader {
  const h = parseNpyHeader(bytes);
  if (h.kind !== "npy") throw new Error(`expected a header, got ${JSON.stringify(h)}`);
  return h;
}

const header = (descr: string, shape = "(3, 4)", fortran = "False") => `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

describe(".npy files from picklescan's corpus", () => {
  it("reads int_array.npy as a 2x2 int32 array with exactly the 16 data bytes the file holds", () => {
    const file = new Uint8Array(readFileSync(`${DATA2}int_array.npy`));
    const h = parsed(file);
    expect(h).toMatchObject({
      version: 1,
      descr: "<i4",
      fortranOrder: false,
      shape: [2, 2],
      hasObjects: false,
      itemSize: 4,
      dataByteLength: 16,
      dataOffset: 128,
    });
    expect(file.length - h.dataOffset).toBe(h.dataByteLength);
    expect(h.problems).toEqual([]);
  });

  it("finds the pickle behind object_array.npy and dns_exfiltration.npy, right after the header", () => {
    for (const name of ["object_array.npy", "dns_exfiltration.npy"]) {
      const file = new Uint8Array(readFileSync(`${DATA2}${name}`));
      const h = parsed(file);
      expect(h.descr).toBe("|O");
      expect(h.hasObjects).toBe(true);
      expect(h.dataByteLength).toBeUndefined();
      expect(file[h.dataOffset]).toBe(0x80); // PROTO: numpy.load(allow_pickle=True) unpickles from here
    }
  });

  it("tells the object arrays from the int arrays inside every .npz, compressed or not", () => {
    for (const [name, objects] of [
      ["int_arrays", false],
      ["int_arrays_compressed", false],
      ["object_arrays", true],
      ["object_arrays_compressed", true],
    ] as const) {
      const file = new Uint8Array(readFileSync(`${DATA2}${name}.npz`));
      const end = findZipEnd(file, 0, file.length);
      if (end.kind !== "zip-end") throw new Error("not a zip");
      const { entries } = parseCentralDirectory(
        file.subarray(end.centralDirectoryOffset, end.centralDirectoryOffset + end.centralDirectorySize),
        end.entryCount,
      );
      expect(entries.map((e) => e.name)).toEqual(["a.npy", "b.npy"]);
      for (const entry of entries) {
        const local = parseLocalHeader(file.subarray(entry.localHeaderOffset), { central: entry });
        if (local.kind !== "local-header") throw new Error("no local header");
        const start = entry.localHeaderOffset + local.dataOffsetFromHeader;
        const content = inflateZipEntry(file.subarray(start, start + entry.compressedSize), entry, 1 << 20);
        if (!content.ok) throw new Error(content.reason);
        expect(parsed(content.data).hasObjects).toBe(objects);
      }
    }
  });
});

describe(".npy headers built by hand", () => {
  it("reads versions 1, 2 and 3, the last with a UTF-8 field name", () => {
    expect(parsed(npy(header("'<f4'"), { version: 1 }))).toMatchObject({ version: 1, shape: [3, 4], itemSize: 4, dataByteLength: 48 });
    expect(parsed(npy(header("'>f8'", "(5,)", "True"), { version: 2 }))).toMatchObject({ version: 2, shape: [5], fortranOrder: true, itemSize: 8 });
    const v3 = parsed(npy(header("[('température', '<f4'), ('n', '<i8')]", "(2,)"), { version: 3 }));
    expect(v3).toMatchObject({ version: 3, hasObjects: false, itemSize: 12, dataByteLength: 24 });
  });

  it("finds objects anywhere in a structured dtype: a field, a nested field, a subarray field", () => {
    const cases: [string, boolean, number | undefined][] = [
      ["[('a', '<i4'), ('b', '|O')]", true, 12],
      ["[('a', [('x', '<u2'), ('y', '|O')])]", true, 10],
      ["[('a', '|O', (2,))]", true, 16],
      ["[('a', '<i4'), ('b', '|S3'), ('c', '<f8', (2, 2))]", false, 39],
      ["[('', '|V4'), ('b', '<i4')]", false, 8],
      ["[(('title', 'a'), '<i4')]", false, 4],
      ["('<i4', (2, 3))", false, 24],
      ["'i4,O'", true, 12],
      ["'(2,3)<i4'", false, 24],
    ];
    for (const [descr, objects, itemSize] of cases) {
      const h = parsed(npy(header(descr, "(2,)")));
      expect([descr, h.hasObjects, h.itemSize, h.dtypeUnderstood]).toEqual([descr, objects, itemSize, true]);
    }
  });

  it("treats numpy 2's StringDType ('T') and every spelling of object as holding objects", () => {
    for (const descr of ["'|O'", "'O'", "'O8'", "'<O'", "'object'", "'T'", "'|T'"]) {
      expect([descr, parsed(npy(header(descr))).hasObjects]).toEqual([descr, true]);
    }
    for (const descr of ["'<f4'", "'|b1'", "'<U10'", "'|S5'", "'<M8[ns]'", "'float32'", "'<c16'"]) {
      expect([descr, parsed(npy(header(descr))).hasObjects]).toEqual([descr, false]);
    }
  });

  it("refuses to vouch for a descr numpy would iterate in surprising ways", () => {
    // numpy unpacks the string 'aO' as (name 'a', type 'O'): an object field hiding in plain sight.
    for (const descr of ["['aO']", "{'aO': 1}", "3", "'nonsense99'"]) {
      const h = parsed(npy(header(descr)));
      expect(h.dtypeUnderstood).toBe(false);
      expect(h.problems.join()).toMatch(/cannot vouch/);
    }
    expect(parsed(npy(header("['aO']"))).hasObjects).toBe(true);
  });

  it("accepts Python 2's long suffix in v1 and v2 headers, as numpy does, and not in v3", () => {
    expect(parsed(npy(header("'<f4'", "(3L, 4L)"), { version: 1 })).shape).toEqual([3, 4]);
    expect(parseNpyHeader(npy(header("'<f4'", "(3L, 4L)"), { version: 3 }))).toMatchObject({ kind: "problem" });
  });

  it("refuses headers numpy refuses: wrong keys, a non-bool fortran_order, a shape that is not a tuple of ints", () => {
    const refused = [
      "{'descr': '<f4', 'shape': (3,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
      "{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': [3]}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3.0,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
      "['descr', 'fortran_order', 'shape']",
      "__import__('os').system('id')",
    ];
    for (const text of refused) expect([text, parseNpyHeader(npy(text)).kind]).toEqual([text, "problem"]);
    // bool is an int to numpy's isinstance check, and the last duplicate key wins.
    expect(parsed(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (True, 2), 'shape': (4,)}")).shape).toEqual([4]);
  });

  it("asks for the rest of a header it was not given, and refuses one past the inspection limit", () => {
    const file = npy(header("'<f4'"));
    expect(parseNpyHeader(file.subarray(0, 40))).toEqual({ kind: "needs", needs: { offset: 0, length: file.length, reason: "the whole .npy header" } });
    expect(parseNpyHeader(file.subarray(0, 4))).toMatchObject({ kind: "needs" });
    const huge = npy(header("'<f4'"), { version: 2 });
    new DataView(huge.buffer).setUint32(8, NPY_MAX_HEADER_BYTES + 1, true);
    expect(parseNpyHeader(huge)).toMatchObject({ kind: "problem" });
  });

  it("notes a header longer than numpy.load accepts without allow_pickle", () => {
    const long = header("'<f4'").replace("}", `${" ".repeat(10_050)}}`);
    expect(parsed(npy(long, { version: 2 })).problems.join()).toMatch(/refuses it unless allow_pickle=True/);
  });

  it("refuses other versions and other magic", () => {
    const file = npy(header("'<f4'"));
    file[6] = 4;
    expect(parseNpyHeader(file)).toMatchObject({ kind: "problem" });
    expect(parseNpyHeader(new TextEncoder().encode("\x93NUMPZ........"))).toMatchObject({ kind: "problem" });
  });
});

describe("Python literal reader", () => {
  const value = (text: string): PyLiteral => {
    const r = parsePythonLiteral(text);
    if (!r.ok) throw new Error(`${text}: ${r.error}`);
    return r.value;
  };

  it("reads strings as Python does: quotes, prefixes, escapes, triple quotes, concatenation", () => {
    const str = (text: string) => {
      const v = value(text);
      return v.type === "str" ? v.value : v.type === "bytes" ? Array.from(v.value) : v.type;
    };
    expect(str(`'a\\'b'`)).toBe("a'b");
    expect(str(`"tab\\there"`)).toBe("tab\there");
    expect(str(`'\\x41\\101\\u00e9\\U0001F600'`)).toBe("AAé😀");
    expect(str(`r'\\n'`)).toBe("\\n");
    expect(str(`u'x' "y" '''z'''`)).toBe("xyz");
    expect(str(`'\\q'`)).toBe("\\q");
    expect(str(`b'\\x00\\xff'`)).toEqual([0, 255]);
    expect(str(`'''a\nb'''`)).toBe("a\nb");
  });

  it("reads numbers, containers and constants, and nothing that would need evaluating", () => {
    expect(value("0x_ff")).toEqual({ type: "int", value: 255n });
    expect(value("-0o17")).toEqual({ type: "int", value: -15n });
    expect(value("1_000_000_000_000_000_000_000")).toEqual({ type: "int", value: 10n ** 21n });
    expect(value("-.5e-3")).toEqual({ type: "float", value: -0.0005 });
    expect(value("(1)")).toEqual({ type: "int", value: 1n });
    expect(value("(1,)")).toEqual({ type: "tuple", items: [{ type: "int", value: 1n }] });
    expect(value("set()")).toEqual({ type: "set", items: [] });
    expect(value("{None: [True, False]} # comment")).toEqual({
      type: "dict",
      entries: [
        [
          { type: "none" },
          {
            type: "list",
            items: [
              { type: "bool", value: true },
              { type: "bool", value: false },
            ],
          },
        ],
      ],
    });
    for (const bad of ["os.system('id')", "__import__('os')", "1 + 1", "--1", "-True", "f'{x}'", "1j", "01", "[1,,2]", "'a' b'b'", "'\\N{DASH}'", "x"]) {
      expect([bad, parsePythonLiteral(bad).ok]).toEqual([bad, false]);
    }
  });

  it("stops at its depth and size limits instead of recursing or allocating without bound", () => {
    const started = Date.now();
    const deep = parsePythonLiteral("[".repeat(100_000) + "]".repeat(100_000));
    expect(deep).toMatchObject({ ok: false, error: "nested deeper than 32" });
    const wide = parsePythonLiteral(`[${"1,".repeat(200_000)}]`);
    expect(wide).toMatchObject({ ok: false, error: "more than 100000 values" });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** Python source for a literal, the way repr() writes it. */
function repr(v: PyLiteral): string {
  switch (v.type) {
    case "str":
      return `'${[...v.value].map((c) => (c === "\\" ? "\\\\" : c === "'" ? "\\'" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : c)).join("")}'`;
    case "bytes":
      return `b'${Array.from(v.value, (b) => `\\x${b.toString(16).padStart(2, "0")}`).join("")}'`;
    case "int":
      return v.value.toString();
    case "float":
      return /[.eE]/.test(String(v.value)) ? String(v.value) : `${v.value}.0`;
    case "bool":
      return v.value ? "True" : "False";
    case "none":
      return "None";
    case "list":
      return `[${v.items.map(repr).join(", ")}]`;
    case "tuple":
      return v.items.length === 1 ? `(${repr(v.items[0]!)},)` : `(${v.items.map(repr).join(", ")})`;
    case "set":
      return v.items.length === 0 ? "set()" : `{${v.items.map(repr).join(", ")}}`;
    case "dict":
      return `{${v.entries.map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(", ")}}`;
  }
}

const literal = fc.letrec<{ value: PyLiteral }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ unit: "grapheme", maxLength: 12 }).map((value): PyLiteral => ({ type: "str", value })),
    fc.uint8Array({ maxLength: 6 }).map((value): PyLiteral => ({ type: "bytes", value })),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((value): PyLiteral => ({ type: "int", value })),
    fc
      .double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 })
      .filter((d) => !Object.is(d, -0))
      .map((value): PyLiteral => ({ type: "float", value })),
    fc.boolean().map((value): PyLiteral => ({ type: "bool", value })),
    fc.constant<PyLiteral>({ type: "none" }),
    fc.array(tie("value"), { maxLength: 4 }).map((items): PyLiteral => ({ type: "list", items })),
    fc.array(tie("value"), { maxLength: 4 }).map((items): PyLiteral => ({ type: "tuple", items })),
    fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 3 }).map((entries): PyLiteral => ({ type: "dict", entries })),
  ),
})).value;

const normalise = (v: PyLiteral): unknown =>
  JSON.parse(JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? Array.from(x) : x)));

describe(".npy reader under random and mutated input", () => {
  const valid = npy(header("[('a', '<i4'), ('b', [('x', '|O'), ('y', '<f8', (2,))])]", "(3, 4)"));

  function readsOrRefuses(bytes: Uint8Array): void {
    const started = Date.now();
    const h = parseNpyHeader(bytes);
    if (h.kind === "npy") {
      expect(h.dataOffset).toBeLessThanOrEqual(bytes.length);
      expect(h.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
    }
    if (h.kind === "needs") expect(h.needs.length).toBeGreaterThan(bytes.length);
    expect(Date.now() - started).toBeLessThan(500);
  }

  it("reads back every literal it is given in Python's own notation", () => {
    fc.assert(
      fc.property(literal, (v) => {
        const r = parsePythonLiteral(repr(v));
        expect(r.ok).toBe(true);
        if (r.ok) expect(normalise(r.value)).toEqual(normalise(v));
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary text, with or without Python punctuation", () => {
    const python = fc
      .array(
        fc.constantFrom(
          "(",
          ")",
          "[",
          "]",
          "{",
          "}",
          ",",
          ":",
          "'",
          '"',
          "\\",
          "b",
          "r",
          "u",
          "0x",
          "1",
          "_",
          ".",
          "e",
          "-",
          "True",
          "None",
          "set()",
          " ",
          "\n",
          "#",
        ),
        { maxLength: 60 },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), python), (text) => {
        const r = parsePythonLiteral(text);
        if (!r.ok) expect(r.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("reads or refuses random bytes behind the NumPy magic", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(1, 2, 3), (bytes, version) => {
        readsOrRefuses(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, ...bytes]));
      }),
      { numRuns: 800 },
    );
  });

  it("reads or refuses a real header with bytes flipped, and every truncation of it", () => {
    for (let cut = 0; cut <= valid.length; cut++) readsOrRefuses(valid.subarray(0, cut));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.constantFrom(0x00, 0xff, 0x27, 0x28, 0x29, 0x5b, 0x7b, 0x2c, 0x4f, 0x5c, 0x0a)), {
          minLength: 1,
          maxLength: 6,
        }),
        (flips) => {
          const mutated = Uint8Array.from(valid);
          for (const [at, value] of flips) mutated[at] = value;
          readsOrRefuses(mutated);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
