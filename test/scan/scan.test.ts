import { closeSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { encodeGguf, readGgufHeader, type GgufMetadataEntry } from "../../src/formats/gguf.js";
import { buildDemoModel } from "../../src/runtimes/demo-model.js";
import { DEFAULT_LIMITS, scanSource } from "../../src/scan/engine.js";
import { scanFile, scanPaths } from "../../src/scan/scan.js";
import { fileSource, memorySource, type ByteSource } from "../../src/scan/source.js";
import { joblibPickle, PickleWriter, systemCallPickle, torchStateDictPickle } from "../fixtures/pickles.js";
import { buildZip } from "../fixtures/zip-writer.js";
import { sentencePieceModel } from "../fixtures/protobuf.js";

const dir = mkdtempSync(join(tmpdir(), "perimeter-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(bytes: Uint8Array, name = `f${n++}`): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const rules = (r: { findings: readonly { rule: string }[] }) => [...new Set(r.findings.map((f) => f.rule))].sort();

const STATE = torchStateDictPickle([{ name: "w", numel: 4 }]);
const torchZip = (pkl: Buffer, extra: Parameters<typeof buildZip>[0] = []) =>
  buildZip([
    { name: "archive/data.pkl", data: pkl },
    { name: "archive/data/0", data: Buffer.alloc(16) },
    { name: "archive/version", data: Buffer.from("3\n") },
    ...extra,
  ]);

describe("PyTorch zip checkpoints", () => {
  it("passes a real-shaped state_dict clean", async () => {
    expect(await scanFile(file(torchZip(STATE)))).toMatchObject({ format: "zip", verdict: "clean", findings: [] });
  });

  it("refuses a checkpoint whose data.pkl calls posix.system, naming the callable and the member", async () => {
    const r = await scanFile(file(torchZip(systemCallPickle())));
    expect(r.verdict).toBe("malicious");
    expect(r.findings[0]).toMatchObject({ rule: "PICKLE_DANGEROUS_CALLABLE", location: expect.stringContaining("archive/data.pkl") });
    expect(r.findings[0]?.message).toContain("posix.system");
  });

  it("finds the pickle under any archive prefix and in deflated members", async () => {
    const zip = buildZip([{ name: "innocent-name/data.pkl", data: systemCallPickle("os"), deflate: true }]);
    expect((await scanFile(file(zip))).verdict).toBe("malicious");
  });

  it("tolerates what torch tolerates — local/central name mismatch, a bad CRC — and still scans the member", async () => {
    const mismatch = buildZip([{ name: "archive/data.pkl", localName: "archive/other.pkl", data: systemCallPickle() }]);
    const r1 = await scanFile(file(mismatch));
    expect(r1.verdict).toBe("malicious");
    expect(rules(r1)).toContain("ARCHIVE_INCONSISTENT");
    const badCrc = buildZip([{ name: "archive/data.pkl", data: systemCallPickle(), deflate: true, badCrc: true }]);
    expect((await scanFile(file(badCrc))).verdict).toBe("malicious");
  });

  it("scans a member flagged encrypted that is not (the flag costs an attacker nothing)", async () => {
    const r = await scanFile(file(buildZip([{ name: "archive/data.pkl", data: systemCallPickle(), flags: 0x1 }])));
    expect(r.verdict).toBe("malicious");
    expect(rules(r)).toEqual(expect.arrayContaining(["ARCHIVE_ENCRYPTED", "PICKLE_DANGEROUS_CALLABLE"]));
  });

  it("finds a member the central directory does not list", async () => {
    const zip = buildZip([
      { name: "evil.pkl", data: systemCallPickle(), hidden: true },
      { name: "archive/data.pkl", data: STATE },
    ]);
    const r = await scanFile(file(zip));
    expect(rules(r)).toEqual(expect.arrayContaining(["ARCHIVE_HIDDEN_MEMBER", "PICKLE_DANGEROUS_CALLABLE"]));
    expect(r.verdict).toBe("malicious");
  });

  it("reads only headers and pickles of a multi-GB checkpoint, never its tensor data", async () => {
    // A sparse 3 GiB storage member: the file costs no disk, and every byte the scanner reads is counted.
    const path = join(dir, "big.pt");
    const pkl = torchStateDictPickle([{ name: "w", numel: 3 * 2 ** 28 }]);
    const head = buildZip([{ name: "archive/data.pkl", data: pkl }]);
    const fd = openSync(path, "w");
    const localEnd = head.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); // where buildZip's central directory begins
    writeSync(fd, head.subarray(0, localEnd), 0, localEnd, 0);
    const storageHeader = Buffer.alloc(30);
    storageHeader.writeUInt32LE(0x04034b50, 0);
    storageHeader.writeUInt16LE(20, 4);
    const size = 3 * 2 ** 30;
    storageHeader.writeUInt32LE(size, 18);
    storageHeader.writeUInt32LE(size, 22);
    const name = Buffer.from("archive/data/0");
    storageHeader.writeUInt16LE(name.length, 26);
    writeSync(fd, Buffer.concat([storageHeader, name]), 0, 30 + name.length, localEnd);
    const cdAt = localEnd + 30 + name.length + size;
    const cd = buildZip([{ name: "archive/data.pkl", data: pkl }]).subarray(localEnd); // central record + end
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt32LE(size, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(localEnd, 42);
    const first = cd.subarray(0, cd.length - 22);
    const end = Buffer.from(cd.subarray(cd.length - 22));
    end.writeUInt16LE(2, 8);
    end.writeUInt16LE(2, 10);
    end.writeUInt32LE(first.length + 46 + name.length, 12);
    end.writeUInt32LE(cdAt, 16);
    const tail = Buffer.concat([first, entry, name, end]);
    writeSync(fd, tail, 0, tail.length, cdAt);
    closeSync(fd);

    const real = fileSource(path);
    let read = 0;
    const counting: ByteSource = {
      size: real.size,
      read: async (o, l) => {
        const b = await real.read(o, l);
        read += b.length;
        return b;
      },
    };
    const result = await scanSource(counting, "", { limits: DEFAULT_LIMITS, allow: {} });
    real.close();
    expect(real.size).toBeGreaterThan(3 * 2 ** 30);
    expect(result.findings).toEqual([]);
    expect(read).toBeLessThan(256 * 1024);
  });
});

describe("tensor storages of PyTorch zip checkpoints", () => {
  it("passes storages of random float bytes clean: tensor data can start with anything", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.float32Array({ minLength: 1, maxLength: 512 }).map((a) => new Uint8Array(a.buffer)),
          fc.uint8Array({ minLength: 1, maxLength: 512 }),
        ),
        async (storage) => {
          const r = await scanSource(
            memorySource(
              buildZip([
                { name: "archive/data.pkl", data: STATE },
                { name: "archive/data/0", data: storage },
              ]),
            ),
            "",
            { limits: DEFAULT_LIMITS, allow: {} },
          );
          expect(r.findings).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('passes a storage whose bytes happen to form a pickle of pure data ("N." is a float16), since unpickling it runs nothing', async () => {
    const r = await scanFile(
      file(
        buildZip([
          { name: "archive/data.pkl", data: STATE },
          { name: "archive/data/0", data: Buffer.from("N.", "latin1") },
        ]),
      ),
    );
    expect(r).toMatchObject({ verdict: "clean", findings: [] });
  });

  it("passes a storage that starts EXT1 n STOP (a float16 pair too), which pickle.load refuses, but refuses a call on it", async () => {
    const storage = (bytes: number[]) =>
      scanFile(
        file(
          buildZip([
            { name: "archive/data.pkl", data: STATE },
            { name: "archive/data/0", data: Buffer.from(bytes) },
          ]),
        ),
      );
    expect(await storage([0x82, 0x01, 0x2e, 0x00])).toMatchObject({ verdict: "clean", findings: [] });
    const called = await storage([0x82, 0x01, 0x29, 0x52, 0x2e]); // EXT1 1, EMPTY_TUPLE, REDUCE, STOP
    expect(called.verdict).not.toBe("clean");
    expect(called.findings).toEqual([expect.objectContaining({ rule: "TORCH_STORAGE_NOT_DATA", message: expect.stringContaining("makes 1 call(s)") })]);
  });
});

describe("joblib files", () => {
  const f8 = (...xs: number[]) => Buffer.from(new Float64Array(xs).buffer);
  const arrays = [
    { name: "coef", dtype: "f8", shape: [2, 2], data: f8(1, 2, 3, 4) },
    { name: "labels", dtype: "U2", elsize: 8, shape: [1], data: Buffer.from("a\0\0\0b\0\0\0", "latin1") },
    { name: "big_endian", dtype: "i4", byteorder: ">" as const, shape: [1], data: Buffer.from([0, 0, 0, 7]) },
    { name: "empty", dtype: "f8", shape: [0, 3], data: Buffer.alloc(0) },
    { name: "old_layout", dtype: "f8", shape: [1], aligned: false, data: f8(0.5) },
    { name: "objects", dtype: "O8", shape: [2], data: new PickleWriter().proto(2).op("]").mark().int(1).unicode("x").op("e").stop().bytes() },
  ];

  it("passes joblib.dump files clean, read as joblib.load reads them (protocols 2 and 4, zlib and gzip)", async () => {
    for (const protocol of [2, 4] as const) {
      const bytes = joblibPickle(arrays, { protocol });
      expect(await scanFile(file(bytes)), `protocol ${protocol}`).toMatchObject({ format: "pickle", verdict: "clean", findings: [] });
      expect((await scanFile(file(deflateSync(bytes)))).verdict).toBe("clean");
      expect((await scanFile(file(gzipSync(bytes)))).verdict).toBe("clean");
    }
  });

  it("passes joblib arrays of random numbers clean, in the old layout too, where pickle.load reads them as opcodes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.float64Array({ minLength: 1, maxLength: 64 }), fc.boolean(), async (values, aligned) => {
        const data = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
        const bytes = joblibPickle([{ name: "w", dtype: "f8", shape: [values.length], data, aligned }]);
        const r = await scanSource(memorySource(bytes), "", { limits: DEFAULT_LIMITS, allow: {} });
        expect(r.findings).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    // Float pairs property runs drew, read as pickle.load reads the old layout (where pickle.load raises):
    ["82 d9 82 cc 61: EXT1 217 and an APPEND on it (at the EXT: copyreg's registry holds no code 217)", 7.483597191498092e306],
    ["6f 84 ...: OBJ, then EXT4, then STACK_GLOBAL of the two (at the EXT)", 2.7290593112839106e-190],
    ["6f 93 ...: OBJ, then a STACK_GLOBAL whose module is a dict (STACK_GLOBAL requires str)", -7.070562035983747e234],
    ["4d da 20 52 93: the array wrapper called on an int, then STACK_GLOBAL of the result (at the call)", 3.578122605252711e24],
  ])("passes array bytes pickle.load raises on before importing anything: %s", async (_, value) => {
    const data = Buffer.from(Float64Array.from([value, 0]).buffer);
    const bytes = joblibPickle([{ name: "w", dtype: "f8", shape: [2], data, aligned: false }]);
    expect(await scanSource(memorySource(bytes), "", { limits: DEFAULT_LIMITS, allow: {} })).toMatchObject({ findings: [] });
  });

  it("names a payload after the array bytes as joblib.load would meet it", async () => {
    const after = new PickleWriter().global("posix", "system").mark().unicode("id").tuple().reduce().op("0").bytes();
    const bytes = joblibPickle([{ ...arrays[0]!, after }]);
    const r = await scanFile(file(bytes));
    expect(r.verdict).toBe("malicious");
    expect(r.findings).toEqual([expect.objectContaining({ rule: "PICKLE_DANGEROUS_CALLABLE", location: `offset ${bytes.indexOf(after)}` })]);
  });
});

describe("text that starts like a protocol 0 pickle", () => {
  it("passes a text file whose first line cannot be an import, as text", async () => {
    expect(await scanFile(file(Buffer.from("changelog of this model\nfixed the tokenizer\n")))).toMatchObject({ format: "text", verdict: "clean" });
  });
});

describe("state set by BUILD and SETITEMS", () => {
  it("passes BUILD on instances the stream built (an OrderedDict, a numpy dtype) clean", async () => {
    const w = new PickleWriter().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().op("}").op("b").op("0");
    w.global("numpy", "dtype")
      .unicode("f8")
      .newFalse()
      .op(0x88)
      .op(0x87)
      .reduce()
      .mark()
      .int(3)
      .unicode("<")
      .op("N")
      .op("N")
      .op("N")
      .int(-1)
      .int(-1)
      .int(0)
      .tuple()
      .op("b");
    expect(await scanFile(file(w.stop().bytes()))).toMatchObject({ verdict: "clean", findings: [] });
  });
});

describe("other containers", () => {
  it("refuses 7z and rar archives as unscannable, saying why", async () => {
    const sevenZip = await scanFile(file(Buffer.from("377abcaf271c000400000000000000000000000000000000", "hex")));
    expect(sevenZip).toMatchObject({ verdict: "unscannable", findings: [{ rule: "ARCHIVE_UNSUPPORTED" }] });
    const rar = await scanFile(file(Buffer.concat([Buffer.from("Rar!\x1a\x07\x01\x00", "latin1"), Buffer.alloc(32)])));
    expect(rar.verdict).toBe("unscannable");
  });

  it("stops at archives nested deeper than the limit", async () => {
    let inner: Buffer = Buffer.from(STATE);
    for (let i = 0; i < 6; i++) inner = buildZip([{ name: `level${i}.zip`, data: inner }]);
    const r = await scanFile(file(inner));
    expect(r.verdict).toBe("unscannable");
    expect(rules(r)).toContain("ARCHIVE_TOO_DEEP");
  });

  it("scans every pickle of a legacy torch file (stacked pickles, then raw storage bytes)", async () => {
    const magic = Buffer.from("80028a0a6cfc9c46f9206aa850192e", "hex");
    const proto = new PickleWriter().proto(2).int(1001).stop().bytes();
    const sysInfo = new PickleWriter()
      .proto(2)
      .op("}")
      .mark()
      .unicode("little_endian")
      .op(0x88)
      .unicode("protocol_version")
      .int(1001)
      .setitems()
      .stop()
      .bytes();
    const keys = new PickleWriter().proto(2).mark().unicode("0").op("l").stop().bytes();
    const raw = Buffer.alloc(64, 0x80);
    expect((await scanFile(file(Buffer.concat([magic, proto, sysInfo, STATE, keys, raw])))).verdict).toBe("clean");
    expect((await scanFile(file(Buffer.concat([magic, proto, sysInfo, systemCallPickle(), keys, raw])))).verdict).toBe("malicious");
  });

  it("finds a second pickle hidden after the first STOP", async () => {
    const r = await scanFile(file(Buffer.concat([new PickleWriter().proto(2).int(1).stop().bytes(), systemCallPickle()])));
    expect(r.verdict).toBe("malicious");
    expect(r.findings[0]?.location).toContain("pickle 2");
  });

  it("reports what a truncated pickle imported before it broke (the nullifAI trick) and refuses it", async () => {
    const broken = systemCallPickle().subarray(0, -2);
    const r = await scanFile(file(broken));
    expect(r.verdict).toBe("malicious");
    expect(rules(r)).toEqual(["PICKLE_BROKEN", "PICKLE_DANGEROUS_CALLABLE"]);
  });

  it("opens joblib's zlib and gzip streams", async () => {
    expect((await scanFile(file(deflateSync(systemCallPickle())))).verdict).toBe("malicious");
    expect((await scanFile(file(gzipSync(STATE)))).verdict).toBe("clean");
  });

  it("scans the pickle inside a NumPy object array", async () => {
    const header = (descr: string) => {
      const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }`;
      const padded = `${dict.padEnd(117, " ")}\n`;
      const h = Buffer.alloc(10);
      Buffer.from("\x93NUMPY", "latin1").copy(h);
      h[6] = 1;
      h.writeUInt16LE(padded.length, 8);
      return Buffer.concat([h, Buffer.from(padded, "latin1")]);
    };
    const objects = await scanFile(file(Buffer.concat([header("|O"), systemCallPickle()])));
    expect(objects.verdict).toBe("malicious");
    expect(rules(objects)).toContain("NPY_OBJECT_ARRAY");
    expect((await scanFile(file(Buffer.concat([header("<f4"), Buffer.alloc(4)])))).verdict).toBe("clean");
  });

  it("refuses a Keras v3 archive with a Lambda layer", async () => {
    const config = {
      class_name: "Sequential",
      config: { name: "m", layers: [{ class_name: "Lambda", config: { name: "l", function: { class_name: "__lambda__", config: { code: "4wEAAAA=" } } } }] },
      module: "keras",
    };
    const keras = buildZip([
      { name: "metadata.json", data: Buffer.from('{"keras_version":"3.5.0"}') },
      { name: "config.json", data: Buffer.from(JSON.stringify(config)) },
      { name: "model.weights.h5", data: Buffer.from("\x89HDF\r\n\x1a\n", "latin1") },
    ]);
    const r = await scanFile(file(keras, "m.keras"));
    expect(r.verdict).toBe("suspicious");
    expect(rules(r)).toContain("KERAS_CODE");
  });
});

describe("GGUF", () => {
  it("passes the demo model clean", async () => {
    expect(await scanFile(file(buildDemoModel()))).toMatchObject({ format: "gguf", verdict: "clean", findings: [] });
  });

  it("refuses a chat template that climbs to __globals__", async () => {
    const demo = buildDemoModel();
    const header = readGgufHeader(demo);
    const metadata: GgufMetadataEntry[] = header.metadata.map((m) =>
      m.key === "tokenizer.chat_template" ? { key: m.key, type: "string", value: "{{ cycler.__init__.__globals__.os.popen('id').read() }}" } : m,
    );
    const bytes = encodeGguf({ metadata, tensors: [{ name: "token_embd.weight", shape: [4], type: "F32", data: new Float32Array(4) }] });
    const r = await scanFile(file(bytes));
    expect(r.verdict).toBe("malicious");
    expect(r.findings.some((f) => f.rule === "TEMPLATE_UNSAFE" && /__globals__|cycler/.test(f.message))).toBe(true);
  });

  it("calls a truncated GGUF invalid", async () => {
    expect((await scanFile(file(buildDemoModel().subarray(0, 5000)))).verdict).toBe("invalid");
  });
});

describe("directories", () => {
  it("walks a model folder, scans every file, and reports symlinks without following them", async () => {
    const folder = mkdtempSync(join(dir, "model-"));
    writeFileSync(join(folder, "model.safetensors"), safetensors());
    writeFileSync(join(folder, "config.json"), '{"architectures":["LlamaForCausalLM"]}');
    writeFileSync(join(folder, "modeling_custom.py"), "import torch\nfrom torch import nn\n\nclass Custom(nn.Module):\n    pass\n");
    writeFileSync(join(folder, "configuration_tiny.py"), "__import__('os').system('id')\n"); // one line, still code
    writeFileSync(
      join(folder, "README.md"),
      "# Model\n\n```python\nimport torch\nfrom transformers import AutoModel\nmodel = AutoModel.from_pretrained('x')\n```\n",
    );
    writeFileSync(join(folder, "tokenizer.model"), sentencePieceModel(["<unk>", "<s>", "</s>", "▁hello"]));
    symlinkSync("/etc/passwd", join(folder, "tokenizer.json"));
    const report = await scanPaths([folder]);
    const byName = Object.fromEntries(report.files.map((f) => [f.path.slice(folder.length + 1), f.verdict]));
    expect(byName).toEqual({
      "README.md": "clean",
      "config.json": "clean",
      "configuration_tiny.py": "suspicious",
      "model.safetensors": "clean",
      "modeling_custom.py": "suspicious",
      "tokenizer.json": "suspicious",
      "tokenizer.model": "clean",
    });
    expect(report.summary).toMatchObject({ files: 7, clean: 4, suspicious: 3 });
  });
});

function safetensors(): Buffer {
  const header = Buffer.from(JSON.stringify({ w: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, __metadata__: { format: "pt" } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(8)]);
}
