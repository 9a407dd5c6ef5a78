// The embedded runtime: llama.cpp in-process through node-llama-cpp, answering the OpenAI dialect, so the
// gateway serves GGUF files with no inference server beside it. CPU only and prebuilt binaries only: it never
// downloads or compiles llama.cpp. Each served model keeps one context with a few parallel sequences; every
// request gets a fresh sequence (no shared history) and gives it back when it ends, is aborted or is read out.

import { randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type {
  ChatHistoryItem,
  ChatWrapper,
  LLamaContextualRepeatPenalty,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
} from "node-llama-cpp";
import { z } from "zod";
import { PerimeterError } from "../errors.js";
import { readGgufHeader, type GgufHeader } from "../formats/gguf.js";
import { toAbortSignal, type CallSignal, type DialectResponse, type OpenAIDialect, type OpenAIPath } from "./dialect.js";
import { MAX_GGUF_HEADER_BYTES } from "./embedded.js";

export interface EmbeddedRuntimeOptions {
  /** Served name → path of the GGUF file. */
  readonly models: ReadonlyMap<string, string>;
  /** Tokens each request may hold, prompt and answer together (capped at the model's training context). */
  readonly contextSize?: number;
  /** Models kept loaded at once; the least recently used one beyond this is disposed. */
  readonly maxLoadedModels?: number;
  /** CPU threads for evaluation. */
  readonly threads?: number;
  /** Requests one model generates for at the same time (sequences of its context). */
  readonly parallel?: number;
  /** Requests one model keeps waiting for a free sequence before it answers 503. */
  readonly maxQueued?: number;
}

export type EmbeddedRuntime = OpenAIDialect & {
  /** The names `call` answers for, in the order they were configured. */
  servedNames(): string[];
};

type NodeLlamaCpp = typeof import("node-llama-cpp");

interface Native {
  readonly lib: NodeLlamaCpp;
  readonly llama: Llama;
}

interface Settings {
  readonly contextSize: number;
  readonly maxLoadedModels: number;
  readonly threads: number;
  readonly parallel: number;
  readonly maxQueued: number;
}

const DEFAULT_CONTEXT_SIZE = 512;
const DEFAULT_MAX_LOADED_MODELS = 2;
const DEFAULT_PARALLEL = 2;
const DEFAULT_MAX_QUEUED = 64;
/** OpenAI's own limit on inputs in one embeddings request. */
const MAX_EMBEDDING_INPUTS = 2048;

export function createEmbeddedRuntime(options: EmbeddedRuntimeOptions): EmbeddedRuntime {
  const settings = resolveSettings(options);
  const paths = new Map(options.models);
  let closed = false;
  let native: Promise<Native> | undefined;
  /** Loaded models, least recently used first. */
  const loaded = new Map<string, ServedModel>();
  const loading = new Map<string, Promise<ServedModel>>();
  const jobs = new Set<Job>();
  const disposals = new Set<Promise<void>>();

  function startNative(): Promise<Native> {
    native ??= (async () => {
      const lib = await import("node-llama-cpp");
      const llama = await lib.getLlama({
        gpu: false,
        build: "never",
        skipDownload: true,
        progressLogs: false,
        maxThreads: settings.threads,
        logLevel: lib.LlamaLogLevel.error,
      });
      return { lib, llama };
    })();
    const started = native;
    // A llama.cpp that failed to start is tried again by the next request rather than cached as broken.
    started.catch(() => {
      if (native === started) native = undefined;
    });
    return started;
  }

  async function nativeOrThrow(): Promise<Native> {
    try {
      return await startNative();
    } catch (err) {
      throw new PerimeterError(
        "RUNTIME_UNREACHABLE",
        `the embedded llama.cpp runtime could not start: ${messageOf(err)}. It needs node-llama-cpp's prebuilt CPU binaries for this platform`,
        { cause: err },
      );
    }
  }

  async function load(name: string, path: string): Promise<ServedModel> {
    const { lib, llama } = await nativeOrThrow();
    let model: LlamaModel | undefined;
    try {
      await checkGgufFile(path);
      model = await llama.loadModel({ modelPath: path });
      const context = await model.createContext({
        contextSize: Math.min(settings.contextSize, model.trainContextSize),
        sequences: settings.parallel,
        threads: settings.threads,
        failedCreationRemedy: false,
      });
      const served: ServedModel = {
        name,
        lib,
        model,
        context,
        chatWrapper: lib.resolveChatWrapper(model),
        sequences: new SequencePool(context, settings.maxQueued),
        embedding: undefined,
        users: 0,
        evicted: false,
      };
      if (closed) {
        await disposeServed(served);
        throw closedError();
      }
      loaded.set(name, served);
      evictBeyondLimit(served);
      return served;
    } catch (err) {
      if (err instanceof PerimeterError) throw err;
      await model?.dispose().catch(() => undefined);
      throw new ModelLoadError(name, err);
    }
  }

  function evictBeyondLimit(keep: ServedModel): void {
    while (loaded.size > settings.maxLoadedModels) {
      const candidates = [...loaded.values()].filter((m) => m !== keep);
      // Prefer an idle model; a busy one is disposed when its last request ends.
      const victim = candidates.find((m) => m.users === 0) ?? candidates[0];
      if (victim === undefined) return;
      loaded.delete(victim.name);
      victim.evicted = true;
      if (victim.users === 0) trackDisposal(victim);
    }
  }

  function trackDisposal(served: ServedModel): void {
    const disposal = disposeServed(served).finally(() => disposals.delete(disposal));
    disposals.add(disposal);
  }

  /** The loaded model for `name`, counted as in use until the job is released. */
  async function useModel(name: string, job: Job): Promise<ServedModel> {
    const path = paths.get(name);
    if (path === undefined) {
      throw new EarlyAnswer(
        openAIError(404, `The model \`${name}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found", "model"),
      );
    }
    for (;;) {
      let served = loaded.get(name);
      if (served === undefined) {
        let pending = loading.get(name);
        if (pending === undefined) {
          pending = load(name, path).finally(() => loading.delete(name));
          loading.set(name, pending);
        }
        try {
          served = await pending;
        } catch (err) {
          if (err instanceof ModelLoadError) throw new EarlyAnswer(openAIError(500, err.message, "server_error", "model_load_failed", "model"));
          throw err;
        }
      }
      if (closed) throw closedError();
      // Evicted by another model's load while this request waited: look again.
      if (served.evicted) continue;
      loaded.delete(name);
      loaded.set(name, served);
      served.users++;
      const user = served;
      job.onRelease(() => {
        user.users--;
        if (user.evicted && user.users === 0) trackDisposal(user);
      });
      return served;
    }
  }

  function startJob(signal: AbortSignal): Job {
    if (closed) throw closedError();
    signal.throwIfAborted();
    const job = new Job(signal);
    jobs.add(job);
    job.onRelease(() => {
      jobs.delete(job);
    });
    return job;
  }

  /** Ends a job that did not get to answer normally: releases what it holds, then answers early or throws why. */
  async function settleJob(job: Job, err: unknown): Promise<DialectResponse> {
    await job.release();
    if (err instanceof EarlyAnswer) return err.response;
    throw explainFailure(job, err, closed);
  }

  async function acquireSequence(served: ServedModel, job: Job): Promise<LlamaContextSequence> {
    const sequence = await served.sequences.acquire(job.signal);
    if (sequence === null) {
      throw new EarlyAnswer(
        openAIError(
          503,
          `The model \`${served.name}\` is busy: ${settings.maxQueued} requests are already waiting for it. Retry shortly.`,
          "server_error",
          "runtime_busy",
          null,
        ),
      );
    }
    job.onRelease(() => served.sequences.release(sequence));
    return sequence;
  }

  async function chatCompletions(body: Record<string, unknown>, signal: AbortSignal): Promise<DialectResponse> {
    const parsed = parseRequest(chatRequestSchema, body);
    if (!parsed.ok) return parsed.response;
    const request = parsed.value;
    const job = startJob(signal);
    try {
      const served = await useModel(request.model, job);

      const history = toChatHistory(request.messages);
      if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
      const { contextText } = served.chatWrapper.generateContextState({ chatHistory: history });
      const promptTokens = contextText.tokenize(served.model.tokenizer).length;
      const maxTokens = completionBudget(served, promptTokens, request.max_completion_tokens ?? request.max_tokens, "messages");
      const sequence = await acquireSequence(served, job);

      const sampling = samplingOf(request);
      const generate: Generate = async (onText, generationSignal) => {
        const chat = new served.lib.LlamaChat({ contextSequence: sequence, chatWrapper: served.chatWrapper });
        let completionTokens = 0;
        try {
          const result = await chat.generateResponse(history, {
            ...sampling,
            maxTokens,
            signal: generationSignal,
            stopOnAbortSignal: false,
            // Thought segments count as generated tokens but only the answer is text for the client.
            onResponseChunk: (chunk) => {
              completionTokens += chunk.tokens.length;
              if (chunk.type === undefined && chunk.text !== "") onText(chunk.text);
            },
          });
          const hitLimit = result.metadata.stopReason === "maxTokens";
          return { text: result.response, completionTokens, finishReason: hitLimit ? "length" : "stop" };
        } finally {
          chat.dispose();
        }
      };
      const shape = chatShape(request.model, request.stream_options?.include_usage === true);
      return request.stream === true ? streamAnswer(job, generate, promptTokens, shape) : await jsonAnswer(job, generate, promptTokens, shape);
    } catch (err) {
      return await settleJob(job, err);
    }
  }

  async function completions(body: Record<string, unknown>, signal: AbortSignal): Promise<DialectResponse> {
    const parsed = parseRequest(completionRequestSchema, body);
    if (!parsed.ok) return parsed.response;
    const request = parsed.value;
    const prompt = typeof request.prompt === "string" ? request.prompt : request.prompt[0];
    const job = startJob(signal);
    try {
      const served = await useModel(request.model, job);

      // What LlamaCompletion evaluates: the beginning token when the model wants one, then the text as text.
      const beginning = beginningToken(served);
      const textTokens = served.model.tokenize(prompt, false, beginning === null ? undefined : "trimLeadingSpace");
      const promptTokens = textTokens.length + (beginning === null ? 0 : 1);
      if (promptTokens === 0) throw new EarlyAnswer(openAIError(400, "The prompt is empty.", "invalid_request_error", null, "prompt"));
      const maxTokens = completionBudget(served, promptTokens, request.max_tokens, "prompt");
      const sequence = await acquireSequence(served, job);

      const sampling = samplingOf(request);
      const generate: Generate = async (onText, generationSignal) => {
        const completion = new served.lib.LlamaCompletion({ contextSequence: sequence });
        let completionTokens = 0;
        try {
          const result = await completion.generateCompletionWithMeta(prompt, {
            ...sampling,
            maxTokens,
            signal: generationSignal,
            stopOnAbortSignal: false,
            // The prompt was checked to fit: never drop its beginning to make room.
            disableContextShift: true,
            contextShiftSize: 1,
            onToken: (tokens) => {
              completionTokens += tokens.length;
            },
            onTextChunk: (text) => {
              if (text !== "") onText(text);
            },
          });
          const hitLimit = result.metadata.stopReason === "maxTokens";
          return { text: result.response, completionTokens, finishReason: hitLimit ? "length" : "stop" };
        } finally {
          completion.dispose();
        }
      };
      const shape = completionShape(request.model, request.stream_options?.include_usage === true);
      return request.stream === true ? streamAnswer(job, generate, promptTokens, shape) : await jsonAnswer(job, generate, promptTokens, shape);
    } catch (err) {
      return await settleJob(job, err);
    }
  }

  async function embeddings(body: Record<string, unknown>, signal: AbortSignal): Promise<DialectResponse> {
    const parsed = parseRequest(embeddingRequestSchema, body);
    if (!parsed.ok) return parsed.response;
    const request = parsed.value;
    const inputs = typeof request.input === "string" ? [request.input] : request.input;
    const job = startJob(signal);
    try {
      const served = await useModel(request.model, job);

      const size = served.model.embeddingVectorSize;
      if (request.dimensions != null && request.dimensions !== size) {
        throw new EarlyAnswer(
          openAIError(
            400,
            `The model \`${served.name}\` gives ${size}-dimensional embeddings; it cannot give ${request.dimensions}.`,
            "invalid_request_error",
            null,
            "dimensions",
          ),
        );
      }
      let context: LlamaEmbeddingContext;
      try {
        served.embedding ??= served.model.createEmbeddingContext({ contextSize: served.context.contextSize, threads: settings.threads });
        context = await served.embedding;
      } catch (err) {
        served.embedding = undefined;
        throw new EarlyAnswer(
          openAIError(
            500,
            `The model \`${served.name}\` cannot compute embeddings in the embedded runtime: ${messageOf(err)}`,
            "server_error",
            "embeddings_unsupported",
            "model",
          ),
        );
      }
      const lengths = inputs.map((input) => context.calculateInputLength(input));
      const tooLong = lengths.findIndex((length) => length >= served.context.contextSize);
      if (tooLong !== -1) {
        throw new EarlyAnswer(
          openAIError(
            400,
            `This model's maximum context length is ${served.context.contextSize} tokens, however input ${tooLong} has ${lengths[tooLong]} tokens. Shorten the input.`,
            "invalid_request_error",
            "context_length_exceeded",
            "input",
          ),
        );
      }
      const data: Record<string, unknown>[] = [];
      for (const [index, input] of inputs.entries()) {
        job.signal.throwIfAborted();
        const { vector } = await context.getEmbeddingFor(input);
        data.push({ object: "embedding", index, embedding: request.encoding_format === "base64" ? base64Floats(vector) : [...vector] });
      }
      await job.release();
      const promptTokens = lengths.reduce((sum, n) => sum + n, 0);
      return {
        kind: "json",
        status: 200,
        body: { object: "list", data, model: request.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } },
      };
    } catch (err) {
      return await settleJob(job, err);
    }
  }

  /** How many tokens the answer may have: what was asked, cut to what fits beside the prompt. */
  function completionBudget(served: ServedModel, promptTokens: number, requested: number | null | undefined, param: string): number {
    const contextSize = served.context.contextSize;
    // llama.cpp keeps one cell free, and the answer needs at least one token.
    const room = contextSize - promptTokens - 1;
    if (room < 1) {
      throw new EarlyAnswer(
        openAIError(
          400,
          `This model's maximum context length is ${contextSize} tokens. However, your ${param} resulted in ${promptTokens} tokens. Shorten the ${param}.`,
          "invalid_request_error",
          "context_length_exceeded",
          param,
        ),
      );
    }
    // More than fits is cut to what fits (finish_reason "length"), as llama.cpp's server does.
    return Math.min(requested ?? room, room);
  }

  return {
    async call(path: OpenAIPath, body: Record<string, unknown>, cancel: CallSignal): Promise<DialectResponse> {
      const signal = toAbortSignal(cancel);
      switch (path) {
        case "/v1/chat/completions":
          return chatCompletions(body, signal);
        case "/v1/completions":
          return completions(body, signal);
        case "/v1/embeddings":
          return embeddings(body, signal);
        default:
          return openAIError(404, `The embedded runtime does not serve ${String(path)}.`, "invalid_request_error", "unknown_url", null);
      }
    },

    servedNames: () => [...paths.keys()],

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const closing = new PerimeterError("RUNTIME_UNREACHABLE", "the embedded runtime was closed while the request ran");
      for (const job of jobs) job.abort(closing);
      await Promise.allSettled([...loading.values()]);
      await Promise.allSettled([...jobs].map((job) => job.released));
      for (const served of loaded.values()) {
        served.evicted = true;
        trackDisposal(served);
      }
      loaded.clear();
      await Promise.allSettled([...disposals]);
      const started = native;
      native = undefined;
      if (started !== undefined) await started.then(({ llama }) => llama.dispose()).catch(() => undefined);
    },
  };
}

