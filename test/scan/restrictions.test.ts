import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, scanSource } from "../../src/scan/engine.js";
import type { Finding } from "../../src/scan/findings.js";
import { scanFile, type FileReport } from "../../src/scan/scan.js";
import { memorySource } from "../../src/scan/source.js";
import { joblibPickle, PickleWriter, systemCallPickle, torchStateDictPickle, type JoblibArray } from "../fixtures/pickles.js";
import { buildZip } from "../fixtures/zip-writer.js";

// What the scanner must refuse, one case per `it`, in the manner of panva/jose's test/jws/restrictions.test.ts:
// pickles and everything that wraps them (legacy and zip torch files, joblib, NumPy, archives). Each case is a
// file written here, scanned through the real engine from disk; each must come out not clean, with the finding
// that says why. The companion test/scan/restrictions-files.test.ts covers JSON, .git, Keras, SavedModel and
// chat templates.

const dir = mkdtempSync(join(tmpdir(), "perimeter-restrictions-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
async function scan(bytes: Uint8Array, name = `f${n++}`): Promise<FileReport> {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return scanFile(p);
}
const show = (r: FileReport): string => `${r.verdict}: ${r.findings.map((f) => `${f.rule} ${f.message} @ ${f.location}`).join(" | ")}`;

/** Not clean, with a finding of `rule` whose message matches `message`; returns that finding. */
function refused(r: FileReport, rule: Finding["rule"], message?: RegExp): Finding {
  expect(r.verdict, show(r)).not.toBe("clean");
  const f = r.findings.find((x) => x.rule === rule && (message === undefined || message.test(x.message)));
  expect(f, show(r)).toBeDefined();
  return f as Finding;
}

const W = (): PickleWriter => new PickleWriter();
const hex = (s: string): Buffer => Buffer.from(s, "hex");
const f8 = (...xs: number[]): Buffer => Buffer.from(new Float64Array(xs).buffer);
/** posix.system("id") as opcodes that leave the result on the stack, then POP: a payload spliced mid-stream. */
const payloadOps = (): Buffer => W().global("posix", "system").mark().unicode("id").tuple().reduce().op("0").bytes();
/** pickle.loads and io.BytesIO-fed unpicklers read this differently: the FRAME ends inside a string argument. */
const FRAME_STRADDLE = hex("80049505000000000000008c0a61626358595a58595a584320618c05706f7369788c0673797374656d93304e304e304e304e304e304e304e30304e2e");

// ---------- legacy torch files ----------

const LEGACY_MAGIC = hex("80028a0a6cfc9c46f9206aa850192e");
const LEGACY_PROTOCOL = W()
  .proto(2)
  .op("M", Buffer.from([0xe9, 0x03]))
  .stop()
  .bytes();
const SYS_INFO = W().proto(2).op("}").mark().unicode("little_endian").op(0x88).unicode("protocol_version").int(1001).setitems().stop().bytes();
const STORAGE_KEYS = W().proto(2).mark().unicode("0").op("l").stop().bytes();
const STATE = torchStateDictPickle([{ name: "w", numel: 2 }]);
const legacy = (...pickles: Buffer[]): Buffer => Buffer.concat([LEGACY_MAGIC, ...pickles, Buffer.alloc(16)]);

// ---------- zip torch files ----------

const torchZip = (pkl: Buffer, storage: Uint8Array = Buffer.alloc(8)) =>
  buildZip([
    { name: "archive/data.pkl", data: pkl },
    { name: "archive/data/0", data: storage },
    { name: "archive/version", data: Buffer.from("3\n") },
  ]);
function npy(descr: string, body: Uint8Array): Buffer {
  const fields = `{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }`;
  const dict = `${fields.padEnd(117, " ")}\n`;
  const head = Buffer.alloc(10);
  Buffer.from("\x93NUMPY", "latin1").copy(head);
  head[6] = 1;
  head.writeUInt16LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, "latin1"), body]);
}

/** One ustar member and the two zero blocks that end the archive. */
function tar(name: string, data: Uint8Array): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, "utf8");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("0", 156);
  header.write("ustar\x0000", 257, "latin1");
  header.fill(0x20, 148, 156);
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

