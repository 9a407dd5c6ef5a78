// What a file is, from its first bytes alone: extensions lie, and loaders decide by content too (torch.load
// takes any file starting with PK\3\4 as a zip and anything else as a tar or a pickle; numpy.load the same
// with \x93NUMPY). Every detector runs; the strongest match is `format`, the others are `alsoMatches`,
// because a file can be two formats at once and an attacker picks the reading a scanner skips.
// Pure and bounded: looks at most at `head` (the first 4 KiB is the intended input), never throws.

import { inflateSync, constants as zlibConstants } from "node:zlib";
import { isNpy } from "./npy.js";
import { parsePythonJson } from "./python-json.js";
import { isTar } from "./tar.js";

export type SniffFormat =
  | "empty"
  | "pickle"
  | "zip"
  | "tar"
  | "gzip"
  | "zlib"
  | "bzip2"
  | "xz"
  | "lzma"
  | "lz4"
  | "zstd"
  | "7z"
  | "rar"
  | "npy"
  | "safetensors"
  | "gguf"
  | "hdf5"
  | "json"
  | "text"
  /** Anything else, protobuf (ONNX, TensorFlow) included: its wire format has no signature to sniff. */
  | "unknown-binary";

/** high: a signature plus a structural check; medium: a signature or structure alone; low: a weak hint. */
export type SniffConfidence = "high" | "medium" | "low";

export interface SniffMatch {
  readonly format: SniffFormat;
  readonly confidence: SniffConfidence;
  /** For the report, e.g. "pickle protocol 4", "HDF5 signature at offset 512". */
  readonly detail: string;
}

export interface SniffResult extends SniffMatch {
  /** Other formats the same bytes also match, strongest first. */
  readonly alsoMatches: readonly SniffMatch[];
}

export interface SniffOptions {
  /** Replaces the local protocol 0/1 pickle heuristic (e.g. with pickle.ts's looksLikePickle). */
  readonly looksLikePickle?: (head: Uint8Array) => boolean;
}

const RANK: Readonly<Record<SniffConfidence, number>> = { high: 3, medium: 2, low: 1 };

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[at + i] !== bytes[i]) return false;
  return true;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

