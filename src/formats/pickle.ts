// Python pickle (protocols 0-5), read symbolically: every opcode is interpreted against a stack of abstract
// values and a memo, the way CPython's C unpickler (Modules/_pickle.c, what pickle.load and torch.load run)
// would, except that nothing is ever imported or called. What comes out is facts: which imports the stream
// makes, which call sites it has and which import each call traces back to. Whether any of that is allowed is
// decided by the scan layer's allow-list, not here.
//
// Where CPython and a naive reader disagree, this follows CPython, because the attacker writes for CPython:
// escape sequences in STRING/UNICODE arguments are decoded before a name is resolved, decimal memo indices are
// parsed as PyLong_FromString parses them ("1_0" is 10, a NUL ends the number), and a MARK fences the stack.
// Where CPython itself reads one stream two ways — an opcode that runs past the end of its FRAME means one thing
// to pickle.loads and another to an unpickler fed from io.BytesIO, as torch.load feeds it — the reader stops
// with an error rather than pick one. Where CPython would raise on content that cannot name anything (invalid
// UTF-8 in a long string, an unparsable number), the reader carries on: reading further can only find more.
//
// Bounded: each opcode consumes at least one byte, every length is checked against the bytes that remain before
// it is used, big strings are never copied (a value keeps offsets into the input and is decoded only when it
// names an import), and the stack, marks, memo and opcode count have limits. There is no recursion.

export type PickleGlobalOpcode = "GLOBAL" | "INST" | "STACK_GLOBAL" | "EXT1" | "EXT2" | "EXT4";

/**
 * One import the stream makes. `module` and `name` are exactly what the unpickler would pass to `find_class`
 * (a dotted `name` walks attributes, and Python 2 spellings such as `__builtin__` are kept as written). When
 * they cannot be proven (EXT codes, STACK_GLOBAL fed by non-constants, undecodable names) both are "" and
 * `unresolvedGlobals` has an entry at the same offset saying why.
 */
export interface PickleGlobal {
  module: string;
  name: string;
  offset: number;
  opcode: PickleGlobalOpcode;
}

export type PickleCallOpcode = "REDUCE" | "BUILD" | "NEWOBJ" | "NEWOBJ_EX" | "OBJ" | "INST";

/**
 * One call site. `target` is "module.name" of the import the callable or class came from (for BUILD: the import
 * that made the object whose state is set, or the imported object itself), traced through the stack and memo;
 * null when the callable is anything else (the result of another call, a container, an unresolved import).
 */
export interface PickleCall {
  target: string | null;
  offset: number;
  opcode: PickleCallOpcode;
}

export interface PickleIssue {
  offset: number;
  message: string;
  /** The bytes may be well formed, but how a loader reads on from here cannot be modelled exactly. */
  unmodelled?: true;
  /** The scanner stopped where CPython's pickle.load may read on: a limit of its own, or a FRAME read two ways. */
  readsOn?: true;
  /** Truncated: reading on needs the data to reach at least this offset (a caller holding a prefix can read more). */
  needs?: number;
  /**
   * An unresolved STACK_GLOBAL fed by the result of a call: a name the loader computes, which can be any str. The
   * others (constants that are not str, EXT codes, undecodable names) make the unpickler raise, not import.
   */
  computed?: true;
}

export type PickleStateOpcode = "BUILD" | "SETITEM" | "SETITEMS" | "APPEND" | "APPENDS" | "ADDITEMS";

/**
 * State set on an imported object itself — a class, a function, a module — rather than on an instance the
 * stream built: BUILD sets its attributes (or calls its `__setstate__`), SETITEM(S)/APPEND(S)/ADDITEMS call its
 * item methods. Pickle never writes this for real objects (classes are pickled by reference); it monkey-patches
 * the class for everything that runs after. `target` is the import, null when unresolved.
 */
export interface PickleStateChange {
  target: string | null;
  offset: number;
  opcode: PickleStateOpcode;
}

/**
 * How a stream is read. "pickle": as pickle.load and torch.load read it. "joblib": as joblib.load reads it, where
 * the BUILD of a `joblib.numpy_pickle.NumpyArrayWrapper` is followed by the array's bytes (raw, or a nested pickle
 * for object arrays) that the unpickler skips before reading opcodes again.
 */
export type PickleReader = "pickle" | "joblib";

/** Bytes that joblib reads as array data, not opcodes (joblib reading only). */
export interface PickleArrayRegion {
  /** Where the data begins (the alignment padding byte, when the wrapper asks for one). */
  offset: number;
  end: number;
  /** "raw": array bytes; "pickle": an object array, a nested pickle whose findings are merged into this analysis. */
  kind: "raw" | "pickle";
}

/** The joblib array wrapper: its BUILD is followed by inline array bytes when joblib.load reads the stream. */
export const JOBLIB_ARRAY_WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper";

export interface PickleAnalysis {
  /** Highest PROTO seen (0 when none). */
  protocol: number;
  /** Every import opcode, in stream order. */
  globals: PickleGlobal[];
  /** Imports whose module or name cannot be proven from the bytes. */
  unresolvedGlobals: PickleIssue[];
  /** Every call site, in stream order. */
  calls: PickleCall[];
  /** State set on imported objects themselves (never written by a real pickler), in stream order. */
  stateOnImports: PickleStateChange[];
  /** How the stream was read. */
  reader: PickleReader;
  /** joblib reading: array data skipped between opcodes, in stream order. */
  arrays: PickleArrayRegion[];
  /** Why analysis stopped early; everything before `error.offset` was analysed. */
  error: PickleIssue | null;
  /**
   * The first opcode pickle.load certainly raises on in a program that registered no copyreg extensions (an
   * EXT code, STACK_GLOBAL of something not a str, a call of something not callable or on arguments that are
   * not a sequence), or null. The analysis reads on past it — a stream is judged whole — but nothing after it
   * runs under that loader.
   */
  raisesAt: number | null;
  /** Offset just past STOP, or of the opcode where analysis stopped. */
  end: number;
  /** Reached STOP with no error. */
  complete: boolean;
}

export interface PickleLimits {
  maxOps: number;
  maxStack: number;
  maxMemo: number;
  maxStringBytes: number;
}

export const DEFAULT_PICKLE_LIMITS: Readonly<PickleLimits> = Object.freeze({
  maxOps: 10_000_000,
  maxStack: 1_000_000,
  maxMemo: 1_000_000,
  maxStringBytes: 64 * 1024 * 1024,
});

/** CPython's pickle.HIGHEST_PROTOCOL; PROTO above it is refused by the unpickler. */
export const PICKLE_HIGHEST_PROTOCOL = 5;

/** "module.name" of a proven import, or null for one recorded as unresolved. */
export function importName(g: PickleGlobal): string | null {
  return g.module === "" || g.name === "" ? null : `${g.module}.${g.name}`;
}

// ---------- opcodes ----------