function resolveSettings(options: EmbeddedRuntimeOptions): Settings {
  const check = (name: string, value: number | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min) {
      throw new PerimeterError("CONFIG_INVALID", `the embedded runtime's ${name} must be an integer of at least ${min}, got ${value}`);
    }
    return value;
  };
  // The answer generates one token at a time, which is memory-bound: past a few threads they only spin, and on a
  // small machine one core is left for the gateway itself.
  const defaultThreads = Math.max(1, Math.min(8, availableParallelism() - 1));
  return {
    contextSize: check("contextSize", options.contextSize, DEFAULT_CONTEXT_SIZE, 16),
    maxLoadedModels: check("maxLoadedModels", options.maxLoadedModels, DEFAULT_MAX_LOADED_MODELS, 1),
    threads: check("threads", options.threads, defaultThreads, 1),
    parallel: check("parallel", options.parallel, DEFAULT_PARALLEL, 1),
    maxQueued: check("maxQueued", options.maxQueued, DEFAULT_MAX_QUEUED, 0),
  };
}

interface ServedModel {
  readonly name: string;
  readonly lib: NodeLlamaCpp;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly chatWrapper: ChatWrapper;
  readonly sequences: SequencePool;
  embedding: Promise<LlamaEmbeddingContext> | undefined;
  /** Requests holding this model; an evicted model is disposed when the last one ends. */
  users: number;
  evicted: boolean;
}