// ---------- joblib ----------

const ARRAY: JoblibArray = { name: "w", dtype: "f8", shape: [2], data: f8(1.5, 2.5) };
const joblib = (...arrays: Partial<JoblibArray>[]) => joblibPickle(arrays.map((a) => ({ ...ARRAY, ...a })));

describe("pickle imports", () => {
  it("refuses a pickle that imports posix.system through GLOBAL", async () => {
    expect(refused(await scan(systemCallPickle()), "PICKLE_DANGEROUS_CALLABLE").message).toContain("posix.system");
  });

  it("refuses nt.system and os.system alike", async () => {
    refused(await scan(systemCallPickle("nt")), "PICKLE_DANGEROUS_CALLABLE", /nt\.system/);
    refused(await scan(systemCallPickle("os")), "PICKLE_DANGEROUS_CALLABLE", /os\.system/);
  });

  it("refuses builtins.eval imported through STACK_GLOBAL fed from the memo", async () => {
    const p = W()
      .proto(4)
      .op(0x8c, Buffer.from([8]), Buffer.from("builtins"))
      .op(0x94)
      .op("0")
      .op(0x8c, Buffer.from([4]), Buffer.from("eval"))
      .op(0x94)
      .op("0");
    const bytes = p
      .op("h", Buffer.from([0]))
      .op("h", Buffer.from([1]))
      .op(0x93)
      .mark()
      .unicode("1+1")
      .tuple()
      .reduce()
      .stop()
      .bytes();
    refused(await scan(bytes), "PICKLE_DANGEROUS_CALLABLE", /builtins\.eval \(STACK_GLOBAL\)/);
  });

  it("refuses __builtin__.exec made by INST and subprocess.Popen made by OBJ", async () => {
    refused(await scan(Buffer.from("(S'print(1)'\ni__builtin__\nexec\n.", "latin1")), "PICKLE_DANGEROUS_CALLABLE", /__builtin__\.exec \(INST\)/);
    refused(
      await scan(W().mark().global("subprocess", "Popen").op("S", Buffer.from("'id'\n")).op("o").stop().bytes()),
      "PICKLE_DANGEROUS_CALLABLE",
      /subprocess\.Popen/,
    );
  });

  it("refuses names spelled with escapes that CPython decodes (S'o\\x73' is os)", async () => {
    const bytes = Buffer.from("S'o\\x73'\nV\\u0073ystem\n\x93S'id'\n\x85R.", "latin1");
    refused(await scan(bytes), "PICKLE_DANGEROUS_CALLABLE", /os\.system/);
  });

  it("refuses a dotted name that walks from an allowed function into its __globals__", async () => {
    const bytes = W()
      .proto(4)
      .op(0x8c, Buffer.from([12]), Buffer.from("torch._utils"))
      .op(0x8c, Buffer.from([30]), Buffer.from("_rebuild_tensor_v2.__globals__"))
      .op(0x93)
      .stop()
      .bytes();
    refused(await scan(bytes), "PICKLE_DANGEROUS_CALLABLE", /__globals__/);
  });

  it("refuses an import that is not on the allow-list, naming it", async () => {
    const bytes = W().proto(2).global("sklearn.svm", "SVC").emptyTuple().reduce().stop().bytes();
    expect((await scan(bytes)).verdict).toBe("suspicious");
    refused(await scan(bytes), "PICKLE_IMPORT_NOT_ALLOWED", /sklearn\.svm\.SVC/);
  });

  it("refuses STACK_GLOBAL whose module name is computed by a call", async () => {
    const bytes = W().proto(4).global("builtins", "str").unicode("posix").op(0x85).reduce().unicode("system").op(0x93).stop().bytes();
    refused(await scan(bytes), "PICKLE_UNRESOLVED_IMPORT", /result of calling "builtins.str"/);
  });

  it("refuses imports by copyreg extension code (EXT1, EXT2, EXT4)", async () => {
    refused(
      await scan(
        W()
          .proto(2)
          .op(0x82, Buffer.from([7]))
          .stop()
          .bytes(),
      ),
      "PICKLE_UNRESOLVED_IMPORT",
      /extension code 7/,
    );
  });

  it("refuses a GLOBAL whose name is not valid UTF-8", async () => {
    refused(await scan(Buffer.from("cos\nsys\xfftem\nN.", "latin1")), "PICKLE_UNRESOLVED_IMPORT", /not valid UTF-8/);
  });
});

