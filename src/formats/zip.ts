// A bounded ZIP reader for model archives (torch.save's zip format, .npz, .keras, zipped pickles).
//
// It reads the archive the way the loaders that will execute it do, and says where they disagree, because
// attackers hide payloads in exactly those disagreements. The two readers that matter:
//   - miniz, inside torch.load: trusts the central directory, reads it at its declared offset, walks exactly
//     the declared entry count, looks names up case-insensitively, refuses members flagged encrypted (bits 0
//     and 6) or patched (bit 5) at extraction, and does not check CRCs (PyTorch builds it with
//     MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS).
//   - Python's zipfile, inside numpy.load, joblib and Keras: reads the central directory as the bytes right
//     before the end record and shifts every offset by the difference, walks it by size rather than count,
//     refuses a member whose local name differs from its central name, and lets the last duplicate win.
// Nothing here does I/O: the caller reads the byte ranges each step asks for, so a 10 GB checkpoint costs a
// few small reads. Nothing here throws on bad input either: every function returns a value saying what it
// found, and `problems` are messages for the scan report.
//
// Layout (APPNOTE.TXT), all little-endian:
//   local header   PK\3\4 (30 bytes + name + extra) then data [then a data descriptor if flag bit 3]
//   central header PK\1\2 (46 bytes + name + extra + comment), one per member
//   [ZIP64 end record PK\6\6 (56+) and locator PK\6\7 (20)]
//   end record     PK\5\6 (22 bytes + comment of up to 65,535 bytes)

import { constants as bufferConstants } from "node:buffer";
import { crc32 as zlibCrc32, inflateRawSync } from "node:zlib";

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_DATA_DESCRIPTOR = 0x08074b50;

export const ZIP_LOCAL_HEADER_SIZE = 30;
export const ZIP_CENTRAL_HEADER_SIZE = 46;
export const ZIP_END_SIZE = 22;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_END_SIZE = 56;
const MAX_COMMENT = 0xffff;
/** Read this many bytes from the end of the file (or the whole file if smaller) and findZipEnd needs nothing more, unless a ZIP64 locator points somewhere unusual. */
export const ZIP_END_SEARCH_BYTES = ZIP_END_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE + ZIP64_END_SIZE;
/** A local header with the longest name and extra field. */
export const ZIP_LOCAL_HEADER_MAX_BYTES = ZIP_LOCAL_HEADER_SIZE + 0xffff + 0xffff;
/** Python's zipfile refuses members that need a newer version to extract (MAX_EXTRACT_VERSION). */
const PYTHON_MAX_EXTRACT_VERSION = 63;

export const ZIP_FLAGS = {
  encrypted: 0x0001,
  dataDescriptor: 0x0008,
  compressedPatch: 0x0020,
  strongEncryption: 0x0040,
  utf8: 0x0800,
  maskedLocalHeader: 0x2000,
} as const;

export const ZIP_METHODS = { stored: 0, deflate: 8 } as const;

const METHOD_NAMES: Readonly<Record<number, string>> = {
  0: "stored",
  1: "shrink",
  6: "implode",
  8: "deflate",
  9: "deflate64",
  12: "bzip2",
  14: "lzma",
  18: "IBM TERSE",
  19: "IBM LZ77",
  93: "zstd",
  95: "xz",
  96: "jpeg",
  97: "wavpack",
  98: "ppmd",
  99: "AES (WinZip)",
};

export function zipMethodName(method: number): string {
  return METHOD_NAMES[method] ?? `unknown method ${method}`;
}

const EXTRA_ZIP64 = 0x0001;
const EXTRA_UNICODE_PATH = 0x7075;

// ---------------------------------------------------------------------------------------------------------
// Results

/** A byte range of the file the caller must read before the parser can go on. */
export interface ByteRange {
  /** Absolute offset in the file. */
  readonly offset: number;
  readonly length: number;
  readonly reason: string;
}

/** The caller must read `needs` and call again with those bytes. */
export interface ZipNeeds {
  readonly kind: "needs";
  readonly needs: ByteRange;
}

/** The bytes are not a ZIP structure this reader (or the loaders) can use; `problem` says why. */
export interface ZipProblem {
  readonly kind: "problem";
  readonly problem: string;
}

export interface ZipEnd {
  readonly kind: "zip-end";
  /** Absolute offset of the end-of-central-directory record (PK\5\6). */
  readonly endOffset: number;
  /** Where torch.load (miniz) reads the central directory: its declared offset. */
  readonly centralDirectoryOffset: number;
  readonly centralDirectorySize: number;
  /** Declared member count; Python ignores it and walks the central directory by size. */
  readonly entryCount: number;
  readonly comment: Uint8Array;
  readonly zip64: boolean;
  /** Absolute offset of the ZIP64 end record, when there is one. */
  readonly zip64EndOffset: number | undefined;
  /**
   * Where Python's zipfile (numpy.load, joblib, Keras) reads the central directory: the bytes right before
   * the end records. Equal to `centralDirectoryOffset` in a well-formed archive.
   */
  readonly contiguousCentralDirectoryOffset: number;
  /** What Python adds to every local header offset (`concat` in zipfile.py): non-zero when bytes were prepended. */
  readonly offsetShift: number;
  /** Bytes after the end record and its declared comment. */
  readonly trailingBytes: number;
  readonly problems: readonly string[];
}

export interface ZipEntry {
  /** Position in the central directory. */
  readonly index: number;
  readonly name: string;
  /** The name as stored; miniz matches these bytes (ASCII case-insensitively), never the decoded string. */
  readonly nameBytes: Uint8Array;
  readonly nameEncoding: "utf-8" | "cp437";
  readonly method: number;
  readonly flags: number;
  /** Flag bit 0 (traditional encryption) or bit 6 (strong encryption). */
  readonly encrypted: boolean;
  readonly hasDataDescriptor: boolean;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  /** As declared (miniz's view); Python adds ZipEnd.offsetShift. */
  readonly localHeaderOffset: number;
  readonly diskNumberStart: number;
  readonly versionMadeBy: number;
  readonly versionNeeded: number;
  readonly internalAttributes: number;
  readonly externalAttributes: number;
  readonly isDirectory: boolean;
  /** A ZIP64 extended-information field supplied at least one of the sizes or the offset. */
  readonly zip64: boolean;
  readonly extra: Uint8Array;
  readonly comment: Uint8Array;
  /** The Info-ZIP Unicode Path extra field (0x7075), which some extractors prefer to `name`. */
  readonly unicodePathName: string | undefined;
  /** Offset of this header within the central directory bytes. */
  readonly centralHeaderOffset: number;
  /** Listed after the end record's entry count: Python's zipfile sees this member, torch.load does not. */
  readonly pastDeclaredCount: boolean;
}

