import { readFile } from "node:fs/promises";
import { getLlama, LlamaChatSession, LlamaCompletion, type Llama, type LlamaContext, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GGML_TYPES, readGgufHeader, type GgufMetadataEntry } from "../../src/formats/gguf.js";
import { buildDemoModel, DEMO_MODEL_FILE, DEMO_MODEL_NAME } from "../../src/runtimes/demo-model.js";
import { writeDemoModel } from "../fixtures/demo-model.js";

function entry(metadata: readonly GgufMetadataEntry[], key: string): GgufMetadataEntry | undefined {
  return metadata.find((e) => e.key === key);
}

describe("demo model file", () => {
  it("generates the same bytes for the same seed", () => {
    const first = buildDemoModel({ seed: 7 });
    const second = buildDemoModel({ seed: 7 });
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
    expect(Buffer.from(buildDemoModel()).equals(Buffer.from(buildDemoModel()))).toBe(true);
  });

  it("generates different weights for a different seed", () => {
    const a = buildDemoModel({ seed: 1 });
    const b = buildDemoModel({ seed: 2 });
    expect(a.length).toBe(b.length);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("refuses a seed outside 32 bits instead of reusing another seed's weights", () => {
    expect(() => buildDemoModel({ seed: 2 ** 32 + 1 })).toThrow(/seed must be an integer from 0 to 4294967295/);
    expect(() => buildDemoModel({ seed: -1 })).toThrow(/seed/);
    expect(() => buildDemoModel({ seed: 1.5 })).toThrow(/seed/);
  });

  it("writes a GGUF whose header and metadata read back", async () => {
    const path = await writeDemoModel();
    expect(path.endsWith(DEMO_MODEL_FILE)).toBe(true);
    const bytes = new Uint8Array(await readFile(path));
    const header = readGgufHeader(bytes);

    expect(header.version).toBe(3);
    expect(header.alignment).toBe(32);
    expect(entry(header.metadata, "general.architecture")).toMatchObject({ type: "string", value: "llama" });
    expect(entry(header.metadata, "general.name")).toMatchObject({ type: "string", value: DEMO_MODEL_NAME });
    expect(entry(header.metadata, "general.license")).toMatchObject({ type: "string", value: "apache-2.0" });
    expect(entry(header.metadata, "llama.context_length")).toMatchObject({ type: "uint32", value: 512 });
    expect(entry(header.metadata, "tokenizer.ggml.add_bos_token")).toMatchObject({ type: "bool", value: true });
    expect(entry(header.metadata, "tokenizer.chat_template")?.value).toContain("message['content']");

    const tokens = entry(header.metadata, "tokenizer.ggml.tokens");
    const types = entry(header.metadata, "tokenizer.ggml.token_type");
    if (tokens?.type !== "array" || tokens.itemType !== "string") throw new Error("tokens are not a string array");
    if (types?.type !== "array" || types.itemType !== "int32") throw new Error("token types are not an int32 array");
    expect(tokens.value.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
    expect(tokens.value[3 + 0x0a]).toBe("<0x0A>");
    expect(types.value.slice(0, 4)).toEqual([2, 3, 3, 6]);
    expect(tokens.value).toContain("\u2581hello");
    expect(types.value).toHaveLength(tokens.value.length);

    const embeddings = header.tensors.find((t) => t.name === "token_embd.weight");
    expect(embeddings).toMatchObject({ type: "F32", shape: [64, tokens.value.length] });
    expect(header.tensors.map((t) => t.name)).toContain("blk.1.ffn_down.weight");
    // Tensors are laid out back to back, each padded to the alignment, and all of them fit in the file.
    let expectedOffset = 0;
    for (const tensor of header.tensors) {
      expect(tensor.offset).toBe(expectedOffset);
      expect(tensor.byteLength).toBe(tensor.shape.reduce((n, d) => n * d, 1) * GGML_TYPES.F32.typeSize);
      expectedOffset += Math.ceil(tensor.byteLength / 32) * 32;
    }
    expect(header.dataOffset % 32).toBe(0);
    expect(header.dataOffset + expectedOffset).toBe(bytes.length);

    const norm = header.tensors.find((t) => t.name === "output_norm.weight");
    if (norm === undefined) throw new Error("output_norm.weight is missing");
    const start = header.dataOffset + norm.offset;
    const values = new Float32Array(bytes.slice(start, start + norm.byteLength).buffer);
    expect([...values]).toEqual(new Array(64).fill(1));
  });
});

describe("node-llama-cpp on the demo model", () => {
  let llama: Llama | undefined;
  let model: LlamaModel | undefined;
  let context: LlamaContext | undefined;

  beforeAll(async () => {
    const modelPath = await writeDemoModel();
    // Prebuilt CPU binaries only: a test must never download or compile llama.cpp.
    llama = await getLlama({ gpu: false, build: "never", skipDownload: true });
    model = await llama.loadModel({ modelPath });
    // One thread: the model is too small to split, and node-llama-cpp's default of at least four threads
    // spin-waits on small machines, turning milliseconds per token into hundreds.
    context = await model.createContext({ contextSize: 256, sequences: 2, threads: 1 });
  });

  afterAll(async () => {
    await context?.dispose();
    await model?.dispose();
    await llama?.dispose();
  });

  function loaded(): { model: LlamaModel; context: LlamaContext } {
    if (model === undefined || context === undefined) throw new Error("the demo model did not load");
    return { model, context };
  }

  it("node-llama-cpp loads the demo model and generates tokens", async () => {
    const { context } = loaded();
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    let generated = 0;
    const result = await completion.generateCompletionWithMeta("hello world, the model", {
      maxTokens: 8,
      temperature: 0,
      onToken: (tokens) => {
        generated += tokens.length;
      },
    });
    completion.dispose();
    // Output weights exist only for normal pieces, so the random model streams text until its limit.
    expect(generated).toBe(8);
    expect(result.metadata.stopReason).toBe("maxTokens");
    expect(result.response.trim()).not.toBe("");
  });

  it("tokenizes text into word pieces and detokenizes it back", () => {
    const { model } = loaded();
    const tokens = model.tokenize("hello world");
    expect(tokens).toHaveLength(2);
    expect(model.detokenize(tokens)).toBe("hello world");
  });

  it("answers a chat prompt through the model's ChatML template", async () => {
    const { context } = loaded();
    const session = new LlamaChatSession({ contextSequence: context.getSequence() });
    expect(session.chatWrapper.wrapperName).toBe("ChatML");
    const answer = await session.prompt("hello", { maxTokens: 8, temperature: 0 });
    session.dispose();
    expect(answer.trim()).not.toBe("");
  });
});
