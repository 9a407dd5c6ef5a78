import { JSON_SIMPLE_ESCAPES } from "./json-escapes.js";
// safetensors, the weights format that cannot execute code (spec: huggingface/safetensors README and
// safetensors/src/tensor.rs). The danger is not code but a header that lies: offsets that overlap or run
// past the file, sizes that disagree with the shape, duplicate keys that two readers resolve differently.
// This module checks the header the way the reference reader does, and stricter where the spec says
// "must" and the reader forgets. It does no I/O: the caller hands it the first bytes of the file.
//
// Layout: u64 little-endian N | N bytes of UTF-8 JSON (may be padded with spaces) | data section.
// The JSON maps tensor names to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data
// section) plus an optional "__metadata__" string→string map.

/** The reference reader refuses headers over 100 MB; so do we, before reading them. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/**
 * Bits per element of every dtype the format defines. Sub-byte dtypes (F4, F6_*) pack elements, so a
 * tensor's size is computed in bits and must come out as whole bytes. FNUZ variants and C64 arrived after
 * safetensors 0.5; a file using them is still well-formed.
 */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    BOOL: 8,
    F4: 4,
    F6_E2M3: 6,
    F6_E3M2: 6,
    U8: 8,
    I8: 8,
    F8_E5M2: 8,
    F8_E4M3: 8,
    F8_E8M0: 8,
    F8_E4M3FNUZ: 8,
    F8_E5M2FNUZ: 8,
    I16: 16,
    U16: 16,
    F16: 16,
    BF16: 16,
    I32: 32,
    U32: 32,
    F32: 32,
    C64: 64,
    F64: 64,
    I64: 64,
    U64: 64,
  }),
);

export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte offsets relative to the data section, which starts at `8 + headerLength`. */
  readonly begin: number;
  readonly end: number;
}

export type MetadataFindingKind = "python-code" | "shell-command" | "script" | "url" | "base64-blob" | "escaped-bytes";

/** A metadata string that looks like code, a command or a link. Metadata never executes: informational. */
export interface SafetensorsMetadataFinding {
  readonly key: string;
  readonly kind: MetadataFindingKind;
  /** What matched and a little context, at most ~160 characters. */
  readonly excerpt: string;
  /** One line for a report: what it looks like and the excerpt. */
  readonly detail: string;
}

const KIND_LABELS: Readonly<Record<MetadataFindingKind, string>> = {
  "python-code": "looks like Python code",
  "shell-command": "looks like a shell command",
  script: "looks like HTML/JavaScript",
  url: "contains a URL",
  "base64-blob": "contains a long base64 blob",
  "escaped-bytes": "contains escaped byte sequences",
};