async function disposeServed(served: ServedModel): Promise<void> {
  served.sequences.close();
  const embedding = served.embedding;
  served.embedding = undefined;
  if (embedding !== undefined) await embedding.then((e) => e.dispose()).catch(() => undefined);
  await served.context.dispose().catch(() => undefined);
  await served.model.dispose().catch(() => undefined);
}

/**
 * Reads the file's header with Perimeter's own bounded parser before llama.cpp sees it: node-llama-cpp's
 * reader takes a malformed header at its word (a bogus version or count) and can spin allocating gigabytes.
 */
async function checkGgufFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.alloc(Math.min(size, MAX_GGUF_HEADER_BYTES));
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    let header: GgufHeader;
    try {
      header = readGgufHeader(bytes.subarray(0, filled));
    } catch (err) {
      const partial = filled < size ? ` (its first ${MAX_GGUF_HEADER_BYTES / (1024 * 1024)} MiB were read)` : "";
      throw new Error(`its GGUF header does not read${partial}: ${messageOf(err)}`, { cause: err });
    }
    const dataEnd = header.tensors.reduce((end, t) => Math.max(end, t.offset + t.byteLength), 0);
    if (header.dataOffset + dataEnd > size) {
      throw new Error(`the file is truncated: its tensors end at byte ${header.dataOffset + dataEnd} but it has ${size} bytes`);
    }
  } finally {
    await handle.close();
  }
}

