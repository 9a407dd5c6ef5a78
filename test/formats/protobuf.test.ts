import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fields } from "../../src/formats/protobuf.js";
import { analyzeSavedModel } from "../../src/formats/savedmodel.js";
import { analyzeSentencePiece } from "../../src/formats/sentencepiece.js";
import { len, sentencePieceModel, str } from "../fixtures/protobuf.js";

describe("protobuf-based formats", () => {
  it("recognises a SentencePiece tokenizer model as pure data", () => {
    expect(analyzeSentencePiece(sentencePieceModel(["<unk>", "<s>", "</s>", "▁the", "▁a"]))).toEqual({ ok: true, pieces: 5 });
  });

  it("does not take a SavedModel or random bytes for a SentencePiece model", () => {
    const saved = Uint8Array.from(len(2, len(2, len(1, [...str(1, "bad"), ...str(2, "PyFunc")]))));
    expect(analyzeSentencePiece(saved).ok).toBe(false);
    expect(analyzeSavedModel(saved)).toMatchObject({ ok: true, ops: [{ node: "bad", op: "PyFunc", scope: "graph" }] });
    expect(analyzeSentencePiece(Uint8Array.from([0xff, 0xff, 0xff])).ok).toBe(false);
  });

  it("never throws on random or mutated bytes, and never reads past them", () => {
    const valid = sentencePieceModel(["a", "b", "c"]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 }), (random, at, value) => {
        for (const bytes of [random, Uint8Array.from(valid).fill(value, at, at + 1), valid.subarray(0, at)]) {
          const top = fields(bytes);
          expect(typeof top === "string" || Array.isArray(top)).toBe(true);
          analyzeSentencePiece(bytes);
          analyzeSavedModel(bytes);
        }
      }),
      { numRuns: 500 },
    );
  });
});