export interface SafetensorsHeader {
  /** True when `problems` is empty: the header is well-formed and describes the file exactly. */
  readonly ok: boolean;
  /** N, the declared JSON length; undefined when the first 8 bytes were not there. */
  readonly headerLength: number | undefined;
  /** Tensors sorted by `begin`: every entry whose data_offsets could be read (the problems say what else is wrong). */
  readonly tensors: readonly SafetensorsTensor[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly metadataFindings: readonly SafetensorsMetadataFinding[];
  readonly problems: readonly string[];
}

/** Returned when `head` stops before the header does: read exactly `needs` bytes from the start and call again. */
export interface SafetensorsNeedsMore {
  readonly needs: number;
}

const MAX_PROBLEMS = 50;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
const MAX_METADATA_FINDINGS = 100;
/** root object → tensor entry → shape array. Anything deeper is not a safetensors header. */
const MAX_JSON_DEPTH = 3;

/**
 * Checks a safetensors header. `head` is the file's first bytes (at least 8 to learn N); `fileSize` is the
 * whole file's length. Never throws: a malformed file comes back with `ok: false` and the reasons.
 */
export function parseSafetensorsHeader(head: Uint8Array, fileSize: number): SafetensorsNeedsMore | SafetensorsHeader {
  const problems = new ProblemList();
  const fail = (headerLength?: number): SafetensorsHeader => result(problems, headerLength, [], emptyRecord(), []);
  try {
    if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
      problems.add(`file size ${fileSize} is not a byte count`);
      return fail();
    }
    if (head.length > fileSize) {
      problems.add(`${head.length} bytes were handed over for a file of ${fileSize} bytes`);
      return fail();
    }
    if (fileSize < 8) {
      problems.add(`a safetensors file starts with an 8-byte header length; this file has ${fileSize} bytes`);
      return fail();
    }
    if (head.length < 8) return { needs: 8 };

    const declared = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (declared > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
      problems.add(`header length ${declared} exceeds the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`);
      return fail();
    }
    const headerLength = Number(declared);
    if (8 + headerLength > fileSize) {
      problems.add(`header length ${headerLength} runs past the end of the ${fileSize}-byte file`);
      return fail(headerLength);
    }
    if (headerLength < 2) {
      problems.add(`header length ${headerLength} is too short to hold a JSON object`);
      return fail(headerLength);
    }
    if (head.length < 8 + headerLength) return { needs: 8 + headerLength };

    const headerBytes = head.subarray(8, 8 + headerLength);
    // The spec: the header must begin with "{". Checked on bytes so a BOM cannot slip through the decoder.
    if (headerBytes[0] !== 0x7b) {
      problems.add(`header must start with "{", found byte 0x${(headerBytes[0] ?? 0).toString(16).padStart(2, "0")}`);
      return fail(headerLength);
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
    } catch {
      problems.add("header is not valid UTF-8");
      return fail(headerLength);
    }
    const parsed = parseStrictJson(text, MAX_JSON_DEPTH);
    if (!parsed.ok) {
      problems.add(`header is not valid JSON: ${parsed.error}`);
      return fail(headerLength);
    }
    if (!(parsed.value instanceof Map)) {
      problems.add("header JSON must be an object");
      return fail(headerLength);
    }
    return checkHeader(parsed.value, headerLength, fileSize - 8 - headerLength, problems);
  } catch (err) {
    // Nothing above should throw; if it does, the file is refused rather than the scan crashing.
    problems.add(`internal error while reading the header: ${err instanceof Error ? err.message : String(err)}`);
    return fail();
  }
}

function checkHeader(root: JsonObject, headerLength: number, dataLength: number, problems: ProblemList): SafetensorsHeader {
  const metadata = emptyRecord();
  const tensors: SafetensorsTensor[] = [];
  for (const [name, entry] of root) {
    if (name === "__metadata__") {
      readMetadata(entry, metadata, problems);
      continue;
    }
    const tensor = readTensor(name, entry, problems);
    if (tensor !== undefined) tensors.push(tensor);
  }

  for (const t of tensors) {
    if (t.end > dataLength) {
      problems.add(`tensor ${quote(t.name)}: data_offsets [${t.begin}, ${t.end}] run past the ${dataLength}-byte data section`);
    }
  }
  // The reference reader sorts by offsets and demands each tensor start where the previous one ended;
  // a gap hides bytes no tensor accounts for, an overlap makes two tensors share storage.
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: SafetensorsTensor | undefined;
  for (const t of tensors) {
    if (t.begin > cursor) {
      problems.add(`gap of ${t.begin - cursor} bytes before tensor ${quote(t.name)} (bytes ${cursor}..${t.begin} belong to no tensor)`);
    } else if (t.begin < cursor) {
      problems.add(
        `tensor ${quote(t.name)} [${t.begin}, ${t.end}] overlaps ${previous ? `tensor ${quote(previous.name)}` : "the previous tensor"} (which ends at ${cursor})`,
      );
    }
    cursor = Math.max(cursor, t.end);
    previous = t;
  }
  if (cursor < dataLength) {
    problems.add(`data section is ${dataLength} bytes but the tensors cover only ${cursor}: ${dataLength - cursor} trailing bytes belong to no tensor`);
  }

  return result(problems, headerLength, tensors, metadata, scanMetadata(metadata));
}