class ModelLoadError extends Error {
  constructor(name: string, cause: unknown) {
    super(`The model \`${name}\` could not be loaded by the embedded runtime: ${messageOf(cause)}. Check that its file is a GGUF llama.cpp can read.`, {
      cause,
    });
    this.name = "ModelLoadError";
  }
}

/**
 * Hands out a context's sequences one request at a time: a request waits (in order, up to `maxQueued`) for a
 * free one, and each sequence is disposed on return so the next request starts with an empty history.
 */
class SequencePool {
  private idle: number;
  private readonly waiting: { grant(): void; refuse(reason: unknown): void }[] = [];

  constructor(
    private readonly context: LlamaContext,
    private readonly maxQueued: number,
  ) {
    this.idle = context.totalSequences;
  }

  /** A fresh sequence, or null when too many requests already wait; rejects with the signal's reason on abort. */
  async acquire(signal: AbortSignal): Promise<LlamaContextSequence | null> {
    signal.throwIfAborted();
    if (this.idle > 0) {
      this.idle--;
    } else {
      if (this.waiting.length >= this.maxQueued) return null;
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const at = this.waiting.indexOf(waiter);
          if (at !== -1) this.waiting.splice(at, 1);
          reject(signal.reason);
        };
        const waiter = {
          grant: (): void => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          },
          refuse: (reason: unknown): void => {
            signal.removeEventListener("abort", onAbort);
            reject(reason);
          },
        };
        signal.addEventListener("abort", onAbort, { once: true });
        this.waiting.push(waiter);
      });
    }
    try {
      return this.context.getSequence();
    } catch (err) {
      this.handOn();
      throw err;
    }
  }

  async release(sequence: LlamaContextSequence): Promise<void> {
    try {
      // Disposing clears the sequence's cells, so whoever gets it next starts empty.
      await sequence.dispose();
    } finally {
      this.handOn();
    }
  }

  close(): void {
    for (const waiter of this.waiting.splice(0))
      waiter.refuse(new PerimeterError("RUNTIME_UNREACHABLE", "the model was unloaded while the request waited for it"));
  }

  private handOn(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.idle++;
    else next.grant();
  }
}

