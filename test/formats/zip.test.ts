import { readFileSync } from "node:fs";
import { crc32, deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  findUncoveredRanges,
  findZipEnd,
  inflateZipEntry,
  parseCentralDirectory,
  parseLocalHeader,
  scanLocalHeaders,
  ZIP_END_SEARCH_BYTES,
  ZIP_FLAGS,
  type ZipEnd,
  type ZipEntry,
  type ZipEntryContent,
  type ZipLocalHeader,
} from "../../src/formats/zip.js";

// The ZIP reader faces archives built to fool scanners: it must read them as torch.load (miniz) and
// Python's zipfile read them, say where those disagree, and never throw or allocate past its bounds.

const VECTORS = new URL("../../../shared/vectors/", import.meta.url).pathname;
const picklescan = (name: string) => `${VECTORS}picklescan/tests/${name}`;
const modelaudit = (name: string) => `${VECTORS}modelaudit/tests/assets/samples/${name}`;

// ---------------------------------------------------------------------------------------------------------
// A hand-rolled ZIP writer, so each test states exactly which bytes it hands the reader.

interface MemberSpec {
  readonly name: string;
  readonly data: Uint8Array | string;
  readonly method?: number;
  readonly flags?: number;
  /** Written in the local header instead of `name`. */
  readonly localName?: string;
  readonly localFlags?: number;
  /** Declared CRC instead of the real one. */
  readonly crc?: number;
  /** Sizes and offset through a ZIP64 extra field (headers say 0xffffffff). */
  readonly zip64?: boolean;
  /** Flag bit 3: zero sizes in the local header, a data descriptor after the data. */
  readonly descriptor?: boolean;
  /** Written to the file but left out of the central directory. */
  readonly hidden?: boolean;
  /** Raw bytes written as the member's data instead of compressing `data`. */
  readonly raw?: Uint8Array;
}

interface ArchiveSpec {
  readonly comment?: Uint8Array;
  readonly prepend?: Uint8Array;
  readonly zip64End?: boolean;
  readonly declaredCount?: number;
  /** Bytes cut from the end of the central directory (end records still point at the full size). */
  readonly truncateCentralDirectory?: number;
}