describe("payloads kept as data", () => {
  it("refuses a base64-encoded pickle stored as a string", async () => {
    const bytes = W().proto(2).unicode(systemCallPickle().toString("base64")).stop().bytes();
    refused(await scan(bytes), "PICKLE_EMBEDDED_PAYLOAD", /base64.*posix\.system/);
  });

  it("refuses a raw pickle stored as bytes", async () => {
    const inner = systemCallPickle();
    const len = Buffer.alloc(4);
    len.writeUInt32LE(inner.length);
    refused(await scan(W().proto(3).op("B", len, inner).stop().bytes()), "PICKLE_EMBEDDED_PAYLOAD", /raw pickle.*posix\.system/);
  });

  it("refuses Python code stored as a string", async () => {
    refused(await scan(W().proto(2).unicode("import os; os.system('id')").stop().bytes()), "PICKLE_EMBEDDED_CODE");
  });
});

describe("stream structure", () => {
  it("refuses a truncated pickle and still names what it imported before the break", async () => {
    const r = await scan(systemCallPickle().subarray(0, -2));
    refused(r, "PICKLE_BROKEN", /truncated/);
    refused(r, "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("refuses a protocol 0 payload followed by an import no module can satisfy (it must not pass as text)", async () => {
    // pickle.load runs os.system before it fails on the second import.
    refused(await scan(Buffer.from("cos\nsystem\n(S'id'\ntRcnot a\nmodule name\n.", "latin1")), "PICKLE_DANGEROUS_CALLABLE", /os\.system/);
  });

  it("refuses bytes after the last pickle, which pickle.load ignores", async () => {
    refused(await scan(Buffer.concat([W().proto(2).op("N").stop().bytes(), Buffer.from("not a pickle at all")])), "PICKLE_TRAILING_DATA");
  });

  it("refuses a second pickle hidden after the first STOP, saying which pickle", async () => {
    const f = refused(await scan(Buffer.concat([W().proto(2).int(1).stop().bytes(), systemCallPickle()])), "PICKLE_DANGEROUS_CALLABLE");
    expect(f.location).toContain("pickle 2");
  });

  it("refuses an opcode that reads across the end of its FRAME (two loaders, two meanings)", async () => {
    refused(await scan(FRAME_STRADDLE), "PICKLE_BROKEN", /across the end of its FRAME/);
  });

  it("refuses a FRAME longer than the data after it", async () => {
    const body = W().op("N").stop().bytes();
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(body.length + 5));
    refused(await scan(Buffer.concat([Buffer.from([0x80, 4, 0x95]), len, body])), "PICKLE_BROKEN", /FRAME of/);
  });

  it("refuses a protocol CPython does not know", async () => {
    refused(await scan(Buffer.from([0x80, 6, 0x4e, 0x2e])), "FORMAT_UNKNOWN");
    refused(await scan(Buffer.concat([W().proto(2).op("N").stop().bytes(), Buffer.from([0x80, 6, 0x4e, 0x2e])])), "PICKLE_TRAILING_DATA");
  });

  it("refuses a memo miss after the payload, naming the payload", async () => {
    const r = await scan(Buffer.concat([payloadOps().subarray(0, -1), Buffer.from("h\x09.", "latin1")]));
    refused(r, "PICKLE_BROKEN", /memo miss/);
    refused(r, "PICKLE_DANGEROUS_CALLABLE");
  });

  it("refuses a pickle larger than the scanner reads, as unscannable", async () => {
    const r = await scanSource(memorySource(systemCallPickle()), "", { limits: { ...DEFAULT_LIMITS, maxPickleBytes: 8 }, allow: {} });
    expect(r.findings.map((f) => f.rule)).toEqual(["ARCHIVE_TOO_LARGE"]);
  });
});