const OP = {
  MARK: 0x28, // (
  STOP: 0x2e, // .
  POP: 0x30, // 0
  POP_MARK: 0x31, // 1
  DUP: 0x32, // 2
  FLOAT: 0x46, // F
  INT: 0x49, // I
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  LONG: 0x4c, // L
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  PERSID: 0x50, // P
  BINPERSID: 0x51, // Q
  REDUCE: 0x52, // R
  STRING: 0x53, // S
  BINSTRING: 0x54, // T
  SHORT_BINSTRING: 0x55, // U
  UNICODE: 0x56, // V
  BINUNICODE: 0x58, // X
  APPEND: 0x61, // a
  BUILD: 0x62, // b
  GLOBAL: 0x63, // c
  DICT: 0x64, // d
  EMPTY_DICT: 0x7d, // }
  APPENDS: 0x65, // e
  GET: 0x67, // g
  BINGET: 0x68, // h
  INST: 0x69, // i
  LONG_BINGET: 0x6a, // j
  LIST: 0x6c, // l
  EMPTY_LIST: 0x5d, // ]
  OBJ: 0x6f, // o
  PUT: 0x70, // p
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  SETITEM: 0x73, // s
  TUPLE: 0x74, // t
  EMPTY_TUPLE: 0x29, // )
  SETITEMS: 0x75, // u
  BINFLOAT: 0x47, // G
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINBYTES: 0x42, // B
  SHORT_BINBYTES: 0x43, // C
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

export type PickleOpcodeName = keyof typeof OP;

/** Opcode byte -> name, for every opcode of protocols 0-5 (pickletools' list). */
export const PICKLE_OPCODES: ReadonlyMap<number, PickleOpcodeName> = new Map(
  (Object.entries(OP) as [PickleOpcodeName, number][]).map(([name, code]) => [code, name]),
);
// The same as a dense table, looked up once per opcode on the hot path.
const OPCODE_NAME: readonly string[] = Array.from({ length: 256 }, (_, code) => PICKLE_OPCODES.get(code) ?? "");

// ---------- symbolic values ----------

/**
 * How a string argument becomes a Python str: "utf8" is BINUNICODE* (UTF-8, surrogatepass); "rawUnicodeEscape"
 * is UNICODE; "pyLiteral" is the inside of a STRING's quotes (escape-decoded, then decoded with the
 * unpickler's `encoding`); "pyBytes" is BINSTRING/SHORT_BINSTRING (decoded with `encoding`).
 */
type TextEncoding = "utf8" | "rawUnicodeEscape" | "pyLiteral" | "pyBytes";

interface TextValue {
  readonly kind: "text";
  readonly encoding: TextEncoding;
  readonly start: number;
  readonly end: number;
  /** The decoded name, once asked for: a memoized string fed to STACK_GLOBAL a million times decodes once. */
  name?: NameResult;
}
/** A decoded name, or why the value cannot be one (phrased to follow "module is"). */
type NameResult = string | { readonly problem: string };
/** A value that can never name an import or be traced to one: numbers, bytes, containers, persistent ids. */
interface OpaqueValue {
  readonly kind: "opaque";
  readonly what: string;
  readonly name: NameResult;
}
/** What an import opcode pushed; target null when the import is unresolved. */
interface GlobalValue {
  readonly kind: "global";
  readonly target: string | null;
  name?: NameResult;
}
/** The result of a call; madeBy is the import the callable came from, when it came from one. */
interface MadeValue {
  readonly kind: "made";
  readonly madeBy: string | null;
  name?: NameResult;
  /** joblib reading: a numpy.dtype(args) and the state its BUILD set, which size an array. */
  dtype?: { readonly args: Value; state: Value | null };
  /** joblib reading: a NumpyArrayWrapper instance and the attributes BUILD gave it. */
  wrapper?: Map<string, Value>;
}
// Concrete values, kept only in the joblib reading (what sizes an inline array must be known exactly).
interface IntValue {
  readonly kind: "int";
  readonly value: number;
  name?: NameResult;
}
interface TupleValue {
  readonly kind: "tuple";
  readonly items: readonly Value[];
  name?: NameResult;
}
interface DictValue {
  readonly kind: "dict";
  /** str keys as the unpickler would intern them; other keys are not kept. */
  readonly entries: Map<string, Value>;
  /** Set when a key was dropped (past the bound) or is not a str whose value is known: the entries are then not the whole state. */
  incomplete?: true;
  name?: NameResult;
}
type Value = TextValue | OpaqueValue | GlobalValue | MadeValue | IntValue | TupleValue | DictValue;

// Opaque values carry no identity worth tracking, so one instance of each serves the whole stream.
const opaque = (what: string): OpaqueValue => Object.freeze({ kind: "opaque", what, name: Object.freeze({ problem: `${what}, not a string` }) });
const NONE = opaque("None");
const TRUE = opaque("a bool");
const FALSE = opaque("a bool");
const INT = opaque("an int");
const FLOAT = opaque("a float");
const BYTES = opaque("bytes");
const BYTEARRAY = opaque("a bytearray");
const LIST = opaque("a list");
const TUPLE = opaque("a tuple");
const DICT = opaque("a dict");
const SET = opaque("a set");
const FROZENSET = opaque("a frozenset");
const PERSISTENT = opaque("a persistent object");
const BUFFER = opaque("an out-of-band buffer");
const ARRAY = opaque("a numpy array");

/** Whether the unpickler could hold a str here: text, an import (`os.sep` is one), what a call or persistent_load returned. */
function mayBeStr(v: Value): boolean {
  return v.kind === "text" || v.kind === "global" || v.kind === "made" || v === PERSISTENT;
}

/**
 * Whether calling `v` certainly raises: a str, a number, a container, None, a joblib array wrapper (no
 * __call__; Python looks that up on the class). An import, what a call returned or a persistent object
 * (whatever persistent_load made) may be callable. For NEWOBJ and NEWOBJ_EX (`asClass`), pickle.py calls
 * `cls.__new__(cls, ...)`, an ordinary attribute: a BUILD can give a wrapper instance one.
 */
function notCallable(v: Value, asClass = false): boolean {
  if (v.kind === "made") return !asClass && v.madeBy === JOBLIB_ARRAY_WRAPPER;
  return v.kind !== "global" && v !== PERSISTENT;
}

/** Whether `v` certainly cannot be a call's arguments: C pickle wants a tuple, pickle.py unpacks any iterable. */
function notSequence(v: Value): boolean {
  return v.kind === "int" || v === NONE || v === TRUE || v === FALSE || v === INT || v === FLOAT;
}

/** Longer strings are not decoded as names: no module or attribute is this long, and decoding costs time. */
const MAX_NAME_BYTES = 1024;

// ---------- limits ----------

function resolveLimits(partial: Partial<PickleLimits> | undefined): PickleLimits {
  const pick = (key: keyof PickleLimits): number => {
    const v = partial?.[key];
    // NaN or negative would disable a check silently; Infinity is an explicit "no limit" and is honoured.
    return typeof v === "number" && v >= 0 ? Math.floor(v) : DEFAULT_PICKLE_LIMITS[key];
  };
  return { maxOps: pick("maxOps"), maxStack: pick("maxStack"), maxMemo: pick("maxMemo"), maxStringBytes: pick("maxStringBytes") };
}

// ---------- the interpreter ----------

interface RunResult {
  analysis: PickleAnalysis;
  /** Import opcodes executed (for sniffing). */
  imports: number;
}

/**
 * Analyse one pickle starting at `start`. Never throws: a malformed, truncated or over-limit stream yields
 * `error` with everything found before it.
 */
export function analyzePickle(bytes: Uint8Array, start = 0, limits?: Partial<PickleLimits>, reader: PickleReader = "pickle"): PickleAnalysis {
  return run(bytes, start, resolveLimits(limits), 0, reader).analysis;
}

/** Tuples longer than this stay opaque in the joblib reading; dicts keep at most this many str keys. */
const MAX_CONCRETE_ITEMS = 64;
const MAX_CONCRETE_ENTRIES = 4096;
const COPYREG_RECONSTRUCTOR = new Set(["copyreg._reconstructor", "copy_reg._reconstructor"]);
const PY_OBJECT = new Set(["builtins.object", "__builtin__.object"]);

function run(bytes: Uint8Array, start: number, limits: PickleLimits, sniffOps: number, reader: PickleReader = "pickle"): RunResult {
  const globals: PickleGlobal[] = [];
  const unresolvedGlobals: PickleIssue[] = [];
  const calls: PickleCall[] = [];
  const stateOnImports: PickleStateChange[] = [];
  const arrays: PickleArrayRegion[] = [];
  let protocol = 0;
  let error: PickleIssue | null = null;
  let end = 0;
  let complete = false;
  let imports = 0;
  let raisesAt: number | null = null;
  const raises = (): void => {
    raisesAt ??= at;
  };
  const done = (): RunResult => ({
    analysis: { protocol, globals, unresolvedGlobals, calls, stateOnImports, reader, arrays, error, raisesAt, end, complete },
    imports,
  });
  const joblib = reader === "joblib";
  // joblib reading: set once the wrapper class is imported; from then on every use of it is checked.
  let wrapperImported = false;

  const n = bytes.length;
  if (!Number.isSafeInteger(start) || start < 0 || start > n) {
    error = { offset: 0, message: `start offset ${String(start)} is outside the ${n} bytes given` };
    return done();
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A stack pointer instead of push/pop/length: truncating to a mark is then one assignment.
  const stack: Value[] = [];
  let sp = 0;
  // CPython keeps marks apart from the stack; nothing below the newest mark may be popped except by an
  // opcode that consumes the mark (the "fence").
  const marks: number[] = [];
  let fence = 0;
  // Picklers number the memo 0, 1, 2, ...: those live in an array; only out-of-order indices need the map.
  // No index below memoDense.length is ever in memoSparse.
  const memoDense: Value[] = [];
  const memoSparse = new Map<number, Value>();
  // Call results and imports carry only a name, so one value per name serves every occurrence.
  const madeCache = new Map<string | null, MadeValue>();
  const importedCache = new Map<string | null, GlobalValue>();
  const madeBy = (target: string | null): MadeValue => {
    let v = madeCache.get(target);
    if (v === undefined) {
      v = { kind: "made", madeBy: target };
      madeCache.set(target, v);
    }
    return v;
  };
  const imported = (target: string | null): GlobalValue => {
    let v = importedCache.get(target);
    if (v === undefined) {
      v = { kind: "global", target };
      importedCache.set(target, v);
    }
    return v;
  };
  const opLimit = sniffOps > 0 ? Math.min(sniffOps, limits.maxOps) : limits.maxOps;
  let ops = 0;
  let pos = start;
  let at = start;
  let opName = "";

  const fail = (message: string, readsOn = false): void => {
    error = readsOn ? { offset: at, message, readsOn: true } : { offset: at, message };
    end = at;
  };
  const truncated = (message: string, needs: number): void => {
    error = { offset: at, message, needs };
    end = at;
  };
  const unmodelled = (message: string): void => {
    error = { offset: at, message, unmodelled: true };
    end = at;
  };
  const underflow = (): void =>
    fail(marks.length > 0 ? `${opName} reaches below a MARK (unexpected MARK found)` : `${opName} on an empty stack (unpickling stack underflow)`);
  /** Bytes [pos, pos+k) exist; otherwise the stream is truncated. */
  // End of the FRAME the C unpickler holds in its buffer (-1: none). Reading from a file object — torch.load
  // wraps the zip entry in io.BytesIO — a read that starts inside that buffer but needs bytes past its end
  // drops the rest of the frame and reads on from after it, while pickle.loads, an open() file and pickletools
  // read straight through. Such a stream means two different things; no pickler writes one.
  let frameEnd = -1;
  const straddles = (to: number): boolean => {
    if (pos >= frameEnd || to <= frameEnd) return false;
    fail(
      `${opName} reads across the end of its FRAME at offset ${frameEnd}: io.BytesIO-fed unpicklers (torch.load) skip the rest of the frame, pickle.loads reads straight on`,
      true,
    );
    return true;
  };
  const need = (k: number, what: string): boolean => {
    if (k > n - pos) {
      truncated(`truncated: ${opName} needs ${k} bytes of ${what} but only ${n - pos} remain`, pos + k);
      return false;
    }
    return !straddles(pos + k);
  };
  /** A string or bytes argument of `len` bytes follows: check it exists and is within the limit. */
  const needData = (len: number): boolean => {
    if (len > n - pos) {
      truncated(`truncated: ${opName} says ${len} bytes follow but only ${n - pos} remain`, pos + len);
      return false;
    }
    if (len > limits.maxStringBytes) {
      fail(`limit exceeded: ${opName} of ${len} bytes is larger than maxStringBytes (${limits.maxStringBytes})`, true);
      return false;
    }
    return !straddles(pos + len);
  };
  let lineStart = 0;
  let lineEnd = 0;
  /** Reads a newline-terminated argument into [lineStart, lineEnd) (newline excluded). */
  const readLine = (what: string, minLength: number): boolean => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) {
      truncated(`truncated: ${opName} ${what} has no terminating newline`, n + 1);
      return false;
    }
    if (nl - pos < minLength) {
      fail(`${opName} ${what} is empty`);
      return false;
    }
    if (straddles(nl + 1)) return false;
    lineStart = pos;
    lineEnd = nl;
    pos = nl + 1;
    return true;
  };
  const push = (v: Value): boolean => {
    stack[sp++] = v;
    if (sp + marks.length <= limits.maxStack) return true;
    fail(`limit exceeded: stack deeper than maxStack (${limits.maxStack})`, true);
    return false;
  };
  /** Pops the newest mark, returning the stack length it recorded, or -1 (error set) when there is none. */
  const popMark = (): number => {
    const k = marks.pop();
    if (k === undefined) {
      fail(`${opName} without a MARK (could not find MARK)`);
      return -1;
    }
    fence = marks.length > 0 ? (marks[marks.length - 1] as number) : 0;
    return k;
  };
  /** Items above the fence; the caller checks before indexing. */
  const above = (): number => sp - fence;
  const top = (): Value => stack[sp - 1] as Value;
  const memoSize = (): number => memoDense.length + memoSparse.size;
  const memoPut = (index: number, v: Value): boolean => {
    if (index < memoDense.length) {
      memoDense[index] = v;
      return true;
    }
    if (!memoSparse.has(index) && memoSize() >= limits.maxMemo) {
      fail(`limit exceeded: memo holds more than maxMemo (${limits.maxMemo}) entries`, true);
      return false;
    }
    if (index === memoDense.length) {
      memoSparse.delete(index);
      memoDense.push(v);
      // Indices stored early out of order may now continue the dense run.
      for (let next = memoSparse.get(memoDense.length); next !== undefined; next = memoSparse.get(memoDense.length)) {
        memoSparse.delete(memoDense.length);
        memoDense.push(next);
      }
    } else {
      memoSparse.set(index, v);
    }
    return true;
  };
  const memoGet = (index: number): boolean => {
    const v = index < memoDense.length ? memoDense[index] : memoSparse.get(index);
    if (v === undefined) {
      fail(`memo miss: ${opName} ${index} was never stored (KeyError in the unpickler)`);
      return false;
    }
    return push(v);
  };
  // Repeated imports share one target string and repeated problems one message, so a stream of a million
  // STACK_GLOBALs over the same memo entries costs a million small records, not a million copies of names.
  const targets = new Map<string, Map<string, string>>();
  const messages = new Map<string, string>();
  // STACK_GLOBAL's name results are kept on the values, so its messages can be found by their identity.
  const stackGlobalMessages = new Map<NameResult, Map<NameResult, string>>();
  const targetOf = (module: string, name: string): string => {
    let byName = targets.get(module);
    if (byName === undefined) {
      byName = new Map();
      targets.set(module, byName);
    }
    let target = byName.get(name);
    if (target === undefined) {
      target = `${module}.${name}`;
      byName.set(name, target);
    }
    return target;
  };
  /** Records one import opcode; returns its "module.name", or null when it is unresolved. */
  const recordImport = (opcode: PickleGlobalOpcode, module: NameResult, name: NameResult, computed = false): string | null => {
    imports++;
    if (typeof module === "string" && typeof name === "string") {
      const target = targetOf(module, name);
      globals.push({ module, name, offset: at, opcode });
      return target;
    }
    let byName = opcode === "STACK_GLOBAL" ? stackGlobalMessages.get(module) : undefined;
    let message = byName?.get(name);
    if (message === undefined) {
      const problems: string[] = [];
      if (typeof module !== "string") problems.push(`module is ${module.problem}`);
      if (typeof name !== "string") problems.push(`name is ${name.problem}`);
      const known = typeof module === "string" ? ` (module ${quoteName(module)})` : typeof name === "string" ? ` (name ${quoteName(name)})` : "";
      message = `${opcode} cannot be resolved: ${problems.join("; ")}${known}`;
      if (opcode === "STACK_GLOBAL") {
        if (byName === undefined) {
          byName = new Map();
          stackGlobalMessages.set(module, byName);
        }
        byName.set(name, message);
      }
    }
    return recordUnresolved(opcode, message, computed);
  };
  const recordUnresolved = (opcode: PickleGlobalOpcode, text: string, computed = false): null => {
    let message = messages.get(text);
    if (message === undefined) {
      message = text;
      messages.set(text, message);
    }
    globals.push({ module: "", name: "", offset: at, opcode });
    unresolvedGlobals.push(computed ? { offset: at, message, computed } : { offset: at, message });
    return null;
  };
  /** GLOBAL/INST: module on [modStart, modEnd), name on the line just read. GLOBAL is UTF-8, INST ASCII. */
  const importFromLines = (opcode: "GLOBAL" | "INST", modStart: number, modEnd: number, ascii: boolean): string | null =>
    recordImport(opcode, lineText(bytes, modStart, modEnd, ascii), lineText(bytes, lineStart, lineEnd, ascii));
  const recordCall = (opcode: PickleCallOpcode, target: string | null): void => {
    calls.push({ target, offset: at, opcode });
  };
  /** SETITEM(S)/APPEND(S)/ADDITEMS/BUILD on `receiver`: recorded when it is an imported object itself. */
  const stateOn = (opcode: PickleStateOpcode, receiver: Value | undefined): void => {
    if (receiver?.kind === "global") stateOnImports.push({ target: receiver.target, offset: at, opcode });
  };

  // ----- the joblib reading -----
  /** The wrapper class, or a tuple holding it: anything that could construct a wrapper the model does not see. */
  const mentionsWrapper = (v: Value, depth: number): boolean => {
    if (v.kind === "global") return v.target === JOBLIB_ARRAY_WRAPPER;
    if (v.kind !== "tuple") return false;
    // Nesting this deep is not what joblib writes: count it as a mention rather than look further.
    if (depth >= 4) return true;
    return v.items.some((item) => mentionsWrapper(item, depth + 1));
  };
  /** joblib reading: stack[from, to) is consumed by `opName`; refuse when it carries the wrapper class. */
  const guardWrapper = (from: number, to: number): boolean => {
    if (!joblib || !wrapperImported) return true;
    for (let i = Math.max(0, from); i < to; i++) {
      if (mentionsWrapper(stack[i] as Value, 0)) {
        unmodelled(
          `${opName} uses the class ${JOBLIB_ARRAY_WRAPPER} in a way this scanner does not model: joblib.load reads array bytes after such an object, and where they are cannot be known`,
        );
        return false;
      }
    }
    return true;
  };
  const concreteTuple = (from: number, to: number): Value => {
    if (!joblib || to - from > MAX_CONCRETE_ITEMS) return TUPLE;
    return { kind: "tuple", items: stack.slice(from, to) };
  };
  const dictSet = (dict: Value | undefined, from: number, to: number): void => {
    if (dict?.kind !== "dict") return;
    for (let i = from; i + 1 < to; i += 2) {
      const key = stack[i] as Value;
      // Only str keys become attributes (the unpickler interns them); past the bound, new keys are dropped.
      const name = key.kind === "text" ? nameFrom(bytes, key) : null;
      if (typeof name !== "string" || (dict.entries.size >= MAX_CONCRETE_ENTRIES && !dict.entries.has(name))) {
        // A str key computed at load time (or one past the bound) still sets an attribute when this dict is a
        // BUILD state: what the state holds is then no longer known.
        if (key.kind !== "int") dict.incomplete = true;
        continue;
      }
      dict.entries.set(name, stack[i + 1] as Value);
    }
  };
  /** The size of one element of a dtype, whether it holds objects, or why it cannot be known. */
  const dtypeOf = (v: Value | undefined): { itemsize: number; objects: boolean } | string => {
    if (v === undefined) return "it has no dtype";
    if (v.kind !== "made" || v.dtype === undefined) return "its dtype is not a numpy.dtype the scanner can size";
    const args = v.dtype.args;
    const code = args.kind === "tuple" && args.items[0] !== undefined ? nameFrom(bytes, args.items[0]) : null;
    if (typeof code !== "string") return "its dtype is not made from a type code";
    const m = /^([biufcmMOSUV])(\d+)$/.exec(code);
    if (m === null) return `its dtype ${JSON.stringify(code.slice(0, 32))} is not one the scanner can size`;
    const kind = m[1] as string;
    const digits = Number(m[2]);
    let itemsize = kind === "U" ? digits * 4 : digits;
    const state = v.dtype.state;
    if (state !== null) {
      if (state.kind !== "tuple" || state.items.length < 8) return "its dtype state is not a tuple numpy writes";
      const [, , subarray, names, fields, elsize, , flags] = state.items;
      if (subarray !== NONE || names !== NONE || fields !== NONE) return "its dtype is structured or a subarray, whose size the scanner does not work out";
      if (flags?.kind !== "int") return "its dtype flags are not an int";
      if ((flags.value & 1) !== 0 && kind !== "O") return "its dtype says it holds objects but is not an object dtype";
      if ("SUV".includes(kind)) {
        if (elsize?.kind !== "int" || elsize.value < 0) return "its flexible dtype has no element size";
        itemsize = elsize.value;
      }
    }
    if (kind === "O") return { itemsize, objects: true };
    if (kind === "M" || kind === "m") return digits === 8 ? { itemsize: 8, objects: false } : "its datetime dtype is not 8 bytes";
    return { itemsize, objects: false };
  };
  const truthy = (v: Value | undefined): boolean | null =>
    v === undefined || v === FALSE || v === NONE ? false : v === TRUE ? true : v.kind === "int" ? v.value !== 0 : null;
  /**
   * BUILD gave a NumpyArrayWrapper its state: skip the array bytes that follow as joblib's read_array does
   * (alignment byte and padding when numpy_array_alignment_bytes is set, then prod(shape) * itemsize bytes), or
   * analyse the nested pickle of an object array. False (error set) when that cannot be done exactly.
   */
  const readJoblibArray = (attrs: Map<string, Value>): boolean => {
    const why = (reason: string): false => {
      unmodelled(`a ${JOBLIB_ARRAY_WRAPPER} is built but ${reason}: joblib.load would read array bytes here and where they end cannot be known`);
      return false;
    };
    // joblib reads the array from the file, not from the FRAME the unpickler holds: the two would interleave.
    if (pos < frameEnd) return why(`${frameEnd - pos} bytes of its FRAME remain`);
    const shape = attrs.get("shape");
    if (shape?.kind !== "tuple") return why("its shape is not a tuple");
    let count = 1;
    for (const dim of shape.items) {
      if (dim.kind !== "int" || dim.value < 0) return why("its shape holds something other than non-negative ints");
      count = count === 0 || dim.value === 0 ? 0 : count * dim.value;
      if (count > n) return why(`its shape asks for more elements than the ${n} bytes of the file hold`);
    }
    const dtype = dtypeOf(attrs.get("dtype"));
    if (typeof dtype === "string") return why(dtype);
    const regionStart = pos;
    if (dtype.objects) {
      // read_mmap would read the same bytes raw, read_array unpickles them: two readings of one file.
      const mmap = truthy(attrs.get("allow_mmap"));
      if (mmap !== false) return why("it holds objects and allows memory mapping, which reads them raw instead of unpickling them");
      const nested = run(bytes, pos, limits, 0, "pickle").analysis;
      globals.push(...nested.globals);
      unresolvedGlobals.push(...nested.unresolvedGlobals);
      calls.push(...nested.calls);
      stateOnImports.push(...nested.stateOnImports);
      if (nested.protocol > protocol) protocol = nested.protocol;
      if (!nested.complete) {
        error = {
          ...(nested.error ?? { offset: pos, message: "it does not end" }),
          message: `in the object array's pickle: ${nested.error?.message ?? "it does not end"}`,
        };
        end = nested.end;
        return false;
      }
      pos = nested.end;
      arrays.push({ offset: regionStart, end: pos, kind: "pickle" });
      return true;
    }
    if (attrs.has("numpy_array_alignment_bytes") && attrs.get("numpy_array_alignment_bytes") !== NONE) {
      if (pos >= n) return why("the file ends before its alignment byte");
      const padding = bytes[pos] as number;
      if (padding + 1 > n - pos) return why(`its ${padding} alignment bytes run past the end of the file`);
      pos += 1 + padding;
    }
    const length = count * dtype.itemsize;
    if (length > n - pos) return why(`its ${count} elements of ${dtype.itemsize} bytes run past the end of the file (${n - pos} bytes remain)`);
    pos += length;
    arrays.push({ offset: regionStart, end: pos, kind: "raw" });
    return true;
  };
  const u64 = (p: number): number => view.getUint32(p, true) + view.getUint32(p + 4, true) * 0x1_0000_0000;

  loop: for (;;) {
    at = pos;
    if (pos >= n) {
      opName = "";
      truncated("truncated: the data ends before STOP", n + 1);
      break;
    }
    if (ops >= opLimit) {
      if (sniffOps > 0) {
        end = pos; // a sniff that ran out of budget found nothing wrong
      } else {
        fail(`limit exceeded: more than maxOps (${limits.maxOps}) opcodes`, true);
      }
      break;
    }
    ops++;
    const op = bytes[pos] as number;
    pos++;
    opName = OPCODE_NAME[op] as string;

    switch (op) {
      // ----- structure -----
      case OP.PROTO: {
        if (!need(1, "protocol number")) break loop;
        const v = bytes[pos] as number;
        pos += 1;
        if (v > PICKLE_HIGHEST_PROTOCOL) {
          fail(`unsupported pickle protocol: ${v}`);
          break loop;
        }
        if (v > protocol) protocol = v;
        break;
      }
      case OP.FRAME: {
        if (!need(8, "frame length")) break loop;
        const len = u64(pos);
        pos += 8;
        // The C unpickler reads the whole frame up front, so it must fit in the data.
        if (len > n - pos) {
          truncated(`truncated: FRAME of ${len} bytes but only ${n - pos} remain`, pos + len);
          break loop;
        }
        if (straddles(pos + len)) break loop;
        // A frame inside the current one is served from the buffer already read, which stays as it was.
        if (pos >= frameEnd) frameEnd = pos + len;
        break;
      }
      case OP.STOP: {
        if (above() < 1) {
          underflow();
          break loop;
        }
        sp--;
        complete = true;
        end = pos;
        break loop;
      }
      case OP.MARK: {
        marks.push(sp);
        fence = sp;
        if (sp + marks.length > limits.maxStack) {
          fail(`limit exceeded: stack and marks deeper than maxStack (${limits.maxStack})`, true);
          break loop;
        }
        break;
      }
      case OP.POP: {
        // POP right after a MARK drops the mark, as CPython does.
        if (marks.length > 0 && marks[marks.length - 1] === sp) {
          popMark();
        } else if (above() < 1) {
          underflow();
          break loop;
        } else {
          sp--;
        }
        break;
      }
      case OP.POP_MARK: {
        const k = popMark();
        if (k < 0) break loop;
        sp = k;
        break;
      }
      case OP.DUP: {
        if (above() < 1) {
          underflow();
          break loop;
        }
        if (!push(top())) break loop;
        break;
      }

      // ----- scalars -----
      case OP.NONE:
        if (!push(NONE)) break loop;
        break;
      case OP.NEWTRUE:
      case OP.NEWFALSE:
        if (!push(op === OP.NEWTRUE ? TRUE : FALSE)) break loop;
        break;
      case OP.INT: {
        // "01"/"00" are protocol 0's True/False; outside the joblib reading the value itself never matters.
        if (!readLine("argument", 1)) break loop;
        const isBool = lineEnd - lineStart === 2 && bytes[lineStart] === 0x30 && (bytes[lineStart + 1] === 0x30 || bytes[lineStart + 1] === 0x31);
        const value = joblib && !isBool ? parsePyDecimal(bytes, lineStart, lineEnd) : null;
        if (!push(isBool ? (bytes[lineStart + 1] === 0x31 ? TRUE : FALSE) : value === null ? INT : { kind: "int", value })) break loop;
        break;
      }
      case OP.LONG:
        if (!readLine("argument", 1) || !push(INT)) break loop;
        break;
      case OP.FLOAT:
        if (!readLine("argument", 1) || !push(FLOAT)) break loop;
        break;
      case OP.BININT:
        if (!need(4, "int") || !push(joblib ? { kind: "int", value: view.getInt32(pos, true) } : INT)) break loop;
        pos += 4;
        break;
      case OP.BININT1:
        if (!need(1, "int") || !push(joblib ? { kind: "int", value: bytes[pos] as number } : INT)) break loop;
        pos += 1;
        break;
      case OP.BININT2:
        if (!need(2, "int") || !push(joblib ? { kind: "int", value: view.getUint16(pos, true) } : INT)) break loop;
        pos += 2;
        break;
      case OP.BINFLOAT:
        if (!need(8, "float") || !push(FLOAT)) break loop;
        pos += 8;
        break;
      case OP.LONG1: {
        if (!need(1, "length")) break loop;
        const len = bytes[pos] as number;
        pos += 1;
        if (!needData(len)) break loop;
        let long: Value = INT;
        if (joblib && len <= 6) {
          // Two's complement, little-endian: exact for the sizes that fit a double.
          let value = 0;
          for (let i = len - 1; i >= 0; i--) value = value * 256 + (bytes[pos + i] as number);
          if (len > 0 && (bytes[pos + len - 1] as number) >= 0x80) value -= 2 ** (8 * len);
          long = { kind: "int", value };
        }
        if (!push(long)) break loop;
        pos += len;
        break;
      }
      case OP.LONG4: {
        if (!need(4, "length")) break loop;
        const len = view.getInt32(pos, true);
        pos += 4;
        if (len < 0) {
          fail(`LONG4 has a negative byte count (${len})`);
          break loop;
        }
        if (!needData(len) || !push(INT)) break loop;
        pos += len;
        break;
      }

      // ----- strings and bytes -----
      case OP.STRING: {
        if (!readLine("argument", 0)) break loop;
        const q = bytes[lineStart];
        if (lineEnd - lineStart < 2 || (q !== 0x27 && q !== 0x22) || bytes[lineEnd - 1] !== q) {
          fail("the STRING opcode argument must be quoted");
          break loop;
        }
        if (!push({ kind: "text", encoding: "pyLiteral", start: lineStart + 1, end: lineEnd - 1 })) break loop;
        break;
      }
      case OP.UNICODE: {
        if (!readLine("argument", 0)) break loop;
        if (!push({ kind: "text", encoding: "rawUnicodeEscape", start: lineStart, end: lineEnd })) break loop;
        break;
      }
      case OP.BINSTRING: {
        if (!need(4, "length")) break loop;
        const len = view.getInt32(pos, true);
        pos += 4;
        if (len < 0) {
          fail(`BINSTRING has a negative byte count (${len})`);
          break loop;
        }
        if (!needData(len) || !push({ kind: "text", encoding: "pyBytes", start: pos, end: pos + len })) break loop;
        pos += len;
        break;
      }
      case OP.SHORT_BINSTRING:
      case OP.SHORT_BINUNICODE: {
        if (!need(1, "length")) break loop;
        const len = bytes[pos] as number;
        pos += 1;
        const encoding: TextEncoding = op === OP.SHORT_BINSTRING ? "pyBytes" : "utf8";
        if (!needData(len) || !push({ kind: "text", encoding, start: pos, end: pos + len })) break loop;
        pos += len;
        break;
      }
      case OP.BINUNICODE: {
        if (!need(4, "length")) break loop;
        const len = view.getUint32(pos, true);
        pos += 4;
        if (!needData(len) || !push({ kind: "text", encoding: "utf8", start: pos, end: pos + len })) break loop;
        pos += len;
        break;
      }
      case OP.BINUNICODE8: {
        if (!need(8, "length")) break loop;
        const len = u64(pos);
        pos += 8;
        if (!needData(len) || !push({ kind: "text", encoding: "utf8", start: pos, end: pos + len })) break loop;
        pos += len;
        break;
      }
      case OP.SHORT_BINBYTES: {
        if (!need(1, "length")) break loop;
        const len = bytes[pos] as number;
        pos += 1;
        if (!needData(len) || !push(BYTES)) break loop;
        pos += len;
        break;
      }
      case OP.BINBYTES: {
        if (!need(4, "length")) break loop;
        const len = view.getUint32(pos, true);
        pos += 4;
        if (!needData(len) || !push(BYTES)) break loop;
        pos += len;
        break;
      }
      case OP.BINBYTES8:
      case OP.BYTEARRAY8: {
        if (!need(8, "length")) break loop;
        const len = u64(pos);
        pos += 8;
        if (!needData(len) || !push(op === OP.BINBYTES8 ? BYTES : BYTEARRAY)) break loop;
        pos += len;
        break;
      }

      // ----- containers (opaque: no opcode can take an item back out of one) -----
      case OP.EMPTY_LIST:
        if (!push(LIST)) break loop;
        break;
      case OP.EMPTY_TUPLE:
        if (!push(concreteTuple(sp, sp))) break loop;
        break;
      case OP.EMPTY_DICT:
        if (!push(joblib ? { kind: "dict", entries: new Map() } : DICT)) break loop;
        break;
      case OP.EMPTY_SET:
        if (!push(SET)) break loop;
        break;
      case OP.LIST:
      case OP.TUPLE:
      case OP.FROZENSET:
      case OP.DICT: {
        const k = popMark();
        if (k < 0) break loop;
        if (op === OP.DICT && (sp - k) % 2 !== 0) {
          fail("odd number of items for DICT");
          break loop;
        }
        let made: Value = op === OP.LIST ? LIST : op === OP.DICT ? DICT : FROZENSET;
        if (op === OP.TUPLE) made = concreteTuple(k, sp);
        else if (!guardWrapper(k, sp)) break loop;
        else if (op === OP.DICT && joblib) {
          made = { kind: "dict", entries: new Map() };
          dictSet(made, k, sp);
        }
        sp = k;
        if (!push(made)) break loop;
        break;
      }
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const count = op - OP.TUPLE1 + 1;
        if (above() < count) {
          underflow();
          break loop;
        }
        const tuple = concreteTuple(sp - count, sp);
        sp -= count;
        stack[sp++] = tuple;
        break;
      }
      case OP.APPEND: {
        // The list stays on the stack; on a non-list object the unpickler calls its append() — the allow-list
        // layer has to consider that for every class it admits.
        if (above() < 2) {
          underflow();
          break loop;
        }
        if (!guardWrapper(sp - 1, sp)) break loop;
        stateOn("APPEND", stack[sp - 2]);
        sp--;
        break;
      }
      case OP.SETITEM: {
        if (above() < 3) {
          underflow();
          break loop;
        }
        if (!guardWrapper(sp - 2, sp)) break loop;
        stateOn("SETITEM", stack[sp - 3]);
        dictSet(stack[sp - 3], sp - 2, sp);
        sp -= 2;
        break;
      }
      case OP.APPENDS:
      case OP.SETITEMS:
      case OP.ADDITEMS: {
        const k = popMark();
        if (k < 0) break loop;
        // The receiving object sits just below the mark, above the next fence.
        if (k > sp || k <= fence) {
          underflow();
          break loop;
        }
        if (op === OP.SETITEMS && (sp - k) % 2 !== 0) {
          fail("odd number of items for SETITEMS");
          break loop;
        }
        if (!guardWrapper(k, sp)) break loop;
        stateOn(op === OP.SETITEMS ? "SETITEMS" : op === OP.APPENDS ? "APPENDS" : "ADDITEMS", stack[k - 1]);
        if (op === OP.SETITEMS) dictSet(stack[k - 1], k, sp);
        sp = k;
        break;
      }

      // ----- memo -----
      case OP.GET:
      case OP.PUT: {
        if (!readLine("memo index", 1)) break loop;
        const index = parsePyDecimal(bytes, lineStart, lineEnd);
        if (index === null) {
          fail(`${opName} argument ${JSON.stringify(latin1(bytes, lineStart, Math.min(lineEnd, lineStart + 32)))} is not an integer`);
          break loop;
        }
        if (op === OP.GET) {
          if (!memoGet(index)) break loop;
          break;
        }
        if (index < 0) {
          fail("negative PUT argument");
          break loop;
        }
        if (above() < 1) {
          underflow();
          break loop;
        }
        if (!memoPut(index, top())) break loop;
        break;
      }
      case OP.BINGET:
        if (!need(1, "memo index")) break loop;
        pos += 1;
        if (!memoGet(bytes[pos - 1] as number)) break loop;
        break;
      case OP.LONG_BINGET:
        if (!need(4, "memo index")) break loop;
        pos += 4;
        if (!memoGet(view.getUint32(pos - 4, true))) break loop;
        break;
      case OP.BINPUT:
      case OP.LONG_BINPUT:
      case OP.MEMOIZE: {
        let index: number;
        if (op === OP.BINPUT) {
          if (!need(1, "memo index")) break loop;
          index = bytes[pos] as number;
          pos += 1;
        } else if (op === OP.LONG_BINPUT) {
          if (!need(4, "memo index")) break loop;
          index = view.getUint32(pos, true);
          pos += 4;
        } else {
          // MEMOIZE stores at len(memo), which an explicit PUT to a far index does not advance past.
          index = memoSize();
        }
        if (above() < 1) {
          underflow();
          break loop;
        }
        if (!memoPut(index, top())) break loop;
        break;
      }

      // ----- imports -----
      case OP.GLOBAL: {
        if (!readLine("module", 1)) break loop;
        const modStart = lineStart;
        const modEnd = lineEnd;
        if (!readLine("name", 1)) break loop;
        const target = importFromLines("GLOBAL", modStart, modEnd, false);
        if (target === JOBLIB_ARRAY_WRAPPER) wrapperImported = true;
        if (!push(imported(target))) break loop;
        break;
      }
      case OP.STACK_GLOBAL: {
        if (above() < 2) {
          underflow();
          break loop;
        }
        const nameValue = stack[--sp] as Value;
        const moduleValue = stack[--sp] as Value;
        // A call's result may be a str the loader computed, and so may an import (numpy.dtypes.__package__ is
        // "numpy"); a joblib array wrapper never is. pickle.load raises ("STACK_GLOBAL requires str") when either
        // is something else, importing nothing, whatever the other is.
        if (!mayBeStr(moduleValue) || !mayBeStr(nameValue)) raises();
        const computedFrom = (v: Value) => v.kind === "global" || (v.kind === "made" && v.madeBy !== JOBLIB_ARRAY_WRAPPER);
        const computed = mayBeStr(moduleValue) && mayBeStr(nameValue) && (computedFrom(moduleValue) || computedFrom(nameValue));
        const target = recordImport("STACK_GLOBAL", nameFrom(bytes, moduleValue), nameFrom(bytes, nameValue), computed);
        if (target === JOBLIB_ARRAY_WRAPPER) wrapperImported = true;
        if (!push(imported(target))) break loop;
        break;
      }
      case OP.EXT1:
      case OP.EXT2:
      case OP.EXT4: {
        const width = op === OP.EXT1 ? 1 : op === OP.EXT2 ? 2 : 4;
        if (!need(width, "extension code")) break loop;
        const code = width === 1 ? (bytes[pos] as number) : width === 2 ? view.getUint16(pos, true) : view.getInt32(pos, true);
        pos += width;
        if (code <= 0) {
          fail(`${opName} specifies code <= 0 (${code})`);
          break loop;
        }
        imports++;
        raises();
        const opcode = op === OP.EXT1 ? "EXT1" : op === OP.EXT2 ? "EXT2" : "EXT4";
        const target = recordUnresolved(opcode, `${opcode} imports copyreg extension code ${code}, which only the loading process's registry can name`);
        if (!push(imported(target))) break loop;
        break;
      }
      case OP.INST: {
        const k = popMark();
        if (k < 0) break loop;
        if (!readLine("module", 1)) break loop;
        const modStart = lineStart;
        const modEnd = lineEnd;
        if (!readLine("name", 1)) break loop;
        const target = importFromLines("INST", modStart, modEnd, true);
        recordCall("INST", target);
        if (target === JOBLIB_ARRAY_WRAPPER) wrapperImported = true;
        // INST calls the class with its arguments: a wrapper made so gets attributes the scanner does not see.
        if (!guardWrapper(k, sp)) break loop;
        if (joblib && target === JOBLIB_ARRAY_WRAPPER) {
          unmodelled(`INST calls ${JOBLIB_ARRAY_WRAPPER}(...), whose arguments set the array layout joblib.load reads: not modelled`);
          break loop;
        }
        sp = k;
        if (!push(madeBy(target))) break loop;
        break;
      }

      // ----- calls -----
      case OP.REDUCE:
      case OP.NEWOBJ: {
        if (above() < 2) {
          underflow();
          break loop;
        }
        const callable = stack[sp - 2] as Value;
        const args = stack[sp - 1] as Value;
        const target = callable.kind === "global" ? callable.target : null;
        recordCall(op === OP.REDUCE ? "REDUCE" : "NEWOBJ", target);
        if (notCallable(callable, op === OP.NEWOBJ) || notSequence(args)) raises();
        let made: Value | undefined;
        if (
          joblib &&
          op === OP.REDUCE &&
          target !== null &&
          COPYREG_RECONSTRUCTOR.has(target) &&
          args.kind === "tuple" &&
          args.items[0] !== undefined &&
          mentionsWrapper(args.items[0], 0)
        ) {
          // copyreg._reconstructor(NumpyArrayWrapper, object, None): how protocols 0 and 1 make the wrapper.
          const [cls, base, state] = args.items;
          if (
            args.items.length !== 3 ||
            cls?.kind !== "global" ||
            base?.kind !== "global" ||
            base.target === null ||
            !PY_OBJECT.has(base.target) ||
            state !== NONE
          ) {
            unmodelled(`REDUCE makes a ${JOBLIB_ARRAY_WRAPPER} through ${target} with arguments this scanner does not model`);
            break loop;
          }
          made = { kind: "made", madeBy: JOBLIB_ARRAY_WRAPPER, wrapper: new Map() };
        } else if (joblib && op === OP.NEWOBJ && target === JOBLIB_ARRAY_WRAPPER) {
          // cls.__new__(cls, *args): no __init__, so BUILD's state alone gives the attributes.
          if (!guardWrapper(sp - 1, sp)) break loop;
          made = { kind: "made", madeBy: JOBLIB_ARRAY_WRAPPER, wrapper: new Map() };
        } else {
          if (!guardWrapper(sp - 2, sp)) break loop;
          if (joblib && op === OP.REDUCE && target === "numpy.dtype") made = { kind: "made", madeBy: target, dtype: { args, state: null } };
        }
        sp -= 2;
        stack[sp++] = made ?? madeBy(target);
        break;
      }
      case OP.NEWOBJ_EX: {
        if (above() < 3) {
          underflow();
          break loop;
        }
        const cls = stack[sp - 3] as Value;
        if (!guardWrapper(sp - 3, sp)) break loop;
        sp -= 3;
        const target = cls.kind === "global" ? cls.target : null;
        recordCall("NEWOBJ_EX", target);
        if (notCallable(cls, true)) raises();
        stack[sp++] = madeBy(target);
        break;
      }
      case OP.OBJ: {
        const k = popMark();
        if (k < 0) break loop;
        if (sp - k < 1) {
          underflow();
          break loop;
        }
        const cls = stack[k] as Value;
        // OBJ calls the class with its arguments: a wrapper made so gets attributes the scanner does not see.
        if (!guardWrapper(k, sp)) break loop;
        sp = k;
        const target = cls.kind === "global" ? cls.target : null;
        recordCall("OBJ", target);
        if (notCallable(cls)) raises();
        stack[sp++] = madeBy(target);
        break;
      }
      case OP.BUILD: {
        if (above() < 2) {
          underflow();
          break loop;
        }
        if (!guardWrapper(sp - 1, sp)) break loop;
        const state = stack[--sp] as Value;
        const inst = top();
        // BUILD on an imported object itself (a class, a module) sets its attributes: the target is that import.
        recordCall("BUILD", inst.kind === "global" ? inst.target : inst.kind === "made" ? inst.madeBy : null);
        stateOn("BUILD", inst);
        if (joblib && inst.kind === "made") {
          if (inst.dtype !== undefined) inst.dtype.state = state;
          if (inst.wrapper !== undefined) {
            // Unpickler.load_build sets the state, then joblib's load_build swaps the wrapper for the array it reads.
            if (state.kind !== "dict") {
              unmodelled(`BUILD gives a ${JOBLIB_ARRAY_WRAPPER} state that is not a dict of attributes: not modelled`);
              break loop;
            }
            if (state.incomplete === true) {
              unmodelled(
                `BUILD gives a ${JOBLIB_ARRAY_WRAPPER} a state whose keys cannot all be known (computed, or more than ${MAX_CONCRETE_ENTRIES}): where its array's bytes end cannot be known`,
              );
              break loop;
            }
            for (const [key, value] of state.entries) inst.wrapper.set(key, value);
            if (!readJoblibArray(inst.wrapper)) break loop;
            stack[sp - 1] = ARRAY;
          }
        }
        break;
      }

      // ----- persistent ids and out-of-band buffers -----
      case OP.PERSID: {
        if (!readLine("persistent id", 0)) break loop;
        if (decodeAscii(bytes, lineStart, lineEnd) === null) {
          fail("PERSID id is not ASCII");
          break loop;
        }
        if (!push(PERSISTENT)) break loop;
        break;
      }
      case OP.BINPERSID: {
        if (above() < 1) {
          underflow();
          break loop;
        }
        if (!guardWrapper(sp - 1, sp)) break loop;
        stack[sp - 1] = PERSISTENT;
        break;
      }
      case OP.NEXT_BUFFER:
        if (!push(BUFFER)) break loop;
        break;
      case OP.READONLY_BUFFER: {
        if (above() < 1) {
          underflow();
          break loop;
        }
        stack[sp - 1] = BUFFER;
        break;
      }

      default: {
        fail(`unknown opcode 0x${op.toString(16).padStart(2, "0")}${op >= 0x20 && op < 0x7f ? ` (${JSON.stringify(String.fromCharCode(op))})` : ""}`);
        break loop;
      }
    }
  }
  return done();
}