/**
 * One request's hold on the runtime: what it acquired (model, sequence), released once, in reverse order.
 * Aborting the caller's signal (or closing the runtime) releases it as soon as its generation has stopped,
 * so a stream nobody reads does not keep its sequence.
 */
class Job {
  readonly signal: AbortSignal;
  /** Settles when everything the job held has been given back. */
  readonly released: Promise<void>;
  private readonly controller = new AbortController();
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private generation: Promise<unknown> | undefined;
  private releasing: Promise<void> | undefined;
  private markReleased: () => void = () => undefined;

  constructor(readonly callerSignal: AbortSignal) {
    this.released = new Promise<void>((resolve) => {
      this.markReleased = resolve;
    });
    this.signal = AbortSignal.any([callerSignal, this.controller.signal]);
    this.signal.addEventListener(
      "abort",
      () => {
        void (this.generation ?? Promise.resolve()).then(() => this.release());
      },
      { once: true },
    );
  }

  /** Registers what to give back; after the release (an abort raced the acquisition) it is given back at once. */
  onRelease(cleanup: () => Promise<void> | void): void {
    if (this.releasing === undefined) this.cleanups.push(cleanup);
    else void runQuietly(cleanup);
  }

  /** Records the running generation, so a release on abort waits for it to stop before freeing its sequence. */
  track<T>(generation: Promise<T>): Promise<T> {
    this.generation = generation.catch(() => undefined);
    return generation;
  }

