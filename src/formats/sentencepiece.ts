import { fields, text } from "./protobuf.js";

// SentencePiece tokenizer models (tokenizer.model beside Llama, Mistral, Gemma weights): a protobuf
// ModelProto { repeated SentencePiece pieces = 1 { string piece = 1; float score = 2; Type type = 3 };
// TrainerSpec trainer_spec = 2; NormalizerSpec normalizer_spec = 3; SelfTestData self_test_data = 4;
// NormalizerSpec denormalizer_spec = 5 }. Pure data: nothing in it is ever executed.

export interface SentencePieceModel {
  readonly ok: boolean;
  readonly pieces: number;
  readonly problem?: string;
}

export function analyzeSentencePiece(bytes: Uint8Array): SentencePieceModel {
  const top = fields(bytes);
  if (typeof top === "string") return { ok: false, pieces: 0, problem: top };
  let pieces = 0;
  for (const f of top) {
    if (f.number < 1 || f.number > 5 || f.wire !== 2 || f.bytes === undefined) {
      return { ok: false, pieces, problem: `field ${f.number} is not part of a SentencePiece model` };
    }
    if (f.number !== 1) continue;
    const piece = fields(f.bytes);
    if (typeof piece === "string") return { ok: false, pieces, problem: `piece ${pieces}: ${piece}` };
    for (const p of piece) {
      const expected = p.number === 1 ? 2 : p.number === 2 ? 5 : p.number === 3 ? 0 : -1;
      if (p.wire !== expected) return { ok: false, pieces, problem: `piece ${pieces} has an unexpected field ${p.number}` };
      if (p.number === 1 && text(p.bytes) === undefined) return { ok: false, pieces, problem: `piece ${pieces} is not UTF-8` };
    }
    pieces += 1;
  }
  return pieces > 0 ? { ok: true, pieces } : { ok: false, pieces, problem: "no pieces" };
}
