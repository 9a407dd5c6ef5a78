import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { buildDemoModel } from "../../src/runtimes/demo-model.js";
import type { DialectResponse, OpenAIPath } from "../../src/runtimes/dialect.js";
import { createEmbeddedRuntime, type EmbeddedRuntime } from "../../src/runtimes/embedded-runtime.js";
import { writeDemoModel } from "../fixtures/demo-model.js";

// The demo model has random weights: these tests assert shapes, counts and limits, never what it says.

type Chunk = Record<string, unknown>;

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface ChatCompletion {
  id: string;
  choices: { message: { content: string }; finish_reason: string }[];
  usage: Usage;
}

const never = new AbortController().signal;

function json(response: DialectResponse, status = 200): Record<string, unknown> {
  if (response.kind !== "json") throw new Error(`expected a JSON answer, got a ${response.kind}`);
  expect(response.status).toBe(status);
  return response.body as Record<string, unknown>;
}

function chunksOf(response: DialectResponse): AsyncIterable<Chunk> {
  if (response.kind !== "stream") throw new Error(`expected a stream, got ${JSON.stringify(response)}`);
  return response.chunks;
}

async function collect(response: DialectResponse): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of chunksOf(response)) chunks.push(chunk);
  return chunks;
}

function deltaText(chunks: Chunk[]): string {
  return chunks
    .flatMap((c) => c.choices as { delta?: { content?: string }; text?: string }[])
    .map((choice) => choice.delta?.content ?? choice.text ?? "")
    .join("");
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

const hello = [
  { role: "system", content: "You are the demo." },
  { role: "user", content: "hello" },
];

describe("embedded llama.cpp runtime", () => {
  let runtime: EmbeddedRuntime;
  let loadMs = 0;

  beforeAll(async () => {
    const modelPath = await writeDemoModel();
    const dir = dirname(modelPath);
    await writeFile(join(dir, "garbage.gguf"), "GGUF and then not a model at all");
    await writeFile(join(dir, "truncated.gguf"), buildDemoModel().subarray(0, 100_000));
    runtime = createEmbeddedRuntime({
      models: new Map([
        ["demo", modelPath],
        ["garbage", join(dir, "garbage.gguf")],
        ["truncated", join(dir, "truncated.gguf")],
      ]),
      // One thread: the demo model is too small to split, and spinning threads would only slow it down.
      threads: 1,
    });
    const started = performance.now();
    json(await runtime.call("/v1/chat/completions", { model: "demo", messages: hello, max_tokens: 1 }, never));
    loadMs = performance.now() - started;
  });

  afterAll(async () => {
    await runtime?.close();
  });

  function chat(body: Record<string, unknown>, signal = never): Promise<DialectResponse> {
    return runtime.call("/v1/chat/completions", { model: "demo", messages: hello, ...body }, signal);
  }

  it("loads llama.cpp and the model on first use, in seconds", () => {
    expect(runtime.servedNames()).toEqual(["demo", "garbage", "truncated"]);
    expect(loadMs).toBeLessThan(15_000);
  });

  it("answers a chat completion in OpenAI's exact shape, with usage that adds up", async () => {
    const before = Math.floor(Date.now() / 1000);
    const body = json(await chat({ max_tokens: 12, temperature: 0 }));
    expect(body).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{24}$/),
      object: "chat.completion",
      created: expect.any(Number),
      model: "demo",
      choices: [
        { index: 0, message: { role: "assistant", content: expect.any(String) }, logprobs: null, finish_reason: expect.stringMatching(/^(stop|length)$/) },
      ],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    const { usage, choices } = body as unknown as ChatCompletion;
    expect(body.created).toBeGreaterThanOrEqual(before);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(choices[0]?.message.content).not.toBe("");
  });

  it("counts prompt tokens with the model's tokenizer over the rendered chat template", async () => {
    const usageFor = async (messages: unknown[]): Promise<Usage> => (json(await chat({ messages, max_tokens: 1 })) as unknown as ChatCompletion).usage;
    const short = await usageFor([{ role: "user", content: "hello" }]);
    // "hello world" is two tokens of the demo vocabulary where "hello" is one.
    const longer = await usageFor([{ role: "user", content: "hello world" }]);
    expect(longer.prompt_tokens).toBe(short.prompt_tokens + 1);
    // ChatML wraps each message in <|im_start|>role\n…<|im_end|>\n: a second message costs more than its text.
    const withSystem = await usageFor([
      { role: "system", content: "hello" },
      { role: "user", content: "hello" },
    ]);
    expect(withSystem.prompt_tokens).toBeGreaterThan(short.prompt_tokens + 1);
    // Text content parts read the same as a string.
    const parts = await usageFor([{ role: "user", content: [{ type: "text", text: "hello world" }] }]);
    expect(parts.prompt_tokens).toBe(longer.prompt_tokens);
  });

  it("stops at max_tokens with finish_reason length", async () => {
    for (const limit of [{ max_tokens: 5 }, { max_completion_tokens: 5 }]) {
      const { usage, choices } = json(await chat({ ...limit, temperature: 0 })) as unknown as ChatCompletion;
      expect(usage.completion_tokens).toBeLessThanOrEqual(5);
      // The random model never ends its turn early in practice, but the limit is what is asserted.
      if (choices[0]?.finish_reason === "length") expect(usage.completion_tokens).toBe(5);
      else expect(choices[0]?.finish_reason).toBe("stop");
    }
  });

  it("without max_tokens, answers no more than fits in the context", async () => {
    const { usage, choices } = json(await chat({ temperature: 0 })) as unknown as ChatCompletion;
    expect(usage.total_tokens).toBeLessThan(512);
    if (choices[0]?.finish_reason === "length") expect(usage.total_tokens).toBe(511);
  });

  it("streams a role delta, content deltas, a finish chunk and a usage chunk that match the whole answer", async () => {
    const request = { max_tokens: 16, temperature: 0, seed: 42 };
    const whole = json(await chat(request)) as unknown as ChatCompletion;
    const chunks = await collect(await chat({ ...request, stream: true, stream_options: { include_usage: true } }));

    const id = chunks[0]?.id;
    expect(id).toMatch(/^chatcmpl-/);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id, object: "chat.completion.chunk", created: expect.any(Number), model: "demo" });
    }
    expect(chunks[0]?.choices).toEqual([{ index: 0, delta: { role: "assistant" }, logprobs: null, finish_reason: null }]);
    expect(chunks[0]?.usage).toBeNull();
    const content = chunks.slice(1, -2);
    expect(content.length).toBeGreaterThan(0);
    for (const chunk of content) {
      expect(chunk.choices).toEqual([{ index: 0, delta: { content: expect.any(String) }, logprobs: null, finish_reason: null }]);
    }
    expect(chunks.at(-2)?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: whole.choices[0]?.finish_reason }]);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual(whole.usage);

    expect(deltaText(chunks)).toBe(whole.choices[0]?.message.content);
  });

  it("streams without a usage chunk unless asked", async () => {
    const chunks = await collect(await chat({ max_tokens: 4, stream: true }));
    expect(chunks.at(-1)?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: expect.any(String) }]);
    for (const chunk of chunks) expect(chunk).not.toHaveProperty("usage");
  });

  it("gives the same greedy answer twice: no request sees another's history", async () => {
    const first = json(await chat({ max_tokens: 10, temperature: 0 })) as unknown as ChatCompletion;
    await chat({ messages: [{ role: "user", content: "the model said something else entirely" }], max_tokens: 10 });
    const second = json(await chat({ max_tokens: 10, temperature: 0 })) as unknown as ChatCompletion;
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    expect(second.usage).toEqual(first.usage);
  });

  it("ends the answer before a stop sequence", async () => {
    const free = json(await chat({ max_tokens: 24, temperature: 0 })) as unknown as ChatCompletion;
    const text = free.choices[0]?.message.content ?? "";
    const words = text.trim().split(/\s+/);
    expect(words.length).toBeGreaterThan(3);
    const stop = ` ${words[2]}`;
    const cut = json(await chat({ max_tokens: 24, temperature: 0, stop: [stop, "never-generated"] })) as unknown as ChatCompletion;
    expect(cut.choices[0]?.finish_reason).toBe("stop");
    expect(cut.choices[0]?.message.content).toBe(text.slice(0, text.indexOf(stop)));
    expect(cut.usage.completion_tokens).toBeLessThan(free.usage.completion_tokens);
  });

  it("answers a text completion in OpenAI's shape, whole and streamed", async () => {
    const request = { model: "demo", prompt: "hello world, the model", max_tokens: 8, temperature: 0 };
    const body = json(await runtime.call("/v1/completions", request, never));
    expect(body).toEqual({
      id: expect.stringMatching(/^cmpl-/),
      object: "text_completion",
      created: expect.any(Number),
      model: "demo",
      choices: [{ text: expect.any(String), index: 0, logprobs: null, finish_reason: expect.stringMatching(/^(stop|length)$/) }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    const usage = body.usage as Usage;
    expect(usage.completion_tokens).toBeLessThanOrEqual(8);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

    const chunks = await collect(await runtime.call("/v1/completions", { ...request, stream: true, stream_options: { include_usage: true } }, never));
    for (const chunk of chunks) expect(chunk).toMatchObject({ object: "text_completion", model: "demo" });
    for (const chunk of chunks.slice(0, -2)) {
      expect(chunk.choices).toEqual([{ text: expect.any(String), index: 0, logprobs: null, finish_reason: null }]);
    }
    const choices = body.choices as { text: string; finish_reason: string }[];
    expect(chunks.at(-2)?.choices).toEqual([{ text: "", index: 0, logprobs: null, finish_reason: choices[0]?.finish_reason }]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage });
    expect(deltaText(chunks)).toBe(choices[0]?.text);
  });

  it("gives embedding vectors of the model's size, one per input, as floats or base64", async () => {
    const one = json(await runtime.call("/v1/embeddings", { model: "demo", input: "hello world" }, never));
    expect(one).toEqual({
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: expect.any(Array) }],
      model: "demo",
      usage: { prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    const [first] = one.data as { embedding: number[] }[];
    expect(first?.embedding).toHaveLength(64);
    expect(first?.embedding.every((x) => Number.isFinite(x))).toBe(true);

    const many = json(await runtime.call("/v1/embeddings", { model: "demo", input: ["hello world", "the model", "trust"] }, never));
    const data = many.data as { index: number; embedding: number[] }[];
    expect(data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const d of data) expect(d.embedding).toHaveLength(64);
    expect(data[0]?.embedding).toEqual(first?.embedding);
    expect(data[1]?.embedding).not.toEqual(first?.embedding);
    const usage = many.usage as { prompt_tokens: number; total_tokens: number };
    expect(usage.prompt_tokens).toBeGreaterThan((one.usage as { prompt_tokens: number }).prompt_tokens);
    expect(usage.total_tokens).toBe(usage.prompt_tokens);

    // The official openai client asks for base64 by default: little-endian float32s.
    const encoded = json(await runtime.call("/v1/embeddings", { model: "demo", input: "hello world", encoding_format: "base64" }, never));
    const [b64] = encoded.data as { embedding: string }[];
    const bytes = Buffer.from(b64?.embedding ?? "", "base64");
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect([...floats]).toEqual(first?.embedding.map((x) => Math.fround(x)));
  });

  it("answers an unknown model with OpenAI's 404", async () => {
    for (const path of ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"] as OpenAIPath[]) {
      const body = json(await runtime.call(path, { model: "gpt-4o", messages: hello, prompt: "hi", input: "hi" }, never), 404);
      expect(body).toEqual({
        error: { message: expect.stringContaining("gpt-4o"), type: "invalid_request_error", param: "model", code: "model_not_found" },
      });
    }
  });

  it("answers a model file that does not load with a 500 naming the model, without llama.cpp reading it", async () => {
    for (const model of ["garbage", "truncated"]) {
      const body = json(await chat({ model }), 500);
      expect(body).toEqual({ error: { message: expect.stringContaining(`\`${model}\``), type: "server_error", param: "model", code: "model_load_failed" } });
    }
    const truncated = json(await chat({ model: "truncated" }), 500);
    expect((truncated.error as { message: string }).message).toMatch(/truncated/);
    // The good model is unaffected.
    json(await chat({ max_tokens: 2 }));
  });

  it("refuses requests it cannot honour with OpenAI's 400", async () => {
    const refused = async (
      body: Record<string, unknown>,
      path: OpenAIPath = "/v1/chat/completions",
    ): Promise<{ message: string; param: string | null; code: string | null }> => {
      const answer = json(await runtime.call(path, { model: "demo", ...body }, never), 400);
      expect(answer.error).toMatchObject({ type: "invalid_request_error" });
      return answer.error as { message: string; param: string | null; code: string | null };
    };
    expect((await refused({ messages: [] })).param).toBe("messages");
    expect((await refused({})).param).toBe("messages");
    expect((await refused({ messages: [{ role: "tool", content: "x", tool_call_id: "1" }] })).message).toMatch(/role/);
    expect((await refused({ messages: hello, tools: [{ type: "function", function: { name: "f" } }] })).message).toMatch(/tools are not supported/);
    expect((await refused({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] })).message).toMatch(/text/);
    expect((await refused({ messages: hello, n: 2 })).param).toBe("n");
    expect((await refused({ messages: hello, max_tokens: 0 })).param).toBe("max_tokens");
    expect((await refused({ messages: hello, temperature: 3 })).param).toBe("temperature");
    expect((await refused({ prompt: 42 }, "/v1/completions")).param).toBe("prompt");
    expect((await refused({ input: "" }, "/v1/embeddings")).param).toBe("input");
    expect((await refused({ input: "hi", dimensions: 32 }, "/v1/embeddings")).param).toBe("dimensions");

    const long = "hello world ".repeat(400);
    const tooLong = await refused({ messages: [{ role: "user", content: long }] });
    expect(tooLong.code).toBe("context_length_exceeded");
    expect(tooLong.message).toMatch(/maximum context length is 512 tokens/);
    expect((await refused({ prompt: long }, "/v1/completions")).code).toBe("context_length_exceeded");
    expect((await refused({ input: long }, "/v1/embeddings")).code).toBe("context_length_exceeded");
  });

  it("stops generating promptly when the signal aborts mid-stream, and serves the next request", async () => {
    const fullStarted = performance.now();
    json(await chat({ max_tokens: 480, temperature: 0 }));
    const fullMs = performance.now() - fullStarted;

    const controller = new AbortController();
    const stream = chunksOf(await chat({ max_tokens: 480, temperature: 0, stream: true }, controller.signal));
    const iterator = stream[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) expect((await iterator.next()).done).toBe(false);

    const abortedAt = performance.now();
    controller.abort();
    const thrown = await rejection(iterator.next());
    expect(thrown).toBeInstanceOf(DOMException);
    expect((thrown as DOMException).name).toBe("AbortError");
    // Both sequences free again (the aborted one only once its generation stopped) well before 480 tokens.
    const answers = await Promise.all([chat({ max_tokens: 3 }), chat({ max_tokens: 3 })]);
    const recoveredMs = performance.now() - abortedAt;
    for (const answer of answers) json(answer);
    expect(recoveredMs).toBeLessThan(fullMs / 2);
    expect((await iterator.next()).done).toBe(true);
  });

  it("rejects a whole answer with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const pending = chat({ max_tokens: 480 }, controller.signal);
    setTimeout(() => controller.abort(new Error("client went away")), 20);
    const err = await rejection(pending);
    expect(err).toEqual(new Error("client went away"));
    const already = await rejection(chat({}, controller.signal));
    expect(already).toEqual(new Error("client went away"));
    json(await chat({ max_tokens: 3 }));
  });

  it("gives the sequence back when a reader stops early or never reads", async () => {
    // Two sequences per model: a leak of either would leave the later requests waiting forever.
    for (let i = 0; i < 3; i++) {
      for await (const chunk of chunksOf(await chat({ max_tokens: 200, stream: true }))) {
        if (chunk.choices !== undefined) break;
      }
    }
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const unread = chunksOf(await chat({ max_tokens: 200, stream: true }, controller.signal));
      controller.abort();
      const err = await rejection(
        (async () => {
          for await (const chunk of unread) void chunk;
        })(),
      );
      expect((err as Error).name).toBe("AbortError");
    }
    for (let i = 0; i < 3; i++) {
      const returned = chunksOf(await chat({ max_tokens: 200, stream: true }));
      await returned[Symbol.asyncIterator]().return?.();
    }
    const answers = await Promise.all([chat({ max_tokens: 4 }), chat({ max_tokens: 4 })]);
    for (const answer of answers) json(answer);
  });

  it("completes concurrent requests, queueing those beyond its parallel sequences", async () => {
    const started = performance.now();
    const [a, b] = await Promise.all([chat({ max_tokens: 32, temperature: 0 }), chat({ max_tokens: 32, temperature: 0 })]);
    const pairMs = performance.now() - started;
    for (const answer of [a, b]) expect((json(answer) as unknown as ChatCompletion).usage.completion_tokens).toBeGreaterThan(0);
    expect(pairMs).toBeLessThan(10_000);

    const mixed = await Promise.all([
      chat({ max_tokens: 16 }),
      collect(await chat({ max_tokens: 16, stream: true })),
      runtime.call("/v1/completions", { model: "demo", prompt: "the model", max_tokens: 16 }, never),
      runtime.call("/v1/embeddings", { model: "demo", input: ["hello", "world"] }, never),
      chat({ max_tokens: 16 }),
    ]);
    json(mixed[0] as DialectResponse);
    expect((mixed[1] as Chunk[]).at(-1)?.choices).toEqual([expect.objectContaining({ finish_reason: expect.any(String) })]);
    json(mixed[2] as DialectResponse);
    json(mixed[3] as DialectResponse);
    json(mixed[4] as DialectResponse);
  });
});

