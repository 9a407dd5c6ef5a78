import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyPaxRecords, isTar, parsePaxRecords, parseTarHeader, parseTarLongName, parseTarNumber, TAR_BLOCK, type TarMember } from "../../src/formats/tar.js";

// torch.load hands every file that is not a ZIP to Python's tarfile first (the legacy format), so the tar
// reader must walk an archive exactly as tarfile does: same member names, same data offsets, same next
// header. Headers here are written by hand, byte for byte.

interface HeaderSpec {
  readonly name: string;
  readonly size?: number;
  readonly type?: string;
  readonly prefix?: string;
  readonly linkName?: string;
  readonly magic?: "ustar" | "gnu" | "v7";
  /** Raw 12-byte size field instead of octal. */
  readonly sizeField?: Uint8Array;
  /** Raw 8-byte mode field. */
  readonly modeField?: string;
  readonly checksum?: "unsigned" | "signed" | "wrong";
  /** Bytes written into the unused tail of the header (500-511), to make the checksums differ. */
  readonly padding?: number;
}

function field(block: Uint8Array, at: number, length: number, value: string): void {
  for (let i = 0; i < Math.min(length, value.length); i++) block[at + i] = value.charCodeAt(i) & 0xff;
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, "0")}\0`;
}

function header(spec: HeaderSpec): Uint8Array {
  const block = new Uint8Array(TAR_BLOCK);
  field(block, 0, 100, spec.name);
  field(block, 100, 8, spec.modeField ?? octal(0o644, 8));
  field(block, 108, 8, octal(0, 8));
  field(block, 116, 8, octal(0, 8));
  if (spec.sizeField) block.set(spec.sizeField, 124);
  else field(block, 124, 12, octal(spec.size ?? 0, 12));
  field(block, 136, 12, octal(0, 12));
  field(block, 156, 1, spec.type ?? "0");
  field(block, 157, 100, spec.linkName ?? "");
  const magic = spec.magic ?? "ustar";
  if (magic === "ustar") field(block, 257, 8, "ustar\u000000");
  if (magic === "gnu") field(block, 257, 8, "ustar  \0");
  field(block, 345, 155, spec.prefix ?? "");
  if (spec.padding !== undefined) block.fill(spec.padding, 500, 512);
  let unsigned = 256;
  let signed = 256;
  for (let i = 0; i < TAR_BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = block[i] ?? 0;
    unsigned += b;
    signed += b >= 0x80 ? b - 256 : b;
  }
  const sum = spec.checksum === "signed" ? signed : spec.checksum === "wrong" ? unsigned + 1 : unsigned;
  field(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / TAR_BLOCK) * TAR_BLOCK);
  out.set(data);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const END = new Uint8Array(TAR_BLOCK * 2);

function member(block: Uint8Array, offset = 0): TarMember {
  const h = parseTarHeader(block, offset);
  if (h.kind !== "member") throw new Error(`expected a member, got ${JSON.stringify(h)}`);
  return h;
}

/** Walk an archive as the scan layer will: GNU long names and pax headers applied to the member after them. */
function walk(archive: Uint8Array): { name: string; type: string; size: number; data: string }[] {
  const out: { name: string; type: string; size: number; data: string }[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  for (let guard = 0; guard < 1000 && offset + TAR_BLOCK <= archive.length; guard++) {
    const h = parseTarHeader(archive.subarray(offset, offset + TAR_BLOCK), offset);
    if (h.kind === "end") break;
    if (h.kind === "problem") throw new Error(h.problem);
    const body = archive.subarray(h.dataOffset, h.dataOffset + h.size);
    if (h.type === "L") longName = parseTarLongName(body);
    else if (h.type === "x") pax = parsePaxRecords(body).records;
    else {
      let m: TarMember = h;
      if (pax !== undefined) {
        const applied = applyPaxRecords(m, pax);
        if (applied.kind !== "member") throw new Error(applied.problem);
        m = applied;
      }
      const data = archive.subarray(m.dataOffset, m.dataOffset + (m.hasData ? m.size : 0));
      out.push({ name: longName ?? m.name, type: m.type, size: m.size, data: String.fromCharCode(...data) });
      longName = undefined;
      pax = undefined;
      offset = m.nextHeaderOffset;
      continue;
    }
    offset = h.nextHeaderOffset;
  }
  return out;
}

describe("tar headers built by hand", () => {
  it("reads a ustar header: name joined to its prefix, size, type and where data and the next header start", () => {
    const h = member(header({ name: "pickle", prefix: "legacy/model", size: 700 }), 1024);
    expect(h).toMatchObject({
      name: "legacy/model/pickle",
      size: 700,
      type: "0",
      format: "ustar",
      dataOffset: 1536,
      nextHeaderOffset: 1536 + 1024,
      hasData: true,
    });
    expect(h.problems).toEqual([]);
  });

  it("walks a legacy torch.save tar to its sys_info, pickle, storages and tensors members", () => {
    const pickle = "\x80\x02}q\x00.";
    const archive = concat(
      header({ name: "sys_info", size: 3 }),
      padded(bytes("\x80\x02N")),
      header({ name: "pickle", size: pickle.length }),
      padded(bytes(pickle)),
      header({ name: "storages", size: 600 }),
      padded(new Uint8Array(600)),
      header({ name: "tensors", size: 0 }),
      END,
    );
    expect(walk(archive).map((m) => [m.name, m.size])).toEqual([
      ["sys_info", 3],
      ["pickle", pickle.length],
      ["storages", 600],
      ["tensors", 0],
    ]);
    expect(walk(archive)[1]?.data).toBe(pickle);
  });

  it("takes a GNU long name from the 'L' member before the one it names", () => {
    const long = `${"d".repeat(120)}/pickle`;
    const archive = concat(
      header({ name: "././@LongLink", type: "L", size: long.length + 1, magic: "gnu" }),
      padded(bytes(`${long}\0`)),
      header({ name: long.slice(0, 100), size: 2, magic: "gnu" }),
      padded(bytes("N.")),
      END,
    );
    expect(walk(archive)).toEqual([{ name: long, type: "0", size: 2, data: "N." }]);
  });

  it("applies a pax header's path and size to the next member and moves the next header as Python does", () => {
    const records = "20 path=real/pickle\n12 size=700\n";
    const archive = concat(
      header({ name: "PaxHeader/x", type: "x", size: records.length }),
      padded(bytes(records)),
      header({ name: "decoy.txt", size: 5 }),
      padded(new Uint8Array(700).fill(0x41)),
      header({ name: "after", size: 1 }),
      padded(bytes("z")),
      END,
    );
    const members = walk(archive);
    expect(members.map((m) => [m.name, m.size])).toEqual([
      ["real/pickle", 700],
      ["after", 1],
    ]);
    expect(parsePaxRecords(bytes(records)).records.get("path")).toBe("real/pickle");
  });

  it("treats pax headers as metadata with no data to extract, and a global one as moving no header", () => {
    for (const type of ["x", "g", "X"]) {
      const h = member(header({ name: "PaxHeader/x", type, size: 100 }));
      expect([type, h.hasData, h.nextHeaderOffset, h.problems]).toEqual([type, false, TAR_BLOCK * 2, []]);
    }
    const next = member(header({ name: "pickle", size: 5 }), 1024);
    const global = applyPaxRecords(
      next,
      new Map([
        ["path", "renamed"],
        ["size", "9000"],
      ]),
      "global",
    );
    expect(global).toMatchObject({ kind: "member", name: "renamed", size: 9000, nextHeaderOffset: 2048 });
    expect(global.kind === "member" && global.problems.join()).toMatch(/without moving the next header/);
  });

  it("reads GNU base-256 sizes, which tar uses past 8 GiB", () => {
    const sizeField = new Uint8Array(12);
    sizeField[0] = 0x80;
    sizeField.set([0x02, 0x00, 0x00, 0x00, 0x01], 7); // 2^33 + 1
    expect(member(header({ name: "big", sizeField, magic: "gnu" })).size).toBe(2 ** 33 + 1);
  });

  it("accepts a checksum summed over signed bytes, as some tars write it and Python accepts it", () => {
    const h = parseTarHeader(header({ name: "pickle", size: 1, checksum: "signed", padding: 0xff }), 0);
    expect(h.kind).toBe("member");
  });

  it("refuses a header whose checksum is wrong, where Python's tarfile stops reading", () => {
    const h = parseTarHeader(header({ name: "pickle", checksum: "wrong" }), 512);
    expect(h).toMatchObject({ kind: "problem" });
    expect(h.kind === "problem" && h.problem).toMatch(/bad header checksum at 512/);
    expect(isTar(header({ name: "pickle", checksum: "wrong" }))).toBe(false);
  });

  it("ends the archive at a block of zeros", () => {
    expect(parseTarHeader(new Uint8Array(TAR_BLOCK), 2048)).toEqual({ kind: "end", offset: 2048 });
  });

  it("does not skip data a directory or link declares, because Python's tarfile reads the next header right after it", () => {
    for (const type of ["5", "2", "1"]) {
      const h = member(header({ name: "thing", type, size: 1024, linkName: "target" }), 0);
      expect(h.hasData).toBe(false);
      expect(h.nextHeaderOffset).toBe(TAR_BLOCK);
      expect(h.problems.join()).toMatch(/does not skip/);
    }
    // So a "directory" can smuggle a header inside what a careless reader skips as its data.
    const archive = concat(header({ name: "dir", type: "5", size: 512 }), header({ name: "pickle", size: 2 }), padded(bytes("N.")), END);
    expect(walk(archive).map((m) => m.name)).toEqual(["dir", "pickle"]);
  });

  it("reads an unknown member type as a regular file with data, as Python does", () => {
    const h = member(header({ name: "odd", type: "Z", size: 10 }));
    expect(h).toMatchObject({ hasData: true, nextHeaderOffset: TAR_BLOCK * 2 });
    expect(h.problems.join()).toMatch(/unknown member type/);
  });

  it("recognises an old v7 header (no ustar magic) by its checksum, and turns a name ending in / into a directory", () => {
    const h = member(header({ name: "sys_info", magic: "v7", size: 1 }));
    expect(h.format).toBe("v7");
    expect(isTar(header({ name: "sys_info", magic: "v7" }))).toBe(true);
    expect(member(header({ name: "dir/", type: "\0", magic: "v7" }))).toMatchObject({ type: "5", name: "dir" });
  });

  it("reads numeric fields as Python's int(text, 8) does, and refuses what it refuses", () => {
    const n = (s: string) => parseTarNumber(bytes(s.padEnd(12, "\0")));
    expect(n("0000644 ")).toBe(0o644n);
    expect(n("  17")).toBe(15n);
    expect(n("1_7")).toBe(15n);
    expect(n("0o17")).toBe(15n);
    expect(n("")).toBe(0n);
    expect(n("-7")).toBe(-7n);
    expect(n("8")).toBeUndefined();
    expect(n("1__7")).toBeUndefined();
    expect(n("0x10")).toBeUndefined();
    expect(member(header({ name: "m", modeField: " 644 \0\0\0" })).mode).toBe(0o644);
    expect(parseTarHeader(header({ name: "m", modeField: "rwxr-xr-" }), 0)).toMatchObject({ kind: "problem" });
  });

  it("refuses a negative size rather than walking backwards", () => {
    const sizeField = new Uint8Array(12).fill(0xff);
    expect(parseTarHeader(header({ name: "neg", sizeField, magic: "gnu" }), 0)).toMatchObject({ kind: "problem" });
  });

  it("reports pax records Python would stop at, and a zero-length record it refuses", () => {
    expect(parsePaxRecords(bytes("20 path=real/pickle\ngarbage")).problems.join()).toMatch(/ignored by Python/);
    expect(parsePaxRecords(bytes("0 path=x\n")).problems.join()).toMatch(/zero-length/);
  });
});

describe("tar reader under random and mutated input", () => {
  const valid = header({ name: "pickle", prefix: "a/b", size: 1234, magic: "ustar" });

  function readsOrRefuses(block: Uint8Array, offset: number): void {
    const h = parseTarHeader(block, offset);
    if (h.kind === "member") {
      expect(h.dataOffset).toBe(offset + TAR_BLOCK);
      expect(h.nextHeaderOffset).toBeGreaterThan(offset);
      expect((h.nextHeaderOffset - offset) % TAR_BLOCK).toBe(0);
      expect(Number.isSafeInteger(h.size) && h.size >= 0).toBe(true);
    }
    expect(isTar(block)).toBe(h.kind === "member");
  }

  it("reads or refuses random blocks, short ones included", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat({ max: 1 << 30 }), (block, offset) => readsOrRefuses(block, offset * TAR_BLOCK)),
      { numRuns: 1000 },
    );
  });

  it("reads or refuses a valid header with bytes changed, the checksum fixed up or not", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: TAR_BLOCK - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (flips, fixChecksum) => {
          const block = Uint8Array.from(valid);
          for (const [at, value] of flips) block[at] = value;
          if (fixChecksum) {
            let sum = 256;
            for (let i = 0; i < TAR_BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] ?? 0;
            field(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
          }
          readsOrRefuses(block, 0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("parses random pax bodies without throwing or reading past them", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }).map(bytes)), (body) => {
        const { records } = parsePaxRecords(body);
        for (const [k, v] of records) expect(k.length + v.length).toBeLessThanOrEqual(body.length);
      }),
      { numRuns: 1000 },
    );
  });
});
