// The demo model: a tiny llama-architecture GGUF with random weights, generated instead of downloaded so
// the demo and the tests run offline against a real llama.cpp. Its output is meaningless word salad; what
// matters is that it loads, tokenizes, applies a chat template and streams tokens like any real model.

import { encodeGguf, type GgufMetadataEntry, type GgufTensorInput } from "../formats/gguf.js";
import { mulberry32 } from "../seeded-random.js";

export const DEMO_MODEL_FILE = "perimeter-demo-llama.gguf";
export const DEMO_MODEL_NAME = "perimeter-demo";
export const DEMO_MODEL_SEED = 0x5eed;

const N_EMBD = 64;
const N_LAYER = 2;
const N_HEAD = 4;
// Grouped-query attention, as in current llama models, so K/V shapes differ from Q's.
const N_HEAD_KV = 2;
const N_FF = 128;
const N_CTX = 512;
const HEAD_DIM = N_EMBD / N_HEAD;

// llama.cpp token types.
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

/** SentencePiece marks a preceding space with U+2581. */
const SPACE = "\u2581";

const WORDS = [
  "the",
  "of",
  "and",
  "to",
  "a",
  "in",
  "is",
  "it",
  "you",
  "that",
  "he",
  "was",
  "for",
  "on",
  "are",
  "with",
  "as",
  "i",
  "his",
  "they",
  "be",
  "at",
  "one",
  "have",
  "this",
  "from",
  "or",
  "had",
  "by",
  "not",
  "word",
  "but",
  "what",
  "some",
  "we",
  "can",
  "out",
  "other",
  "were",
  "all",
  "there",
  "when",
  "up",
  "use",
  "your",
  "how",
  "said",
  "an",
  "each",
  "she",
  "which",
  "do",
  "their",
  "time",
  "if",
  "will",
  "way",
  "about",
  "many",
  "then",
  "them",
  "write",
  "would",
  "like",
  "so",
  "these",
  "her",
  "long",
  "make",
  "thing",
  "see",
  "him",
  "two",
  "has",
  "look",
  "more",
  "day",
  "could",
  "go",
  "come",
  "did",
  "number",
  "sound",
  "no",
  "most",
  "people",
  "my",
  "over",
  "know",
  "water",
  "than",
  "call",
  "first",
  "who",
  "may",
  "down",
  "side",
  "been",
  "now",
  "find",
  "new",
  "work",
  "part",
  "take",
  "get",
  "place",
  "made",
  "live",
  "where",
  "after",
  "back",
  "only",
  "good",
  "give",
  "name",
  "very",
  "through",
  "just",
  "great",
  "think",
  "say",
  "help",
  "right",
  "same",
  "tell",
  "small",
  "end",
  "home",
  "read",
  "hand",
  "large",
  "here",
  "must",
  "high",
  "follow",
  "why",
  "ask",
  "change",
  "light",
  "kind",
  "need",
  "house",
  "try",
  "again",
  "point",
  "world",
  "near",
  "build",
  "hello",
  "model",
  "open",
  "weight",
  "safe",
  "policy",
  "audit",
  "scan",
  "sign",
  "token",
  "run",
  "test",
  "demo",
  "perimeter",
  "agent",
  "tool",
  "data",
  "file",
  "key",
  "trust",
  "check",
  "allow",
  "deny",
];
const SUFFIXES = ["s", "ed", "ing", "er", "ly", "es", "tion", "ment", "ness", "est", "al"];
const SYMBOLS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()"];
const CHAT_START = "<|im_start|>";
const CHAT_END = "<|im_end|>";

// ChatML, restricted to message['role'] and message['content']: no attribute access, filters or calls,
// so any Jinja implementation renders it the same way and it leaks nothing of the runtime.
const CHAT_TEMPLATE =
  "{% for message in messages %}" +
  "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

interface Vocabulary {
  readonly tokens: string[];
  readonly scores: number[];
  readonly types: number[];
  readonly eot: number;
}

/**
 * A llama-style SentencePiece vocabulary: <unk>, <s>, </s>, the 256 byte-fallback tokens, then normal
 * pieces, then the ChatML control tokens appended as fine-tunes do. The SentencePiece tokenizer builds a
 * piece only through merges of pieces that are themselves in the vocabulary, so every word comes with all
 * of its prefixes; earlier (shorter) pieces score higher and therefore merge first.
 */
function buildVocabulary(): Vocabulary {
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_BYTE);
  }
  const pieces = new Set<string>([SPACE, ...SYMBOLS, ...SYMBOLS.map((s) => SPACE + s)]);
  const withPrefixes = (piece: string): void => {
    const chars = [...piece];
    for (let end = 2; end <= chars.length; end++) pieces.add(chars.slice(0, end).join(""));
  };
  for (const word of WORDS) withPrefixes(SPACE + word);
  for (const suffix of SUFFIXES) withPrefixes(suffix);
  for (const piece of pieces) {
    tokens.push(piece);
    types.push(TOKEN_NORMAL);
  }
  tokens.push(CHAT_START, CHAT_END);
  types.push(TOKEN_CONTROL, TOKEN_CONTROL);
  const firstNormal = 3 + 256;
  const scores = tokens.map((_, id) => (types[id] === TOKEN_NORMAL ? -(id - firstNormal) : 0));
  return { tokens, scores, types, eot: tokens.length - 1 };
}