// ---------- several pickles, sniffing ----------

/** Opcodes a sniff interprets before deciding that a stream is plausible. */
const SNIFF_OPS = 8;

/**
 * Could a pickle start here? PROTO 0..5 (CPython accepts PROTO 0 and 1 too, so an attacker may write them)
 * followed by opcodes that interpret cleanly, or a protocol 0/1 stream whose first opcodes interpret cleanly.
 * A stream that imports something before it breaks also counts: the unpickler would already have imported it.
 */
export function looksLikePickle(bytes: Uint8Array, offset = 0): boolean {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= bytes.length) return false;
  const first = bytes[offset] as number;
  if (!PICKLE_OPCODES.has(first) || first === OP.STOP) return false;
  const probe = run(bytes, offset, DEFAULT_PICKLE_LIMITS, SNIFF_OPS);
  return probe.analysis.error === null || probe.imports > 0;
}

/**
 * Several pickles back to back (legacy torch files stack 5; attackers hide a second one after the first STOP).
 * The first `minPickles` (default 1) are always analysed, even past the end of the data (then as truncated);
 * each next one only while the bytes after the previous STOP look like a pickle.
 * Stops after an incomplete pickle. `trailingOffset` is where unanalysed bytes begin (bytes.length when none).
 */
export function analyzePickleStream(
  bytes: Uint8Array,
  options?: { maxPickles?: number; minPickles?: number; limits?: Partial<PickleLimits> },
): { pickles: PickleAnalysis[]; trailingOffset: number } {
  const limits = resolveLimits(options?.limits);
  const requested = options?.maxPickles;
  const maxPickles = typeof requested === "number" && requested >= 1 ? Math.floor(requested) : 16;
  // A loader that unpickles a fixed number in a row (legacy torch.load: 5) runs each whatever it looks like.
  const minPickles = Math.min(maxPickles, typeof options?.minPickles === "number" && options.minPickles >= 1 ? Math.floor(options.minPickles) : 1);
  const pickles: PickleAnalysis[] = [];
  let pos = 0;
  do {
    const analysis = run(bytes, pos, limits, 0).analysis;
    pickles.push(analysis);
    pos = analysis.end;
    if (!analysis.complete) break;
  } while (pickles.length < minPickles || (pickles.length < maxPickles && pos < bytes.length && looksLikePickle(bytes, pos)));
  return { pickles, trailingOffset: pos };
}