  abort(reason: unknown): void {
    this.controller.abort(reason);
  }

  release(): Promise<void> {
    this.releasing ??= (async () => {
      for (const cleanup of this.cleanups.splice(0).reverse()) await runQuietly(cleanup);
      this.markReleased();
    })();
    return this.releasing;
  }
}

async function runQuietly(cleanup: () => Promise<void> | void): Promise<void> {
  try {
    await cleanup();
  } catch {
    // A sequence or model that fails to dispose is gone either way; the request's answer stands.
  }
}

function explainFailure(job: Job, err: unknown, closed: boolean): unknown {
  if (job.callerSignal.aborted) return job.callerSignal.reason;
  if (err instanceof PerimeterError) return err;
  if (closed) return closedError();
  return new PerimeterError("RUNTIME_UNREACHABLE", `the embedded llama.cpp runtime failed while answering: ${messageOf(err)}`, { cause: err });
}

function closedError(): PerimeterError {
  return new PerimeterError("RUNTIME_UNREACHABLE", "the embedded runtime is closed");
}

// ---- generation and the answer shapes ----

interface Outcome {
  readonly text: string;
  readonly completionTokens: number;
  readonly finishReason: "stop" | "length";
}

type Generate = (onText: (text: string) => void, signal: AbortSignal) => Promise<Outcome>;

interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/** How one endpoint spells its answer, whole and in chunks. */
interface AnswerShape {
  readonly includeUsage: boolean;
  whole(outcome: Outcome, usage: Usage): Record<string, unknown>;
  first(): Record<string, unknown> | null;
  text(text: string): Record<string, unknown>;
  finish(reason: Outcome["finishReason"]): Record<string, unknown>;
  usage(usage: Usage): Record<string, unknown>;
}

function chatShape(model: string, includeUsage: boolean): AnswerShape {
  const id = `chatcmpl-${randomBytes(12).toString("hex")}`;
  const created = Math.floor(Date.now() / 1000);
  // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
  const chunk = (choices: unknown[], usage: Usage | null = null): Record<string, unknown> => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices,
    ...(includeUsage ? { usage } : {}),
  });
  return {
    includeUsage,
    whole: (outcome, usage) => ({
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: outcome.text }, logprobs: null, finish_reason: outcome.finishReason }],
      usage,
    }),
    first: () => chunk([{ index: 0, delta: { role: "assistant" }, logprobs: null, finish_reason: null }]),
    text: (text) => chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]),
    finish: (reason) => chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: reason }]),
    usage: (usage) => chunk([], usage),
  };
}