class Bytes {
  private readonly parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  u8(...values: number[]): this {
    this.parts.push(...values.map((v) => v & 0xff));
    return this;
  }
  u16(v: number): this {
    return this.u8(v, v >> 8);
  }
  u32(v: number): this {
    return this.u8(v, v >> 8, v >> 16, v >>> 24);
  }
  u64(v: number): this {
    return this.u32(v % 0x1_0000_0000).u32(Math.floor(v / 0x1_0000_0000));
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const enc = (s: string) => new TextEncoder().encode(s);
/** Member data as written: one byte per character, so "\x80\x02" is a pickle header, not UTF-8. */
const asBytes = (d: Uint8Array | string) => (typeof d === "string" ? Uint8Array.from(d, (c) => c.charCodeAt(0)) : d);

function buildZip(members: readonly MemberSpec[], spec: ArchiveSpec = {}): Uint8Array {
  const out = new Bytes();
  if (spec.prepend) out.bytes(spec.prepend);
  const base = out.length;
  const central = new Bytes();
  let listed = 0;
  for (const m of members) {
    const data = asBytes(m.data);
    const method = m.method ?? 0;
    const stored = m.raw ?? (method === 8 ? new Uint8Array(deflateRawSync(data)) : data);
    const crc = m.crc ?? crc32(data);
    const flags = (m.flags ?? 0x800) | (m.descriptor ? ZIP_FLAGS.dataDescriptor : 0);
    const name = enc(m.name);
    const localName = enc(m.localName ?? m.name);
    const offset = out.length - base;
    const z64 = m.zip64 === true;
    const localExtra = z64
      ? new Bytes()
          .u16(1)
          .u16(16)
          .u64(m.descriptor ? 0 : data.length)
          .u64(m.descriptor ? 0 : stored.length)
          .done()
      : new Uint8Array();
    out
      .u32(0x04034b50)
      .u16(z64 ? 45 : 20)
      .u16(m.localFlags ?? flags)
      .u16(method)
      .u16(0)
      .u16(0x21);
    if (m.descriptor) out.u32(0).u32(0).u32(0);
    else
      out
        .u32(crc)
        .u32(z64 ? 0xffff_ffff : stored.length)
        .u32(z64 ? 0xffff_ffff : data.length);
    out.u16(localName.length).u16(localExtra.length).bytes(localName).bytes(localExtra).bytes(stored);
    if (m.descriptor) {
      out.u32(0x08074b50).u32(crc);
      if (z64) out.u64(stored.length).u64(data.length);
      else out.u32(stored.length).u32(data.length);
    }
    if (m.hidden) continue;
    listed++;
    const centralExtra = z64 ? new Bytes().u16(1).u16(24).u64(data.length).u64(stored.length).u64(offset).done() : new Uint8Array();
    central
      .u32(0x02014b50)
      .u16(0x031e)
      .u16(z64 ? 45 : 20)
      .u16(flags)
      .u16(method)
      .u16(0)
      .u16(0x21)
      .u32(crc);
    central.u32(z64 ? 0xffff_ffff : stored.length).u32(z64 ? 0xffff_ffff : data.length);
    central
      .u16(name.length)
      .u16(centralExtra.length)
      .u16(0)
      .u16(0)
      .u16(0)
      .u32(0)
      .u32(z64 ? 0xffff_ffff : offset);
    central.bytes(name).bytes(centralExtra);
  }
  const cdOffset = out.length - base;
  let cd = central.done();
  const cdSize = cd.length;
  if (spec.truncateCentralDirectory) cd = cd.subarray(0, cd.length - spec.truncateCentralDirectory);
  out.bytes(cd);
  const count = spec.declaredCount ?? listed;
  if (spec.zip64End) {
    const recordOffset = out.length - base;
    out.u32(0x06064b50).u64(44).u16(0x031e).u16(45).u32(0).u32(0).u64(count).u64(count).u64(cdSize).u64(cdOffset);
    out.u32(0x07064b50).u32(0).u64(recordOffset).u32(1);
  }
  const comment = spec.comment ?? new Uint8Array();
  out.u32(0x06054b50).u16(0).u16(0);
  if (spec.zip64End) out.u16(0xffff).u16(0xffff).u32(0xffff_ffff).u32(0xffff_ffff);
  else out.u16(count).u16(count).u32(cdSize).u32(cdOffset);
  out.u16(comment.length).bytes(comment);
  return out.done();
}

// ---------------------------------------------------------------------------------------------------------
// Reading an archive the way the scan layer will: tail, central directory, local headers, data.

interface ReadMember {
  readonly entry: ZipEntry;
  readonly local: ZipLocalHeader;
  readonly content: ZipEntryContent;
}

function endOf(file: Uint8Array): ZipEnd {
  const tailStart = Math.max(0, file.length - ZIP_END_SEARCH_BYTES);
  const end = findZipEnd(file.subarray(tailStart), tailStart, file.length);
  if (end.kind !== "zip-end") throw new Error(`expected an end record, got ${JSON.stringify(end)}`);
  return end;
}

function readZip(file: Uint8Array, maxOutputBytes = 1 << 20) {
  const end = endOf(file);
  const cd = parseCentralDirectory(file.subarray(end.centralDirectoryOffset, end.centralDirectoryOffset + end.centralDirectorySize), end.entryCount);
  const members: ReadMember[] = cd.entries.map((entry) => {
    const local = parseLocalHeader(file.subarray(entry.localHeaderOffset), { central: entry });
    if (local.kind !== "local-header") throw new Error(`member ${entry.name}: ${JSON.stringify(local)}`);
    const start = entry.localHeaderOffset + local.dataOffsetFromHeader;
    return { entry, local, content: inflateZipEntry(file.subarray(start, start + entry.compressedSize), entry, maxOutputBytes) };
  });
  return { end, problems: cd.problems, members };
}

const text = (c: ZipEntryContent) => (c.ok ? String.fromCharCode(...c.data) : `<${c.code}>`);

// ---------------------------------------------------------------------------------------------------------

describe("ZIP archives built by hand", () => {
  it("lists stored and deflated members with their names, sizes and contents", () => {
    const zip = buildZip([
      { name: "archive/data.pkl", data: "\x80\x02}q\x00." },
      { name: "archive/notes.txt", data: "hello ".repeat(200), method: 8 },
      { name: "archive/dir/", data: "" },
    ]);
    const { end, problems, members } = readZip(zip);
    expect(end.entryCount).toBe(3);
    expect(end.offsetShift).toBe(0);
    expect(problems).toEqual([]);
    expect(members.map((m) => [m.entry.name, m.entry.method, m.entry.uncompressedSize, m.entry.isDirectory])).toEqual([
      ["archive/data.pkl", 0, 6, false],
      ["archive/notes.txt", 8, 1200, false],
      ["archive/dir/", 0, 0, true],
    ]);
    expect(members[1]?.entry.compressedSize).toBeLessThan(100);
    expect(text(members[1]!.content)).toBe("hello ".repeat(200));
    expect(members.every((m) => m.content.ok && m.content.crcOk)).toBe(true);
  });

  it("reads sizes and offsets from ZIP64 extra fields and the ZIP64 end record, as torch.save writes large files", () => {
    const zip = buildZip(
      [
        { name: "archive/data.pkl", data: "\x80\x02N.", zip64: true },
        { name: "archive/data/0", data: new Uint8Array(64).fill(7), zip64: true, method: 8 },
      ],
      { zip64End: true },
    );
    const { end, members, problems } = readZip(zip);
    expect(end.zip64).toBe(true);
    expect(end.entryCount).toBe(2);
    expect(problems).toEqual([]);
    expect(members.map((m) => [m.entry.zip64, m.entry.uncompressedSize, m.entry.localHeaderOffset])).toEqual([
      [true, 4, 0],
      [true, 64, members[1]!.entry.localHeaderOffset],
    ]);
    expect(members[1]!.entry.localHeaderOffset).toBeGreaterThan(0);
    expect(members.map((m) => m.local.problems)).toEqual([[], []]);
    expect(text(members[0]!.content)).toBe("\x80\x02N.");
  });

  it("finds the end record behind a 65,535-byte comment, asking for the bytes it was not given", () => {
    const comment = enc("c".repeat(0xffff));
    const zip = buildZip([{ name: "a.pkl", data: "N." }], { comment });
    const end = endOf(zip);
    expect(end.comment.length).toBe(0xffff);
    expect(end.entryCount).toBe(1);

    const tailStart = zip.length - 100;
    const first = findZipEnd(zip.subarray(tailStart), tailStart, zip.length);
    expect(first.kind).toBe("needs");
    if (first.kind !== "needs") return;
    const { offset, length } = first.needs;
    expect(offset).toBe(zip.length - ZIP_END_SEARCH_BYTES);
    expect(offset + length).toBe(tailStart);
    const second = findZipEnd(zip.subarray(tailStart), tailStart, zip.length, zip.subarray(offset, offset + length));
    expect(second.kind).toBe("zip-end");
    if (second.kind === "zip-end") expect(second.centralDirectoryOffset).toBe(end.centralDirectoryOffset);
  });

  it("asks for the ZIP64 end record where its locator points when it is not right before the locator", () => {
    const clean = buildZip([{ name: "archive/data.pkl", data: "N." }], { zip64End: true });
    // Move the locator and end record 16 bytes away from the ZIP64 record: only the locator finds it now.
    const cut = clean.length - 22 - 20;
    const zip = new Uint8Array(clean.length + 16);
    zip.set(clean.subarray(0, cut), 0);
    zip.set(clean.subarray(cut), cut + 16);
    const recordOffset = cut - 56;
    // A tail that holds the end record, the locator and the 16 stray bytes, but not the record.
    const tailStart = zip.length - 22 - 20 - 16;
    const reads: Uint8Array[] = [];
    const asked: number[][] = [];
    let second = findZipEnd(zip.subarray(tailStart), tailStart, zip.length);
    while (second.kind === "needs") {
      const { offset, length } = second.needs;
      asked.push([offset, length]);
      reads.push(zip.subarray(offset, offset + length));
      second = findZipEnd(zip.subarray(tailStart), tailStart, zip.length, ...reads);
    }
    // First the 76 bytes where a ZIP64 record normally sits, then the record where the locator points.
    expect(asked).toEqual([
      [zip.length - 22 - 76, 76 - 20 - 16],
      [recordOffset, 56],
    ]);
    expect(second.kind).toBe("zip-end");
    if (second.kind !== "zip-end") return;
    expect(second.zip64EndOffset).toBe(recordOffset);
    expect(second.entryCount).toBe(1);
    expect(second.problems.join("\n")).toMatch(/Python's zipfile ignores the ZIP64 records/);
  });

  it("marks encrypted members as uninspectable but shows what a reader that ignores the flag would load", () => {
    const zip = buildZip([
      { name: "weak.pkl", data: "cos\nsystem\n(S'id'\ntR.", flags: 0x801 },
      { name: "strong.pkl", data: "N.", flags: 0x841 },
      { name: "patched.pkl", data: "N.", flags: 0x820 },
    ]);
    const { members, problems } = readZip(zip);
    expect(members.map((m) => [m.entry.name, m.entry.encrypted])).toEqual([
      ["weak.pkl", true],
      ["strong.pkl", true],
      ["patched.pkl", false],
    ]);
    expect(members.map((m) => (m.content.ok ? "content" : m.content.code))).toEqual(["encrypted", "encrypted", "patch-data"]);
    const weak = members[0]!.content;
    expect(!weak.ok && String.fromCharCode(...weak.readableIfFlagIgnored!)).toBe("cos\nsystem\n(S'id'\ntR.");
    expect(problems.join("\n")).toMatch(/flagged encrypted \(bit 0\)/);
  });

  it("uses the central name when the local header names the member differently, and says so", () => {
    const zip = buildZip([{ name: "data.pkl", localName: "datap.kl", data: "N.", localFlags: 0x0 }]);
    const [member] = readZip(zip).members;
    expect(member?.entry.name).toBe("data.pkl");
    expect(member?.local.name).toBe("datap.kl");
    expect(member?.content.ok).toBe(true);
    expect(member?.local.problems.join("\n")).toMatch(/local header names it "datap\.kl".*Python's zipfile refuses the member/);
    expect(member?.local.problems.join("\n")).toMatch(/local flags 0x0 differ from central flags 0x800 \(tolerated/);
  });

  it("inspects a member whose CRC is wrong, as torch.load loads it, and reports the mismatch", () => {
    const [member] = readZip(buildZip([{ name: "data.pkl", data: "N.", crc: 0xdeadbeef }])).members;
    expect(member?.content).toMatchObject({ ok: true, crcOk: false });
    expect(member?.content.ok && member.content.problems.join()).toMatch(/CRC-32.*tolerated/);
  });

  it("reads members written with a data descriptor (flag bit 3), as torch.save writes every member", () => {
    const zip = buildZip([
      { name: "archive/data.pkl", data: "\x80\x02N.", descriptor: true },
      { name: "archive/version", data: "3\n", descriptor: true, method: 8 },
    ]);
    const { members, problems } = readZip(zip);
    expect(problems).toEqual([]);
    expect(members.map((m) => [m.local.compressedSize, m.entry.hasDataDescriptor, text(m.content)])).toEqual([
      [0, true, "\x80\x02N."],
      [0, true, "3\n"],
    ]);
    const walked = scanLocalHeaders(zip);
    expect(walked.entries.map((e) => [e.name, e.dataLengthFrom, e.dataLength])).toEqual([
      ["archive/data.pkl", "data-descriptor", 4],
      ["archive/version", "data-descriptor", members[1]!.entry.compressedSize],
    ]);
    expect(walked.problems).toEqual([]);
  });

  it("finds a member the central directory hides, by walking local headers and by the coverage gap", () => {
    const zip = buildZip([
      { name: "archive/data.pkl", data: "\x80\x02N." },
      { name: "archive/evil.pkl", data: "cos\nsystem\n(S'id'\ntR.", hidden: true },
      { name: "archive/version", data: "3\n" },
    ]);
    const { end, members } = readZip(zip);
    expect(members.map((m) => m.entry.name)).toEqual(["archive/data.pkl", "archive/version"]);
    expect(scanLocalHeaders(zip).entries.map((e) => e.name)).toEqual(["archive/data.pkl", "archive/evil.pkl", "archive/version"]);

    const spans = members.map((m) => ({
      name: m.entry.name,
      start: m.entry.localHeaderOffset,
      end: m.entry.localHeaderOffset + m.local.dataOffsetFromHeader + m.entry.compressedSize,
    }));
    const coverage = findUncoveredRanges(spans, end.centralDirectoryOffset);
    expect(coverage.overlaps).toEqual([]);
    expect(coverage.gaps).toHaveLength(1);
    const gap = coverage.gaps[0]!;
    const inGap = scanLocalHeaders(zip.subarray(gap.offset, gap.offset + gap.length), { baseOffset: gap.offset });
    expect(inGap.entries.map((e) => [e.name, e.headerOffset])).toEqual([["archive/evil.pkl", gap.offset]]);
  });

  it("returns the members it could read from a truncated central directory and says it is truncated", () => {
    const zip = buildZip(
      [
        { name: "a.pkl", data: "N." },
        { name: "b.pkl", data: "N." },
      ],
      { truncateCentralDirectory: 10 },
    );
    const end = findZipEnd(zip, 0, zip.length);
    // The end record still claims the full size, which now runs into the end record itself.
    expect(end.kind).toBe("zip-end");
    if (end.kind !== "zip-end") return;
    const cd = parseCentralDirectory(zip.subarray(end.centralDirectoryOffset, end.centralDirectoryOffset + end.centralDirectorySize - 10), end.entryCount);
    expect(cd.entries.map((e) => e.name)).toEqual(["a.pkl"]);
    expect(cd.problems.join("\n")).toMatch(/truncated|run past/);
    expect(cd.problems.join("\n")).toMatch(/declares 2 members but the central directory holds 1/);
  });

  it("reads members listed past the declared count, which Python's zipfile sees and torch.load does not", () => {
    const zip = buildZip(
      [
        { name: "archive/data.pkl", data: "N." },
        { name: "archive/extra.pkl", data: "cos\nsystem\n(S'id'\ntR." },
      ],
      { declaredCount: 1 },
    );
    const end = endOf(zip);
    const cd = parseCentralDirectory(zip.subarray(end.centralDirectoryOffset, end.centralDirectoryOffset + end.centralDirectorySize), end.entryCount);
    expect(cd.entries.map((e) => [e.name, e.pastDeclaredCount])).toEqual([
      ["archive/data.pkl", false],
      ["archive/extra.pkl", true],
    ]);
    expect(cd.problems.join("\n")).toMatch(/Python's zipfile sees it, torch\.load does not/);
  });

  it("reports bytes prepended to an archive, which Python's zipfile skips over and torch.load does not", () => {
    const zip = buildZip([{ name: "archive/data.pkl", data: "N." }], { prepend: enc("\x80\x02cos\nsystem\n.") });
    const end = endOf(zip);
    expect(end.offsetShift).toBe(15);
    expect(end.contiguousCentralDirectoryOffset).toBe(end.centralDirectoryOffset + 15);
    expect(end.problems.join("\n")).toMatch(/shifts every member offset by 15/);
    const cd = parseCentralDirectory(
      zip.subarray(end.contiguousCentralDirectoryOffset, end.contiguousCentralDirectoryOffset + end.centralDirectorySize),
      end.entryCount,
    );
    expect(cd.entries[0]?.name).toBe("archive/data.pkl");
    expect(parseLocalHeader(zip.subarray(cd.entries[0]!.localHeaderOffset + end.offsetShift)).kind).toBe("local-header");
  });

  it("reports two members whose names torch.load cannot tell apart (ASCII case-insensitive)", () => {
    const { problems } = readZip(
      buildZip([
        { name: "archive/data.pkl", data: "N." },
        { name: "archive/DATA.PKL", data: "N." },
      ]),
    );
    expect(problems.join("\n")).toMatch(/appears twice \(members 0 and 1/);
  });

  it("decodes names as UTF-8 with flag bit 11 and as CP437 without", () => {
    const zip = buildZip([
      { name: "modèle.pkl", data: "N." },
      { name: "x", data: "N.", flags: 0 },
    ]);
    // Patch the second name's byte to 0x82, which is é in CP437.
    const end = endOf(zip);
    const cdStart = end.centralDirectoryOffset;
    const second = zip.lastIndexOf(0x78, end.centralDirectoryOffset + end.centralDirectorySize);
    expect(second).toBeGreaterThan(cdStart);
    zip[second] = 0x82;
    const cd = parseCentralDirectory(zip.subarray(cdStart, cdStart + end.centralDirectorySize), end.entryCount);
    expect(cd.entries.map((e) => [e.name, e.nameEncoding])).toEqual([
      ["modèle.pkl", "utf-8"],
      ["é", "cp437"],
    ]);
  });

  it("cannot inspect methods torch.load cannot extract (bzip2, LZMA, zstd, AES) and says which", () => {
    for (const [method, label] of [
      [12, "bzip2"],
      [14, "lzma"],
      [93, "zstd"],
      [99, "AES"],
    ] as const) {
      const [member] = readZip(buildZip([{ name: "m.pkl", data: "N.", method, raw: enc("opaque bytes") }])).members;
      expect(member?.content.ok).toBe(false);
      if (member?.content.ok === false) {
        expect(member.content.code).toBe("unsupported-method");
        expect(member.content.reason).toContain(label);
      }
    }
  });

  it("stops inflating a deflate bomb at the output limit instead of allocating what it declares", () => {
    const bomb = new Uint8Array(deflateRawSync(new Uint8Array(50 << 20)));
    expect(bomb.length).toBeLessThan(100_000);
    const entry = { name: "bomb", method: 8, flags: 0, crc32: 0, compressedSize: bomb.length, uncompressedSize: 100 };
    const started = Date.now();
    const result = inflateZipEntry(bomb, entry, 1 << 20);
    expect(result).toMatchObject({ ok: false, code: "too-large" });
    expect(Date.now() - started).toBeLessThan(1000);
    // A member that declares more than the limit is refused before any inflating.
    expect(inflateZipEntry(bomb, { ...entry, uncompressedSize: 50 << 20 }, 1 << 20)).toMatchObject({ ok: false, code: "too-large" });
  });

  it("reports a deflate stream that is not one as corrupt rather than throwing", () => {
    const junk = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x00]);
    const result = inflateZipEntry(junk, { name: "x", method: 8, flags: 0, crc32: 0, compressedSize: 5, uncompressedSize: 10 }, 1024);
    expect(result).toMatchObject({ ok: false, code: "corrupt" });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("ZIP archives from other projects' test corpora", () => {
  const read = (path: string) => readZip(new Uint8Array(readFileSync(path)));
  const names = (path: string) => read(path).members.map((m) => m.entry.name);

  it("flags the password-protected zip's only member as encrypted (and torch.load could not open it at all)", () => {
    const { members, problems } = read(picklescan("data/benign_password_protected.zip"));
    expect(members.map((m) => [m.entry.name, m.entry.encrypted, m.entry.method])).toEqual([["test.txt", true, 0]]);
    expect(members[0]?.content).toMatchObject({ ok: false, code: "encrypted" });
    expect(problems.join("\n")).toMatch(/27 stored bytes for 15 bytes of content: miniz refuses/);
  });

  it("tolerates flag bits 0, 5 and 6 on malicious1_0x*.zip and still exposes the pickle behind them", () => {
    for (const [flag, code] of [
      ["0x1", "encrypted"],
      ["0x20", "patch-data"],
      ["0x40", "encrypted"],
    ] as const) {
      const { members } = read(picklescan(`data/malicious1_${flag}.zip`));
      expect(members.map((m) => [m.entry.name, `0x${m.entry.flags.toString(16)}`])).toEqual([["model/config.pkl", flag]]);
      const content = members[0]!.content;
      expect(content).toMatchObject({ ok: false, code });
      expect(!content.ok && Array.from(content.readableIfFlagIgnored!.subarray(0, 2))).toEqual([0x80, 0x04]);
    }
  });

  it("reads malicious1_central_directory.zip by its central name, data.pkl, though the local header says datap.kl", () => {
    const [member] = read(picklescan("data/malicious1_central_directory.zip")).members;
    expect(member?.entry.name).toBe("data.pkl");
    expect(member?.local.name).toBe("datap.kl");
    expect(member?.content.ok).toBe(true);
  });

  it("inspects malicious1_crc.zip's data.pkl despite its bad CRC", () => {
    const [member] = read(picklescan("data2/malicious1_crc.zip")).members;
    expect(member?.entry.name).toBe("data.pkl");
    expect(member?.content).toMatchObject({ ok: true, crcOk: false });
  });

  it("lists the single data.pkl of malicious1.zip and the misnamed data.txt of malicious1_wrong_ext.zip", () => {
    expect(names(picklescan("data/malicious1.zip"))).toEqual(["data.pkl"]);
    expect(names(picklescan("data/malicious1_wrong_ext.zip"))).toEqual(["data.txt"]);
    const [member] = read(picklescan("data/malicious1_wrong_ext.zip")).members;
    expect(member?.content.ok && member.content.data[0]).toBe(0x80);
  });

  it("reads new_pytorch_model.bin as torch.save writes it: ZIP64 end records, data descriptors, archive/data.pkl", () => {
    const { end, members, problems } = read(picklescan("data/new_pytorch_model.bin"));
    expect(end.zip64).toBe(true);
    expect(problems).toEqual([]);
    expect(members.map((m) => [m.entry.name, `0x${m.entry.flags.toString(16)}`, m.entry.uncompressedSize])).toEqual([
      ["archive/data.pkl", "0x808", 154],
      ["archive/data/0", "0x808", 48],
      ["archive/version", "0x808", 2],
    ]);
    expect(members.every((m) => m.content.ok && m.content.crcOk && m.local.problems.length === 0)).toBe(true);
    // torch.save aligns data to 64 bytes with an "FB" padding extra field.
    expect(members.map((m) => (m.entry.localHeaderOffset + m.local.dataOffsetFromHeader) % 64)).toEqual([0, 0, 0]);
    expect(text(members[2]!.content)).toBe("3\n");
  });

  it("finds no ZIP in the legacy pickle pytorch_model.bin, the PNG bad_pytorch.pt or pytorch_magic_bypass.pt", () => {
    for (const name of ["pytorch_model.bin", "bad_pytorch.pt", "pytorch_magic_bypass.pt"]) {
      const file = new Uint8Array(readFileSync(picklescan(`data/${name}`)));
      expect(findZipEnd(file, 0, file.length).kind).toBe("problem");
      expect(scanLocalHeaders(file).entries).toEqual([]);
    }
  });

  it("lists the two .npy members of every .npz, stored and deflated, each starting with the NumPy magic", () => {
    for (const name of ["int_arrays", "int_arrays_compressed", "object_arrays", "object_arrays_compressed"]) {
      const { members, problems } = read(picklescan(`data2/${name}.npz`));
      expect(problems).toEqual([]);
      expect(members.map((m) => [m.entry.name, m.entry.method])).toEqual([
        ["a.npy", name.endsWith("compressed") ? 8 : 0],
        ["b.npy", name.endsWith("compressed") ? 8 : 0],
      ]);
      for (const m of members) expect(m.content.ok && new TextDecoder().decode(m.content.data.subarray(1, 6))).toBe("NUMPY");
    }
  });

  it("lists modelaudit's archives, path traversal member included, and its torch-style .pt files' data.pkl", () => {
    expect(names(modelaudit("archives/path_traversal.zip"))).toEqual(["../../../etc/evil.txt", "model/malicious.pkl"]);
    expect(names(modelaudit("archives/safe_model.zip"))).toEqual(["model/weights.txt", "README.txt"]);
    for (const name of ["malicious_eval.pt", "safe_model.pt"]) {
      const { members } = read(modelaudit(`pytorch/${name}`));
      expect(members.map((m) => m.entry.name)).toEqual(["version", "data.pkl"]);
      const pickle = members.find((m) => /(^|\/)data\.pkl$/.test(m.entry.name));
      expect(pickle?.content.ok && pickle.content.data[0]).toBe(0x80);
    }
  });

  it("walks the same members from local headers as from the central directory in every corpus zip", () => {
    const files = [
      picklescan("data/malicious1.zip"),
      picklescan("data/new_pytorch_model.bin"),
      picklescan("data2/int_arrays_compressed.npz"),
      modelaudit("archives/path_traversal.zip"),
      modelaudit("pytorch/safe_model.pt"),
    ];
    for (const path of files) {
      const file = new Uint8Array(readFileSync(path));
      expect(scanLocalHeaders(file).entries.map((e) => e.name)).toEqual(read(path).members.map((m) => m.entry.name));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("ZIP reader under random and mutated input", () => {
  const sample = buildZip(
    [
      { name: "archive/data.pkl", data: "\x80\x02}q\x00.", descriptor: true },
      { name: "archive/data/0", data: new Uint8Array(100).fill(3), method: 8, zip64: true },
      { name: "archive/version", data: "3\n" },
    ],
    { zip64End: true, comment: enc("comment") },
  );

  /** Run every entry point over `file` as the scan layer would; nothing may throw or run long. */
  function readsOrRefuses(file: Uint8Array): void {
    const started = Date.now();
    // A short tail, so the needs protocol is exercised too.
    const tailStart = Math.max(0, file.length - 64);
    const reads: Uint8Array[] = [];
    let end = findZipEnd(file.subarray(tailStart), tailStart, file.length);
    while (end.kind === "needs") {
      const { offset, length } = end.needs;
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset + length).toBeLessThanOrEqual(file.length);
      expect(reads.length).toBeLessThan(2);
      reads.push(file.subarray(offset, offset + length));
      end = findZipEnd(file.subarray(tailStart), tailStart, file.length, ...reads);
    }
    if (end.kind === "zip-end") {
      expect(end.centralDirectoryOffset + end.centralDirectorySize).toBeLessThanOrEqual(file.length);
      const cd = parseCentralDirectory(file.subarray(end.centralDirectoryOffset, end.centralDirectoryOffset + end.centralDirectorySize), end.entryCount);
      expect(cd.entries.length).toBeLessThanOrEqual(Math.ceil(end.centralDirectorySize / 46));
      for (const entry of cd.entries) {
        const local = parseLocalHeader(file.subarray(entry.localHeaderOffset), { central: entry });
        if (local.kind !== "local-header") continue;
        const start = entry.localHeaderOffset + local.dataOffsetFromHeader;
        const content = inflateZipEntry(file.subarray(start, start + entry.compressedSize), entry, 4096);
        if (content.ok) expect(content.data.length).toBeLessThanOrEqual(4096);
        else expect((content.readableIfFlagIgnored?.length ?? 0) <= 4096).toBe(true);
      }
    }
    const walked = scanLocalHeaders(file, { maxEntries: 64 });
    expect(walked.entries.length).toBeLessThanOrEqual(64);
    expect(Date.now() - started).toBeLessThan(1000);
  }

  it("reads or refuses random bytes, with and without ZIP signatures planted in them", () => {
    const signature = fc.constantFrom(
      [0x50, 0x4b, 0x03, 0x04],
      [0x50, 0x4b, 0x01, 0x02],
      [0x50, 0x4b, 0x05, 0x06],
      [0x50, 0x4b, 0x06, 0x06],
      [0x50, 0x4b, 0x06, 0x07],
      [0x50, 0x4b, 0x07, 0x08],
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.array(fc.tuple(fc.nat(), signature), { maxLength: 6 }), (bytes, planted) => {
        const file = Uint8Array.from(bytes);
        for (const [at, sig] of planted) if (file.length >= 4) file.set(sig, at % (file.length - 3));
        readsOrRefuses(file);
      }),
      { numRuns: 600 },
    );
  });

  it("reads or refuses every truncation of a real archive", () => {
    for (let cut = 0; cut <= sample.length; cut += 7) readsOrRefuses(sample.subarray(0, cut));
    for (let cut = 0; cut <= sample.length; cut += 7) readsOrRefuses(sample.subarray(cut));
  });

  it("reads or refuses a real archive with bytes flipped, including huge sizes, counts and offsets", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: sample.length - 1 }), fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x01, 0x50)), { minLength: 1, maxLength: 10 }),
        (flips) => {
          const mutated = Uint8Array.from(sample);
          for (const [at, value] of flips) mutated[at] = value;
          readsOrRefuses(mutated);
        },
      ),
      { numRuns: 800 },
    );
  });

  it("parses a central directory that claims four billion members without allocating for them", () => {
    const started = Date.now();
    const cd = parseCentralDirectory(new Uint8Array(46), 0xffff_ffff);
    expect(cd.entries).toEqual([]);
    expect(cd.problems.join("\n")).toMatch(/cannot hold the 4294967295 members/);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it("never returns more inflated bytes than asked for, whatever the member claims", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom(0, 8),
        fc.nat({ max: 1 << 16 }),
        fc.nat({ max: 1024 }),
        (bytes, method, declared, limit) => {
          const result = inflateZipEntry(bytes, { name: "m", method, flags: 0, crc32: 0, compressedSize: bytes.length, uncompressedSize: declared }, limit);
          if (result.ok) expect(result.data.length).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 500 },
    );
  });
});