export interface ZipCentralDirectory {
  readonly entries: ZipEntry[];
  readonly problems: string[];
}

export interface ZipLocalHeader {
  readonly kind: "local-header";
  readonly versionNeeded: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  /** From the local header (ZIP64-resolved); zero when flag bit 3 defers them to a data descriptor. */
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly name: string;
  readonly nameBytes: Uint8Array;
  readonly extra: Uint8Array;
  readonly encrypted: boolean;
  readonly hasDataDescriptor: boolean;
  /** Where the member's data starts, relative to the header: 30 + name + extra, as both miniz and Python compute it. */
  readonly dataOffsetFromHeader: number;
  /** Differences from the central entry it was compared with; every loader named here tolerates or uses the central values. */
  readonly problems: readonly string[];
}

export type CannotInspectReason = "encrypted" | "patch-data" | "unsupported-method" | "too-large" | "corrupt";

export type ZipEntryContent =
  | {
      readonly ok: true;
      readonly data: Uint8Array;
      /** CRC-32 of `data` matches the central directory; torch.load does not check it, so neither does the verdict. */
      readonly crcOk: boolean;
      readonly problems: readonly string[];
    }
  | {
      /** The member cannot be inspected: a fail-closed verdict treats it as unscannable. */
      readonly ok: false;
      readonly code: CannotInspectReason;
      /** For the report: what is wrong and what to do. */
      readonly reason: string;
      /**
       * For a member flagged encrypted or patched whose method is stored or deflate: what a reader that
       * ignores the flag would get. The flag costs an attacker nothing, so scan these bytes too; they prove
       * nothing safe (real ciphertext decodes to noise).
       */
      readonly readableIfFlagIgnored: Uint8Array | undefined;
    };

/** The fields inflateZipEntry needs; a ZipEntry has them. */
export type ZipEntryCoding = Pick<ZipEntry, "name" | "method" | "flags" | "crc32" | "compressedSize" | "uncompressedSize">;

// ---------------------------------------------------------------------------------------------------------
// Little-endian reads; callers check bounds first.