function completionShape(model: string, includeUsage: boolean): AnswerShape {
  const id = `cmpl-${randomBytes(12).toString("hex")}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], usage: Usage | null = null): Record<string, unknown> => ({
    id,
    object: "text_completion",
    created,
    model,
    choices,
    ...(includeUsage ? { usage } : {}),
  });
  return {
    includeUsage,
    whole: (outcome, usage) => ({
      id,
      object: "text_completion",
      created,
      model,
      choices: [{ text: outcome.text, index: 0, logprobs: null, finish_reason: outcome.finishReason }],
      usage,
    }),
    first: () => null,
    text: (text) => chunk([{ text, index: 0, logprobs: null, finish_reason: null }]),
    finish: (reason) => chunk([{ text: "", index: 0, logprobs: null, finish_reason: reason }]),
    usage: (usage) => chunk([], usage),
  };
}

function usageOf(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

async function jsonAnswer(job: Job, generate: Generate, promptTokens: number, shape: AnswerShape): Promise<DialectResponse> {
  try {
    job.signal.throwIfAborted();
    const outcome = await job.track(generate(() => undefined, job.signal));
    return { kind: "json", status: 200, body: shape.whole(outcome, usageOf(promptTokens, outcome.completionTokens)) };
  } finally {
    await job.release();
  }
}

/**
 * Generation starts when the caller first reads. The sequence is given back when the stream ends, when the
 * caller stops reading (`return`), or when the signal aborts; an aborted stream throws the signal's reason.
 */
function streamAnswer(job: Job, generate: Generate, promptTokens: number, shape: AnswerShape): DialectResponse {
  let started = false;
  async function* chunks(): AsyncGenerator<Record<string, unknown>> {
    const pieces: string[] = [];
    let wake: (() => void) | undefined;
    let settled = false;
    let outcome: Outcome | undefined;
    let failure: unknown;
    let generation: Promise<unknown> | undefined;
    try {
      job.signal.throwIfAborted();
      generation = job
        .track(
          generate((text) => {
            pieces.push(text);
            wake?.();
          }, job.signal),
        )
        .then(
          (result) => {
            outcome = result;
          },
          (err: unknown) => {
            failure = err;
          },
        );
      void generation.finally(() => {
        settled = true;
        wake?.();
      });
      const first = shape.first();
      if (first !== null) yield first;
      for (;;) {
        // An aborted caller gets the abort at its next read, not the text that was still queued.
        job.signal.throwIfAborted();
        const piece = pieces.shift();
        if (piece !== undefined) {
          yield shape.text(piece);
          continue;
        }
        if (settled) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (outcome === undefined) throw failure;
      yield shape.finish(outcome.finishReason);
      if (shape.includeUsage) yield shape.usage(usageOf(promptTokens, outcome.completionTokens));
    } catch (err) {
      throw explainFailure(job, err, false);
    } finally {
      // The caller may have stopped early: stop generating before the sequence goes back.
      if (!settled) job.abort(new DOMException("the stream's reader stopped", "AbortError"));
      await generation;
      await job.release();
    }
  }
  const iterable: AsyncIterable<Record<string, unknown>> = {
    [Symbol.asyncIterator](): AsyncIterator<Record<string, unknown>> {
      if (started) throw new Error("an embedded runtime stream can be read only once");
      started = true;
      const inner = chunks();
      return {
        next: () => inner.next(),
        // A generator returned before its first read never runs its `finally`: release here as well.
        return: async (value?: unknown) => {
          const result = await inner.return(value as never);
          await job.release();
          return result;
        },
        throw: async (err?: unknown) => {
          try {
            return await inner.throw(err);
          } finally {
            await job.release();
          }
        },
      };
    },
  };
  return { kind: "stream", chunks: iterable };
}

// ---- request bodies ----

const samplingFields = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  frequency_penalty: z.number().min(0, "negative penalties are not supported by the embedded runtime").max(2).nullish(),
  presence_penalty: z.number().min(0, "negative penalties are not supported by the embedded runtime").max(2).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).loose().nullish(),
  n: z.literal(1, "the embedded runtime answers one choice per request").nullish(),
  logprobs: absentOr(false, "logprobs are not supported by the embedded runtime"),
};

/** A field the embedded runtime cannot honour: accepted only when absent, null, empty or `allowed`. */
function absentOr(allowed: unknown, message: string): z.ZodType<unknown> {
  return z
    .unknown()
    .refine((v) => v === undefined || v === null || v === allowed || (Array.isArray(v) && v.length === 0), message)
    .optional();
}

const textPartSchema = z.object({ type: z.literal("text", "only text content parts are supported"), text: z.string() }).loose();

const messageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant"], "role must be system, developer, user or assistant (tools are not supported)"),
    content: z.union([z.string(), z.array(textPartSchema)], "content must be a string or an array of text parts").nullish(),
    tool_calls: absentOr(undefined, "tool calls are not supported by the embedded runtime"),
    function_call: absentOr(undefined, "function calls are not supported by the embedded runtime"),
  })
  .loose()
  .refine((m) => m.role === "assistant" || (m.content !== undefined && m.content !== null), { message: "content is required", path: ["content"] });

const chatRequestSchema = z
  .object({
    ...samplingFields,
    messages: z.array(messageSchema).min(1),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    tools: absentOr(undefined, "tools are not supported by the embedded runtime"),
    functions: absentOr(undefined, "functions are not supported by the embedded runtime"),
    tool_choice: absentOr("none", "tools are not supported by the embedded runtime"),
    top_logprobs: absentOr(0, "logprobs are not supported by the embedded runtime"),
    response_format: z
      .object({ type: z.literal("text", "only the text response format is supported by the embedded runtime") })
      .loose()
      .nullish(),
  })
  .loose();

const completionRequestSchema = z
  .object({
    ...samplingFields,
    prompt: z.union([z.string(), z.tuple([z.string()])]),
    max_tokens: z.number().int().positive().nullish(),
    echo: absentOr(false, "echo is not supported by the embedded runtime"),
    suffix: absentOr("", "suffix is not supported by the embedded runtime"),
    best_of: absentOr(1, "best_of is not supported by the embedded runtime"),
    logprobs: absentOr(0, "logprobs are not supported by the embedded runtime"),
  })
  .loose();

const embeddingRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.union(
      [z.string().min(1), z.array(z.string().min(1)).min(1).max(MAX_EMBEDDING_INPUTS)],
      "input must be a non-empty string or array of non-empty strings",
    ),
    encoding_format: z.enum(["float", "base64"]).nullish(),
    dimensions: z.number().int().positive().nullish(),
  })
  .loose();

type ChatRequest = z.infer<typeof chatRequestSchema>;
type CompletionRequest = z.infer<typeof completionRequestSchema>;

function parseRequest<T>(schema: z.ZodType<T>, body: Record<string, unknown>): { ok: true; value: T } | { ok: false; response: DialectResponse } {
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues;
  const param = issues[0]?.path.join(".") ?? "";
  const message = issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`).join("; ");
  return { ok: false, response: openAIError(400, `Invalid request: ${message}`, "invalid_request_error", null, param === "" ? null : param) };
}

