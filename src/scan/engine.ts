import { gunzipSync, inflateSync } from "node:zlib";
import { extractChatTemplates } from "../formats/chat-template.js";
import { readGgufHeader } from "../formats/gguf.js";
import { extractHdf5KerasConfig } from "../formats/keras.js";
import { parseNpyHeader } from "../formats/npy.js";
import { analyzePickle, analyzePickleStream, JOBLIB_ARRAY_WRAPPER, looksLikePickle, type PickleAnalysis } from "../formats/pickle.js";
import { parsePythonJsonBytes, type PythonJsonValue } from "../formats/python-json.js";
import { parseSafetensorsHeader } from "../formats/safetensors.js";
import { analyzeSavedModel } from "../formats/savedmodel.js";
import { analyzeSentencePiece } from "../formats/sentencepiece.js";
import { sniffFormat, type SniffFormat } from "../formats/sniff.js";
import { applyPaxRecords, parsePaxRecords, parseTarHeader, parseTarLongName, TAR_BLOCK, type TarMember, type TarProblem } from "../formats/tar.js";
import {
  findUncoveredRanges,
  findZipEnd,
  inflateZipEntry,
  parseCentralDirectory,
  parseLocalHeader,
  scanLocalHeaders,
  ZIP_END_SEARCH_BYTES,
  ZIP_LOCAL_HEADER_SIZE,
  type ZipEnd,
  type ZipEntry,
  type ZipLocalMember,
  type ZipSpan,
} from "../formats/zip.js";
import { secretsDetector } from "../guards/secrets.js";
import { finding, type Finding } from "./findings.js";
import { judgeKerasConfig } from "./keras-policy.js";
import { savedModelFindings } from "./savedmodel-policy.js";
import { judgeChatTemplate } from "./template-policy.js";
import { classifyImport, type AllowList } from "./pickle-policy.js";
import { memorySource, type ByteSource } from "./source.js";

// Turns the facts the format parsers extract into findings, reading from each file only what it must:
// headers, central directories and pickles — never tensor data.

export interface ScanLimits {
  /** Archives inside archives are followed this deep. */
  readonly maxDepth: number;
  /** A compressed member is inflated up to this size; beyond, it is unscannable. */
  readonly maxInflateBytes: number;
  /** A pickle stream is read up to this size; beyond, it is unscannable. */
  readonly maxPickleBytes: number;
  /** JSON and text files are read up to this size. */
  readonly maxTextBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxDepth: 4,
  maxInflateBytes: 1 << 30,
  maxPickleBytes: 1 << 30,
  maxTextBytes: 64 << 20,
};

export interface ScanContext {
  readonly limits: ScanLimits;
  readonly allow: AllowList;
  /** The file's name. Formats are told by content, but what a loader *executes* is chosen by name: Hugging
   * Face's trust_remote_code imports modeling_*.py whatever the file holds. */
  readonly fileName?: string;
  /** The weights file of a Keras 3 archive: Keras reads only weights from it, never a model config. */
  readonly kerasWeights?: boolean;
}

const SOURCE_FILE = /\.(py|pyw|pyc|pyo|so|dll|dylib|sh|bash|ipynb)$/i;

export interface SourceResult {
  readonly format: string;
  readonly findings: Finding[];
}

const HEAD_BYTES = 4096;

export async function scanSource(src: ByteSource, where: string, ctx: ScanContext, depth = 0): Promise<SourceResult> {
  const head = await src.read(0, HEAD_BYTES);
  const sniffed = sniffFormat(head, src.size, { looksLikePickle: plausiblePickle });
  // A file can be two formats at once (a pickle that is also a zip, say) and an attacker picks the reading a
  // scanner skips: every reading a loader could take is scanned.
  const readings = [sniffed.format, ...sniffed.alsoMatches.map((m) => m.format).filter((f) => LOADABLE.has(f))];
  // Python's zipfile (Keras 3, numpy's .npz, joblib) opens any file whose tail holds a ZIP end record,
  // whatever its first bytes say: an archive appended to a harmless file is still an archive.
  if (!readings.includes("zip") && src.size >= 22 && (await zipEnd(src)).kind === "zip-end") readings.push("zip");
  const findings: Finding[] = [];
  // Only the HDF5 reading of a Keras weights file is a weights file; anything nested in it is judged as itself.
  const nested = ctx.kerasWeights === true ? { ...ctx, kerasWeights: false } : ctx;
  for (const format of new Set(readings)) findings.push(...(await scanAs(format, src, where, format === "hdf5" ? ctx : nested, depth)));
  return { format: sniffed.format, findings };
}

/** What the file is, by the same content sniffing the scan uses (first 4 KiB; nothing else is read). */
export async function detectFormat(src: ByteSource): Promise<SniffFormat> {
  const head = await src.read(0, HEAD_BYTES);
  return sniffFormat(head, src.size, { looksLikePickle: plausiblePickle }).format;
}

/** Formats some loader deserialises: a file in one of these carries a model (or something a loader opens as one). */
export function isLoadableFormat(format: string): boolean {
  return LOADABLE.has(format as SniffFormat);
}

const IDENTIFIER_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * A protocol 0 pickle has no signature: text that starts with "c" reads as a GLOBAL opcode. Text counts as
 * a pickle only if its first import could be imported at all: pickle.load stops with an error at the first
 * one that cannot, before anything after it runs — but everything before it has run, so one valid import
 * first is enough (a payload followed by a nonsense name is still a payload).
 */
function plausiblePickle(head: Uint8Array): boolean {
  if (!looksLikePickle(head)) return false;
  if (head[0] === 0x80) return true;
  const first = analyzePickle(head).globals[0];
  return first === undefined || first.module === "" || (IDENTIFIER_PATH.test(first.module) && IDENTIFIER_PATH.test(first.name));
}

