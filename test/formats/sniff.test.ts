import { readdirSync, readFileSync } from "node:fs";
import { deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sniffFormat, type SniffFormat, type SniffResult } from "../../src/formats/sniff.js";

// The scanner picks a parser by content, never by extension: a renamed pickle is still a pickle. Each
// test hands sniffFormat the first 4 KiB of a file, as the scan layer does, and checks what it decides.

const VECTORS = new URL("../../../shared/vectors/", import.meta.url).pathname;
const HEAD = 4096;

function sniffFile(path: string): SniffResult {
  const file = new Uint8Array(readFileSync(path));
  return sniffFormat(file.subarray(0, HEAD), file.length);
}

function sniffBytes(bytes: Uint8Array | number[] | string): SniffResult {
  const b = typeof bytes === "string" ? Uint8Array.from(bytes, (c) => c.charCodeAt(0)) : Uint8Array.from(bytes);
  return sniffFormat(b.subarray(0, HEAD), b.length);
}

const concat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

describe("formats in other projects' corpora", () => {
  it("names each picklescan file's format by its bytes, whatever its extension says", () => {
    const expected: Record<string, SniffFormat> = {
      "data/benign0_v0.pkl": "pickle",
      "data/benign0_v4.pkl": "pickle",
      "data/malicious0.pkl": "pickle",
      "data/malicious1.7z": "7z",
      "data/malicious1_wrong_ext.zip": "zip",
      "data/benign_password_protected.zip": "zip",
      "data/new_pytorch_model.bin": "zip",
      "data/pytorch_model.bin": "pickle",
      "data/pytorch_magic_bypass.pt": "pickle",
      "data/broken_model.pkl": "pickle",
      "data/bad_pytorch.pt": "unknown-binary",
      "data/not_a_pickle.bin": "unknown-binary",
      "data2/int_array.npy": "npy",
      "data2/object_array.npy": "npy",
      "data2/int_arrays_compressed.npz": "zip",
      "data2/malicious23.pkl": "pickle",
    };
    const got = Object.fromEntries(Object.keys(expected).map((name) => [name, sniffFile(`${VECTORS}picklescan/tests/${name}`).format]));
    expect(got).toEqual(expected);
  });

  it("sees a pickle in every picklescan .pkl and .pickle file, protocol 0 through 5", () => {
    for (const dir of ["data", "data2"]) {
      for (const name of readdirSync(`${VECTORS}picklescan/tests/${dir}`).filter((n) => /\.(pkl|pickle)$/.test(n))) {
        const r = sniffFile(`${VECTORS}picklescan/tests/${dir}/${name}`);
        expect([name, r.format]).toEqual([name, "pickle"]);
      }
    }
  });

  it("names modelaudit's safetensors, HDF5, torch zip, JSON templates and protobuf", () => {
    const samples = `${VECTORS}modelaudit/tests/assets/samples/`;
    for (const name of readdirSync(`${samples}safetensors`))
      expect(sniffFile(`${samples}safetensors/${name}`)).toMatchObject({ format: "safetensors", confidence: "high" });
    expect(sniffFile(`${samples}keras/safe_model.h5`)).toMatchObject({ format: "hdf5", detail: "HDF5 superblock" });
    expect(sniffFile(`${samples}pytorch/malicious_eval.pt`).format).toBe("zip");
    expect(sniffFile(`${samples}jinja2/malicious/direct_eval.json`)).toMatchObject({ format: "json", confidence: "high" });
    expect(sniffFile(`${samples}jinja2/standalone/benign_chat.j2`).format).toBe("text");
    // Protobuf has no signature: a SavedModel is unknown, and the scan layer must treat it so.
    expect(sniffFile(`${samples}tensorflow/safe_savedmodel/saved_model.pb`).format).toBe("unknown-binary");
  });
});

