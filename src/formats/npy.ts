// NumPy's .npy header, and the small Python-literal reader it needs.
//
// Layout: "\x93NUMPY" | major | minor | header length (u16 LE in v1, u32 LE in v2 and v3) | header | data.
// The header is the repr of a dict, {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }, padded
// with spaces and a newline; numpy reads it with ast.literal_eval. We never evaluate it: parsePythonLiteral
// accepts the literal syntax literal_eval accepts (bounded in length, depth and size) and nothing else.
//
// What matters for safety: an array whose dtype holds Python objects ('O', or numpy 2's StringDType 'T',
// alone or inside a structured dtype) is stored as a pickle right after the header, and
// numpy.load(allow_pickle=True) unpickles it. No I/O, never throws.

export const NPY_MAGIC = Object.freeze([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"
/** numpy.load refuses a longer header unless allow_pickle=True (numpy.lib.format._MAX_HEADER_SIZE). */
export const NPY_NUMPY_MAX_HEADER = 10_000;
/** Longer headers are not inspected at all. */
export const NPY_MAX_HEADER_BYTES = 1 << 20;

// ---------------------------------------------------------------------------------------------------------
// Python literals

export type PyLiteral =
  | { readonly type: "str"; readonly value: string }
  | { readonly type: "bytes"; readonly value: Uint8Array }
  | { readonly type: "int"; readonly value: bigint }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "none" }
  | { readonly type: "tuple" | "list" | "set"; readonly items: readonly PyLiteral[] }
  | { readonly type: "dict"; readonly entries: readonly (readonly [PyLiteral, PyLiteral])[] };

export interface PyLiteralLimits {
  /** Nesting of containers (default 32). */
  readonly maxDepth?: number;
  /** Values of any kind, containers included (default 100,000). */
  readonly maxValues?: number;
  /** Accept Python 2's long suffix (3L), as numpy does for v1 and v2 headers. */
  readonly allowLongSuffix?: boolean;
}

export type PyLiteralResult = { readonly ok: true; readonly value: PyLiteral } | { readonly ok: false; readonly error: string; readonly offset: number };

class LiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { "\\": 0x5c, "'": 0x27, '"': 0x22, a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };

class LiteralParser {
  private at = 0;
  private values = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly maxValues: number,
    private readonly allowLongSuffix: boolean,
  ) {}

  parse(): PyLiteral {
    // literal_eval strips leading spaces and tabs; the eval-mode tokenizer allows surrounding blank lines.
    this.skipSpace();
    const value = this.value(0);
    this.skipSpace();
    if (this.at < this.text.length) this.fail("unexpected text after the literal");
    return value;
  }

  private fail(message: string): never {
    throw new LiteralError(message, this.at);
  }

  private peek(offset = 0): string {
    return this.text[this.at + offset] ?? "";
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") this.at++;
      else if (c === "\\" && (this.peek(1) === "\n" || this.peek(1) === "\r")) this.at += 2;
      else if (c === "#") {
        while (this.at < this.text.length && this.peek() !== "\n") this.at++;
      } else return;
    }
  }

  private count(): void {
    if (++this.values > this.maxValues) this.fail(`more than ${this.maxValues} values`);
  }

  private value(depth: number): PyLiteral {
    this.count();
    this.skipSpace();
    const c = this.peek();
    if (c === "{") return this.braces(depth);
    if (c === "[") return { type: "list", items: this.sequence(depth, "]") };
    if (c === "(") return this.parens(depth);
    if (c === "+" || c === "-") return this.signed();
    if (/[0-9.]/.test(c)) return this.number();
    if (c === "'" || c === '"' || /^[rRbBuU]{1,2}['"]/.test(this.text.slice(this.at, this.at + 3))) return this.strings();
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.at, this.at + 64))?.[0];
    if (name === "True" || name === "False") {
      this.at += name.length;
      return { type: "bool", value: name === "True" };
    }
    if (name === "None") {
      this.at += 4;
      return { type: "none" };
    }
    if (name === "set") {
      // literal_eval's one call: set() for the empty set.
      this.at += 3;
      this.skipSpace();
      if (this.peek() !== "(") this.fail("a name is not a literal");
      this.at++;
      this.skipSpace();
      if (this.peek() !== ")") this.fail("only set() with no arguments is a literal");
      this.at++;
      return { type: "set", items: [] };
    }
    if (c === "") this.fail("the literal ends early");
    return this.fail(name === undefined ? `unexpected ${JSON.stringify(c)}` : `${name} is not a literal`);
  }

  private enter(depth: number): number {
    if (depth + 1 > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth}`);
    return depth + 1;
  }

  private sequence(depth: number, close: string): PyLiteral[] {
    const inner = this.enter(depth);
    this.at++; // opening bracket
    const items: PyLiteral[] = [];
    for (;;) {
      this.skipSpace();
      if (this.peek() === close) {
        this.at++;
        return items;
      }
      items.push(this.value(inner));
      this.skipSpace();
      if (this.peek() === ",") this.at++;
      else if (this.peek() !== close) this.fail(`expected "," or "${close}"`);
    }
  }

  private parens(depth: number): PyLiteral {
    const inner = this.enter(depth);
    this.at++;
    this.skipSpace();
    if (this.peek() === ")") {
      this.at++;
      return { type: "tuple", items: [] };
    }
    const first = this.value(inner);
    this.skipSpace();
    if (this.peek() === ")") {
      this.at++;
      return first; // (x) is x, not a tuple
    }
    if (this.peek() !== ",") this.fail('expected "," or ")"');
    this.at++;
    const items = [first];
    for (;;) {
      this.skipSpace();
      if (this.peek() === ")") {
        this.at++;
        return { type: "tuple", items };
      }
      items.push(this.value(inner));
      this.skipSpace();
      if (this.peek() === ",") this.at++;
      else if (this.peek() !== ")") this.fail('expected "," or ")"');
    }
  }

  private braces(depth: number): PyLiteral {
    const inner = this.enter(depth);
    this.at++;
    this.skipSpace();
    if (this.peek() === "}") {
      this.at++;
      return { type: "dict", entries: [] };
    }
    const first = this.value(inner);
    this.skipSpace();
    if (this.peek() !== ":") {
      // A set display.
      const items = [first];
      for (;;) {
        this.skipSpace();
        if (this.peek() === ",") this.at++;
        else if (this.peek() !== "}") this.fail('expected "," or "}"');
        this.skipSpace();
        if (this.peek() === "}") {
          this.at++;
          return { type: "set", items };
        }
        items.push(this.value(inner));
      }
    }
    const entries: [PyLiteral, PyLiteral][] = [];
    let key = first;
    for (;;) {
      this.skipSpace();
      if (this.peek() !== ":") this.fail('expected ":"');
      this.at++;
      entries.push([key, this.value(inner)]);
      this.skipSpace();
      if (this.peek() === ",") this.at++;
      else if (this.peek() !== "}") this.fail('expected "," or "}"');
      this.skipSpace();
      if (this.peek() === "}") {
        this.at++;
        return { type: "dict", entries };
      }
      key = this.value(inner);
    }
  }

  private signed(): PyLiteral {
    // literal_eval folds one unary + or - applied directly to a numeric literal (not to a bool, not twice).
    const negative = this.peek() === "-";
    this.at++;
    this.skipSpace();
    if (!/[0-9.]/.test(this.peek())) this.fail("a sign applies only to a number");
    const operand = this.number();
    if (operand.type === "int") return { type: "int", value: negative ? -operand.value : operand.value };
    if (operand.type === "float") return { type: "float", value: negative ? -operand.value : operand.value };
    return this.fail("a sign applies only to a number");
  }

  private number(): PyLiteral {
    const rest = this.text.slice(this.at, this.at + 4096);
    const radix = /^0([xX](?:_?[0-9a-fA-F])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)/.exec(rest);
    let literal: PyLiteral;
    let length: number;
    if (radix !== null) {
      const body = (radix[1] ?? "").replace(/_/g, "");
      literal = { type: "int", value: BigInt(`0${body[0]?.toLowerCase()}${body.slice(1)}`) };
      length = radix[0].length;
    } else {
      const float = /^(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?/.exec(rest);
      const text = float?.[0] ?? "";
      if (text === "" || text === ".") this.fail("not a number");
      length = text.length;
      const clean = text.replace(/_/g, "");
      if (/[.eE]/.test(clean)) literal = { type: "float", value: Number(clean) };
      else {
        if (/^0+[1-9]/.test(clean)) this.fail("leading zeros in a decimal integer are not Python");
        literal = { type: "int", value: BigInt(clean) };
      }
    }
    this.at += length;
    const next = this.peek();
    if ((next === "L" || next === "l") && this.allowLongSuffix && literal.type === "int") this.at++;
    else if (next === "j" || next === "J") this.fail("complex numbers are not supported");
    if (/[A-Za-z0-9_]/.test(this.peek())) this.fail("not a number");
    return literal;
  }

  private strings(): PyLiteral {
    // Adjacent literals concatenate; str and bytes do not mix.
    let kind: "str" | "bytes" | undefined;
    const parts: number[] = [];
    let text = "";
    for (;;) {
      this.skipSpace();
      const prefix = /^[rRbBuU]{0,2}(?=['"])/.exec(this.text.slice(this.at, this.at + 3))?.[0];
      if (prefix === undefined) break;
      const lower = prefix.toLowerCase();
      if (!["", "r", "u", "b", "br", "rb"].includes(lower)) this.fail(`${prefix} is not a string prefix literal_eval accepts`);
      const isBytes = lower.includes("b");
      const raw = lower.includes("r");
      if (kind !== undefined && kind !== (isBytes ? "bytes" : "str")) this.fail("cannot mix bytes and str literals");
      kind = isBytes ? "bytes" : "str";
      this.at += prefix.length;
      const piece = this.quoted(raw, isBytes);
      if (isBytes) for (const c of piece) parts.push(c.charCodeAt(0));
      else text += piece;
    }
    return kind === "bytes" ? { type: "bytes", value: Uint8Array.from(parts) } : { type: "str", value: text };
  }

  private quoted(raw: boolean, isBytes: boolean): string {
    const q = this.peek();
    const triple = this.peek(1) === q && this.peek(2) === q;
    const close = triple ? q.repeat(3) : q;
    this.at += close.length;
    let out = "";
    for (;;) {
      if (this.at >= this.text.length) this.fail("unterminated string");
      if (this.text.startsWith(close, this.at)) {
        this.at += close.length;
        return out;
      }
      const c = this.peek();
      if (!triple && (c === "\n" || c === "\r")) this.fail("newline in a single-quoted string");
      if (isBytes && c.charCodeAt(0) > 0x7f) this.fail("bytes literals hold ASCII only");
      if (c !== "\\") {
        out += c;
        this.at++;
        continue;
      }
      const e = this.peek(1);
      if (e === "") this.fail("unterminated string");
      if (raw) {
        // A raw string keeps the backslash, but a backslash still stops the quote from closing it.
        out += c + e;
        this.at += 2;
        continue;
      }
      this.at += 2;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) out += String.fromCharCode(simple);
      else if (e === "\n") continue;
      else if (e === "\r") {
        if (this.peek() === "\n") this.at++;
      } else if (/[0-7]/.test(e)) {
        let digits = e;
        while (digits.length < 3 && /[0-7]/.test(this.peek())) {
          digits += this.peek();
          this.at++;
        }
        const code = parseInt(digits, 8);
        if (isBytes && code > 0xff) this.fail("octal escape out of range in bytes");
        out += String.fromCharCode(code);
      } else if (e === "x" || (!isBytes && (e === "u" || e === "U"))) {
        const width = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = this.text.slice(this.at, this.at + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) this.fail(`truncated \\${e} escape`);
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) this.fail("escape beyond Unicode");
        out += String.fromCodePoint(code);
        this.at += width;
      } else if (e === "N" && !isBytes) {
        this.fail("\\N{...} escapes are not supported");
      } else {
        // Python keeps unknown escapes as written.
        out += `\\${e}`;
      }
    }
  }
}

/** Parse a Python literal as ast.literal_eval would (minus complex numbers and \N{} escapes), never evaluating anything. */
export function parsePythonLiteral(text: string, limits: PyLiteralLimits = {}): PyLiteralResult {
  try {
    const parser = new LiteralParser(text, limits.maxDepth ?? 32, limits.maxValues ?? 100_000, limits.allowLongSuffix ?? false);
    return { ok: true, value: parser.parse() };
  } catch (err) {
    if (err instanceof LiteralError) return { ok: false, error: err.message, offset: err.offset };
    return { ok: false, error: err instanceof Error ? err.message : String(err), offset: 0 };
  }
}

/** Python equality for the keys a header can have: str with str, int with int (True == 1). */
function dictGet(dict: Extract<PyLiteral, { type: "dict" }>, key: string): PyLiteral | undefined {
  let found: PyLiteral | undefined;
  for (const [k, v] of dict.entries) if (k.type === "str" && k.value === key) found = v; // the last duplicate wins
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// dtypes

export interface NpyDtype {
  /** Whether this scanner recognised every part of the descriptor. */
  readonly understood: boolean;
  readonly hasObjects: boolean;
  /** Bytes per element; undefined when unknown or platform-dependent. */
  readonly itemSize: number | undefined;
}

// Sizes on the 64-bit platforms models are loaded on; 'l', 'L' (C long) and the long doubles vary, so unknown.
const CODE_SIZES: Readonly<Record<string, number | undefined>> = {
  "?": 1,
  b: 1,
  B: 1,
  h: 2,
  H: 2,
  i: 4,
  I: 4,
  l: undefined,
  L: undefined,
  q: 8,
  Q: 8,
  p: 8,
  P: 8,
  e: 2,
  f: 4,
  d: 8,
  g: undefined,
  F: 8,
  D: 16,
  G: undefined,
  O: 8,
  M: 8,
  m: 8,
  c: 1,
  T: 16,
};
const SIZED_KINDS: Readonly<Record<string, readonly number[] | "any">> = {
  b: [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8, 12, 16],
  c: [8, 16, 24, 32],
  O: [4, 8],
  M: [8],
  m: [8],
  S: "any",
  a: "any",
  U: "any",
  V: "any",
};
const NAMED_SIZES: Readonly<Record<string, number | undefined>> = {
  bool: 1,
  bool_: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
  complex64: 8,
  complex128: 16,
  half: 2,
  single: 4,
  double: 8,
  float: 8,
  int: 8,
  complex: 16,
  uint: 8,
  intp: 8,
  uintp: 8,
  intc: 4,
  uintc: 4,
  byte: 1,
  ubyte: 1,
  short: 2,
  ushort: 2,
  longlong: 8,
  ulonglong: 8,
  long: undefined,
  ulong: undefined,
  longdouble: undefined,
  clongdouble: undefined,
  str: 0,
  str_: 0,
  bytes: 0,
  bytes_: 0,
  void: 0,
  object: 8,
  object_: 8,
  datetime64: 8,
  timedelta64: 8,
};
const DATETIME_UNIT = /^\[(?:\d+)?(?:Y|M|W|D|h|m|s|ms|us|μs|ns|ps|fs|as|generic)\]$/;

/** Split numpy's comma-separated format string ('i4,(2,3)f8') at commas outside brackets; undefined if unbalanced. */
function splitTopLevel(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") {
      if (--depth < 0) return undefined;
    } else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(text.slice(start));
  return parts;
}

/** One dtype string ('<f4', 'U10', 'M8[ns]', 'float32', '(2,3)i4', 'i4,O'). */
function analyzeDtypeString(text: string): NpyDtype {
  // 'O' (object) and 'T' (StringDType) are the only codes, and "object" the only name, that hold references.
  const hasObjects = /[OT]|object/.test(text);
  const parts = splitTopLevel(text);
  if (parts === undefined) return { understood: false, hasObjects, itemSize: undefined };
  if (parts.length > 1) {
    const fields = parts.map((p) => analyzeDtypeString(p));
    const sizes = fields.map((f) => f.itemSize);
    return {
      understood: fields.every((f) => f.understood),
      hasObjects,
      itemSize: sizes.every((s): s is number => s !== undefined) ? sizes.reduce((a, b) => a + b, 0) : undefined,
    };
  }
  const m = /^\s*(?:\(\s*(\d+(?:\s*,\s*\d+)*)\s*,?\s*\)|(\d+)(?=[^\d]))?\s*([<>|=]?)\s*([A-Za-z_?][A-Za-z0-9_]*|\?)\s*(\[[^\]]*\])?\s*$/.exec(text);
  if (m === null) return { understood: false, hasObjects, itemSize: undefined };
  const repeat = (m[1] ?? m[2] ?? "1").split(",").reduce((a, d) => a * Number(d.trim()), 1);
  const body = m[4] ?? "";
  const unit = m[5];
  let size: number | undefined;
  let known = false;
  const sized = /^([a-zA-Z])(\d+)$/.exec(body);
  if (sized !== null) {
    const kind = sized[1] ?? "";
    const n = Number(sized[2]);
    const allowed = SIZED_KINDS[kind];
    if (allowed !== undefined && (allowed === "any" || allowed.includes(n))) {
      known = true;
      // f12/f16 and c24/c32 are the platform's long double: size unknown.
      size = kind === "U" ? 4 * n : kind === "O" ? 8 : (kind === "f" && n >= 12) || (kind === "c" && n >= 24) ? undefined : n;
    }
  } else if (body.length === 1 && body in CODE_SIZES) {
    known = true;
    size = CODE_SIZES[body];
  } else if (body.length === 1 && (body === "S" || body === "a" || body === "U" || body === "V")) {
    known = true;
    size = 0;
  } else if (Object.hasOwn(NAMED_SIZES, body) || /^(?:datetime64|timedelta64)$/.test(body)) {
    known = true;
    size = NAMED_SIZES[body];
  }
  const isTime = body === "M" || body === "m" || body === "M8" || body === "m8" || body === "datetime64" || body === "timedelta64";
  if (unit !== undefined && !(isTime && DATETIME_UNIT.test(unit))) known = false;
  return { understood: known, hasObjects, itemSize: known && size !== undefined && Number.isSafeInteger(repeat) ? size * repeat : undefined };
}

/** A header's 'descr': a dtype string, a (subtype, shape) tuple, or a structured list of fields. */
export function analyzeNpyDescr(descr: PyLiteral, depth = 0): NpyDtype {
  if (depth > 16) return { understood: false, hasObjects: true, itemSize: undefined };
  if (descr.type === "str") return analyzeDtypeString(descr.value);
  if (descr.type === "tuple" && descr.items.length === 2) {
    const [sub, shape] = descr.items;
    const inner = sub === undefined ? undefined : analyzeNpyDescr(sub, depth + 1);
    if (inner === undefined) return { understood: false, hasObjects: true, itemSize: undefined };
    const count = shapeCount(shape);
    return {
      understood: inner.understood && count !== undefined,
      hasObjects: inner.hasObjects,
      itemSize: inner.itemSize !== undefined && count !== undefined ? inner.itemSize * count : undefined,
    };
  }
  if (descr.type === "list") {
    let understood = true;
    let hasObjects = false;
    let itemSize: number | undefined = 0;
    for (const field of descr.items) {
      // numpy unpacks each field as (name, type) or (name, type, shape); anything else is not a dtype we can vouch for.
      if ((field.type !== "tuple" && field.type !== "list") || field.items.length < 2 || field.items.length > 3) {
        return { understood: false, hasObjects: true, itemSize: undefined };
      }
      const type = field.items[1];
      const inner = type === undefined ? undefined : analyzeNpyDescr(type, depth + 1);
      if (inner === undefined) return { understood: false, hasObjects: true, itemSize: undefined };
      const count = field.items.length === 3 ? shapeCount(field.items[2]) : 1;
      understood &&= inner.understood && count !== undefined;
      hasObjects ||= inner.hasObjects;
      itemSize = itemSize !== undefined && inner.itemSize !== undefined && count !== undefined ? itemSize + inner.itemSize * count : undefined;
    }
    return { understood, hasObjects, itemSize };
  }
  // numpy would iterate anything else (a dict's keys, a string's characters) as fields: refuse to vouch.
  return { understood: false, hasObjects: true, itemSize: undefined };
}

function shapeCount(shape: PyLiteral | undefined): number | undefined {
  if (shape === undefined) return undefined;
  if (shape.type === "int") return shape.value >= 0n && shape.value <= 1n << 40n ? Number(shape.value) : undefined;
  if (shape.type !== "tuple") return undefined;
  let count = 1;
  for (const d of shape.items) {
    if (d.type !== "int" || d.value < 0n || d.value > 1n << 40n) return undefined;
    count *= Number(d.value);
    if (!Number.isSafeInteger(count)) return undefined;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------------------
// Header

export interface NpyHeader {
  readonly kind: "npy";
  readonly version: 1 | 2 | 3;
  readonly headerLength: number;
  /** Offset of the array data (or, for object arrays, of the pickle). */
  readonly dataOffset: number;
  /** The dtype string, or the parsed literal of a structured or subarray dtype. */
  readonly descr: string | PyLiteral;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** The dtype holds Python objects: the data is a pickle that numpy.load(allow_pickle=True) runs. */
  readonly hasObjects: boolean;
  readonly dtypeUnderstood: boolean;
  readonly itemSize: number | undefined;
  /** shape × itemSize: what the data should occupy, when both are known and the dtype holds no objects (the caller compares with the file). */
  readonly dataByteLength: number | undefined;
  readonly problems: readonly string[];
}

export interface NpyNeeds {
  readonly kind: "needs";
  /** Read this many bytes from the start of the file and call again. */
  readonly needs: { readonly offset: 0; readonly length: number; readonly reason: string };
}

export interface NpyProblem {
  readonly kind: "problem";
  readonly problem: string;
}

export function isNpy(head: Uint8Array): boolean {
  return NPY_MAGIC.every((b, i) => head[i] === b);
}

/** Parse the header at the start of `bytes` (the first 4 KiB is almost always enough; otherwise `needs`). */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader | NpyNeeds | NpyProblem {
  if (bytes.length < 10) {
    return isNpy(bytes) || bytes.length < 6
      ? { kind: "needs", needs: { offset: 0, length: 12, reason: "the magic, version and header length" } }
      : { kind: "problem", problem: "not a .npy file: no \\x93NUMPY magic" };
  }
  if (!isNpy(bytes)) return { kind: "problem", problem: "not a .npy file: no \\x93NUMPY magic" };
  const major = bytes[6] ?? 0;
  const minor = bytes[7] ?? 0;
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    return { kind: "problem", problem: `.npy format version ${major}.${minor}: numpy reads only 1.0, 2.0 and 3.0` };
  }
  const lengthBytes = major === 1 ? 2 : 4;
  const prefix = 8 + lengthBytes;
  if (bytes.length < prefix) return { kind: "needs", needs: { offset: 0, length: prefix, reason: "the header length" } };
  const headerLength = major === 1 ? (bytes[8] ?? 0) | ((bytes[9] ?? 0) << 8) : new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  if (headerLength > NPY_MAX_HEADER_BYTES) {
    return { kind: "problem", problem: `the .npy header declares ${headerLength} bytes, more than the ${NPY_MAX_HEADER_BYTES} the scanner inspects` };
  }
  const dataOffset = prefix + headerLength;
  if (bytes.length < dataOffset) return { kind: "needs", needs: { offset: 0, length: dataOffset, reason: "the whole .npy header" } };

  const problems: string[] = [];
  const raw = bytes.subarray(prefix, dataOffset);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      return { kind: "problem", problem: "the .npy v3 header is not valid UTF-8: numpy refuses it" };
    }
  } else {
    text = String.fromCharCode(...raw.subarray(0, Math.min(raw.length, 0xffff)));
    for (let i = 0xffff; i < raw.length; i += 0xffff) text += String.fromCharCode(...raw.subarray(i, i + 0xffff));
  }
  if (text.length > NPY_NUMPY_MAX_HEADER) problems.push(`the header is ${text.length} characters long: numpy.load refuses it unless allow_pickle=True`);
  if (dataOffset % 64 !== 0) problems.push(`the data starts at ${dataOffset}, not on the 64-byte boundary numpy writes (tolerated by numpy)`);

  const parsed = parsePythonLiteral(text, { allowLongSuffix: major < 3 });
  if (!parsed.ok) return { kind: "problem", problem: `the .npy header is not a Python literal (${parsed.error} at ${parsed.offset}): numpy refuses it` };
  const dict = parsed.value;
  if (dict.type !== "dict") return { kind: "problem", problem: "the .npy header is not a dict: numpy refuses it" };
  const keys = new Set(dict.entries.map(([k]) => (k.type === "str" ? k.value : `\0${k.type}`)));
  if (keys.size !== 3 || !keys.has("descr") || !keys.has("fortran_order") || !keys.has("shape")) {
    return { kind: "problem", problem: "the .npy header must hold exactly 'descr', 'fortran_order' and 'shape': numpy refuses it" };
  }
  const descr = dictGet(dict, "descr");
  const fortran = dictGet(dict, "fortran_order");
  const shapeValue = dictGet(dict, "shape");
  if (fortran?.type !== "bool") return { kind: "problem", problem: "fortran_order is not True or False: numpy refuses it" };
  if (shapeValue?.type !== "tuple") return { kind: "problem", problem: "shape is not a tuple: numpy refuses it" };
  const shape: number[] = [];
  for (const d of shapeValue.items) {
    // bool is an int to Python's isinstance check
    const n = d.type === "int" ? d.value : d.type === "bool" ? (d.value ? 1n : 0n) : undefined;
    if (n === undefined) return { kind: "problem", problem: "shape holds something other than integers: numpy refuses it" };
    if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) return { kind: "problem", problem: `shape dimension ${n} is impossible` };
    shape.push(Number(n));
  }
  if (descr === undefined) return { kind: "problem", problem: "the header has no descr" };
  const dtype = analyzeNpyDescr(descr);
  if (!dtype.understood) problems.push("the dtype is not one this scanner recognises: it cannot vouch that the data holds no objects");

  let dataByteLength: number | undefined;
  // An object array's data is a pickle, whose length the shape does not predict.
  if (dtype.itemSize !== undefined && !dtype.hasObjects) {
    const total = shape.reduce((a, b) => a * BigInt(b), 1n) * BigInt(dtype.itemSize);
    dataByteLength = total <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(total) : undefined;
    if (dataByteLength === undefined) problems.push("the shape declares more data than any file holds");
  }
  return {
    kind: "npy",
    version: major,
    headerLength,
    dataOffset,
    descr: descr.type === "str" ? descr.value : descr,
    fortranOrder: fortran.value,
    shape,
    hasObjects: dtype.hasObjects,
    dtypeUnderstood: dtype.understood,
    itemSize: dtype.itemSize,
    dataByteLength,
    problems,
  };
}