describe("state set on imported objects (monkey-patching allowed classes)", () => {
  it("refuses BUILD on an allowed class itself: GLOBAL collections.OrderedDict; {...}; BUILD", async () => {
    const bytes = W().proto(2).global("collections", "OrderedDict").op("}").unicode("__reduce__").unicode("x").op("s").op("b").op("0").op("N").stop().bytes();
    const f = refused(await scan(bytes), "PICKLE_STATE_ON_IMPORT", /BUILD sets state on collections\.OrderedDict itself/);
    expect((await scan(bytes)).verdict).toBe("malicious");
    expect(f.location).toMatch(/offset \d+/);
  });

  it("refuses BUILD on an import fetched back from the memo", async () => {
    const bytes = W()
      .proto(2)
      .global("collections", "OrderedDict")
      .op("q", Buffer.from([0]))
      .op("0")
      .op("h", Buffer.from([0]))
      .op("}")
      .op("b")
      .stop()
      .bytes();
    refused(await scan(bytes), "PICKLE_STATE_ON_IMPORT", /collections\.OrderedDict/);
  });

  it("refuses BUILD on a module imported by STACK_GLOBAL (the sys.modules override)", async () => {
    const bytes = W()
      .proto(4)
      .op(0x8c, Buffer.from([5]), Buffer.from("torch"))
      .op(0x8c, Buffer.from([6]), Buffer.from("_utils"))
      .op(0x93)
      .op("}")
      .op("b")
      .stop()
      .bytes();
    refused(await scan(bytes), "PICKLE_STATE_ON_IMPORT", /BUILD sets state on torch\._utils/);
  });

  it("refuses SETITEMS and SETITEM on an imported class", async () => {
    const setitems = W().proto(2).global("builtins", "dict").mark().unicode("k").int(1).setitems().stop().bytes();
    refused(await scan(setitems), "PICKLE_STATE_ON_IMPORT", /SETITEMS sets state on builtins\.dict/);
    const setitem = W().proto(2).global("builtins", "dict").unicode("k").int(1).op("s").stop().bytes();
    refused(await scan(setitem), "PICKLE_STATE_ON_IMPORT", /SETITEM sets state on builtins\.dict/);
  });

  it("refuses APPEND and APPENDS on an imported class", async () => {
    refused(await scan(W().proto(2).global("collections", "deque").int(1).op("a").stop().bytes()), "PICKLE_STATE_ON_IMPORT", /APPEND sets state/);
    refused(await scan(W().proto(2).global("collections", "deque").mark().int(1).op("e").stop().bytes()), "PICKLE_STATE_ON_IMPORT", /APPENDS sets state/);
  });
});