function u32le(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

/** A u64 as a number, or Infinity beyond 2^53. */
function u64le(b: Uint8Array, at: number): number {
  const value = u32le(b, at) + u32le(b, at + 4) * 0x1_0000_0000;
  return Number.isSafeInteger(value) ? value : Infinity;
}

// ---------------------------------------------------------------------------------------------------------
// Pickle: a bounded opcode walk over the head. Not the pickle scanner: it only asks "could this be one?".

type PickleArg =
  | { readonly kind: "none" }
  | { readonly kind: "fixed"; readonly bytes: number }
  | { readonly kind: "line"; readonly lines: 1 | 2; readonly check?: "int" | "float" | "quoted" }
  | { readonly kind: "counted"; readonly lengthBytes: 1 | 4 | 8 };

const NONE: PickleArg = { kind: "none" };
const PICKLE_ARGS = new Map<number, PickleArg>();
for (const c of "(.012NR]abd}elost)u") PICKLE_ARGS.set(c.charCodeAt(0), NONE);
for (const op of [0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98]) PICKLE_ARGS.set(op, NONE);
PICKLE_ARGS.set("Q".charCodeAt(0), NONE);
for (const [c, n] of [
  ["K", 1],
  ["M", 2],
  ["J", 4],
  ["G", 8],
  ["h", 1],
  ["j", 4],
  ["q", 1],
  ["r", 4],
] as const)
  PICKLE_ARGS.set(c.charCodeAt(0), { kind: "fixed", bytes: n });
for (const [op, n] of [
  [0x82, 1],
  [0x83, 2],
  [0x84, 4],
  [0x80, 1],
  [0x95, 8],
] as const)
  PICKLE_ARGS.set(op, { kind: "fixed", bytes: n });
PICKLE_ARGS.set("I".charCodeAt(0), { kind: "line", lines: 1, check: "int" });
PICKLE_ARGS.set("L".charCodeAt(0), { kind: "line", lines: 1, check: "int" });
PICKLE_ARGS.set("F".charCodeAt(0), { kind: "line", lines: 1, check: "float" });
PICKLE_ARGS.set("S".charCodeAt(0), { kind: "line", lines: 1, check: "quoted" });
PICKLE_ARGS.set("p".charCodeAt(0), { kind: "line", lines: 1, check: "int" });
PICKLE_ARGS.set("g".charCodeAt(0), { kind: "line", lines: 1, check: "int" });
PICKLE_ARGS.set("V".charCodeAt(0), { kind: "line", lines: 1 });
PICKLE_ARGS.set("P".charCodeAt(0), { kind: "line", lines: 1 });
PICKLE_ARGS.set("c".charCodeAt(0), { kind: "line", lines: 2 });
PICKLE_ARGS.set("i".charCodeAt(0), { kind: "line", lines: 2 });
for (const [c, n] of [
  ["U", 1],
  ["T", 4],
  ["X", 4],
  ["B", 4],
  ["C", 1],
] as const)
  PICKLE_ARGS.set(c.charCodeAt(0), { kind: "counted", lengthBytes: n });
for (const [op, n] of [
  [0x8c, 1],
  [0x8d, 8],
  [0x8e, 8],
  [0x96, 8],
  [0x8a, 1],
  [0x8b, 4],
] as const)
  PICKLE_ARGS.set(op, { kind: "counted", lengthBytes: n });

interface PickleWalk {
  /** Opcodes that parsed completely. */
  readonly complete: number;
  /** The last opcode's argument runs past the head but could fit in the file, and what is visible of it is consistent. */
  readonly partial: boolean;
  /** "stop": reached STOP; "end": the bytes ran out (pickle.load runs what came before, then fails); "invalid": a byte no pickle has. */
  readonly ended: "stop" | "end" | "invalid";
}

function lineOk(line: Uint8Array, check: "int" | "float" | "quoted" | undefined, complete: boolean): boolean {
  if (line.length > 256) return check === undefined || (check === "quoted" && !complete && (line[0] === 0x27 || line[0] === 0x22));
  const text = String.fromCharCode(...line);
  switch (check) {
    case "int":
      return complete ? /^[+-]?\d+L?$/.test(text) : /^[+-]?\d*$/.test(text);
    case "float":
      return complete ? /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|inf|nan)$/i.test(text) : /^[+-]?[\d.eE+-]*$/.test(text);
    case "quoted":
      return complete ? /^(['"]).*\1$/.test(text) : /^['"]/.test(text);
    default:
      return true;
  }
}

function walkPickle(head: Uint8Array, start: number, fileSize: number, maxOpcodes = 512): PickleWalk {
  let at = start;
  let complete = 0;
  const partial = (consistent: boolean): PickleWalk => ({ complete, partial: consistent, ended: "end" });
  while (complete < maxOpcodes) {
    if (at >= head.length) return partial(false);
    const op = head[at] ?? 0;
    const arg = PICKLE_ARGS.get(op);
    if (arg === undefined) return { complete, partial: false, ended: "invalid" };
    at++;
    if (op === 0x2e) return { complete: complete + 1, partial: false, ended: "stop" };
    if (arg.kind === "fixed") {
      if (at + arg.bytes > head.length) return partial(at + arg.bytes <= fileSize);
      at += arg.bytes;
    } else if (arg.kind === "counted") {
      if (at + arg.lengthBytes > head.length) return partial(at + arg.lengthBytes <= fileSize);
      const length = arg.lengthBytes === 1 ? (head[at] ?? 0) : arg.lengthBytes === 4 ? u32le(head, at) : u64le(head, at);
      at += arg.lengthBytes + length;
      // An argument longer than the file: pickle.load stops there, having run what came before.
      if (at > head.length) return partial(at <= fileSize);
    } else if (arg.kind === "line") {
      for (let n = 0; n < arg.lines; n++) {
        const nl = head.indexOf(0x0a, at);
        if (nl < 0) return partial(fileSize > head.length && lineOk(head.subarray(at), n === 0 ? arg.check : undefined, false));
        if (!lineOk(head.subarray(at, nl), arg.check, true)) return { complete, partial: false, ended: "invalid" };
        at = nl + 1;
      }
    }
    complete++;
  }
  return partial(false);
}

function sniffPickle(head: Uint8Array, fileSize: number, options: SniffOptions): SniffMatch | undefined {
  const protocol = head[1] ?? 0;
  if (head[0] === 0x80 && head.length >= 2) {
    // PROTO; pickle.load refuses protocols above 5 before doing anything.
    if (protocol > 5) return undefined;
    const walk = walkPickle(head, 2, fileSize);
    if (walk.ended === "invalid" && walk.complete === 0)
      return { format: "pickle", confidence: "low", detail: `PROTO ${protocol} followed by a byte no pickle opcode has` };
    return { format: "pickle", confidence: walk.ended === "invalid" ? "medium" : "high", detail: `pickle protocol ${protocol}` };
  }
  if (options.looksLikePickle !== undefined) {
    return options.looksLikePickle(head) ? { format: "pickle", confidence: "medium", detail: "pickle protocol 0 or 1 (external check)" } : undefined;
  }
  // Protocols 0 and 1 have no header. pickle.load runs opcodes as it reads them, so a stream that is
  // valid up to where the bytes end is as dangerous as one that reaches STOP; ordinary text breaks the
  // walk within a few bytes (a space, '#', '{' or ':' is no opcode).
  // A stream that opens with a persistent id (PERSID, BINPERSID) fails in a plain pickle.load before it
  // runs anything, and every ZIP file opens with 'P'.
  if (head[0] === 0x50 || head[0] === 0x51) return undefined;
  const walk = walkPickle(head, 0, fileSize);
  if (walk.ended === "invalid") return undefined;
  const plausible = walk.complete + (walk.partial ? 1 : 0);
  if (walk.ended === "stop" && walk.complete >= 2) return { format: "pickle", confidence: "high", detail: "pickle protocol 0 or 1" };
  if (plausible >= 2 || (plausible >= 1 && walk.partial && fileSize > head.length)) {
    return {
      format: "pickle",
      confidence: "medium",
      detail: walk.ended === "stop" ? "pickle protocol 0 or 1" : "pickle protocol 0 or 1 (no STOP in the bytes seen)",
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Everything else

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function sniffMagic(head: Uint8Array, fileSize: number): SniffMatch[] {
  const found: SniffMatch[] = [];
  const add = (format: SniffFormat, confidence: SniffConfidence, detail: string) => found.push({ format, confidence, detail });

  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) add("zip", "high", "ZIP local file header");
  else if (startsWith(head, [0x50, 0x4b, 0x05, 0x06]) && fileSize >= 22 && fileSize <= 22 + 0xffff) add("zip", "high", "empty ZIP archive");
  else if (startsWith(head, [0x50, 0x4b, 0x07, 0x08]) && startsWith(head, [0x50, 0x4b, 0x03, 0x04], 4))
    add("zip", "high", "ZIP archive with a spanning marker");
  else if (startsWith(head, ascii("PK00PK\x03\x04"))) add("zip", "high", "ZIP archive with an old spanning marker");

  if (startsWith(head, [0x1f, 0x8b, 0x08])) add("gzip", "high", "gzip stream");
  if (startsWith(head, ascii("BZh")) && (head[3] ?? 0) >= 0x31 && (head[3] ?? 0) <= 0x39) {
    const block = startsWith(head, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) || startsWith(head, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4);
    add("bzip2", block ? "high" : "low", "bzip2 stream");
  }
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) add("xz", "high", "xz stream");
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) add("7z", "high", "7-Zip archive");
  if (startsWith(head, ascii("Rar!\x1a\x07\x01\x00"))) add("rar", "high", "RAR 5 archive");
  else if (startsWith(head, ascii("Rar!\x1a\x07\x00"))) add("rar", "high", "RAR 4 archive");
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) add("zstd", "high", "zstd frame");
  else if ((head[0] ?? 0) >> 4 === 0x5 && startsWith(head, [0x2a, 0x4d, 0x18], 1)) add("zstd", "low", "zstd or lz4 skippable frame");
  if (startsWith(head, [0x04, 0x22, 0x4d, 0x18])) add("lz4", "high", "lz4 frame");
  else if (startsWith(head, [0x02, 0x21, 0x4c, 0x18])) add("lz4", "high", "legacy lz4 frame");
  if (isNpy(head)) add("npy", (head[6] ?? 0) >= 1 && (head[6] ?? 0) <= 3 ? "high" : "medium", `NumPy .npy version ${head[6] ?? "?"}.${head[7] ?? "?"}`);
  if (startsWith(head, ascii("GGUF"))) {
    const le = u32le(head, 4);
    const be = ((head[4] ?? 0) << 24) | ((head[5] ?? 0) << 16) | ((head[6] ?? 0) << 8) | (head[7] ?? 0);
    add(
      "gguf",
      (le >= 1 && le <= 3) || (be >= 1 && be <= 3) ? "high" : "medium",
      `GGUF version ${le >= 1 && le <= 3 ? le : be}${le >= 1 && le <= 3 ? "" : " (big-endian)"}`,
    );
  }
  // HDF5 allows a user block before the superblock: the signature may sit at 0, 512, 1024, 2048, ...
  for (let at = 0; at + HDF5_SIGNATURE.length <= head.length; at = at === 0 ? 512 : at * 2) {
    if (startsWith(head, HDF5_SIGNATURE, at)) {
      add("hdf5", "high", at === 0 ? "HDF5 superblock" : `HDF5 superblock after a ${at}-byte user block`);
      break;
    }
  }
  if (head.length >= 512 && isTar(head)) {
    const magic = String.fromCharCode(...head.subarray(257, 262));
    add("tar", "high", magic === "ustar" ? "tar archive (ustar)" : "tar archive (v7 header checksum)");
  }
  return found;
}

function sniffSafetensors(head: Uint8Array, fileSize: number): SniffMatch | undefined {
  if (head.length < 9 || head[8] !== 0x7b) return undefined;
  const length = u64le(head, 0);
  if (length < 2 || length > fileSize - 8) return undefined;
  // The header is JSON padded with spaces; when it fits in the head, its end is checkable too.
  const end = 8 + length;
  if (end <= head.length) {
    let last = end - 1;
    while (last > 8 && head[last] === 0x20) last--;
    return head[last] === 0x7d ? { format: "safetensors", confidence: "high", detail: `safetensors header of ${length} bytes` } : undefined;
  }
  return { format: "safetensors", confidence: "medium", detail: `safetensors header of ${length} bytes` };
}

function sniffZlib(head: Uint8Array): SniffMatch | undefined {
  const cmf = head[0] ?? 0;
  const flg = head[1] ?? 0;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0 || (flg & 0x20) !== 0) return undefined;
  // Two bytes are a weak signature ("x^" is one): confirm by inflating the head without needing its end.
  try {
    inflateSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 16 });
  } catch (err) {
    const code = err instanceof Error && "code" in err ? (err as { code: unknown }).code : undefined;
    if (code !== "ERR_BUFFER_TOO_LARGE") return undefined;
  }
  return { format: "zlib", confidence: head.length > 8 ? "high" : "medium", detail: "zlib stream (joblib's default compression)" };
}