describe("formats from their signatures", () => {
  it("recognises compressed streams: gzip, zlib (joblib), bzip2, xz, LZMA-alone, lz4 and zstd", () => {
    const pickle = Uint8Array.from("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N.", (c) => c.charCodeAt(0));
    const cases: [Uint8Array, SniffFormat][] = [
      [new Uint8Array(gzipSync(pickle)), "gzip"],
      [new Uint8Array(deflateSync(pickle)), "zlib"],
      [concat([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], new Uint8Array(40)), "bzip2"],
      [concat([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04], new Uint8Array(40)), "xz"],
      [concat([0x5d, 0x00, 0x00, 0x80, 0x00], new Uint8Array(8).fill(0xff), new Uint8Array(40).fill(1)), "lzma"],
      [concat([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7], new Uint8Array(40)), "lz4"],
      [concat([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x05], new Uint8Array(40)), "zstd"],
    ];
    for (const [bytes, format] of cases) expect([format, sniffBytes(bytes).format]).toEqual([format, format]);
  });

  it("recognises archives: ZIP (plain, empty, spanned), 7z, RAR 4 and 5, and a v7 tar with no magic", () => {
    expect(sniffBytes([0x50, 0x4b, 0x03, 0x04, 20, 0])).toMatchObject({ format: "zip", confidence: "high" });
    expect(sniffBytes(concat([0x50, 0x4b, 0x05, 0x06], new Uint8Array(18)))).toMatchObject({ format: "zip", detail: "empty ZIP archive" });
    expect(sniffBytes([0x50, 0x4b, 0x07, 0x08, 0x50, 0x4b, 0x03, 0x04, 20, 0])).toMatchObject({ format: "zip", detail: "ZIP archive with a spanning marker" });
    expect(sniffBytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]).format).toBe("7z");
    expect(sniffBytes("Rar!\x1a\x07\x00\xcf\x90").detail).toBe("RAR 4 archive");
    expect(sniffBytes("Rar!\x1a\x07\x01\x00\x33\x92").detail).toBe("RAR 5 archive");

    const tar = new Uint8Array(1024);
    tar.set(
      Uint8Array.from("pickle", (c) => c.charCodeAt(0)),
      0,
    );
    for (const [at, value] of [
      [100, "0000644\0"],
      [124, "00000000002\0"],
      [156, "0"],
    ] as const)
      tar.set(
        Uint8Array.from(value, (c) => c.charCodeAt(0)),
        at,
      );
    let sum = 256;
    for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += tar[i] ?? 0;
    tar.set(
      Uint8Array.from(`${sum.toString(8).padStart(6, "0")}\0 `, (c) => c.charCodeAt(0)),
      148,
    );
    expect(sniffBytes(tar)).toMatchObject({ format: "tar", detail: "tar archive (v7 header checksum)" });
  });

  it("finds an HDF5 superblock behind a user block of 512, 1024 or 2048 bytes", () => {
    for (const at of [0, 512, 1024, 2048]) {
      const file = new Uint8Array(4096);
      file.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], at);
      expect([at, sniffBytes(file).format]).toEqual([at, "hdf5"]);
    }
    const misplaced = new Uint8Array(4096);
    misplaced.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 100);
    expect(sniffBytes(misplaced).format).toBe("unknown-binary");
  });

  it("recognises safetensors only when the declared header fits in the file and starts with {", () => {
    const json = '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  ';
    const header = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(header.length), true);
    expect(sniffBytes(concat(length, header, [0, 0, 0x80, 0x3f]))).toMatchObject({ format: "safetensors", confidence: "high" });
    const lying = Uint8Array.from(length);
    new DataView(lying.buffer).setBigUint64(0, 1n << 40n, true);
    expect(sniffBytes(concat(lying, header)).format).not.toBe("safetensors");
  });

  it("recognises GGUF (either byte order) and .npy by their magic", () => {
    expect(sniffBytes("GGUF\x03\x00\x00\x00\x00\x00\x00\x00")).toMatchObject({ format: "gguf", detail: "GGUF version 3" });
    expect(sniffBytes("GGUF\x00\x00\x00\x03\x00\x00\x00\x00")).toMatchObject({ format: "gguf", detail: "GGUF version 3 (big-endian)" });
    expect(sniffBytes("\x93NUMPY\x01\x00\x76\x00{'descr'").format).toBe("npy");
  });

  it("calls a zero-byte file empty", () => {
    expect(sniffFormat(new Uint8Array(), 0)).toMatchObject({ format: "empty", confidence: "high" });
  });
});

