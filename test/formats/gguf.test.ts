import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readGgufHeader } from "../../src/formats/gguf.js";
import { buildDemoModel } from "../../src/runtimes/demo-model.js";

// The GGUF header reader faces untrusted files: whatever the bytes, it returns a header or throws a plain
// Error that says what is wrong — never a RangeError from an allocation, never a hang.

const model = buildDemoModel();
const header = readGgufHeader(model);
const headerEnd = header.dataOffset;

function readsOrRefuses(bytes: Uint8Array): void {
  const started = Date.now();
  try {
    readGgufHeader(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/GGUF|magic|metadata|tensor/);
  }
  expect(Date.now() - started).toBeLessThan(1000);
}

describe("GGUF header reader under random and mutated input", () => {
  it("refuses random bytes, with or without the GGUF magic, without crashing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (bytes, magic) => {
        const input = magic ? new Uint8Array([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0, ...bytes]) : bytes;
        readsOrRefuses(input);
      }),
      { numRuns: 500 },
    );
  });

  it("reads or refuses every truncation of a real header", () => {
    for (let cut = 0; cut < headerEnd; cut += 97) readsOrRefuses(model.subarray(0, cut));
  });

  it("reads or refuses a real header with bytes flipped, including huge counts and lengths", () => {
    const prefix = model.subarray(0, headerEnd);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: prefix.length - 1 }), fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x01)), { minLength: 1, maxLength: 8 }),
        (flips) => {
          const mutated = Uint8Array.from(prefix);
          for (const [at, value] of flips) mutated[at] = value;
          readsOrRefuses(mutated);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("refuses a metadata count larger than the file could hold, before allocating", () => {
    const lying = Uint8Array.from(model);
    new DataView(lying.buffer).setBigUint64(16, 0xffff_ffff_ffffn, true); // metadata count
    expect(() => readGgufHeader(lying)).toThrow(/metadata count .* only \d+ bytes remain/);
  });
});