// ---------- names ----------

/** The str a value would be when STACK_GLOBAL receives it, or why it is not a provable constant string. */
function nameFrom(bytes: Uint8Array, v: Value): NameResult {
  switch (v.kind) {
    // Every answer is kept on the value, so that messages about the same values can be found by identity.
    case "opaque":
      return v.name;
    case "global":
      if (v.name === undefined)
        v.name = { problem: v.target === null ? "the object of an unresolved import" : `the object imported as ${quoteName(v.target)}, not a constant string` };
      return v.name;
    case "made":
      if (v.name === undefined)
        v.name = { problem: v.madeBy === null ? "the result of an untraced call" : `the result of calling ${quoteName(v.madeBy)}, not a constant string` };
      return v.name;
    case "text":
      if (v.name === undefined) v.name = decodeName(bytes, v);
      return v.name;
    case "int":
      v.name ??= { problem: "an int, not a string" };
      return v.name;
    case "tuple":
      v.name ??= { problem: "a tuple, not a string" };
      return v.name;
    case "dict":
      v.name ??= { problem: "a dict, not a string" };
      return v.name;
  }
}

function decodeName(bytes: Uint8Array, v: TextValue): NameResult {
  const len = v.end - v.start;
  if (len > MAX_NAME_BYTES) return { problem: `a ${len}-byte string, too long to be a name` };
  let text: string | null;
  switch (v.encoding) {
    case "utf8":
      text = decodeUtf8(bytes, v.start, v.end, true);
      if (text === null) return { problem: "a string that is not valid UTF-8" };
      break;
    case "rawUnicodeEscape":
      text = decodeRawUnicodeEscape(bytes, v.start, v.end);
      if (text === null) return { problem: "a UNICODE argument with a broken \\u escape" };
      break;
    case "pyLiteral":
    case "pyBytes": {
      const raw = v.encoding === "pyBytes" ? bytes.subarray(v.start, v.end) : decodePyEscapes(bytes, v.start, v.end);
      if (raw === null) return { problem: "a STRING argument with a broken escape" };
      text = decodeAscii(raw, 0, raw.length);
      // Python 2 strings become str through the unpickler's `encoding` (ASCII by default, UTF-8 in torch,
      // latin-1 in numpy): non-ASCII bytes name different things under each.
      if (text === null) return { problem: "a Python 2 string with non-ASCII bytes, whose meaning depends on the loader's encoding" };
      break;
    }
  }
  // An empty name fails to import ("Empty module name") and would read like the unresolved marker.
  if (text === "") return { problem: "an empty string" };
  return text;
}