/** Formats some loader deserialises; text-like second readings add nothing. */
const LOADABLE: ReadonlySet<SniffFormat> = new Set<SniffFormat>([
  "pickle",
  "zip",
  "tar",
  "npy",
  "safetensors",
  "gguf",
  "hdf5",
  "gzip",
  "zlib",
  "7z",
  "rar",
  "bzip2",
  "xz",
  "lzma",
  "lz4",
  "zstd",
]);

async function scanAs(format: SniffFormat, src: ByteSource, where: string, ctx: ScanContext, depth: number): Promise<Finding[]> {
  const here = where || "(file)";
  switch (format) {
    case "pickle":
      return scanPickle(src, where, ctx);
    case "zip":
      return scanZip(src, where, ctx, depth);
    case "tar":
      return scanTar(src, where, ctx, depth);
    case "npy":
      return scanNpy(src, where, ctx);
    case "safetensors":
      return scanSafetensors(src, where);
    case "gguf":
      return scanGguf(src, where);
    case "hdf5":
      return scanHdf5(src, where, ctx);
    case "gzip":
    case "zlib":
      return scanCompressed(src, where, ctx, depth, format);
    case "json":
      return scanJson(src, where, ctx);
    case "text":
      return scanText(src, where, ctx);
    case "empty":
      return [];
    case "7z":
    case "rar":
    case "bzip2":
    case "xz":
    case "lzma":
    case "lz4":
    case "zstd":
      return [finding("ARCHIVE_UNSUPPORTED", `${format} data cannot be opened and inspected here: unpack it and scan the contents`, here)];
    case "unknown-binary":
      if (SOURCE_FILE.test(where === "" ? (ctx.fileName ?? "") : where)) {
        return [finding("EXECUTABLE_CODE", "compiled code or a native library that a loader can run: review it and allow it explicitly", here)];
      }
      return scanUnknownBinary(src, where, ctx);
  }
}

/** A window onto part of another source, read lazily. */
function slice(src: ByteSource, start: number, length: number): ByteSource {
  const size = Math.max(0, Math.min(length, src.size - start));
  return { size, read: (offset, len) => src.read(start + offset, Math.max(0, Math.min(len, size - offset))) };
}

// ---------- pickle ----------

/** PROTO 2, LONG1 of the legacy torch magic number 0x1950a86a20f9469cfc6c, STOP. */
const LEGACY_TORCH_MAGIC = Buffer.from("80028a0a6cfc9c46f9206aa850192e", "hex");
/** Pickles legacy torch.load reads in a row: magic number, protocol version, sys_info, the model, storage keys. */
const LEGACY_TORCH_PICKLES = 5;

export async function scanPickle(src: ByteSource, where: string, ctx: ScanContext): Promise<Finding[]> {
  const loc = where === "" ? "" : `${where} `;
  if (src.size > ctx.limits.maxPickleBytes) {
    return [
      finding("ARCHIVE_TOO_LARGE", `a pickle stream of ${src.size} bytes is larger than the ${ctx.limits.maxPickleBytes} the scanner reads`, where || "(file)"),
    ];
  }
  const bytes = await src.read(0, src.size);
  const legacyTorch = bytes.length >= LEGACY_TORCH_MAGIC.length && LEGACY_TORCH_MAGIC.equals(bytes.subarray(0, LEGACY_TORCH_MAGIC.length));
  // Legacy torch.load unpickles five in a row (magic, protocol, sys_info, model, storage keys): each is read
  // whatever its first bytes look like.
  const plain = analyzePickleStream(bytes, legacyTorch ? { minPickles: LEGACY_TORCH_PICKLES } : {});
  // joblib.load reads the same bytes another way: array data inline after each NumpyArrayWrapper's BUILD.
  // Both readings are judged; the joblib one decides where the stream breaks and ends.
  const joblib = plain.pickles.some((p) => p.globals.some((g) => `${g.module}.${g.name}` === JOBLIB_ARRAY_WRAPPER))
    ? analyzePickle(bytes, 0, undefined, "joblib")
    : null;
  // Read as pickle.load reads it, a joblib file runs into array bytes as opcodes; its imports there still count,
  // but not the unresolved ones pickle.load raises on without importing (random numbers make those), nor state
  // set on them. A computed import there is still reported, and with it the file — unless pickle.load certainly
  // raised before it (raisesAt: random numbers also make calls of ints, EXT codes and the like), so it never
  // runs (pickle.py finds `__new__` on an instance, so NEWOBJ on an array wrapper is not counted as certain).
  // Named imports count wherever they are, and so does a break where pickle.load may read on.
  const arraysFrom = joblib?.arrays[0]?.offset ?? Infinity;
  const plainOfJoblib = (p: PickleAnalysis): PickleAnalysis => {
    const raisesAt = p.raisesAt ?? Infinity;
    return {
      ...p,
      // Where pickle.load raises too (random numbers break the reading at once) the break is no finding; where
      // the scanner stopped but pickle.load may read on (a limit, a FRAME read two ways), it is.
      error: p.error?.readsOn === true ? p.error : null,
      unresolvedGlobals: p.unresolvedGlobals.filter((u) => u.offset < arraysFrom || (u.computed === true && u.offset < raisesAt)),
      stateOnImports: p.stateOnImports.filter((c) => c.offset < arraysFrom || c.target !== null),
    };
  };
  const pickles: PickleAnalysis[] = joblib === null ? plain.pickles : [joblib, ...plain.pickles.map(plainOfJoblib)];
  const trailingOffset = joblib === null ? plain.trailingOffset : joblib.end;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (f: Finding) => {
    const key = `${f.rule}|${f.location}|${f.message}`;
    if (!seen.has(key)) findings.push(f);
    seen.add(key);
  };
  for (const [i, p] of pickles.entries()) {
    const which = joblib !== null ? "" : pickles.length > 1 ? `pickle ${i + 1} ` : "";
    for (const g of p.globals) {
      if (g.module === "" && g.name === "") continue; // unresolved: reported from unresolvedGlobals
      const name = `${g.module}.${g.name}`;
      const cls = classifyImport(g.module, g.name, ctx.allow);
      if (cls === "dangerous") {
        add(
          finding(
            "PICKLE_DANGEROUS_CALLABLE",
            `imports ${name} (${g.opcode}), which runs code or reaches outside the process when unpickled`,
            `${loc}${which}offset ${g.offset}`,
          ),
        );
      } else if (cls === "unknown") {
        add(
          finding(
            "PICKLE_IMPORT_NOT_ALLOWED",
            `imports ${name} (${g.opcode}), which is not on the allow-list of what model files need`,
            `${loc}${which}offset ${g.offset}`,
          ),
        );
      }
    }
    for (const u of p.unresolvedGlobals) {
      add(finding("PICKLE_UNRESOLVED_IMPORT", u.message, `${loc}${which}offset ${u.offset}`));
    }
    for (const c of p.stateOnImports) {
      const what = c.target === null ? "an import whose name cannot be known" : `${c.target} itself (the imported object, not an instance built from it)`;
      add(
        finding(
          "PICKLE_STATE_ON_IMPORT",
          `${c.opcode} sets state on ${what}: it monkey-patches it for everything that runs after`,
          `${loc}${which}offset ${c.offset}`,
        ),
      );
    }
    if (p.error !== null) {
      const how = p.reader === "joblib" ? " as joblib.load reads it" : "";
      if (p.error.unmodelled === true)
        add(
          finding(
            "PICKLE_UNMODELLED",
            `the pickle stream cannot be followed${how}: ${p.error.message}; everything before was inspected`,
            `${loc}${which}offset ${p.error.offset}`,
          ),
        );
      else
        add(
          finding(
            "PICKLE_BROKEN",
            `the pickle stream breaks here${how}: ${p.error.message}; everything before the break was inspected`,
            `${loc}${which}offset ${p.error.offset}`,
          ),
        );
    }
  }
  // Object arrays in joblib files are nested pickles by design, not staged payloads.
  const boundaries = [...pickles.map((p) => p.end), ...(joblib?.arrays.filter((a) => a.kind === "pickle").map((a) => a.offset) ?? [])];
  findings.push(...embeddedPayloads(bytes, boundaries, loc, ctx));
  const complete = joblib === null ? plain.pickles.every((p) => p.complete) : joblib.complete;
  if (trailingOffset < bytes.length && !legacyTorch && complete) {
    findings.push(
      finding(
        "PICKLE_TRAILING_DATA",
        `${bytes.length - trailingOffset} bytes follow the last pickle; pickle.load ignores them`,
        `${loc}offset ${trailingOffset}`,
      ),
    );
  }
  return findings;
}