function readMetadata(entry: JsonValue, into: Record<string, string>, problems: ProblemList): void {
  if (!(entry instanceof Map)) {
    problems.add(`__metadata__ must be an object of strings, found ${describe(entry)}`);
    return;
  }
  for (const [key, value] of entry) {
    if (typeof value !== "string") {
      problems.add(`__metadata__[${quote(key)}] must be a string, found ${describe(value)}`);
      continue;
    }
    into[key] = value;
  }
}

function readTensor(name: string, entry: JsonValue, problems: ProblemList): SafetensorsTensor | undefined {
  const where = `tensor ${quote(name)}`;
  if (!(entry instanceof Map)) {
    problems.add(`${where}: entry must be an object, found ${describe(entry)}`);
    return undefined;
  }
  for (const key of entry.keys()) {
    if (key !== "dtype" && key !== "shape" && key !== "data_offsets") {
      problems.add(`${where}: unexpected key ${quote(key)} (an entry holds exactly dtype, shape and data_offsets)`);
    }
  }

  const dtype = entry.get("dtype");
  const bits = typeof dtype === "string" ? SAFETENSORS_DTYPE_BITS[dtype] : undefined;
  if (dtype === undefined) {
    problems.add(`${where}: dtype is missing`);
  } else if (typeof dtype !== "string" || bits === undefined) {
    problems.add(`${where}: dtype ${typeof dtype === "string" ? quote(dtype) : describe(dtype)} is not a safetensors dtype`);
  }

  const shape = readIntegerArray(entry.get("shape"));
  if (shape === undefined) {
    problems.add(`${where}: shape must be an array of non-negative integers, found ${describe(entry.get("shape"))}`);
  }

  const offsets = readIntegerArray(entry.get("data_offsets"));
  if (offsets === undefined || offsets.length !== 2) {
    problems.add(`${where}: data_offsets must be [begin, end] of non-negative integers, found ${describe(entry.get("data_offsets"))}`);
    return undefined;
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    problems.add(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    return undefined;
  }

  if (shape !== undefined && bits !== undefined) {
    // BigInt, because a lying shape multiplies past 2^53 long before anything is allocated.
    let elements = 1n;
    for (const d of shape) {
      elements *= BigInt(d);
      if (elements > U64_MAX) break;
    }
    const totalBits = elements * BigInt(bits);
    if (elements > U64_MAX || totalBits > U64_MAX) {
      // The reference reader's checked multiplication fails here too.
      problems.add(`${where}: shape [${shape.slice(0, 8).join(", ")}${shape.length > 8 ? ", …" : ""}] overflows 64 bits`);
    } else if (totalBits % 8n !== 0n) {
      problems.add(`${where}: ${elements} elements of ${dtype as string} (${bits} bits each) are not a whole number of bytes`);
    } else if (totalBits / 8n !== BigInt(end - begin)) {
      problems.add(
        `${where}: shape [${shape.join(", ")}] of ${dtype as string} needs ${totalBits / 8n} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
  }
  // A tensor with a bad dtype or shape still takes part in the layout checks, so those problems show too.
  return { name, dtype: typeof dtype === "string" ? dtype : "", shape: shape ?? [], begin, end };
}

/** Non-negative safe integers written as plain digits; anything else (1.0, 1e3, -1, 2^60) is refused. */
function readIntegerArray(value: JsonValue | undefined): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: number[] = [];
  for (const item of value) {
    if (!(item instanceof JsonNumber) || !/^(?:0|[1-9][0-9]*)$/.test(item.raw)) return undefined;
    const n = Number(item.raw);
    if (!Number.isSafeInteger(n)) return undefined;
    out.push(n);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Metadata strings that look like something other than data

interface MetadataPattern {
  readonly kind: MetadataFindingKind;
  readonly re: RegExp;
}

// Each pattern is linear-time (no nested quantifiers) so a 100 MB metadata value cannot stall the scan.
const METADATA_PATTERNS: readonly MetadataPattern[] = [
  { kind: "python-code", re: /\bimport\s+[A-Za-z_][\w.]*|\bfrom\s+[A-Za-z_][\w.]*\s+import\b/ },
  { kind: "python-code", re: /__import__|\bsubprocess\b|\bos\.(?:system|popen|exec\w*|spawn\w*)\b|\b(?:eval|exec|compile|getattr)\s*\(/ },
  { kind: "python-code", re: /\b(?:pickle|marshal|dill|cloudpickle)\.loads?\b|\bbase64\.b64decode\b|\bbuiltins\b/ },
  { kind: "shell-command", re: /\b(?:curl|wget)\b[^|\n]{0,200}\|\s*(?:ba|z|da)?sh\b/ },
  {
    kind: "shell-command",
    re: /\brm\s+-[a-zA-Z]*[rf][a-zA-Z]*\s|\bchmod\s+(?:[0-7]{3,4}|[ugoa]*\+[rwxs]+)\s|\/bin\/(?:ba|z|da)?sh\b|\bnc\s+-[a-z]*e\b|\bbash\s+-c\b|\bpowershell\b|\$\([^)]{1,200}\)/,
  },
  { kind: "shell-command", re: /(?:&&|;|\|)\s*(?:curl|wget|sh|bash|python3?|perl|nc)\b/ },
  { kind: "script", re: /<\s*script\b|\bjavascript:|\bon(?:error|load)\s*=|\bdocument\.(?:cookie|location)\b/i },
  { kind: "url", re: /\b(?:https?|ftp|file):\/\/[^\s"'<>]+/i },
  { kind: "base64-blob", re: /[A-Za-z0-9+/]{201,}={0,2}/ },
  { kind: "escaped-bytes", re: /(?:\\x[0-9a-fA-F]{2}){4,}|(?:\\u[0-9a-fA-F]{4}){4,}/ },
];

function scanMetadata(metadata: Readonly<Record<string, string>>): SafetensorsMetadataFinding[] {
  const findings: SafetensorsMetadataFinding[] = [];
  for (const key of Object.keys(metadata)) {
    const value = metadata[key] ?? "";
    const seen = new Set<MetadataFindingKind>();
    for (const text of [key, value]) {
      for (const { kind, re } of METADATA_PATTERNS) {
        if (seen.has(kind)) continue;
        const m = re.exec(text);
        if (m === null) continue;
        seen.add(kind);
        if (findings.length >= MAX_METADATA_FINDINGS) return findings;
        const shown = excerpt(text, m.index, m[0].length);
        const where = text === key ? "key" : "value";
        findings.push({ key, kind, excerpt: shown, detail: `metadata ${where} ${KIND_LABELS[kind]} (informational: metadata is never executed): ${shown}` });
      }
    }
  }
  return findings;
}

function excerpt(text: string, at: number, length: number): string {
  const start = Math.max(0, at - 40);
  const end = Math.min(text.length, at + Math.min(length, 80) + 40);
  return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
}

// ---------------------------------------------------------------------------------------------------------
// A strict, bounded JSON reader. JSON.parse is not enough here: it keeps the last of two duplicate keys
// silently (another reader may keep the first), turns 2^64 into a rounded float, accepts lone surrogates,
// and gives no say over nesting. This reader fails on all of those and keeps numbers as their text.

export class JsonNumber {
  constructor(readonly raw: string) {}
}
export type JsonObject = Map<string, JsonValue>;
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

class JsonSyntaxError extends Error {}

/**
 * Parses RFC 8259 JSON with duplicate keys refused and nesting limited to `maxDepth` containers.
 * Exported for the header reader's tests; objects come back as Maps in document order.
 */
export function parseStrictJson(text: string, maxDepth: number): { ok: true; value: JsonValue } | { ok: false; error: string } {
  const reader = new StrictJsonReader(text, maxDepth);
  try {
    reader.skipWhitespace();
    const value = reader.value(0);
    reader.skipWhitespace();
    if (reader.pos !== text.length) reader.fail("unexpected text after the JSON value");
    return { ok: true, value };
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}

class StrictJsonReader {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  fail(message: string): never {
    throw new JsonSyntaxError(`${message} at character ${this.pos}`);
  }

  skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  value(depth: number): JsonValue {
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.object(depth + 1);
      case "[":
        return this.array(depth + 1);
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
        return this.fail(c === undefined ? "unexpected end of JSON" : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  private enter(depth: number): void {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`);
  }

  private object(depth: number): JsonObject {
    this.enter(depth);
    this.pos++; // {
    const out: JsonObject = new Map();
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail("expected a string key");
      const keyAt = this.pos;
      const key = this.string();
      if (out.has(key)) {
        this.pos = keyAt;
        this.fail(`duplicate key ${JSON.stringify(key)}`);
      }
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") this.fail('expected ":"');
      this.pos++;
      this.skipWhitespace();
      out.set(key, this.value(depth));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "}") return out;
      if (c !== ",") {
        this.pos--;
        this.fail('expected "," or "}"');
      }
      this.skipWhitespace();
    }
  }

  private array(depth: number): JsonValue[] {
    this.enter(depth);
    this.pos++; // [
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.value(depth));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "]") return out;
      if (c !== ",") {
        this.pos--;
        this.fail('expected "," or "]"');
      }
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private number(): JsonNumber {
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    m.lastIndex = this.pos;
    const found = m.exec(this.text);
    if (found === null) this.fail("malformed number");
    this.pos += found[0].length;
    return new JsonNumber(found[0]);
  }

  private string(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = "";
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail("unterminated string");
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail("control character in string");
      // Unescaped text came through a fatal UTF-8 decode, so it holds no lone surrogates.
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(runStart, this.pos);
      this.pos++;
      const e = t[this.pos];
      this.pos++;
      const simple = e === undefined ? undefined : JSON_SIMPLE_ESCAPES.get(e);
      if (simple !== undefined) {
        out += simple;
        runStart = this.pos;
        continue;
      }
      switch (e) {
        case "u": {
          const unit = this.hex4();
          if (unit >= 0xd800 && unit <= 0xdbff) {
            // A high surrogate must be followed by an escaped low one; serde_json refuses anything else.
            if (t[this.pos] !== "\\" || t[this.pos + 1] !== "u") this.fail("lone surrogate in \\u escape");
            this.pos += 2;
            const low = this.hex4();
            if (low < 0xdc00 || low > 0xdfff) this.fail("lone surrogate in \\u escape");
            out += String.fromCharCode(unit, low);
          } else if (unit >= 0xdc00 && unit <= 0xdfff) {
            this.fail("lone surrogate in \\u escape");
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default:
          this.pos--;
          this.fail("invalid escape in string");
      }
      runStart = this.pos;
    }
  }

  private hex4(): number {
    const digits = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail("malformed \\u escape");
    this.pos += 4;
    return parseInt(digits, 16);
  }
}

// ---------------------------------------------------------------------------------------------------------

class ProblemList {
  readonly items: string[] = [];
  private dropped = 0;
  add(problem: string): void {
    if (this.items.length < MAX_PROBLEMS) this.items.push(problem);
    else this.dropped++;
  }
  list(): string[] {
    return this.dropped === 0 ? this.items : [...this.items, `… and ${this.dropped} more problems`];
  }
}

function result(
  problems: ProblemList,
  headerLength: number | undefined,
  tensors: SafetensorsTensor[],
  metadata: Record<string, string>,
  metadataFindings: SafetensorsMetadataFinding[],
): SafetensorsHeader {
  const list = problems.list();
  return { ok: list.length === 0, headerLength, tensors, metadata, metadataFindings, problems: list };
}

/** Metadata keys come from the file: a null prototype keeps "__proto__" or "constructor" plain keys. */
function emptyRecord(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (value instanceof JsonNumber) return `the number ${value.raw.slice(0, 40)}`;
  if (value instanceof Map) return "an object";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return `the string ${quote(value)}`;
  return String(value);
}

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}