describe("embedded runtime limits and lifecycle", () => {
  let modelPath: string;

  beforeAll(async () => {
    modelPath = await writeDemoModel();
  });

  it("answers 503 when a model's queue is full, and serves again once a sequence is free", async () => {
    const runtime = createEmbeddedRuntime({ models: new Map([["demo", modelPath]]), threads: 1, parallel: 1, maxQueued: 0 });
    try {
      const holder = new AbortController();
      const held = await runtime.call("/v1/chat/completions", { model: "demo", messages: hello, stream: true }, holder.signal);
      const busy = json(await runtime.call("/v1/chat/completions", { model: "demo", messages: hello }, never), 503);
      expect(busy).toEqual({ error: { message: expect.stringContaining("busy"), type: "server_error", param: null, code: "runtime_busy" } });
      holder.abort();
      await rejection(collect(held));
      json(await runtime.call("/v1/chat/completions", { model: "demo", messages: hello, max_tokens: 2 }, never));
    } finally {
      await runtime.close();
    }
  });

  it("keeps at most maxLoadedModels loaded, and serves a model again after evicting it", async () => {
    const runtime = createEmbeddedRuntime({
      models: new Map([
        ["a", modelPath],
        ["b", modelPath],
      ]),
      threads: 1,
      maxLoadedModels: 1,
    });
    try {
      for (const model of ["a", "b", "a"]) {
        const body = json(await runtime.call("/v1/chat/completions", { model, messages: hello, max_tokens: 2 }, never));
        expect(body.model).toBe(model);
      }
      // Both at once: the busy one is evicted only when its request ends.
      const both = await Promise.all(["a", "b"].map((model) => runtime.call("/v1/chat/completions", { model, messages: hello, max_tokens: 8 }, never)));
      for (const answer of both) json(answer);
      const embedded = json(await runtime.call("/v1/embeddings", { model: "b", input: "hello" }, never));
      expect((embedded.data as unknown[]).length).toBe(1);
    } finally {
      await runtime.close();
    }
  });

  it("close() ends running streams and refuses further calls", async () => {
    const runtime = createEmbeddedRuntime({ models: new Map([["demo", modelPath]]), threads: 1 });
    const stream = chunksOf(await runtime.call("/v1/chat/completions", { model: "demo", messages: hello, max_tokens: 480, stream: true }, never));
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const closing = runtime.close();
    const ended = await rejection(
      (async () => {
        for (;;) if ((await iterator.next()).done === true) return;
      })(),
    );
    await closing;
    expect(ended).toBeInstanceOf(PerimeterError);
    expect((ended as PerimeterError).code).toBe("RUNTIME_UNREACHABLE");
    const after = await rejection(runtime.call("/v1/chat/completions", { model: "demo", messages: hello }, never));
    expect(after).toMatchObject({ code: "RUNTIME_UNREACHABLE", message: expect.stringContaining("closed") });
    await runtime.close();
  });
});