/** A GLOBAL/INST line as the unpickler decodes it, or why it cannot be. */
function lineText(bytes: Uint8Array, start: number, end: number, ascii: boolean): NameResult {
  const len = end - start;
  if (len > MAX_NAME_BYTES) return { problem: `a ${len}-byte line, too long to be a name` };
  const text = ascii ? decodeAscii(bytes, start, end) : decodeUtf8(bytes, start, end, false);
  return text ?? { problem: `not valid ${ascii ? "ASCII" : "UTF-8"}: ${describeLine(bytes, start, end)}` };
}

/** A name for a message: quoted, and cut short so that messages stay small whatever the stream holds. */
function quoteName(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

function describeLine(bytes: Uint8Array, start: number, end: number): string {
  const shown = latin1(bytes, start, Math.min(end, start + 64));
  return JSON.stringify(shown) + (end - start > 64 ? ` (${end - start} bytes)` : "");
}

function decodeAscii(bytes: Uint8Array, start: number, end: number): string | null {
  if (end - start > MAX_NAME_BYTES) return null;
  for (let i = start; i < end; i++) if ((bytes[i] as number) >= 0x80) return null;
  return latin1(bytes, start, end);
}

/** Strict UTF-8 (overlongs, out-of-range and, unless `surrogatePass`, surrogates rejected), as CPython decodes. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number, surrogatePass: boolean): string | null {
  if (end - start > MAX_NAME_BYTES) return null;
  const units: number[] = [];
  let i = start;
  while (i < end) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      units.push(c);
      i++;
      continue;
    }
    let extra: number;
    let cp: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return null;
    }
    if (end - i <= extra) return null;
    for (let k = 1; k <= extra; k++) {
      const cc = bytes[i + k] as number;
      if ((cc & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff) return null;
    if (cp >= 0xd800 && cp <= 0xdfff && !surrogatePass) return null;
    pushCodePoint(units, cp);
    i += extra + 1;
  }
  return String.fromCharCode(...units);
}

function pushCodePoint(units: number[], cp: number): void {
  if (cp < 0x10000) {
    units.push(cp);
  } else {
    const v = cp - 0x10000;
    units.push(0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
  }
}

function hexDigit(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Python's raw-unicode-escape decoder (UNICODE's argument): only \uXXXX and \UXXXXXXXX are escapes. */
export function decodeRawUnicodeEscape(bytes: Uint8Array, start: number, end: number): string | null {
  if (end - start > MAX_NAME_BYTES) return null;
  const units: number[] = [];
  let i = start;
  while (i < end) {
    const c = bytes[i++] as number;
    if (c !== 0x5c) {
      units.push(c);
      continue;
    }
    if (i >= end) {
      units.push(c);
      break;
    }
    const e = bytes[i++] as number;
    let count: number;
    if (e === 0x75) count = 4;
    else if (e === 0x55) count = 8;
    else {
      // A backslash before anything else is literal, and so is the character after it (even a backslash).
      units.push(0x5c, e);
      continue;
    }
    let cp = 0;
    for (; count > 0; count--, i++) {
      const h = i < end ? hexDigit(bytes[i]) : -1;
      if (h < 0) return null;
      cp = cp * 16 + h;
    }
    if (cp > 0x10ffff) return null;
    pushCodePoint(units, cp);
  }
  return String.fromCharCode(...units);
}

/** codecs.escape_decode as STRING applies it: Python 2 string-literal escapes, to bytes. */
export function decodePyEscapes(bytes: Uint8Array, start: number, end: number): Uint8Array | null {
  if (end - start > MAX_NAME_BYTES) return null;
  const out: number[] = [];
  let i = start;
  while (i < end) {
    const c = bytes[i++] as number;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    if (i >= end) return null; // "Trailing \ in string"
    const e = bytes[i++] as number;
    switch (e) {
      case 0x0a: // backslash-newline continues the line
        break;
      case 0x5c:
      case 0x27:
      case 0x22:
        out.push(e);
        break;
      case 0x62:
        out.push(0x08);
        break; // \b
      case 0x66:
        out.push(0x0c);
        break; // \f
      case 0x74:
        out.push(0x09);
        break; // \t
      case 0x6e:
        out.push(0x0a);
        break; // \n
      case 0x72:
        out.push(0x0d);
        break; // \r
      case 0x76:
        out.push(0x0b);
        break; // \v
      case 0x61:
        out.push(0x07);
        break; // \a
      case 0x78: {
        // \xhh needs exactly two hex digits
        const hi = i < end ? hexDigit(bytes[i]) : -1;
        const lo = i + 1 < end ? hexDigit(bytes[i + 1]) : -1;
        if (hi < 0 || lo < 0) return null;
        out.push(hi * 16 + lo);
        i += 2;
        break;
      }
      default: {
        if (e >= 0x30 && e <= 0x37) {
          // Up to three octal digits; CPython keeps the low byte of larger values.
          let v = e - 0x30;
          for (let k = 0; k < 2 && i < end && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x37; k++) v = v * 8 + ((bytes[i++] as number) - 0x30);
          out.push(v & 0xff);
        } else {
          // Unknown escapes stay as written, backslash included.
          out.push(0x5c);
          i--;
        }
      }
    }
  }
  return Uint8Array.from(out);
}

/**
 * A memo index as CPython parses PUT/GET arguments (PyLong_FromString, base 10): surrounding ASCII whitespace,
 * an optional sign, digits with single underscores between them, and a NUL ends the text early. Null when
 * CPython would raise.
 */
export function parsePyDecimal(bytes: Uint8Array, start: number, end: number): number | null {
  // The unpickler hands CPython a NUL-terminated copy of the line, so an embedded NUL ends the number there.
  const nul = bytes.subarray(start, end).indexOf(0);
  const stop = nul < 0 ? end : start + nul;
  const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  let i = start;
  while (i < stop && isSpace(bytes[i] as number)) i++;
  let sign = 1;
  if (bytes[i] === 0x2b && i < stop) i++;
  else if (bytes[i] === 0x2d && i < stop) {
    sign = -1;
    i++;
  }
  let value = 0;
  let digits = 0;
  let prevUnderscore = false;
  for (; i < stop; i++) {
    const c = bytes[i] as number;
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      digits++;
      prevUnderscore = false;
    } else if (c === 0x5f && digits > 0 && !prevUnderscore) {
      prevUnderscore = true;
    } else {
      break;
    }
  }
  if (digits === 0 || prevUnderscore) return null;
  while (i < stop && isSpace(bytes[i] as number)) i++;
  if (i !== stop) return null;
  // Beyond 2^53 the index cannot be told apart from its neighbours; no real memo is that large.
  if (!Number.isSafeInteger(value)) return null;
  return sign * value === 0 ? 0 : sign * value;
}