function sniffLzmaAlone(head: Uint8Array): SniffMatch | undefined {
  if (head.length < 13) return undefined;
  const props = head[0] ?? 0xff;
  if (props >= 9 * 5 * 5) return undefined;
  const dict = u32le(head, 1);
  // liblzma's picky check: 2^n or 2^n + 2^(n-1), and a known size of at most 256 GiB or "unknown".
  const pow = dict > 0 && (dict & (dict - 1)) === 0;
  const threeHalves = dict > 0 && (((dict / 3) * 2) & ((dict / 3) * 2 - 1)) === 0 && dict % 3 === 0;
  if (!pow && !threeHalves && dict !== 0xffff_ffff) return undefined;
  const unknownSize = head.subarray(5, 13).every((b) => b === 0xff);
  if (!unknownSize && u64le(head, 5) > 2 ** 38) return undefined;
  return { format: "lzma", confidence: props === 0x5d ? "medium" : "low", detail: "LZMA-alone stream (.lzma, joblib's lzma compression)" };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function sniffText(head: Uint8Array, fileSize: number): SniffMatch | undefined {
  if (head.includes(0)) return undefined;
  let bytes = head;
  // A head cut from a longer file may end inside a multi-byte character.
  if (head.length < fileSize) {
    let cut = head.length;
    for (let back = 1; back <= 3 && head.length - back >= 0; back++) {
      const b = head[head.length - back] ?? 0;
      if ((b & 0xc0) === 0xc0) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (need > back) cut = head.length - back;
        break;
      }
      if ((b & 0xc0) !== 0x80) break;
    }
    bytes = head.subarray(0, cut);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  // Control characters beyond whitespace, backspace and escape mean binary.
  if (/[\x01-\x07\x0e-\x1a\x1c-\x1f\x7f]/.test(text)) return undefined;
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    if (head.length >= fileSize) {
      // Python's grammar (NaN, Infinity): what a loader parses as JSON is JSON here too.
      if (parsePythonJson(text.replace(/^\uFEFF/, "")).ok) return { format: "json", confidence: "high", detail: "JSON" };
      // A Jinja template starts with "{" too; the scan refuses a .json file that lands here.
      return { format: "text", confidence: "medium", detail: "UTF-8 text that starts like JSON but does not parse" };
    }
    return { format: "json", confidence: "medium", detail: "JSON (judged from its start)" };
  }
  return { format: "text", confidence: "medium", detail: text.length === 0 ? "empty text" : "UTF-8 text" };
}

/** Detect a file's format from its first bytes (up to 4 KiB is enough) and its size. */
export function sniffFormat(head: Uint8Array, fileSize: number, options: SniffOptions = {}): SniffResult {
  const size = Number.isSafeInteger(fileSize) && fileSize >= head.length ? fileSize : head.length;
  if (size === 0) return { format: "empty", confidence: "high", detail: "an empty file", alsoMatches: [] };
  const matches: SniffMatch[] = sniffMagic(head, size);
  const optional = [sniffSafetensors(head, size), sniffPickle(head, size, options), sniffZlib(head), sniffLzmaAlone(head)];
  for (const m of optional) if (m !== undefined) matches.push(m);
  const text = sniffText(head, size);
  if (text !== undefined) matches.push(text);
  // Stable sort: equal confidence keeps the order above (signatures first, text last).
  const ranked = matches
    .map((m, i) => ({ m, i }))
    .sort((a, b) => RANK[b.m.confidence] - RANK[a.m.confidence] || a.i - b.i)
    .map(({ m }) => m);
  const [best, ...rest] = ranked;
  if (best === undefined) return { format: "unknown-binary", confidence: "low", detail: "no known signature", alsoMatches: [] };
  return { ...best, alsoMatches: rest };
}