/**
 * Builds the demo model's GGUF bytes. Deterministic: the same seed always gives byte-identical output.
 * Takes a few milliseconds and yields about 0.7 MB.
 */
export function buildDemoModel(options: { seed?: number } = {}): Uint8Array {
  const seed = options.seed ?? DEMO_MODEL_SEED;
  // The PRNG state is 32 bits; refusing larger seeds keeps two different seeds from giving the same model.
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new Error(`the demo model seed must be an integer from 0 to 4294967295, got ${seed}`);
  }
  const random = mulberry32(seed);
  const vocab = buildVocabulary();
  const nVocab = vocab.tokens.length;

  // Uniform in ±1/sqrt(fan_in) keeps every activation near unit scale, so logits stay small and finite.
  const matrix = (name: string, nIn: number, nOut: number): GgufTensorInput => {
    const bound = 1 / Math.sqrt(nIn);
    const data = new Float32Array(nIn * nOut);
    for (let i = 0; i < data.length; i++) data[i] = (random() * 2 - 1) * bound;
    return { name, shape: [nIn, nOut], type: "F32", data };
  };
  const norm = (name: string): GgufTensorInput => ({
    name,
    shape: [N_EMBD],
    type: "F32",
    data: new Float32Array(N_EMBD).fill(1),
  });

  const embeddings = matrix("token_embd.weight", N_EMBD, nVocab);
  const tensors: GgufTensorInput[] = [embeddings];
  for (let layer = 0; layer < N_LAYER; layer++) {
    const blk = `blk.${layer}`;
    tensors.push(
      norm(`${blk}.attn_norm.weight`),
      matrix(`${blk}.attn_q.weight`, N_EMBD, N_HEAD * HEAD_DIM),
      matrix(`${blk}.attn_k.weight`, N_EMBD, N_HEAD_KV * HEAD_DIM),
      matrix(`${blk}.attn_v.weight`, N_EMBD, N_HEAD_KV * HEAD_DIM),
      matrix(`${blk}.attn_output.weight`, N_HEAD * HEAD_DIM, N_EMBD),
      norm(`${blk}.ffn_norm.weight`),
      matrix(`${blk}.ffn_gate.weight`, N_EMBD, N_FF),
      matrix(`${blk}.ffn_down.weight`, N_FF, N_EMBD),
      matrix(`${blk}.ffn_up.weight`, N_EMBD, N_FF),
    );
  }
  const output = matrix("output.weight", N_EMBD, nVocab);
  // Only normal pieces get output weights: an untrained head would otherwise emit stray UTF-8 bytes and
  // end its turn at random, and the demo should stream readable text until its token limit.
  vocab.types.forEach((type, id) => {
    if (type !== TOKEN_NORMAL) output.data.fill(0, id * N_EMBD, (id + 1) * N_EMBD);
  });
  tensors.push(norm("output_norm.weight"), output);

  const metadata: GgufMetadataEntry[] = [
    { key: "general.architecture", type: "string", value: "llama" },
    { key: "general.type", type: "string", value: "model" },
    { key: "general.name", type: "string", value: DEMO_MODEL_NAME },
    {
      key: "general.description",
      type: "string",
      value: "Random-weight llama model generated by Perimeter for demos and tests; its output is meaningless.",
    },
    { key: "general.license", type: "string", value: "apache-2.0" },
    { key: "general.file_type", type: "uint32", value: 0 }, // LLAMA_FTYPE_ALL_F32
    { key: "general.quantization_version", type: "uint32", value: 2 },
    { key: "llama.vocab_size", type: "uint32", value: nVocab },
    { key: "llama.context_length", type: "uint32", value: N_CTX },
    { key: "llama.embedding_length", type: "uint32", value: N_EMBD },
    { key: "llama.block_count", type: "uint32", value: N_LAYER },
    { key: "llama.feed_forward_length", type: "uint32", value: N_FF },
    { key: "llama.attention.head_count", type: "uint32", value: N_HEAD },
    { key: "llama.attention.head_count_kv", type: "uint32", value: N_HEAD_KV },
    { key: "llama.attention.layer_norm_rms_epsilon", type: "float32", value: 1e-5 },
    { key: "llama.rope.dimension_count", type: "uint32", value: HEAD_DIM },
    { key: "llama.rope.freq_base", type: "float32", value: 10000 },
    { key: "tokenizer.ggml.model", type: "string", value: "llama" },
    { key: "tokenizer.ggml.tokens", type: "array", itemType: "string", value: vocab.tokens },
    { key: "tokenizer.ggml.scores", type: "array", itemType: "float32", value: vocab.scores },
    { key: "tokenizer.ggml.token_type", type: "array", itemType: "int32", value: vocab.types },
    { key: "tokenizer.ggml.unknown_token_id", type: "uint32", value: 0 },
    { key: "tokenizer.ggml.bos_token_id", type: "uint32", value: 1 },
    { key: "tokenizer.ggml.eos_token_id", type: "uint32", value: 2 },
    { key: "tokenizer.ggml.eot_token_id", type: "uint32", value: vocab.eot },
    { key: "tokenizer.ggml.add_bos_token", type: "bool", value: true },
    { key: "tokenizer.ggml.add_eos_token", type: "bool", value: false },
    { key: "tokenizer.chat_template", type: "string", value: CHAT_TEMPLATE },
  ];

  return encodeGguf({ metadata, tensors });
}
