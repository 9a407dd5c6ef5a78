import { JSON_SIMPLE_ESCAPES } from "./json-escapes.js";

// JSON as Python's json.load reads it, for the files a Python loader opens (tokenizer_config.json,
// config.json, a Keras archive's config.json and metadata.json). Python accepts more than JSON.parse:
// NaN, Infinity and -Infinity are values, and a key given twice keeps its last value (at the position of
// its first). A scanner that used JSON.parse saw "not JSON" where transformers saw a chat template.
// Bounded: nesting is limited (Python itself stops near 1000 levels with a RecursionError), integers
// longer than Python's 4300-digit limit fail as they do there, and the reader never throws.

export type PythonJsonValue = null | boolean | number | string | PythonJsonValue[] | { [key: string]: PythonJsonValue };

export type PythonJsonResult = { readonly ok: true; readonly value: PythonJsonValue } | { readonly ok: false; readonly error: string; readonly offset: number };

/** Nothing a loader reads nests this deep; Python's own recursion limit is about 1000. */
export const PYTHON_JSON_MAX_DEPTH = 512;
/** sys.get_int_max_str_digits() by default (Python 3.11+): longer integers raise ValueError. */
const PYTHON_INT_MAX_DIGITS = 4300;

class PythonJsonError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses `text` as Python's json.loads would (strict=True, the default). Never throws. */
export function parsePythonJson(text: string, maxDepth = PYTHON_JSON_MAX_DEPTH): PythonJsonResult {
  const reader = new Reader(text, maxDepth);
  try {
    reader.skipWhitespace();
    const value = reader.value(0);
    reader.skipWhitespace();
    if (reader.pos !== text.length) reader.fail("extra data after the JSON value");
    return { ok: true, value };
  } catch (err) {
    if (err instanceof PythonJsonError) return { ok: false, error: err.message, offset: err.offset };
    // A RangeError (stack) or anything else unexpected: still an answer, never an exception.
    return { ok: false, error: `the JSON could not be read: ${err instanceof Error ? err.message : String(err)}`, offset: reader.pos };
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes UTF-8 (a leading BOM is dropped) and parses; bytes that are not UTF-8 are an error, as in Python. */
export function parsePythonJsonBytes(bytes: Uint8Array, maxDepth = PYTHON_JSON_MAX_DEPTH): PythonJsonResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, error: "the file is not valid UTF-8", offset: 0 };
  }
  return parsePythonJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, maxDepth);
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const PLAIN_CHARS = /[^"\\\x00-\x1f]*/y;

class Reader {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  fail(message: string, at = this.pos): never {
    throw new PythonJsonError(`${message} at character ${at}`, at);
  }

  skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  value(depth: number): PythonJsonValue {
    const t = this.text;
    const c = t[this.pos];
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
      case "N":
        return this.literal("NaN", Number.NaN);
      case "I":
        return this.literal("Infinity", Number.POSITIVE_INFINITY);
      default:
        if (c === "-" && t.startsWith("-Infinity", this.pos)) return this.literal("-Infinity", Number.NEGATIVE_INFINITY);
        if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
        return this.fail(c === undefined ? "the JSON ends where a value was expected" : `expecting a value, found ${JSON.stringify(c)}`);
    }
  }

  private literal<T extends PythonJsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail("expecting a value");
    this.pos += word.length;
    return value;
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) return this.fail("expecting a value");
    const raw = m[0];
    if (m[1] === undefined && m[2] === undefined && raw.replace("-", "").length > PYTHON_INT_MAX_DIGITS) {
      this.fail(`an integer of more than ${PYTHON_INT_MAX_DIGITS} digits (Python refuses to convert it)`);
    }
    this.pos += raw.length;
    return Number(raw);
  }

  private enter(depth: number): void {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`);
  }

  private object(depth: number): { [key: string]: PythonJsonValue } {
    this.enter(depth);
    this.pos++; // {
    const out: { [key: string]: PythonJsonValue } = {};
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail("expecting a property name enclosed in double quotes");
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") this.fail("expecting ':' delimiter");
      this.pos++;
      this.skipWhitespace();
      const value = this.value(depth);
      // Python's dict: the last value wins. A plain assignment to "__proto__" would set the prototype instead.
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === "}") {
        this.pos++;
        return out;
      }
      if (c !== ",") this.fail("expecting ',' delimiter");
      this.pos++;
      this.skipWhitespace();
    }
  }

  private array(depth: number): PythonJsonValue[] {
    this.enter(depth);
    this.pos++; // [
    const out: PythonJsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === "]") {
        this.pos++;
        return out;
      }
      if (c !== ",") this.fail("expecting ',' delimiter");
      this.pos++;
      this.skipWhitespace();
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++; // "
    let out = "";
    for (;;) {
      PLAIN_CHARS.lastIndex = this.pos;
      const run = PLAIN_CHARS.exec(t);
      if (run !== null && run[0].length > 0) {
        out += run[0];
        this.pos += run[0].length;
      }
      const c = t.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail("unterminated string", start);
      if (c === 0x22) {
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail("invalid control character in a string");
      // a backslash
      const e = t[this.pos + 1];
      const simple = e === undefined ? undefined : JSON_SIMPLE_ESCAPES.get(e);
      if (simple !== undefined) {
        out += simple;
        this.pos += 2;
        continue;
      }
      switch (e) {
        case "u": {
          const hex = t.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("invalid \\uXXXX escape");
          // Python joins a \uD8xx\uDCxx pair into one character; a lone surrogate stays one, as here.
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        default:
          this.fail(e === undefined ? "unterminated string" : `invalid \\escape ${JSON.stringify(e)}`);
      }
    }
  }
}