describe("legacy torch files: every one of the stacked pickles is analysed", () => {
  it("refuses a payload in the model pickle", async () => {
    refused(await scan(legacy(LEGACY_PROTOCOL, SYS_INFO, systemCallPickle(), STORAGE_KEYS)), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("refuses a sys_info pickle whose FRAME ends inside an opcode's argument (it does not sniff as a pickle)", async () => {
    refused(await scan(legacy(LEGACY_PROTOCOL, FRAME_STRADDLE, STATE, STORAGE_KEYS)), "PICKLE_BROKEN", /across the end of its FRAME/);
  });

  it("refuses a stacked pickle that fails the opening check instead of skipping it as storage bytes", async () => {
    const garbage = Buffer.from([0x80, 0x02, 0x30, 0x2e]); // POP on an empty stack
    refused(await scan(legacy(LEGACY_PROTOCOL, garbage, STATE, STORAGE_KEYS)), "PICKLE_BROKEN", /pickle 3 |empty stack/);
  });

  it("refuses a legacy file that ends before its five pickles", async () => {
    refused(await scan(Buffer.concat([LEGACY_MAGIC, LEGACY_PROTOCOL, SYS_INFO])), "PICKLE_BROKEN", /truncated/);
  });
});

describe("joblib: array bytes read inline after each NumpyArrayWrapper", () => {
  it("refuses a second BUILD of a wrapper whose state resizes it past thousands of keys (the model's bound), so its bytes end elsewhere", async () => {
    // Found by review: BUILD #1 sizes the array to cover the payload; BUILD #2's dict sets shape (0,) after 4096
    // keys the scanner stopped keeping, so it kept (53,), skipped the payload as array bytes and said clean,
    // while joblib reads 0 bytes and runs it.
    const su = (t: string) => Buffer.concat([Buffer.from([0x8c, Buffer.byteLength(t)]), Buffer.from(t)]);
    const bi = (i: number) => Buffer.concat([Buffer.from("J"), Buffer.from(new Int32Array([i]).buffer)]);
    const payload = Buffer.concat([Buffer.from("cposix\nsystem\n"), su("id"), Buffer.from("\x85R0", "latin1")]);
    const parts = [
      Buffer.from("\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81q\x00cnumpy\ndtype\n", "latin1"),
      su("u1"),
      Buffer.from("\x89\x88\x87Rq\x010}(", "latin1"),
      su("shape"),
      bi(payload.length),
      Buffer.from("\x85", "latin1"),
      su("dtype"),
      Buffer.from("h\x01"),
      su("order"),
      su("C"),
      Buffer.from("ub"),
      Buffer.concat([Buffer.from("."), Buffer.alloc(payload.length - 1, 0xff)]),
      Buffer.from("0h\x00}("),
    ];
    for (let i = 0; i < 4096; i++) parts.push(su(`k${i}`), Buffer.from("N"));
    parts.push(su("shape"), bi(0), Buffer.from("\x85ub", "latin1"), payload, Buffer.from("0N."));
    const r = await scan(Buffer.concat(parts), "resized.joblib");
    expect(r.verdict, show(r)).not.toBe("clean");
  });

  it("refuses opcodes hidden after an array's bytes, which joblib.load runs", async () => {
    refused(await scan(joblib({ after: payloadOps() })), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("refuses array bytes that open a BINBYTES swallowing the payload for pickle.load (old joblib layout)", async () => {
    const payload = payloadOps();
    const data = Buffer.alloc(16, 0x41);
    data[0] = 0x42; // BINBYTES: pickle.load reads the rest of the array and the payload as one bytes object
    data.writeUInt32LE(16 - 5 + payload.length - 1, 1);
    refused(await scan(joblib({ aligned: false, data, after: payload })), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("refuses array bytes that pickle.load would run as opcodes (the file read without joblib)", async () => {
    let command = "id";
    let ops = W().global("posix", "system").mark().unicode(command).tuple().reduce().op("0").bytes();
    if (ops.length % 2 === 1) {
      command += " ";
      ops = W().global("posix", "system").mark().unicode(command).tuple().reduce().op("0").bytes();
    }
    const data = Buffer.concat([ops, Buffer.from("N0".repeat(((8 - (ops.length % 8)) % 8) / 2))]);
    const r = await scan(joblib({ aligned: false, shape: [data.length / 8], data }));
    refused(r, "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("refuses array bytes that compute a module name for pickle.load (rot13 through _codecs.encode)", async () => {
    const ops = W().global("_codecs", "encode").mark().unicode("cbfvk").unicode("rot13").tuple().reduce().unicode("system").op(0x93).op("0").bytes();
    const even = ops.length % 2 === 0 ? ops : Buffer.concat([Buffer.from("N"), ops.subarray(0, -1), Buffer.from("00")]);
    const data = Buffer.concat([even, Buffer.from("N0".repeat(((8 - (even.length % 8)) % 8) / 2))]);
    refused(await scan(joblib({ aligned: false, shape: [data.length / 8], data })), "PICKLE_UNRESOLVED_IMPORT", /result of calling "_codecs.encode"/);
  });

  it("refuses a named import in array bytes even after an EXT code, where pickle.load would raise first", async () => {
    // A loader whose program filled copyreg's registry gets past the EXT; a name spelled out is intent either way.
    const ops = W()
      .op(0x82, Buffer.from([9]))
      .op("0")
      .global("posix", "system")
      .mark()
      .unicode("id")
      .tuple()
      .reduce()
      .op("0")
      .bytes();
    const even = ops.length % 2 === 0 ? ops : Buffer.concat([ops, Buffer.from("N0").subarray(0, 1)]);
    const data = Buffer.concat([even, Buffer.from("N0".repeat(((8 - (even.length % 8)) % 8) / 2))]);
    refused(await scan(joblib({ aligned: false, shape: [data.length / 8], data })), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  // Found by an attacker's review of the reading that stops where pickle.load certainly raises.
  const inArrayBytes = (data: Buffer) => joblib({ aligned: false, dtype: "u1", shape: [data.length], data });
  const rot13 = () => W().global("_codecs", "encode").mark().unicode("cbfvk").unicode("rot13").tuple().reduce().unicode("system").op(0x93).op("0").bytes();

  it("refuses a computed import after NEWOBJ on a wrapper instance given __new__ by BUILD (pickle.py calls it)", async () => {
    const wrapper = () => W().global("joblib.numpy_pickle", "NumpyArrayWrapper").emptyTuple().op(0x81);
    const newobj = wrapper().op("}").unicode("__new__").global("builtins", "str").op("s").op("b").emptyTuple().op(0x81).op("0").bytes();
    refused(await scan(inArrayBytes(Buffer.concat([newobj, rot13()]))), "PICKLE_UNRESOLVED_IMPORT", /_codecs\.encode/);
  });

  it("refuses a payload after array bytes that read across their FRAME (pickle.loads reads straight on)", async () => {
    const frame = Buffer.from([0x95, 3, 0, 0, 0, 0, 0, 0, 0]);
    const straddle = Buffer.concat([frame, Buffer.from("NVab\n00", "latin1")]);
    const r = await scan(inArrayBytes(Buffer.concat([straddle, payloadOps()])));
    refused(r, "PICKLE_BROKEN", /reads across the end of its FRAME/);
    expect(r.verdict).not.toBe("clean");
  });

  it("refuses a payload after array bytes deeper than the scanner's stack limit (pickle.load has none so low)", async () => {
    const deep = Buffer.concat([Buffer.from("("), Buffer.alloc(1_000_001, "N"), Buffer.from("1")]);
    refused(await scan(inArrayBytes(Buffer.concat([deep, payloadOps()]))), "PICKLE_BROKEN", /limit exceeded: stack deeper than maxStack/);
  });

  it("refuses an import of a wildcard-allowed module's dunder, a str STACK_GLOBAL takes as a module name", async () => {
    const ops = W().global("numpy.dtypes", "__package__").unicode("_pytesttester.os.system").op(0x93).mark().unicode("id").tuple().reduce().op("0").bytes();
    const r = await scan(inArrayBytes(ops));
    refused(r, "PICKLE_IMPORT_NOT_ALLOWED", /numpy\.dtypes\.__package__/);
    refused(r, "PICKLE_UNRESOLVED_IMPORT", /imported as "numpy\.dtypes\.__package__"/);
  });

  it("refuses the same attack inside joblib's zlib and gzip compression", async () => {
    const bytes = joblib({ after: payloadOps() });
    refused(await scan(deflateSync(bytes)), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
    refused(await scan(gzipSync(bytes)), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("refuses an object array whose nested pickle imports posix.system", async () => {
    refused(await scan(joblib({ dtype: "O8", data: systemCallPickle() })), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("refuses an object array that allows memory mapping (mmap reads it raw, read_array unpickles it)", async () => {
    refused(await scan(joblib({ dtype: "O8", allowMmap: true, data: W().proto(2).op("N").stop().bytes() })), "PICKLE_UNMODELLED", /allows memory mapping/);
  });

  it("refuses array bytes that run past the end of the file", async () => {
    refused(await scan(joblib({ shape: [30] })), "PICKLE_UNMODELLED", /30 elements of 8 bytes run past the end of the file/);
    refused(await scan(joblib({ shape: [1 << 30] })), "PICKLE_UNMODELLED", /more elements than the \d+ bytes of the file hold/);
  });

  it("refuses a wrapper whose shape is not a tuple of ints", async () => {
    refused(await scan(joblib({ stateExtra: W().unicode("shape").unicode("2").bytes() })), "PICKLE_UNMODELLED", /shape is not a tuple/);
  });

  it("refuses a wrapper whose dtype the scanner cannot size", async () => {
    refused(await scan(joblib({ dtype: "x9" })), "PICKLE_UNMODELLED", /"x9" is not one the scanner can size/);
    refused(await scan(joblib({ stateExtra: W().unicode("dtype").unicode("f8").bytes() })), "PICKLE_UNMODELLED", /dtype is not a numpy\.dtype/);
  });

  it("refuses a wrapper built while its FRAME still holds bytes (joblib reads the array from after the frame)", async () => {
    const plain = joblib({});
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(plain.length - 2));
    refused(await scan(Buffer.concat([Buffer.from([0x80, 4, 0x95]), len, plain.subarray(2)])), "PICKLE_UNMODELLED", /bytes of its FRAME remain/);
  });

  it("refuses the wrapper class called with arguments (its __init__ sets a layout the scanner does not see)", async () => {
    const bytes = W().proto(2).global("joblib.numpy_pickle", "NumpyArrayWrapper").mark().global("numpy", "ndarray").tuple().reduce().stop().bytes();
    refused(await scan(bytes), "PICKLE_UNMODELLED", /NumpyArrayWrapper/);
  });

  it("refuses joblib's old NDArrayWrapper, whose state names a file joblib.load unpickles from anywhere on disk", async () => {
    const bytes = W()
      .proto(2)
      .global("joblib.numpy_pickle_compat", "NDArrayWrapper")
      .emptyTuple()
      .op(0x81)
      .op("}")
      .unicode("filename")
      .unicode("../../../tmp/x.npy")
      .op("s")
      .op("b")
      .stop()
      .bytes();
    refused(await scan(bytes), "PICKLE_DANGEROUS_CALLABLE", /joblib\.numpy_pickle_compat\.NDArrayWrapper/);
  });

  it("refuses the wrapper class kept in a container, from where other calls could make one", async () => {
    const bytes = W().proto(2).op("]").global("joblib.numpy_pickle", "NumpyArrayWrapper").op("a").stop().bytes();
    refused(await scan(bytes), "PICKLE_UNMODELLED", /APPEND uses the class joblib\.numpy_pickle\.NumpyArrayWrapper/);
  });
});

describe("PyTorch zip checkpoints", () => {
  it("refuses a data.pkl that calls posix.system, naming the member", async () => {
    const f = refused(await scan(torchZip(systemCallPickle())), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
    expect(f.location).toContain("archive/data.pkl");
  });

  it("refuses a storage member that is a .npy object array with a payload", async () => {
    const r = await scan(torchZip(STATE, npy("|O", systemCallPickle())));
    refused(r, "TORCH_STORAGE_NOT_DATA", /\.npy file/);
    refused(r, "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("refuses a storage member that is a .npy of plain numbers (np.load opens it as an array)", async () => {
    refused(await scan(torchZip(STATE, npy("<f4", Buffer.alloc(4)))), "TORCH_STORAGE_NOT_DATA", /\.npy file/);
  });

  it("refuses a storage member that is a whole pickle calling posix.system", async () => {
    const r = await scan(torchZip(STATE, systemCallPickle()));
    refused(r, "TORCH_STORAGE_NOT_DATA", /imports posix\.system/);
    expect(r.verdict).toBe("malicious");
  });

  it("refuses a storage member that is a pickle of allowed imports only (a loader that unpickles it runs calls)", async () => {
    refused(
      await scan(torchZip(STATE, W().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().stop().bytes())),
      "TORCH_STORAGE_NOT_DATA",
      /collections\.OrderedDict/,
    );
  });

  it("refuses a storage member whose pickle imports something and then breaks", async () => {
    refused(await scan(torchZip(STATE, systemCallPickle().subarray(0, -1))), "TORCH_STORAGE_NOT_DATA", /up to a break/);
  });

  it("refuses a storage pickle padded past the first read window before its import", async () => {
    const pad = Buffer.alloc(200_000, 0x41);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(pad.length);
    const bytes = Buffer.concat([Buffer.from([0x80, 0x03, 0x42]), len, pad, Buffer.from("0"), systemCallPickle().subarray(2)]);
    refused(await scan(torchZip(STATE, bytes)), "TORCH_STORAGE_NOT_DATA", /posix\.system/);
  });
});

describe("archives", () => {
  it("refuses a member whose name escapes the extraction directory", async () => {
    refused(
      await scan(
        buildZip([
          { name: "../../etc/cron.d/x", data: Buffer.from("x") },
          { name: "archive/data.pkl", data: STATE },
        ]),
      ),
      "ARCHIVE_PATH_TRAVERSAL",
      /escapes/,
    );
  });

  it("refuses a member the central directory does not list, and scans it", async () => {
    const r = await scan(
      buildZip([
        { name: "evil.pkl", data: systemCallPickle(), hidden: true },
        { name: "archive/data.pkl", data: STATE },
      ]),
    );
    refused(r, "ARCHIVE_HIDDEN_MEMBER");
    refused(r, "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });

  it("scans a member flagged encrypted that is not, and refuses it", async () => {
    const r = await scan(buildZip([{ name: "archive/data.pkl", data: systemCallPickle(), flags: 0x1 }]));
    refused(r, "ARCHIVE_ENCRYPTED");
    refused(r, "PICKLE_DANGEROUS_CALLABLE");
  });

  it("refuses a payload under a local name that differs from the central one", async () => {
    refused(await scan(buildZip([{ name: "archive/data.pkl", localName: "archive/other.pkl", data: systemCallPickle() }])), "PICKLE_DANGEROUS_CALLABLE");
  });

  it("refuses a deflated payload under any archive prefix", async () => {
    refused(await scan(buildZip([{ name: "innocent/data.pkl", data: systemCallPickle("os"), deflate: true }])), "PICKLE_DANGEROUS_CALLABLE", /os\.system/);
  });

  it("refuses a ZIP appended to another file (Python's zipfile opens it by its tail)", async () => {
    refused(
      await scan(Buffer.concat([Buffer.from("just some text\n"), buildZip([{ name: "archive/data.pkl", data: systemCallPickle() }])])),
      "PICKLE_DANGEROUS_CALLABLE",
    );
  });

  it("refuses archives nested deeper than the scanner follows, as unscannable", async () => {
    let inner: Buffer = STATE;
    for (let i = 0; i < 6; i++) inner = buildZip([{ name: `level${i}.zip`, data: inner }]);
    const r = await scan(inner);
    expect(r.verdict).toBe("unscannable");
    refused(r, "ARCHIVE_TOO_DEEP");
  });

  it("refuses 7z and rar data it cannot open, as unscannable", async () => {
    refused(await scan(hex("377abcaf271c000400000000000000000000000000000000")), "ARCHIVE_UNSUPPORTED", /7z/);
  });

  it("refuses a payload in a tar member", async () => {
    const f = refused(await scan(tar("model/data.pkl", systemCallPickle())), "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
    expect(f.location).toContain("model/data.pkl");
  });

  it("refuses an .npz whose object array carries a payload", async () => {
    refused(
      await scan(buildZip([{ name: "arr_0.npy", data: npy("|O", systemCallPickle()), deflate: true }]), "weights.npz"),
      "PICKLE_DANGEROUS_CALLABLE",
      /posix\.system/,
    );
  });

  it("refuses a NumPy object array whose pickle calls posix.system", async () => {
    const r = await scan(npy("|O", systemCallPickle()));
    refused(r, "NPY_OBJECT_ARRAY");
    refused(r, "PICKLE_DANGEROUS_CALLABLE", /posix\.system/);
  });
});