/** Code that only an attack stores in a model's data. */
const CODE_STRING =
  /\b(?:os|posix|nt|subprocess|commands|pty)\.(?:system|popen|Popen|call|run|check_output|spawn\w*|exec\w*)\s*\(|\b(?:eval|exec|compile|__import__)\s*\(\s*['"a-zA-Z_]|\bimport\s+(?:os|subprocess|socket|pty|ctypes)\b/;
const BASE64_PICKLE = /gA[JNSU][A-Za-z0-9+/]{14,}={0,2}/g;
const HEX_PICKLE = /800[2-5][0-9a-fA-F]{14,}/g;
const MAX_CANDIDATES = 256;

/**
 * Pickles and code kept as data inside a pickle: harmless until some loader passes them to pickle.loads or
 * exec, which is how multi-stage attacks stage their payload. A candidate counts only if it decodes to a
 * pickle that imports something (random bytes that merely look like a PROTO opcode do not).
 */
function embeddedPayloads(bytes: Uint8Array, boundaries: readonly number[], loc: string, ctx: ScanContext): Finding[] {
  const findings: Finding[] = [];
  const nested = (candidate: Uint8Array, how: string, offset: number) => {
    const inner = analyzePickleStream(candidate, { maxPickles: 4 });
    // Only imports that resolve count: random data that happens to hold a PROTO byte yields unresolvable ones.
    const imports = inner.pickles.flatMap((p) => p.globals).filter((g) => IDENTIFIER_PATH.test(g.module) && IDENTIFIER_PATH.test(g.name));
    if (imports.length === 0) return;
    const names = [...new Set(imports.map((g) => `${g.module}.${g.name}`))];
    const dangerous = names.filter((n) => classifyImport(n.slice(0, n.lastIndexOf(".")), n.slice(n.lastIndexOf(".") + 1), ctx.allow) === "dangerous");
    findings.push(
      finding(
        "PICKLE_EMBEDDED_PAYLOAD",
        `${how} pickle is stored as data and imports ${names.join(", ")}${dangerous.length > 0 ? ` (known dangerous: ${dangerous.join(", ")})` : ""}: it runs if anything unpickles it`,
        `${loc}offset ${offset}`,
      ),
    );
  };
  let candidates = 0;
  for (let at = bytes.indexOf(0x80, 1); at >= 0 && candidates < MAX_CANDIDATES; at = bytes.indexOf(0x80, at + 1)) {
    const proto = bytes[at + 1];
    if (proto === undefined || proto < 2 || proto > 5 || boundaries.includes(at)) continue;
    candidates += 1;
    nested(bytes.subarray(at), "a raw", at);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  for (const m of text.matchAll(BASE64_PICKLE)) {
    if (++candidates > MAX_CANDIDATES) break;
    nested(Buffer.from(m[0], "base64"), "a base64-encoded", m.index);
  }
  for (const m of text.matchAll(HEX_PICKLE)) {
    if (++candidates > MAX_CANDIDATES) break;
    nested(Buffer.from(m[0].length % 2 === 0 ? m[0] : m[0].slice(0, -1), "hex"), "a hex-encoded", m.index);
  }
  const code = CODE_STRING.exec(text);
  if (code !== null) {
    findings.push(
      finding(
        "PICKLE_EMBEDDED_CODE",
        `holds Python code as data (${JSON.stringify(code[0])}): it runs if anything passes it to exec or eval`,
        `${loc}offset ${code.index}`,
      ),
    );
  }
  return findings;
}

// ---------- zip ----------

async function scanZip(src: ByteSource, where: string, ctx: ScanContext, depth: number): Promise<Finding[]> {
  const here = where || "(file)";
  if (depth >= ctx.limits.maxDepth) {
    return [finding("ARCHIVE_TOO_DEEP", `a ZIP archive nested ${depth} levels deep is not opened`, here)];
  }
  const end = await zipEnd(src);
  if (end.kind !== "zip-end") {
    return [finding("ARCHIVE_INVALID", `the ZIP archive cannot be read: ${end.kind === "problem" ? end.problem : "its end records are out of reach"}`, here)];
  }
  const findings: Finding[] = end.problems.map((p) => finding("ARCHIVE_INCONSISTENT", p, here));
  // torch.load (miniz) reads the central directory where the end record says; Python's zipfile reads it
  // right before the end record and shifts every offset by the difference. When the two differ, both views
  // are scanned.
  const views = [{ at: end.centralDirectoryOffset, shift: 0, label: "" }];
  if (end.contiguousCentralDirectoryOffset !== end.centralDirectoryOffset || end.offsetShift !== 0) {
    findings.push(
      finding(
        "ARCHIVE_HIDDEN_MEMBER",
        "torch.load and Python's zipfile read this archive's central directory at different offsets: both views are scanned",
        here,
      ),
    );
    views.push({ at: end.contiguousCentralDirectoryOffset, shift: end.offsetShift, label: " (as Python's zipfile reads it)" });
  }
  for (const view of views) findings.push(...(await scanZipView(src, end, view, where, ctx, depth)));
  return findings;
}

async function zipEnd(src: ByteSource) {
  const tailStart = Math.max(0, src.size - ZIP_END_SEARCH_BYTES);
  const tail = await src.read(tailStart, src.size - tailStart);
  let end = findZipEnd(tail, tailStart, src.size);
  if (end.kind === "needs") end = findZipEnd(tail, tailStart, src.size, await src.read(end.needs.offset, end.needs.length));
  return end;
}

async function scanZipView(
  src: ByteSource,
  end: ZipEnd,
  view: { at: number; shift: number; label: string },
  where: string,
  ctx: ScanContext,
  depth: number,
): Promise<Finding[]> {
  const here = (where || "(file)") + view.label;
  const loc = (name: string) => (where === "" ? name : `${where}/${name}`) + view.label;
  const findings: Finding[] = [];
  const cd = await src.read(view.at, end.centralDirectorySize);
  const parsed = parseCentralDirectory(cd, end.entryCount);
  const entries = parsed.entries.map((e) => (view.shift === 0 ? e : { ...e, localHeaderOffset: e.localHeaderOffset + view.shift }));
  const problems = parsed.problems;
  findings.push(...problems.map((p) => finding("ARCHIVE_INCONSISTENT", p, here)));
  const torch = entries.some((e) => /(^|\/)data\.pkl$/.test(e.name));
  // Keras 3's load_model rebuilds the model from a root config.json before it looks for metadata or weights:
  // an archive holding config.json alone still runs what that config asks for.
  const keras = entries.some((e) => e.name === "config.json");
  const spans: ZipSpan[] = [];
  for (const entry of entries) {
    for (const name of new Set([entry.name, entry.unicodePathName ?? entry.name])) {
      if (isTraversal(name))
        findings.push(finding("ARCHIVE_PATH_TRAVERSAL", `member name ${JSON.stringify(name)} escapes the directory it is extracted to`, loc(entry.name)));
    }
    const local = await readLocalHeader(src, entry);
    if (local.kind !== "local-header") {
      findings.push(
        finding("ARCHIVE_INVALID", `the member's local header cannot be read: ${local.kind === "problem" ? local.problem : "out of reach"}`, loc(entry.name)),
      );
      continue;
    }
    findings.push(...local.problems.map((p) => finding("ARCHIVE_INCONSISTENT", p, loc(entry.name))));
    const dataOffset = entry.localHeaderOffset + local.dataOffsetFromHeader;
    spans.push({ start: entry.localHeaderOffset, end: dataOffset + entry.compressedSize, name: entry.name });
    if (entry.isDirectory && entry.uncompressedSize === 0) continue;
    const member = await memberSource(src, entry, dataOffset, ctx);
    findings.push(...member.findings.map((f) => ({ ...f, location: loc(entry.name) })));
    if (member.source === undefined) continue;
    // Tensor storages of a torch archive are raw numbers that torch.load never unpickles; they are judged only
    // by whether another loader could open them as something else.
    if (torch && /(^|\/)data\/\d+$/.test(entry.name) && !entry.encrypted) {
      findings.push(...(await scanTorchStorage(member.source, loc(entry.name), ctx)));
      continue;
    }
    if (keras && entry.name === "config.json") {
      const judged = await scanKerasConfig(member.source, loc(entry.name), ctx);
      findings.push(...judged);
      // It is also JSON another loader may read (a chat template in it is judged like any other).
      if (!judged.some((f) => f.rule === "KERAS_CONFIG_MISSING")) findings.push(...(await scanSource(member.source, loc(entry.name), ctx, depth + 1)).findings);
    } else
      findings.push(
        ...(await scanSource(member.source, loc(entry.name), keras && entry.name === KERAS_WEIGHTS ? { ...ctx, kerasWeights: true } : ctx, depth + 1)).findings,
      );
  }
  findings.push(...(await hiddenMembers(src, spans, view.at, where, ctx, depth)));
  return findings;
}

/**
 * A torch storage member (archive/data/N) holds raw tensor bytes, which can start with anything. It is refused
 * only when its whole structure is another format a loader could open: a valid .npy header (np.load, which
 * unpickles object arrays), or a pickle that reaches STOP having imported or called something, or that imports
 * a nameable object before it breaks (pickle.load has run that import by then). A pickle of pure data — no
 * import, no call — runs nothing when unpickled, so it is not refused: that is also what random tensor bytes
 * look like when they happen to parse ("N." is a valid pickle and a plausible pair of float16 bytes).
 */
async function scanTorchStorage(src: ByteSource, where: string, ctx: ScanContext): Promise<Finding[]> {
  if (src.size === 0) return [];
  const head = await src.read(0, Math.min(src.size, STORAGE_HEAD_BYTES));
  if (head.length >= 6 && Buffer.from(head.subarray(0, 6)).equals(NPY_MAGIC)) {
    let npy = parseNpyHeader(head);
    if (npy.kind === "needs" && npy.needs.length <= ctx.limits.maxTextBytes) npy = parseNpyHeader(await src.read(0, npy.needs.length));
    if (npy.kind === "npy") {
      return [
        finding(
          "TORCH_STORAGE_NOT_DATA",
          `the tensor storage is a .npy file (dtype ${JSON.stringify(npy.descr)}): np.load opens it as an array${npy.hasObjects ? " and unpickles its objects" : ""}, torch.load as raw bytes`,
          where,
        ),
        ...(await scanNpy(src, where, ctx)),
      ];
    }
  }
  // The first bytes decide almost every storage (tensor bytes stop parsing within a few opcodes); more is read
  // only while the bytes still parse as one unfinished pickle whose next read lies inside the member.
  let window = head.length;
  let analysis = analyzePickle(head);
  for (let needs = analysis.error?.needs; needs !== undefined && window < src.size && needs <= src.size + 1; needs = analysis.error?.needs) {
    if (window >= ctx.limits.maxPickleBytes) {
      return [
        finding(
          "TORCH_STORAGE_NOT_DATA",
          `the tensor storage parses as one pickle for more than the ${ctx.limits.maxPickleBytes} bytes the scanner reads`,
          where,
        ),
      ];
    }
    window = Math.min(src.size, Math.max(window * 4, needs), ctx.limits.maxPickleBytes);
    analysis = analyzePickle(await src.read(0, window));
  }
  const named = analysis.globals.filter((g) => IDENTIFIER_PATH.test(g.module) && IDENTIFIER_PATH.test(g.name));
  // An EXT code names an object only through copyreg's extension registry, which is empty unless the loading
  // process filled it (torch and the standard library register none): pickle.load raises on it and imports
  // nothing. Bytes 82 xx 2E are also a plausible float16 pair, so an EXT alone is data; a call on it is not.
  const imports = analysis.globals.filter((g) => !g.opcode.startsWith("EXT"));
  const acts = analysis.complete ? imports.length > 0 || analysis.calls.length > 0 : named.length > 0;
  if (!acts) return [];
  const names = [...new Set(named.map((g) => `${g.module}.${g.name}`))];
  const findings = [
    finding(
      "TORCH_STORAGE_NOT_DATA",
      `the tensor storage parses as a pickle${analysis.complete ? "" : " (up to a break)"} that ${names.length > 0 ? `imports ${names.join(", ")}` : analysis.calls.length > 0 ? `makes ${analysis.calls.length} call(s)` : `imports ${imports.length} object(s) by computed name`}: pickle.load runs it, torch.load reads raw bytes`,
      where,
    ),
  ];
  for (const g of named) {
    if (classifyImport(g.module, g.name, ctx.allow) === "dangerous") {
      findings.push(
        finding(
          "PICKLE_DANGEROUS_CALLABLE",
          `imports ${g.module}.${g.name} (${g.opcode}), which runs code or reaches outside the process when unpickled`,
          `${where} offset ${g.offset}`,
        ),
      );
    }
  }
  return findings;
}

const NPY_MAGIC = Buffer.from("\x93NUMPY", "latin1");
/** What is read of each storage first: enough for the .npy magic and for tensor bytes to stop parsing as a pickle. */
const STORAGE_HEAD_BYTES = 256;

async function readLocalHeader(src: ByteSource, entry: ZipEntry) {
  let local = parseLocalHeader(await src.read(entry.localHeaderOffset, ZIP_LOCAL_HEADER_SIZE + 512), { central: entry });
  if (local.kind === "needs") local = parseLocalHeader(await src.read(local.needs.offset, local.needs.length), { central: entry });
  return local;
}

/** The member's bytes to scan (lazily, for stored members), or findings saying why they cannot be had. */
async function memberSource(
  src: ByteSource,
  entry: ZipEntry,
  dataOffset: number,
  ctx: ScanContext,
): Promise<{ source: ByteSource | undefined; findings: Finding[] }> {
  if (entry.method === 0 && !entry.encrypted) return { source: slice(src, dataOffset, entry.compressedSize), findings: [] };
  if (entry.compressedSize > ctx.limits.maxInflateBytes || entry.uncompressedSize > ctx.limits.maxInflateBytes) {
    return {
      source: undefined,
      findings: [
        finding(
          "ARCHIVE_TOO_LARGE",
          `the member holds ${Math.max(entry.compressedSize, entry.uncompressedSize)} bytes, more than the ${ctx.limits.maxInflateBytes} the scanner inflates`,
          "",
        ),
      ],
    };
  }
  const content = inflateZipEntry(await src.read(dataOffset, entry.compressedSize), entry, ctx.limits.maxInflateBytes);
  if (content.ok) {
    const notes = content.problems.map((p) => finding("ARCHIVE_INCONSISTENT", p, ""));
    if (!content.crcOk)
      notes.push(finding("ARCHIVE_INCONSISTENT", "the member's CRC does not match its data (torch ignores CRCs, so the data is scanned as it is)", ""));
    return { source: memorySource(content.data), findings: notes };
  }
  const rule =
    content.code === "encrypted"
      ? "ARCHIVE_ENCRYPTED"
      : content.code === "too-large"
        ? "ARCHIVE_TOO_LARGE"
        : content.code === "corrupt"
          ? "ARCHIVE_INVALID"
          : "ARCHIVE_UNSUPPORTED";
  // An encryption flag costs an attacker nothing: scan what a reader that ignores it would get, too.
  const readable = content.readableIfFlagIgnored;
  return { source: readable === undefined ? undefined : memorySource(readable), findings: [finding(rule, content.reason, "")] };
}

/** Bytes before the central directory that no listed member covers can hold members only some readers see. */
async function hiddenMembers(src: ByteSource, spans: readonly ZipSpan[], cdOffset: number, where: string, ctx: ScanContext, depth: number): Promise<Finding[]> {
  const here = where || "(file)";
  const { gaps, overlaps } = findUncoveredRanges(spans, cdOffset);
  const findings: Finding[] = overlaps.map((o) =>
    finding("ARCHIVE_HIDDEN_MEMBER", `members ${JSON.stringify(o.first)} and ${JSON.stringify(o.second)} overlap`, here),
  );
  for (const gap of gaps.filter((g) => g.length >= ZIP_LOCAL_HEADER_SIZE)) {
    findings.push(finding("ARCHIVE_HIDDEN_MEMBER", `${gap.length} bytes at offset ${gap.offset} belong to no member the central directory lists`, here));
    if (gap.length > ctx.limits.maxInflateBytes) continue;
    const { entries } = scanLocalHeaders(await src.read(gap.offset, gap.length), { baseOffset: gap.offset });
    for (const hidden of entries) {
      const name = `${hidden.name} (unlisted)`;
      const member = await memberSource(src, { ...asEntry(hidden) }, hidden.dataOffset, ctx);
      findings.push(...member.findings.map((f) => ({ ...f, location: where === "" ? name : `${where}/${name}` })));
      if (member.source !== undefined) findings.push(...(await scanSource(member.source, where === "" ? name : `${where}/${name}`, ctx, depth + 1)).findings);
    }
  }
  return findings;
}

function asEntry(m: ZipLocalMember): ZipEntry {
  return {
    index: -1,
    name: m.name,
    nameBytes: m.nameBytes,
    nameEncoding: "utf-8",
    method: m.method,
    flags: m.flags,
    encrypted: m.encrypted,
    hasDataDescriptor: m.hasDataDescriptor,
    compressedSize: m.dataLength,
    uncompressedSize: m.uncompressedSize || m.dataLength,
    crc32: m.crc32,
    localHeaderOffset: m.headerOffset,
    diskNumberStart: 0,
    versionMadeBy: 0,
    versionNeeded: m.versionNeeded,
    internalAttributes: 0,
    externalAttributes: 0,
    isDirectory: m.name.endsWith("/"),
    zip64: false,
    extra: m.extra,
    comment: new Uint8Array(0),
    unicodePathName: undefined,
    centralHeaderOffset: -1,
    pastDeclaredCount: false,
  };
}

function isTraversal(name: string): boolean {
  return name.startsWith("/") || name.startsWith("\\") || /^[A-Za-z]:/.test(name) || name.split(/[\\/]/).includes("..");
}

// ---------- tar ----------

async function scanTar(src: ByteSource, where: string, ctx: ScanContext, depth: number): Promise<Finding[]> {
  const here = where || "(file)";
  if (depth >= ctx.limits.maxDepth) return [finding("ARCHIVE_TOO_DEEP", `a tar archive nested ${depth} levels deep is not opened`, here)];
  const findings: Finding[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax: ReadonlyMap<string, string> | undefined;
  let globalPax: ReadonlyMap<string, string> | undefined;
  for (let members = 0; offset + TAR_BLOCK <= src.size && members < 100_000; members++) {
    const header = parseTarHeader(await src.read(offset, TAR_BLOCK), offset);
    if (header.kind === "end") break;
    if (header.kind === "problem") {
      findings.push(finding("ARCHIVE_INVALID", `the tar header at offset ${offset} is malformed: ${header.problem}`, here));
      break;
    }
    const body = slice(src, header.dataOffset, header.size);
    if (header.type === "L") longName = parseTarLongName(await body.read(0, Math.min(header.size, 65_536)));
    else if (header.type === "K") {
      // a GNU long link name: only the link member after it uses it
    } else if (header.type === "x" || header.type === "X") pax = parsePaxRecords(await body.read(0, Math.min(header.size, 1 << 20))).records;
    else if (header.type === "g") globalPax = new Map([...(globalPax ?? []), ...parsePaxRecords(await body.read(0, Math.min(header.size, 1 << 20))).records]);
    else {
      let member: TarMember | TarProblem = header;
      if (globalPax !== undefined) member = applyPaxRecords(member, globalPax, "global");
      if (pax !== undefined && member.kind === "member") member = applyPaxRecords(member, pax);
      pax = undefined;
      if (member.kind === "problem") {
        findings.push(finding("ARCHIVE_INVALID", member.problem, here));
        break;
      }
      const name = longName ?? member.name;
      longName = undefined;
      const loc = where === "" ? name : `${where}/${name}`;
      findings.push(...member.problems.map((p) => finding("ARCHIVE_INCONSISTENT", p, loc)));
      if (isTraversal(name))
        findings.push(finding("ARCHIVE_PATH_TRAVERSAL", `member name ${JSON.stringify(name)} escapes the directory it is extracted to`, loc));
      if (member.type === "1" || member.type === "2") {
        findings.push(
          finding(
            "SYMLINK",
            `a ${member.type === "2" ? "symbolic" : "hard"} link to ${JSON.stringify(member.linkName)} can point anywhere when extracted`,
            loc,
          ),
        );
      } else if (member.hasData && member.size > 0) {
        findings.push(...(await scanSource(slice(src, member.dataOffset, member.size), loc, ctx, depth + 1)).findings);
      }
    }
    offset = header.nextHeaderOffset;
  }
  return findings;
}

// ---------- numpy ----------

async function scanNpy(src: ByteSource, where: string, ctx: ScanContext): Promise<Finding[]> {
  const loc = where || "(file)";
  let npy = parseNpyHeader(await src.read(0, HEAD_BYTES));
  if (npy.kind === "needs") npy = parseNpyHeader(await src.read(0, npy.needs.length));
  if (npy.kind !== "npy") return [finding("NPY_INVALID", npy.kind === "problem" ? npy.problem : "the header is out of reach", loc)];
  const findings = npy.problems.map((p) => finding(/tolerated/.test(p) ? "NPY_TOLERATED" : "NPY_INVALID", p, loc));
  if (!npy.hasObjects) {
    if (npy.dataByteLength !== undefined && src.size - npy.dataOffset < npy.dataByteLength) {
      findings.push(finding("NPY_INVALID", `the header promises ${npy.dataByteLength} bytes of data, the file holds ${src.size - npy.dataOffset}`, loc));
    }
    return findings;
  }
  findings.push(finding("NPY_OBJECT_ARRAY", `dtype ${JSON.stringify(npy.descr)} holds Python objects, stored as a pickle after the header`, loc));
  findings.push(...(await scanPickle(slice(src, npy.dataOffset, src.size - npy.dataOffset), `${where}${where ? " " : ""}object data`, ctx)));
  return findings;
}

// ---------- safetensors ----------

async function scanSafetensors(src: ByteSource, where: string): Promise<Finding[]> {
  const loc = where || "(file)";
  let head = await src.read(0, 1 << 20);
  let parsed = parseSafetensorsHeader(head, src.size);
  if ("needs" in parsed) {
    head = await src.read(0, parsed.needs);
    parsed = parseSafetensorsHeader(head, src.size);
  }
  if ("needs" in parsed) return [finding("SAFETENSORS_INVALID", "the header could not be read in full", loc)];
  const findings = parsed.problems.map((p) => finding("SAFETENSORS_INVALID", p, loc));
  for (const m of parsed.metadataFindings) {
    findings.push(finding("SAFETENSORS_METADATA", `${m.kind} in metadata: ${m.excerpt}`, `${loc} __metadata__.${m.key}`));
  }
  return findings;
}

// ---------- gguf ----------

async function scanGguf(src: ByteSource, where: string): Promise<Finding[]> {
  const loc = where || "(file)";
  // Metadata (the tokenizer vocabulary above all) can run to tens of MB: read more until it parses.
  for (let length = 1 << 20; ; length *= 4) {
    const bytes = await src.read(0, Math.min(length, src.size));
    try {
      const header = readGgufHeader(bytes);
      const template = header.metadata.find((m) => m.key === "tokenizer.chat_template");
      const findings: Finding[] = [];
      if (template !== undefined) {
        if (template.type !== "string") findings.push(finding("GGUF_INVALID", "tokenizer.chat_template is not a string", loc));
        else findings.push(...templateFindings(template.value, `${loc} tokenizer.chat_template`));
      }
      for (const m of header.metadata) {
        if (m.type === "string" && /^tokenizer\.chat_template\./.test(m.key)) findings.push(...templateFindings(m.value, `${loc} ${m.key}`));
      }
      return findings;
    } catch (err) {
      const message = (err as Error).message;
      if (/truncated|remain/.test(message) && bytes.length < src.size && length < 1 << 30) continue;
      return [finding("GGUF_INVALID", message, loc)];
    }
  }
}

function templateFindings(template: string, loc: string): Finding[] {
  const analysis = judgeChatTemplate(template);
  // A template that does not parse is refused; what a token-level look still saw is reported beside it.
  const unsafe = analysis.findings.map((f) => finding("TEMPLATE_UNSAFE", `${f.kind}: ${f.detail}`, loc));
  if (!analysis.parsed) unsafe.unshift(finding("TEMPLATE_INVALID", `the chat template does not parse: ${analysis.error ?? "unknown error"}`, loc));
  return unsafe;
}

// ---------- keras / hdf5 ----------

/** What Keras 3's saving_lib names the weights of a .keras archive; it reads them with h5py, weights only. */
const KERAS_WEIGHTS = "model.weights.h5";

async function scanHdf5(src: ByteSource, where: string, ctx: ScanContext): Promise<Finding[]> {
  const loc = where || "(file)";
  const readable = Math.min(src.size, ctx.limits.maxTextBytes);
  const bytes = await src.read(0, readable);
  const extracted = extractHdf5KerasConfig(bytes);
  if (ctx.kerasWeights === true) {
    // No model config is expected or read here (config.json is the archive's): only a config that is
    // there anyway is judged, as a belt over the braces.
    return extracted.configs.flatMap((c) => kerasFindings(c, loc));
  }
  const problems = extracted.problems.map((p) => finding("KERAS_CONFIG_MISSING", p, loc));
  if (!extracted.found) {
    if (readable < src.size) {
      return [
        finding(
          "KERAS_CONFIG_MISSING",
          `no Keras model_config in the first ${readable} bytes of an HDF5 file of ${src.size}: cannot tell whether it carries code`,
          loc,
        ),
      ];
    }
    // Read whole and no model config: weights only (model.weights.h5 in every .keras archive). h5py loads
    // no code from weights, so there is nothing to refuse.
    return problems;
  }
  // Every config-shaped JSON in the file is analysed: a decoy must not hide the real one.
  return [...problems, ...extracted.configs.flatMap((c) => kerasFindings(c, loc))];
}

async function scanKerasConfig(src: ByteSource, loc: string, ctx: ScanContext): Promise<Finding[]> {
  const parsed = await readPythonJson(src, ctx);
  if (!parsed.ok) return [finding("KERAS_CONFIG_MISSING", `config.json cannot be analysed: ${parsed.error}`, loc)];
  return kerasFindings(parsed.value, loc);
}

function kerasFindings(config: unknown, loc: string): Finding[] {
  const analysis = judgeKerasConfig(config);
  return analysis.findings.map((f) => finding("KERAS_CODE", `${f.kind} in layer ${f.layer}: ${f.detail}`, loc));
}

// ---------- compressed streams (joblib) ----------

async function scanCompressed(src: ByteSource, where: string, ctx: ScanContext, depth: number, format: "gzip" | "zlib"): Promise<Finding[]> {
  const loc = where || "(file)";
  if (depth >= ctx.limits.maxDepth) return [finding("ARCHIVE_TOO_DEEP", `${format} data nested ${depth} levels deep is not opened`, loc)];
  if (src.size > ctx.limits.maxInflateBytes) return [finding("ARCHIVE_TOO_LARGE", `${format} data of ${src.size} bytes is not inflated`, loc)];
  const compressed = await src.read(0, src.size);
  let inflated: Buffer;
  try {
    const options = { maxOutputLength: ctx.limits.maxInflateBytes };
    inflated = format === "gzip" ? gunzipSync(compressed, options) : inflateSync(compressed, options);
  } catch (err) {
    return [finding("ARCHIVE_UNSUPPORTED", `${format} data cannot be inflated: ${(err as Error).message}`, loc)];
  }
  return (await scanSource(memorySource(inflated), `${where}${where ? " " : ""}(${format})`, ctx, depth + 1)).findings;
}

// ---------- TensorFlow SavedModel, else unknown ----------

async function scanUnknownBinary(src: ByteSource, where: string, ctx: ScanContext): Promise<Finding[]> {
  const here = where || "(file)";
  // Protobuf has no signature: a .pb that parses as a SavedModel with a graph is judged by its ops.
  if (src.size <= ctx.limits.maxTextBytes) {
    const model = analyzeSavedModel(await src.read(0, src.size));
    if (model.ok) return savedModelFindings(model, here);
  }
  // A SentencePiece tokenizer (tokenizer.model) is a protobuf of strings and scores: data only.
  if (src.size <= ctx.limits.maxTextBytes && analyzeSentencePiece(await src.read(0, src.size)).ok) return [];
  return [finding("FORMAT_UNKNOWN", "not a model format the scanner recognises: nothing proves it safe", here)];
}

// ---------- json and text ----------

async function scanJson(src: ByteSource, where: string, ctx: ScanContext): Promise<Finding[]> {
  const loc = where || "(file)";
  const parsed = await readPythonJson(src, ctx);
  if (!parsed.ok)
    return [
      finding(
        "JSON_UNSCANNABLE",
        `${parsed.error}, so what a loader takes from it (a chat template, a config) cannot be checked: make it JSON that Python's json.load reads, within the size limit`,
        loc,
      ),
    ];
  const extracted = extractChatTemplates(parsed.value);
  // A malformed chat_template must not read as "no template"; other JSON shapes are just data.
  const findings: Finding[] = secretsIn(Buffer.from(await src.read(0, src.size)).toString("utf8"), loc);
  findings.push(...extracted.problems.filter((p) => p.includes("chat_template")).map((p) => finding("TEMPLATE_INVALID", p, loc)));
  for (const t of extracted.templates) findings.push(...templateFindings(t.template, `${loc} chat_template${t.name ? ` ${t.name}` : ""}`));
  return findings;
}

/** JSON read whole, as Python's json.load reads it; too large to read, or unparseable, is a reason. */
async function readPythonJson(src: ByteSource, ctx: ScanContext): Promise<{ ok: true; value: PythonJsonValue } | { ok: false; error: string }> {
  if (src.size > ctx.limits.maxTextBytes)
    return { ok: false, error: `JSON of ${src.size} bytes is larger than the ${ctx.limits.maxTextBytes} the scanner analyses` };
  const parsed = parsePythonJsonBytes(await src.read(0, src.size));
  return parsed.ok ? parsed : { ok: false, error: `the JSON does not parse as Python's json reads it (${parsed.error})` };
}

const JSON_FILE = /\.json$/i;

async function scanText(src: ByteSource, where: string, ctx: ScanContext): Promise<Finding[]> {
  const loc = where || "(file)";
  const text = Buffer.from(await src.read(0, Math.min(src.size, ctx.limits.maxTextBytes))).toString("utf8");
  const name = where === "" ? (ctx.fileName ?? "") : where;
  // Loaders open config.json and tokenizer_config.json by name: one that is not JSON is not "just text".
  if (JSON_FILE.test(name)) return scanJson(src, where, ctx);
  // Text beside the weights (.env, YAML, a README, source) is read for credentials whatever else it is.
  const secrets = secretsIn(text, loc);
  if (SOURCE_FILE.test(name) || looksLikePython(text)) {
    return [...secrets, finding("EXECUTABLE_CODE", "Python source: a loader runs it when asked to trust remote code; review it and allow it explicitly", loc)];
  }
  // A bare Jinja template (.j2 / .jinja files ship beside models).
  if (/\{%|\{\{/.test(text)) return [...secrets, ...templateFindings(text, loc)];
  return secrets;
}

const secrets = secretsDetector();

/** Credentials in a text file, each named by its kind and line, never quoted: the report must not carry them on. */
function secretsIn(text: string, loc: string): Finding[] {
  return secrets.detect(text).map((f) => {
    const line = text.slice(0, f.span.start).split("\n").length;
    return finding(
      "SECRET_IN_FILE",
      `a ${f.type} is in the file at line ${line}: remove it and rotate it (it went wherever the model went), then scan again`,
      `${loc} line ${line}`,
    );
  });
}

function looksLikePython(text: string): boolean {
  if (/^#!.*python/.test(text)) return true;
  // A model card (Markdown) shows usage in fenced code blocks; nothing loads and runs it.
  if (/^```/m.test(text)) return false;
  const lines = text.split("\n", 400);
  let score = 0;
  for (const line of lines) {
    if (/^(import [\w.]+|from [\w.]+ import |def \w+\(|class \w+[(:]|if __name__ == )/.test(line)) score += 1;
  }
  return score >= 2;
}