describe("pickles, text and the line between them", () => {
  it("recognises PROTO 0 to 5 and refuses PROTO 6, which pickle.load rejects before running anything", () => {
    for (const p of [0, 1, 2, 3, 4, 5]) expect([p, sniffBytes([0x80, p, 0x4e, 0x2e]).format]).toEqual([p, "pickle"]);
    expect(sniffBytes([0x80, 6, 0x4e, 0x2e]).format).not.toBe("pickle");
  });

  it("sees a protocol 0 pickle that hides its payload behind a string longer than the bytes sniffed", () => {
    // S'<5,000 characters>' then os.system: text to a careless sniffer, code to pickle.load.
    const payload = `S'${"a".repeat(5000)}'\np0\n0cos\nsystem\n(S'id'\ntR.`;
    const r = sniffBytes(payload);
    expect(r.format).toBe("pickle");
    expect(r.alsoMatches.map((m) => m.format)).toContain("text");
  });

  it("does not read every ZIP as a pickle too because it opens with 'P' (PERSID, which plain pickle.load refuses)", () => {
    const npz = sniffFile(`${VECTORS}picklescan/tests/data2/object_arrays.npz`);
    expect(npz.format).toBe("zip");
    expect(npz.alsoMatches.map((m) => m.format)).not.toContain("pickle");
  });

  it("sees a pickle that runs code before its bytes run out, as broken_model.pkl does", () => {
    expect(sniffBytes("cbuiltins\nexec\n(Vprint(1)\ntR").format).toBe("pickle");
  });

  it("leaves ordinary text, Python source, YAML and JSON as text", () => {
    const prose = `The quick brown fox jumps over the lazy dog. ${"Lorem ipsum dolor sit amet. ".repeat(300)}`;
    expect(sniffBytes(prose).format).toBe("text");
    expect(sniffBytes("import torch\nmodel = torch.load('x')\n").format).toBe("text");
    expect(sniffBytes("model:\n  name: llama\n").format).toBe("text");
    expect(sniffBytes('{"chat_template": "{{ messages }}"}')).toMatchObject({ format: "json", confidence: "high" });
    expect(sniffBytes("x^ marks the spot").format).toBe("text"); // a valid zlib header, but no zlib stream
  });

  it("takes JSON that Python reads (NaN, Infinity) for JSON, and a Jinja template starting with { for text", () => {
    expect(sniffBytes('{"chat_template": "{{ messages }}", "scale": NaN, "max": Infinity}')).toMatchObject({ format: "json", confidence: "high" });
    expect(sniffBytes("{%- for message in messages %}{{ message.content }}{% endfor %}").format).toBe("text");
    expect(sniffBytes('{"chat_template": "{{ x }}",}')).toMatchObject({ format: "text", detail: expect.stringContaining("does not parse") });
  });

  it("keeps text cut mid-character at the end of the head as text", () => {
    const file = new TextEncoder().encode(`${"é".repeat(3000)}`);
    expect(file.length).toBeGreaterThan(HEAD);
    expect(sniffFormat(file.subarray(0, 4095), file.length).format).toBe("text");
  });

  it("uses the lead's pickle check for protocols 0 and 1 when one is wired in", () => {
    const head = Uint8Array.from("(lp0\n.", (c) => c.charCodeAt(0));
    expect(sniffFormat(head, head.length, { looksLikePickle: () => false }).format).not.toBe("pickle");
    expect(
      sniffFormat(
        Uint8Array.from("hello", (c) => c.charCodeAt(0)),
        5,
        { looksLikePickle: () => true },
      ).format,
    ).toBe("pickle");
  });
});

describe("sniffing under random input", () => {
  it("never throws, always answers, and stays fast on any head", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6000 }), fc.nat(), (bytes, extra) => {
        const started = Date.now();
        const r = sniffFormat(bytes, bytes.length + (extra % 1_000_000));
        expect(typeof r.format).toBe("string");
        expect(r.alsoMatches.every((m) => m.format !== r.format || m.detail !== r.detail)).toBe(true);
        expect(Date.now() - started).toBeLessThan(200);
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on heads that start with a real signature and continue at random", () => {
    const signatures = [
      [0x50, 0x4b, 0x03, 0x04],
      [0x1f, 0x8b, 0x08],
      [0x78, 0x9c],
      [0x78, 0x5e],
      [0x80, 0x02],
      [0x80, 0x05],
      [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59],
      [0x47, 0x47, 0x55, 0x46],
      [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a],
      [0x5d, 0x00, 0x00, 0x80, 0x00],
      [0x28],
      [0x63],
      [0x53, 0x27],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 600 }), (sig, rest) => {
        const head = concat(sig, rest);
        sniffFormat(head, head.length);
        sniffFormat(head, head.length * 10);
      }),
      { numRuns: 1000 },
    );
  });
});