function u16(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

/** A u64 as a number, or undefined when it exceeds 2^53 - 1 (no real file is that large). */
function u64(b: Uint8Array, at: number): number | undefined {
  const value = u32(b, at) + u32(b, at + 4) * 0x1_0000_0000;
  return Number.isSafeInteger(value) ? value : undefined;
}

function sigAt(b: Uint8Array, at: number, sig: number): boolean {
  return at >= 0 && at + 4 <= b.length && u32(b, at) === sig;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describe(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

// ---------------------------------------------------------------------------------------------------------
// Names

// Python decodes names without flag bit 11 as CP437; bytes 0x00-0x7f are ASCII there.
const CP437_HIGH =
  "\xc7\xfc\xe9\xe2\xe4\xe0\xe5\xe7\xea\xeb\xe8\xef\xee\xec\xc4\xc5\xc9\xe6\xc6\xf4\xf6\xf2\xfb\xf9\xff\xd6\xdc\xa2\xa3\xa5\u20a7\u0192" +
  "\xe1\xed\xf3\xfa\xf1\xd1\xaa\xba\xbf\u2310\xac\xbd\xbc\xa1\xab\xbb\u2591\u2592\u2593\u2502\u2524\u2561\u2562\u2556\u2555\u2563\u2551\u2557\u255d\u255c\u255b\u2510" +
  "\u2514\u2534\u252c\u251c\u2500\u253c\u255e\u255f\u255a\u2554\u2569\u2566\u2560\u2550\u256c\u2567\u2568\u2564\u2565\u2559\u2558\u2552\u2553\u256b\u256a\u2518\u250c\u2588\u2584\u258c\u2590\u2580" +
  "\u03b1\xdf\u0393\u03c0\u03a3\u03c3\xb5\u03c4\u03a6\u0398\u03a9\u03b4\u221e\u03c6\u03b5\u2229\u2261\xb1\u2265\u2264\u2320\u2321\xf7\u2248\xb0\u2219\xb7\u221a\u207f\xb2\u25a0\xa0";

function decodeCp437(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte < 0x80 ? String.fromCharCode(byte) : (CP437_HIGH[byte - 0x80] ?? "\ufffd");
  return out;
}

const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const utf8Lenient = new TextDecoder("utf-8", { fatal: false });

function decodeName(bytes: Uint8Array, flags: number, problems: string[], where: string): { name: string; encoding: "utf-8" | "cp437" } {
  if ((flags & ZIP_FLAGS.utf8) === 0) return { name: decodeCp437(bytes), encoding: "cp437" };
  try {
    return { name: utf8Strict.decode(bytes), encoding: "utf-8" };
  } catch {
    const name = utf8Lenient.decode(bytes);
    problems.push(`${where} ${describe(name)} is flagged UTF-8 but is not valid UTF-8: Python's zipfile refuses the archive, miniz uses the raw bytes`);
    return { name, encoding: "utf-8" };
  }
}

function nameProblems(name: string, nameBytes: Uint8Array, where: string, problems: string[]): void {
  if (nameBytes.includes(0)) {
    problems.push(`${where} ${describe(name)} contains a NUL byte: Python's zipfile cuts the name there, miniz keeps the whole name`);
  }
  if (name.includes("\\")) problems.push(`${where} ${describe(name)} contains a backslash, which Windows extractors treat as a path separator`);
}

/** miniz looks names up with ASCII tolower; two names equal under it are the same record to torch.load. */
function foldedKey(nameBytes: Uint8Array): string {
  let key = "";
  for (const byte of nameBytes) key += String.fromCharCode(byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte);
  return key;
}

// ---------------------------------------------------------------------------------------------------------
// End of central directory

/**
 * Locate the end-of-central-directory record in `tail`, the last bytes of the file (`tailStart` is the
 * absolute offset of tail[0]; the tail must reach the end of the file). With the last
 * ZIP_END_SEARCH_BYTES (or the whole file) this answers at once, unless a ZIP64 locator points somewhere
 * unusual. Otherwise it answers `needs`: read that range and call again with the bytes of every range
 * read so far, in order (at most two are ever needed):
 *
 *   const reads = [];
 *   let end = findZipEnd(tail, tailStart, size);
 *   while (end.kind === "needs") { reads.push(await read(end.needs)); end = findZipEnd(tail, tailStart, size, ...reads); }
 */
export function findZipEnd(tail: Uint8Array, tailStart: number, fileSize: number, ...needed: Uint8Array[]): ZipEnd | ZipNeeds | ZipProblem {
  let current = tail;
  let currentStart = tailStart;
  let zip64End: Uint8Array | undefined;
  for (let step = 0; ; step++) {
    const result = locateEnd(current, currentStart, fileSize, zip64End);
    if (result.kind !== "needs") return result;
    const bytes = needed[step];
    if (bytes === undefined) return result;
    if (step >= 2) return { kind: "problem", problem: "the end records still need more bytes after two reads" };
    const range = result.needs;
    if (bytes.length < range.length) return { kind: "problem", problem: `${range.length} bytes at ${range.offset} were needed, ${bytes.length} were given` };
    if (range.offset + range.length === currentStart) {
      // The range extends the tail backwards.
      const merged = new Uint8Array(range.length + current.length);
      merged.set(bytes.subarray(0, range.length), 0);
      merged.set(current, range.length);
      current = merged;
      currentStart = range.offset;
    } else {
      zip64End = bytes.subarray(0, range.length);
    }
  }
}

function locateEnd(tail: Uint8Array, tailStart: number, fileSize: number, zip64End: Uint8Array | undefined): ZipEnd | ZipNeeds | ZipProblem {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0 || !Number.isSafeInteger(tailStart) || tailStart < 0) {
    return { kind: "problem", problem: "file size and tail offset must be non-negative integers" };
  }
  if (tailStart + tail.length !== fileSize) {
    return { kind: "problem", problem: `the tail (${tail.length} bytes at ${tailStart}) must end at the end of the file (${fileSize} bytes)` };
  }
  if (fileSize < ZIP_END_SIZE) return { kind: "problem", problem: `a ZIP archive is at least ${ZIP_END_SIZE} bytes; this file has ${fileSize}` };

  // Both miniz and Python take the last signature in the final 64 KiB + 22 bytes, even one inside a comment.
  const searchFloor = Math.max(0, fileSize - ZIP_END_SIZE - MAX_COMMENT);
  let at = -1;
  for (let i = tail.length - ZIP_END_SIZE; i >= 0 && tailStart + i >= searchFloor; i--) {
    if (sigAt(tail, i, SIG_END)) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    if (tailStart > searchFloor) {
      const offset = Math.max(0, fileSize - ZIP_END_SEARCH_BYTES);
      return { kind: "needs", needs: { offset, length: tailStart - offset, reason: "the end record may sit before this tail, behind a comment" } };
    }
    return { kind: "problem", problem: "no end-of-central-directory record in the last 64 KiB: not a ZIP archive, or one no loader can open" };
  }
  const endOffset = tailStart + at;
  const problems: string[] = [];

  for (let i = at - 1; i >= 0 && tailStart + i >= searchFloor; i--) {
    if (sigAt(tail, i, SIG_END)) {
      problems.push(
        `a second end-of-central-directory signature at ${tailStart + i}: loaders take the last one (at ${endOffset}), but a reader that searches differently sees another archive`,
      );
      break;
    }
  }
  const lastSig = tail.length - 4 >= at + 1 ? lastSignatureAfter(tail, at + 1) : -1;
  if (lastSig >= 0) {
    problems.push(
      `an end-of-central-directory signature at ${tailStart + lastSig} has fewer than ${ZIP_END_SIZE} bytes after it: Python's zipfile refuses the archive, miniz skips it`,
    );
  }

  const diskNumber = u16(tail, at + 4);
  const centralDirectoryDisk = u16(tail, at + 6);
  let entriesOnDisk = u16(tail, at + 8);
  let entryCount = u16(tail, at + 10);
  let centralDirectorySize = u32(tail, at + 12);
  let centralDirectoryOffset = u32(tail, at + 16);
  const commentLength = u16(tail, at + 20);
  const commentAvailable = tail.length - (at + ZIP_END_SIZE);
  const comment = tail.subarray(at + ZIP_END_SIZE, at + ZIP_END_SIZE + Math.min(commentLength, commentAvailable));
  if (commentLength > commentAvailable) {
    problems.push(`the end record declares a ${commentLength}-byte comment but only ${commentAvailable} bytes follow it (tolerated by miniz and Python)`);
  }
  const trailingBytes = Math.max(0, commentAvailable - commentLength);
  if (trailingBytes > 0) problems.push(`${trailingBytes} bytes follow the end record and its comment`);

  let zip64 = false;
  let zip64EndOffset: number | undefined;
  let diskNumber64 = diskNumber;
  let centralDirectoryDisk64 = centralDirectoryDisk;
  const locatorAt = at - ZIP64_LOCATOR_SIZE;
  const adjacentAt = locatorAt - ZIP64_END_SIZE;
  if (endOffset >= ZIP64_LOCATOR_SIZE + ZIP64_END_SIZE && adjacentAt < 0) {
    const offset = endOffset - ZIP64_LOCATOR_SIZE - ZIP64_END_SIZE;
    return { kind: "needs", needs: { offset, length: tailStart - offset, reason: "a ZIP64 locator and end record may sit right before the end record" } };
  }
  if (endOffset >= ZIP64_LOCATOR_SIZE + ZIP64_END_SIZE && sigAt(tail, locatorAt, SIG_ZIP64_LOCATOR)) {
    zip64 = true;
    const totalDisks = u32(tail, locatorAt + 16);
    if (totalDisks !== 1) problems.push(`the ZIP64 locator declares ${totalDisks} disks: miniz refuses anything but 1, Python accepts 0 or 1`);
    if (u32(tail, locatorAt + 4) !== 0) problems.push("the ZIP64 locator names another disk: Python's zipfile refuses the archive");

    // miniz tries the record right before the locator first, then where the locator points; Python only the former.
    const adjacent = endOffset - ZIP64_LOCATOR_SIZE - ZIP64_END_SIZE;
    const declared = u64(tail, locatorAt + 8);
    let record: Uint8Array | undefined;
    if (sigAt(tail, adjacentAt, SIG_ZIP64_END)) {
      record = tail.subarray(adjacentAt, locatorAt);
      zip64EndOffset = adjacent;
      if (declared !== adjacent)
        problems.push(`the ZIP64 locator points at ${declared ?? "an impossible offset"} but the ZIP64 end record sits at ${adjacent}; loaders use the latter`);
    } else {
      problems.push("no ZIP64 end record right before its locator: Python's zipfile ignores the ZIP64 records, miniz follows the locator");
      if (declared === undefined || declared > fileSize - ZIP64_END_SIZE) {
        return { kind: "problem", problem: `the ZIP64 locator points at ${declared ?? "an impossible offset"}, outside the ${fileSize}-byte file` };
      }
      if (declared >= tailStart) {
        record = tail.subarray(declared - tailStart, declared - tailStart + ZIP64_END_SIZE);
      } else if (zip64End !== undefined) {
        record = zip64End.subarray(0, ZIP64_END_SIZE);
      } else {
        return { kind: "needs", needs: { offset: declared, length: ZIP64_END_SIZE, reason: "the ZIP64 end record the locator points at" } };
      }
      if (record.length < ZIP64_END_SIZE || !sigAt(record, 0, SIG_ZIP64_END)) {
        return { kind: "problem", problem: `no ZIP64 end record at ${declared}, where the locator points` };
      }
      zip64EndOffset = declared;
    }
    if ((u64(record, 4) ?? Infinity) < ZIP64_END_SIZE - 12)
      return { kind: "problem", problem: "the ZIP64 end record declares a size smaller than its fixed fields" };
    diskNumber64 = u32(record, 16);
    centralDirectoryDisk64 = u32(record, 20);
    const onDisk = u64(record, 24);
    const total = u64(record, 32);
    const size = u64(record, 40);
    const offset = u64(record, 48);
    if (onDisk === undefined || total === undefined || size === undefined || offset === undefined) {
      return { kind: "problem", problem: "the ZIP64 end record declares a count, size or offset beyond 2^53" };
    }
    if (total > 0xffff_ffff) return { kind: "problem", problem: `the ZIP64 end record declares ${total} members: miniz refuses more than 2^32 - 1` };
    // miniz takes the ZIP64 values whenever the locator is there, not only where the classic fields are saturated.
    entriesOnDisk = onDisk;
    entryCount = total;
    centralDirectorySize = size;
    centralDirectoryOffset = offset;
  }

  if (entryCount !== entriesOnDisk)
    problems.push(`the end record counts ${entryCount} members in total but ${entriesOnDisk} on this disk: miniz refuses the archive`);
  if ((diskNumber64 | centralDirectoryDisk64) !== 0 && (diskNumber64 !== 1 || centralDirectoryDisk64 !== 1)) {
    problems.push("the end record describes a multi-disk (spanned) archive: miniz and Python refuse it");
  }
  if (centralDirectorySize < entryCount * ZIP_CENTRAL_HEADER_SIZE) {
    problems.push(`the central directory (${centralDirectorySize} bytes) is too small for ${entryCount} members: miniz refuses the archive`);
  }

  const endRecords = zip64 ? endOffset - ZIP64_LOCATOR_SIZE - ZIP64_END_SIZE : endOffset;
  const contiguousCentralDirectoryOffset = endRecords - centralDirectorySize;
  const offsetShift = contiguousCentralDirectoryOffset - centralDirectoryOffset;
  if (centralDirectoryOffset + centralDirectorySize > fileSize) {
    return {
      kind: "problem",
      problem: `the central directory (${centralDirectorySize} bytes at ${centralDirectoryOffset}) runs past the end of the ${fileSize}-byte file`,
    };
  }
  if (centralDirectoryOffset + centralDirectorySize > endOffset) {
    problems.push("the central directory overlaps the end record: miniz refuses the archive");
  }
  if (offsetShift !== 0) {
    problems.push(
      `the central directory is declared at ${centralDirectoryOffset} but ends ${offsetShift > 0 ? offsetShift : -offsetShift} bytes ${offsetShift > 0 ? "before" : "after"} the end records: ` +
        `torch.load reads it at ${centralDirectoryOffset}, Python's zipfile at ${contiguousCentralDirectoryOffset} and shifts every member offset by ${offsetShift}; inspect both`,
    );
  }
  if (contiguousCentralDirectoryOffset < 0) problems.push("Python's zipfile refuses the archive: the central directory would start before the file");

  return {
    kind: "zip-end",
    endOffset,
    centralDirectoryOffset,
    centralDirectorySize,
    entryCount,
    comment,
    zip64,
    zip64EndOffset,
    contiguousCentralDirectoryOffset,
    offsetShift,
    trailingBytes,
    problems,
  };
}

function lastSignatureAfter(tail: Uint8Array, from: number): number {
  for (let i = tail.length - 4; i >= from && i > tail.length - ZIP_END_SIZE; i--) if (sigAt(tail, i, SIG_END)) return i;
  return -1;
}

// ---------------------------------------------------------------------------------------------------------
// Extra fields

interface Zip64Fields {
  uncompressedSize: number;
  compressedSize: number;
  localHeaderOffset: number;
  diskNumberStart: number;
}

interface ExtraFields {
  zip64: boolean;
  unicodePathName: string | undefined;
}

/**
 * Walk an extra block, resolving saturated (0xffffffff / 0xffff) values from the first ZIP64 field the way
 * miniz and Python do: each saturated value takes the next 8 (or 4) bytes, in the fixed order
 * uncompressed size, compressed size, local header offset, disk number.
 */
function readExtra(extra: Uint8Array, values: Zip64Fields, headerName: Uint8Array, where: string, problems: string[], local: boolean): ExtraFields {
  let zip64 = false;
  let seenZip64 = false;
  let unicodePathName: string | undefined;
  let at = 0;
  while (at < extra.length) {
    if (at + 4 > extra.length) {
      problems.push(`${where}: ${extra.length - at} stray bytes at the end of the extra field: Python's zipfile refuses the archive`);
      break;
    }
    const id = u16(extra, at);
    const size = u16(extra, at + 2);
    const body = at + 4;
    if (body + size > extra.length) {
      problems.push(
        `${where}: extra field 0x${id.toString(16).padStart(4, "0")} declares ${size} bytes but ${extra.length - body} remain: Python's zipfile refuses the archive`,
      );
      break;
    }
    if (id === EXTRA_ZIP64) {
      if (seenZip64) {
        problems.push(`${where}: a second ZIP64 extra field, which loaders ignore`);
      } else {
        seenZip64 = true;
        let cursor = body;
        const end = body + size;
        const take = (width: 4 | 8, what: string): number | undefined => {
          if (cursor + width > end) {
            problems.push(`${where}: the ZIP64 extra field is too short for the ${what}: miniz and Python refuse the member`);
            return undefined;
          }
          const value = width === 8 ? u64(extra, cursor) : u32(extra, cursor);
          cursor += width;
          if (value === undefined) problems.push(`${where}: the ZIP64 ${what} exceeds 2^53`);
          return value;
        };
        // A local header's ZIP64 field carries both sizes once either is saturated.
        const both = local && (values.uncompressedSize === 0xffff_ffff || values.compressedSize === 0xffff_ffff);
        if (values.uncompressedSize === 0xffff_ffff || both) {
          const v = take(8, "uncompressed size");
          if (v !== undefined) values.uncompressedSize = v;
          zip64 = true;
        }
        if (values.compressedSize === 0xffff_ffff || both) {
          const v = take(8, "compressed size");
          if (v !== undefined) values.compressedSize = v;
          zip64 = true;
        }
        if (!local && values.localHeaderOffset === 0xffff_ffff) {
          const v = take(8, "local header offset");
          if (v !== undefined) values.localHeaderOffset = v;
          zip64 = true;
        }
        if (!local && values.diskNumberStart === 0xffff) {
          const v = take(4, "disk number");
          if (v !== undefined) values.diskNumberStart = v;
        }
      }
    } else if (id === EXTRA_UNICODE_PATH && size >= 5) {
      const nameCrc = u32(extra, body + 1);
      if (nameCrc === zlibCrc32(headerName)) {
        unicodePathName = utf8Lenient.decode(extra.subarray(body + 5, body + size));
      } else {
        problems.push(`${where}: a Unicode Path extra field for a different name (stale CRC), which extractors ignore`);
      }
    }
    at = body + size;
  }
  return { zip64, unicodePathName };
}

// ---------------------------------------------------------------------------------------------------------
// Central directory

/**
 * Parse the central directory (`bytes` is exactly the declared range). Walks every header present, as
 * Python does, and marks those beyond `entryCount`, which torch.load never sees.
 */
export function parseCentralDirectory(bytes: Uint8Array, entryCount: number): ZipCentralDirectory {
  const entries: ZipEntry[] = [];
  const problems: string[] = [];
  if (!Number.isSafeInteger(entryCount) || entryCount < 0) {
    problems.push(`the end record's member count (${entryCount}) is not a count`);
    return { entries, problems };
  }
  if (entryCount * ZIP_CENTRAL_HEADER_SIZE > bytes.length) {
    problems.push(`the central directory is truncated: ${bytes.length} bytes cannot hold the ${entryCount} members the end record declares`);
  }

  const byFoldedName = new Map<string, number>();
  let at = 0;
  while (at < bytes.length) {
    const index = entries.length;
    if (at + ZIP_CENTRAL_HEADER_SIZE > bytes.length) {
      problems.push(`central header ${index} at ${at} is truncated: only ${bytes.length - at} bytes remain, a header needs ${ZIP_CENTRAL_HEADER_SIZE}`);
      break;
    }
    if (!sigAt(bytes, at, SIG_CENTRAL)) {
      problems.push(`central header ${index} at ${at}: no central header signature`);
      break;
    }
    const versionMadeBy = u16(bytes, at + 4);
    const versionNeeded = u16(bytes, at + 6);
    const flags = u16(bytes, at + 8);
    const method = u16(bytes, at + 10);
    const crc32 = u32(bytes, at + 16);
    const nameLength = u16(bytes, at + 28);
    const extraLength = u16(bytes, at + 30);
    const commentLength = u16(bytes, at + 32);
    const total = ZIP_CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (at + total > bytes.length) {
      problems.push(
        `central header ${index} at ${at}: its name, extra field and comment (${total - ZIP_CENTRAL_HEADER_SIZE} bytes) run past the central directory`,
      );
      break;
    }
    const values: Zip64Fields = {
      compressedSize: u32(bytes, at + 20),
      uncompressedSize: u32(bytes, at + 24),
      diskNumberStart: u16(bytes, at + 34),
      localHeaderOffset: u32(bytes, at + 42),
    };
    const nameBytes = bytes.subarray(at + ZIP_CENTRAL_HEADER_SIZE, at + ZIP_CENTRAL_HEADER_SIZE + nameLength);
    const extra = bytes.subarray(at + ZIP_CENTRAL_HEADER_SIZE + nameLength, at + ZIP_CENTRAL_HEADER_SIZE + nameLength + extraLength);
    const comment = bytes.subarray(at + ZIP_CENTRAL_HEADER_SIZE + nameLength + extraLength, at + total);
    const { name, encoding } = decodeName(nameBytes, flags, problems, `central header ${index}: name`);
    const where = `member ${describe(name)}`;
    const classic = { compressedSize: values.compressedSize, uncompressedSize: values.uncompressedSize };
    const { zip64, unicodePathName } = readExtra(extra, values, nameBytes, where, problems, false);
    const pastDeclaredCount = index >= entryCount;

    nameProblems(name, nameBytes, where, problems);
    if (unicodePathName !== undefined && unicodePathName !== name) {
      problems.push(`${where} carries a Unicode Path extra field naming it ${describe(unicodePathName)}: some extractors use that name instead`);
    }
    if (pastDeclaredCount) problems.push(`${where} is listed past the end record's count of ${entryCount}: Python's zipfile sees it, torch.load does not`);
    if (flags & ZIP_FLAGS.maskedLocalHeader) problems.push(`${where} has flag bit 13 (masked local header): miniz refuses the archive`);
    if (flags & ZIP_FLAGS.encrypted)
      problems.push(`${where} is flagged encrypted (bit 0): torch.load refuses to extract it and its contents cannot be inspected`);
    if (flags & ZIP_FLAGS.strongEncryption)
      problems.push(`${where} is flagged strongly encrypted (bit 6): torch.load and Python's zipfile refuse to extract it`);
    if (flags & ZIP_FLAGS.compressedPatch) problems.push(`${where} is flagged as patch data (bit 5): torch.load and Python's zipfile refuse to extract it`);
    if (method !== ZIP_METHODS.stored && method !== ZIP_METHODS.deflate) {
      problems.push(`${where} uses ${zipMethodName(method)} compression: torch.load cannot extract it, and neither can this scanner`);
    }
    if (
      classic.compressedSize !== 0xffff_ffff &&
      classic.uncompressedSize !== 0xffff_ffff &&
      ((method === ZIP_METHODS.stored && classic.compressedSize !== classic.uncompressedSize) ||
        (classic.uncompressedSize !== 0 && classic.compressedSize === 0))
    ) {
      problems.push(`${where} declares ${classic.compressedSize} stored bytes for ${classic.uncompressedSize} bytes of content: miniz refuses the archive`);
    }
    if (values.diskNumberStart !== 0 && values.diskNumberStart !== 1)
      problems.push(`${where} starts on disk ${values.diskNumberStart}: miniz refuses the archive`);
    if (versionNeeded > PYTHON_MAX_EXTRACT_VERSION) problems.push(`${where} needs ZIP version ${versionNeeded / 10}: Python's zipfile refuses the archive`);

    const key = foldedKey(nameBytes);
    const previous = byFoldedName.get(key);
    if (previous !== undefined) {
      problems.push(
        `${where} appears twice (members ${previous} and ${index}, compared as torch.load does, ignoring ASCII case): which one a loader reads depends on the loader`,
      );
    } else {
      byFoldedName.set(key, index);
    }

    entries.push({
      index,
      name,
      nameBytes,
      nameEncoding: encoding,
      method,
      flags,
      encrypted: (flags & (ZIP_FLAGS.encrypted | ZIP_FLAGS.strongEncryption)) !== 0,
      hasDataDescriptor: (flags & ZIP_FLAGS.dataDescriptor) !== 0,
      compressedSize: values.compressedSize,
      uncompressedSize: values.uncompressedSize,
      crc32,
      localHeaderOffset: values.localHeaderOffset,
      diskNumberStart: values.diskNumberStart,
      versionMadeBy,
      versionNeeded,
      internalAttributes: u16(bytes, at + 36),
      externalAttributes: u32(bytes, at + 38),
      isDirectory: name.endsWith("/"),
      zip64,
      extra,
      comment,
      unicodePathName,
      centralHeaderOffset: at,
      pastDeclaredCount,
    });
    at += total;
  }

  if (entries.length < entryCount) {
    problems.push(`the end record declares ${entryCount} members but the central directory holds ${entries.length}: torch.load refuses the archive`);
  } else if (at < bytes.length) {
    problems.push(`${bytes.length - at} bytes of the central directory after its last header`);
  }
  return { entries, problems };
}

// ---------------------------------------------------------------------------------------------------------
// Local headers

export interface ParseLocalHeaderOptions {
  /** The central entry this header belongs to: differences become problems. */
  readonly central?: ZipEntryCoding & Pick<ZipEntry, "nameBytes" | "localHeaderOffset" | "hasDataDescriptor">;
  /** Absolute offset of bytes[0], for a `needs` result; defaults to the central entry's localHeaderOffset, else 0. */
  readonly headerOffset?: number;
}

/** Parse a local file header from `bytes` (the caller reads ZIP_LOCAL_HEADER_SIZE bytes first, then what `needs` asks for). */
export function parseLocalHeader(bytes: Uint8Array, options: ParseLocalHeaderOptions = {}): ZipLocalHeader | ZipNeeds | ZipProblem {
  const central = options.central;
  const headerOffset = options.headerOffset ?? central?.localHeaderOffset ?? 0;
  if (bytes.length < ZIP_LOCAL_HEADER_SIZE) {
    return { kind: "needs", needs: { offset: headerOffset, length: ZIP_LOCAL_HEADER_SIZE, reason: "the fixed part of the local header" } };
  }
  if (!sigAt(bytes, 0, SIG_LOCAL)) {
    return { kind: "problem", problem: `no local header signature at ${headerOffset}: torch.load and Python's zipfile refuse this member` };
  }
  const nameLength = u16(bytes, 26);
  const extraLength = u16(bytes, 28);
  const dataOffsetFromHeader = ZIP_LOCAL_HEADER_SIZE + nameLength + extraLength;
  if (bytes.length < dataOffsetFromHeader) {
    return { kind: "needs", needs: { offset: headerOffset, length: dataOffsetFromHeader, reason: "the local header's name and extra field" } };
  }
  const problems: string[] = [];
  const flags = u16(bytes, 6);
  const method = u16(bytes, 8);
  const crc32 = u32(bytes, 14);
  const values: Zip64Fields = { compressedSize: u32(bytes, 18), uncompressedSize: u32(bytes, 22), localHeaderOffset: 0, diskNumberStart: 0 };
  const nameBytes = bytes.subarray(ZIP_LOCAL_HEADER_SIZE, ZIP_LOCAL_HEADER_SIZE + nameLength);
  const extra = bytes.subarray(ZIP_LOCAL_HEADER_SIZE + nameLength, dataOffsetFromHeader);
  const { name } = decodeName(nameBytes, flags, problems, `local header at ${headerOffset}: name`);
  readExtra(extra, values, nameBytes, `local header ${describe(name)}`, problems, true);
  const hasDataDescriptor = (flags & ZIP_FLAGS.dataDescriptor) !== 0;

  if (central !== undefined) {
    const where = `member ${describe(utf8Lenient.decode(central.nameBytes))}`;
    if (!sameBytes(nameBytes, central.nameBytes)) {
      problems.push(
        `${where}: its local header names it ${describe(name)}: torch.load (miniz) uses the central name, Python's zipfile refuses the member; scanned under the central name`,
      );
    }
    if (flags !== central.flags) {
      problems.push(
        `${where}: local flags 0x${flags.toString(16)} differ from central flags 0x${central.flags.toString(16)} (tolerated: loaders decide by the central flags)`,
      );
    }
    if (method !== central.method) {
      problems.push(
        `${where}: its local header says ${zipMethodName(method)}, the central directory ${zipMethodName(central.method)}; loaders use the central method`,
      );
    }
    if (!hasDataDescriptor && !central.hasDataDescriptor) {
      if (values.compressedSize !== central.compressedSize || values.uncompressedSize !== central.uncompressedSize) {
        problems.push(`${where}: its local header declares different sizes from the central directory; loaders use the central sizes`);
      }
      if (crc32 !== central.crc32) problems.push(`${where}: its local header declares a different CRC-32 from the central directory`);
    }
  }

  return {
    kind: "local-header",
    versionNeeded: u16(bytes, 4),
    flags,
    method,
    crc32,
    compressedSize: values.compressedSize,
    uncompressedSize: values.uncompressedSize,
    name,
    nameBytes,
    extra,
    encrypted: (flags & (ZIP_FLAGS.encrypted | ZIP_FLAGS.strongEncryption)) !== 0,
    hasDataDescriptor,
    dataOffsetFromHeader,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Member data

/** CRC-32 as ZIP computes it. */
export function zipCrc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}

type Decoded = { ok: true; data: Uint8Array; problems: string[] } | { ok: false; code: "too-large" | "corrupt"; reason: string };

function decode(compressed: Uint8Array, entry: ZipEntryCoding, maxOutputBytes: number): Decoded {
  const where = `member ${describe(entry.name)}`;
  const problems: string[] = [];
  if (compressed.length < entry.compressedSize) {
    return { ok: false, code: "corrupt", reason: `${where} is truncated: ${compressed.length} of its ${entry.compressedSize} bytes exist` };
  }
  if (entry.uncompressedSize > maxOutputBytes) {
    return { ok: false, code: "too-large", reason: `${where} declares ${entry.uncompressedSize} bytes, more than the ${maxOutputBytes}-byte inspection limit` };
  }
  const input = compressed.subarray(0, entry.compressedSize);
  if (entry.method === ZIP_METHODS.stored) {
    if (input.length > maxOutputBytes) {
      return { ok: false, code: "too-large", reason: `${where} stores ${input.length} bytes, more than the ${maxOutputBytes}-byte inspection limit` };
    }
    if (input.length !== entry.uncompressedSize) {
      problems.push(`${where} is stored as ${input.length} bytes but declares ${entry.uncompressedSize}: miniz refuses it, Python reads the stored bytes`);
    }
    return { ok: true, data: input, problems };
  }
  // A zero-length deflate member is empty to miniz (it returns before inflating), so it is to us.
  if (input.length === 0) return { ok: true, data: input, problems };
  let data: Uint8Array;
  try {
    data = inflateRawSync(input, { maxOutputLength: Math.min(Math.max(1, maxOutputBytes), bufferConstants.MAX_LENGTH) });
  } catch (err) {
    const code = err instanceof Error && "code" in err ? String((err as { code: unknown }).code) : "";
    if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      return {
        ok: false,
        code: "too-large",
        reason: `${where} inflates past the ${maxOutputBytes}-byte inspection limit (declared ${entry.uncompressedSize})`,
      };
    }
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, code: "corrupt", reason: `${where}: its deflate stream is invalid (${detail}): loaders fail on it too, but it cannot be proven safe` };
  }
  if (data.length !== entry.uncompressedSize) {
    problems.push(`${where} inflates to ${data.length} bytes but declares ${entry.uncompressedSize}: miniz refuses it; Python reads at most the declared size`);
  }
  return { ok: true, data, problems };
}

/**
 * Decode one member's data (`compressed` is the compressedSize bytes at the data offset). Stored and deflate
 * only, as miniz; anything else, anything flagged encrypted or patched, and anything over maxOutputBytes
 * comes back as `ok: false`. Never throws, never allocates more than maxOutputBytes.
 */
export function inflateZipEntry(compressed: Uint8Array, entry: ZipEntryCoding, maxOutputBytes: number): ZipEntryContent {
  const where = `member ${describe(entry.name)}`;
  const limit = Number.isSafeInteger(maxOutputBytes) && maxOutputBytes >= 0 ? maxOutputBytes : 0;
  const supported = entry.method === ZIP_METHODS.stored || entry.method === ZIP_METHODS.deflate;

  const flagged =
    (entry.flags & (ZIP_FLAGS.encrypted | ZIP_FLAGS.strongEncryption)) !== 0
      ? ("encrypted" as const)
      : (entry.flags & ZIP_FLAGS.compressedPatch) !== 0
        ? ("patch-data" as const)
        : undefined;
  if (flagged !== undefined) {
    const attempt = supported ? decode(compressed, entry, limit) : undefined;
    return {
      ok: false,
      code: flagged,
      reason:
        flagged === "encrypted"
          ? `${where} is encrypted (flag 0x${entry.flags.toString(16)}): its contents cannot be inspected`
          : `${where} is flagged as patch data (bit 5), which needs a base file to decode: its contents cannot be inspected`,
      readableIfFlagIgnored: attempt?.ok === true ? attempt.data : undefined,
    };
  }
  if (!supported) {
    return {
      ok: false,
      code: "unsupported-method",
      reason: `${where} uses ${zipMethodName(entry.method)} compression, which this scanner does not decode (torch.load cannot either)`,
      readableIfFlagIgnored: undefined,
    };
  }
  const decoded = decode(compressed, entry, limit);
  if (!decoded.ok) return { ok: false, code: decoded.code, reason: decoded.reason, readableIfFlagIgnored: undefined };
  const crcOk = zipCrc32(decoded.data) === entry.crc32 >>> 0;
  if (!crcOk) decoded.problems.push(`${where} fails its CRC-32 check (tolerated: torch.load does not check CRCs)`);
  return { ok: true, data: decoded.data, crcOk, problems: decoded.problems };
}

// ---------------------------------------------------------------------------------------------------------
// Fallback: walk local headers

export interface ZipLocalMember extends ZipLocalHeader {
  /** Offset of the local header within the scanned bytes (plus `baseOffset`). */
  readonly headerOffset: number;
  readonly dataOffset: number;
  /** Bytes of member data found; how it was determined is in `dataLengthFrom`. */
  readonly dataLength: number;
  readonly dataLengthFrom: "header" | "data-descriptor" | "next-signature" | "end-of-bytes";
}

export interface ScanLocalHeadersOptions {
  /** Absolute offset of bytes[0]. */
  readonly baseOffset?: number;
  /** Stop after this many members (default 65,536). */
  readonly maxEntries?: number;
}

const SIGNATURES_AFTER_DATA = [SIG_LOCAL, SIG_CENTRAL, SIG_END, SIG_ZIP64_END];

function nextSignature(bytes: Uint8Array, from: number, sigs: readonly number[]): number {
  let at = from;
  while (at + 4 <= bytes.length) {
    const p = bytes.indexOf(0x50, at);
    if (p < 0 || p + 4 > bytes.length) return -1;
    if (bytes[p + 1] === 0x4b && sigs.includes(u32(bytes, p))) return p;
    at = p + 1;
  }
  return -1;
}

/**
 * Walk local file headers from the start of `bytes`, the way a streaming extractor does, without the central
 * directory. For an archive whose central directory is missing or corrupt, and to find members the central
 * directory does not list (compare with findUncoveredRanges for large files). Linear in bytes.length.
 */
export function scanLocalHeaders(bytes: Uint8Array, options: ScanLocalHeadersOptions = {}): { entries: ZipLocalMember[]; problems: string[] } {
  const base = options.baseOffset ?? 0;
  const maxEntries = options.maxEntries ?? 65_536;
  const entries: ZipLocalMember[] = [];
  const problems: string[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const start = nextSignature(bytes, at, [SIG_LOCAL]);
    if (start < 0) break;
    if (entries.length >= maxEntries) {
      problems.push(`stopped after ${maxEntries} local headers`);
      break;
    }
    // Data descriptors (12 to 24 bytes) legitimately sit between members; anything longer is unexplained.
    if (start - at > 24 || (entries.length === 0 && start > 0)) {
      problems.push(`${start - at} bytes at ${base + at} belong to no member`);
    }
    const header = parseLocalHeader(bytes.subarray(start), { headerOffset: base + start });
    if (header.kind !== "local-header") {
      problems.push(`a local header signature at ${base + start} starts no usable header (${header.kind === "needs" ? "truncated" : header.problem})`);
      at = start + 4;
      continue;
    }
    problems.push(...header.problems);
    const dataOffset = start + header.dataOffsetFromHeader;
    let dataLength: number;
    let dataLengthFrom: ZipLocalMember["dataLengthFrom"];
    let next: number;
    if (header.hasDataDescriptor && header.compressedSize === 0) {
      const found = findDataEnd(bytes, dataOffset);
      dataLength = found.length;
      dataLengthFrom = found.from;
      next = dataOffset + found.length + found.descriptorLength;
    } else if (dataOffset + header.compressedSize <= bytes.length) {
      dataLength = header.compressedSize;
      dataLengthFrom = "header";
      next = dataOffset + dataLength;
    } else {
      // A size that runs off the end may be a lie meant to skip members: keep looking inside it.
      dataLength = Math.max(0, bytes.length - dataOffset);
      dataLengthFrom = "end-of-bytes";
      problems.push(`member ${describe(header.name)} at ${base + start} declares ${header.compressedSize} bytes; only ${dataLength} follow`);
      next = dataOffset;
    }
    entries.push({ ...header, headerOffset: base + start, dataOffset: base + dataOffset, dataLength, dataLengthFrom });
    at = Math.max(next, start + 4);
  }
  return { entries, problems };
}

/** The end of a member whose sizes live in a data descriptor after it: the first descriptor whose size matches, else the next header. */
function findDataEnd(bytes: Uint8Array, dataOffset: number): { length: number; descriptorLength: number; from: ZipLocalMember["dataLengthFrom"] } {
  let at = dataOffset;
  for (;;) {
    const p = nextSignature(bytes, at, [SIG_DATA_DESCRIPTOR, ...SIGNATURES_AFTER_DATA]);
    if (p < 0) return { length: bytes.length - dataOffset, descriptorLength: 0, from: "end-of-bytes" };
    const length = p - dataOffset;
    if (u32(bytes, p) !== SIG_DATA_DESCRIPTOR) return { length, descriptorLength: 0, from: "next-signature" };
    if (p + 16 <= bytes.length && u32(bytes, p + 8) === length) return { length, descriptorLength: 16, from: "data-descriptor" };
    if (p + 24 <= bytes.length && u64(bytes, p + 8) === length) return { length, descriptorLength: 24, from: "data-descriptor" };
    at = p + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Coverage: hidden members in a large archive without reading it all

export interface ZipSpan {
  /** Absolute offset of the member's local header. */
  readonly start: number;
  /** Absolute offset just past its data (dataOffset + compressedSize). */
  readonly end: number;
  readonly name: string;
}

export interface ZipCoverage {
  /** Ranges before the central directory that no listed member covers. */
  readonly gaps: readonly { readonly offset: number; readonly length: number }[];
  /** Listed members whose ranges overlap: a member hidden inside another, or a zip bomb. */
  readonly overlaps: readonly { readonly first: string; readonly second: string }[];
}

/**
 * Which bytes before the central directory no listed member accounts for. A local header is 30 bytes, so a
 * gap shorter than that cannot hide a member (data descriptors, 12 to 24 bytes, leave such gaps); read any
 * longer gap and walk it with scanLocalHeaders.
 */
export function findUncoveredRanges(spans: readonly ZipSpan[], centralDirectoryOffset: number): ZipCoverage {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  const gaps: { offset: number; length: number }[] = [];
  const overlaps: { first: string; second: string }[] = [];
  let covered = 0;
  let last: ZipSpan | undefined;
  for (const span of sorted) {
    if (span.start > covered) gaps.push({ offset: covered, length: Math.min(span.start, centralDirectoryOffset) - covered });
    else if (last !== undefined && span.start < covered) overlaps.push({ first: last.name, second: span.name });
    if (span.end > centralDirectoryOffset) overlaps.push({ first: span.name, second: "the central directory" });
    if (span.end > covered) {
      covered = span.end;
      last = span;
    }
  }
  if (covered < centralDirectoryOffset) gaps.push({ offset: covered, length: centralDirectoryOffset - covered });
  return { gaps: gaps.filter((g) => g.length > 0), overlaps };
}