function toChatHistory(messages: ChatRequest["messages"]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    const content = message.content ?? "";
    const text = typeof content === "string" ? content : content.map((part) => part.text).join("\n");
    switch (message.role) {
      case "system":
      case "developer":
        return { type: "system", text };
      case "user":
        return { type: "user", text };
      case "assistant":
        return { type: "model", response: [text] };
      default: {
        const role: never = message.role;
        throw new Error(`unknown message role ${String(role)}`);
      }
    }
  });
}

interface Sampling {
  readonly temperature: number;
  readonly topP?: number;
  readonly seed?: number;
  readonly customStopTriggers?: string[];
  readonly repeatPenalty: false | LLamaContextualRepeatPenalty;
}

function samplingOf(request: ChatRequest | CompletionRequest): Sampling {
  const stops = (typeof request.stop === "string" ? [request.stop] : (request.stop ?? [])).filter((s) => s !== "");
  const frequencyPenalty = request.frequency_penalty ?? 0;
  const presencePenalty = request.presence_penalty ?? 0;
  return {
    // OpenAI's default temperature; node-llama-cpp's own default (0) would make every answer greedy.
    temperature: request.temperature ?? 1,
    ...(request.top_p != null ? { topP: request.top_p } : {}),
    // llama.cpp takes a 32-bit seed; OpenAI's is any integer.
    ...(request.seed != null ? { seed: Number(BigInt.asUintN(32, BigInt(request.seed))) } : {}),
    ...(stops.length > 0 ? { customStopTriggers: stops } : {}),
    // OpenAI applies no repetition penalty unless asked; node-llama-cpp applies one by default.
    repeatPenalty: frequencyPenalty === 0 && presencePenalty === 0 ? false : { penalty: 1, frequencyPenalty, presencePenalty },
  };
}

/** The token LlamaCompletion puts before the prompt, as node-llama-cpp's resolveBeginningTokenToPrepend decides. */
function beginningToken(served: ServedModel): number | null {
  const { LlamaVocabularyType } = served.lib;
  const type = served.model.vocabularyType;
  if (type === LlamaVocabularyType.rwkv || type === LlamaVocabularyType.ugm) return null;
  const bos = served.model.tokens.bos;
  if (type === LlamaVocabularyType.wpm || served.model.tokens.shouldPrependBosToken) return bos;
  return null;
}

function base64Floats(vector: readonly number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString("base64");
}

function openAIError(status: number, message: string, type: string, code: string | null, param: string | null): DialectResponse {
  return { kind: "json", status, body: { error: { message, type, param, code } } };
}

/** An OpenAI error answer decided before generation; thrown to unwind the request's holds on the way out. */
class EarlyAnswer {
  constructor(readonly response: DialectResponse) {}
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
