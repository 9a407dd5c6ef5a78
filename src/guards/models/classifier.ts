import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Tokenizer } from "@huggingface/tokenizers";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { PerimeterError } from "../../errors.js";
import type { GuardModel, GuardModelInput, GuardModelVerdict } from "../types.js";
import { isRecord, jsonHttp, notAVerdict } from "./common.js";

// A Prompt Guard-style sequence classifier: text in, a probability per label out. Served over HTTP by Hugging
// Face text-embeddings-inference (POST /predict), or run in-process from an ONNX export with onnxruntime-node.
// The model sees at most 512 tokens, so long text is judged in overlapping windows and the verdict is the
// window with the highest unsafe score: Prompt Guard's own advice for long inputs.

export interface ClassifierOptions {
  readonly name: string;
  /** The labels that mean unsafe, as the model names them: Prompt Guard 1's INJECTION and JAILBREAK, Prompt Guard 2's LABEL_1. */
  readonly unsafeLabels: readonly string[];
  /** A window whose unsafe probabilities sum to this or more is unsafe. Default 0.5. */
  readonly threshold?: number;
  /** Longer text is refused (GUARD_UNAVAILABLE, a deny) rather than judged in part. Default 100 000 characters. */
  readonly maxTextChars?: number;
}

export interface TeiClassifierOptions extends ClassifierOptions {
  /** text-embeddings-inference's base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** Per request. Default 10 s. */
  readonly timeoutMs?: number;
  /** Characters per window; TEI truncates each to the model's length, so keep it under 512 tokens' worth. Default 1200. */
  readonly windowChars?: number;
}

export interface OnnxClassifierOptions extends ClassifierOptions {
  /** A directory with model.onnx, tokenizer.json, config.json (with id2label) and, optionally, tokenizer_config.json. */
  readonly dir: string;
  /** Tokens per window, special tokens included; capped by config.json's max_position_embeddings. Default 512. */
  readonly maxTokens?: number;
  /** onnxruntime's intra-op threads. Default: onnxruntime's choice. */
  readonly threads?: number;
}

const DEFAULT_THRESHOLD = 0.5;
const DEFAULT_MAX_TEXT_CHARS = 100_000;
const DEFAULT_WINDOW_CHARS = 1200;
const DEFAULT_MAX_TOKENS = 512;

interface Settings {
  readonly name: string;
  readonly unsafe: readonly string[];
  readonly threshold: number;
  readonly maxTextChars: number;
}

function settingsOf(options: ClassifierOptions): Settings {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const maxTextChars = options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;
  if (options.unsafeLabels.length === 0 || !(threshold > 0 && threshold <= 1) || !(Number.isSafeInteger(maxTextChars) && maxTextChars > 0)) {
    throw new PerimeterError(
      "CONFIG_INVALID",
      `classifier guard "${options.name}" needs at least one unsafe label, a threshold in (0, 1] and a positive maxTextChars`,
    );
  }
  return { name: options.name, unsafe: options.unsafeLabels, threshold, maxTextChars };
}

/** One window's probabilities, by label. */
type Scores = ReadonlyMap<string, number>;

/**
 * The texts judged: for input the user's and the tools' messages (where injections arrive; system prompts are
 * instruction-like by nature and would read as injections), for output the answer.
 */
function judgedTexts(settings: Settings, input: GuardModelInput): string[] {
  const texts =
    input.direction === "output"
      ? input.messages.slice(-1).map((m) => m.content)
      : input.messages.filter((m) => m.role === "user" || m.role === "tool").map((m) => m.content);
  const total = texts.reduce((n, t) => n + t.length, 0);
  if (total > settings.maxTextChars) {
    throw new PerimeterError(
      "GUARD_UNAVAILABLE",
      `classifier guard "${settings.name}" judges at most ${settings.maxTextChars} characters and was given ${total}, so the request was refused; raise its maxTextChars if texts this long are expected`,
      { details: { guard: settings.name } },
    );
  }
  return texts;
}

/** The verdict of the window with the highest unsafe score. */
function verdictOf(settings: Settings, windows: readonly Scores[]): GuardModelVerdict {
  let best = 0;
  let label: string | undefined;
  for (const scores of windows) {
    let sum = 0;
    let top: string | undefined;
    for (const l of settings.unsafe) {
      const p = scores.get(l) ?? 0;
      sum += p;
      if (top === undefined || p > (scores.get(top) ?? 0)) top = l;
    }
    if (sum > best || label === undefined) {
      best = sum;
      label = top;
    }
  }
  const score = Math.min(1, best);
  if (score < settings.threshold || label === undefined) return { safe: true, categories: [], score };
  return { safe: false, categories: [label], score };
}

/** Overlapping windows of `size` with a stride of seven eighths, so a phrase cut by one edge is whole in the next window. */
function windowStarts(length: number, size: number): number[] {
  if (length <= size) return [0];
  const stride = Math.max(1, size - Math.floor(size / 8));
  const starts: number[] = [];
  for (let at = 0; ; at += stride) {
    if (at + size >= length) {
      starts.push(Math.max(0, length - size));
      return starts;
    }
    starts.push(at);
  }
}

// --- text-embeddings-inference --------------------------------------------------------------------------

export function teiClassifier(options: TeiClassifierOptions): GuardModel {
  const settings = settingsOf(options);
  const windowChars = options.windowChars ?? DEFAULT_WINDOW_CHARS;
  const http = jsonHttp(options.name, "text-embeddings-inference", {
    url: options.url,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxBytes: 1024 * 1024,
  });
  const format = "text-embeddings-inference's /predict answer (a list of labels and scores)";
  return {
    name: options.name,
    kind: "classifier",
    async judge(input, signal) {
      const windows: Scores[] = [];
      for (const text of judgedTexts(settings, input)) {
        for (const start of windowStarts(text.length, windowChars)) {
          const window = sliceWhole(text, start, start + windowChars);
          const { status, json } = await http.post("/predict", { inputs: window, truncate: true, raw_scores: false }, signal);
          if (status < 200 || status >= 300) {
            const said = isRecord(json) && typeof json["error"] === "string" ? `: ${JSON.stringify(json["error"].slice(0, 200))}` : "";
            throw new PerimeterError("GUARD_UNAVAILABLE", `classifier guard "${options.name}" answered /predict with HTTP ${status}${said}`, {
              details: { guard: options.name, status },
            });
          }
          windows.push(teiScores(options.name, settings, json, format));
        }
      }
      return verdictOf(settings, windows);
    },
    close: () => http.close(),
  };
}

function teiScores(guard: string, settings: Settings, json: unknown, format: string): Scores {
  if (!Array.isArray(json) || json.length === 0) throw notAVerdict(guard, format, JSON.stringify(json ?? null));
  const scores = new Map<string, number>();
  for (const item of json) {
    if (!isRecord(item) || typeof item["label"] !== "string" || typeof item["score"] !== "number" || !(item["score"] >= 0 && item["score"] <= 1)) {
      throw notAVerdict(guard, format, JSON.stringify(json));
    }
    scores.set(item["label"], item["score"]);
  }
  const missing = settings.unsafe.filter((l) => !scores.has(l));
  if (missing.length > 0) {
    throw new PerimeterError(
      "GUARD_UNAVAILABLE",
      `classifier guard "${guard}" answered without the label(s) ${missing.join(", ")} it is configured to treat as unsafe; its labels are ${[...scores.keys()].join(", ")}`,
      { details: { guard } },
    );
  }
  return scores;
}

/** `text.slice(start, end)` moved off the middle of a surrogate pair at either end. */
function sliceWhole(text: string, start: number, end: number): string {
  const isLow = (i: number): boolean => i > 0 && i < text.length && (text.charCodeAt(i) & 0xfc00) === 0xdc00;
  const from = isLow(start) ? start - 1 : start;
  const to = isLow(end) ? end - 1 : end;
  return text.slice(from, to);
}

// --- ONNX ------------------------------------------------------------------------------------------------

type Ort = typeof import("onnxruntime-node");

interface Loaded {
  readonly ort: Ort;
  readonly session: InferenceSession;
  readonly tokenizer: Tokenizer;
  readonly labels: readonly string[];
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
  readonly bodyTokens: number;
  readonly output: string;
}

export function onnxClassifier(options: OnnxClassifierOptions): GuardModel {
  const settings = settingsOf(options);
  let loading: Promise<Loaded> | undefined;

  function load(): Promise<Loaded> {
    loading ??= loadOnnx(options, settings);
    const started = loading;
    // A load that failed (a file being copied in) is tried again by the next judgement.
    started.catch(() => {
      if (loading === started) loading = undefined;
    });
    return started;
  }

  return {
    name: options.name,
    kind: "classifier",
    async judge(input, signal) {
      const texts = judgedTexts(settings, input);
      const model = await load();
      const windows: Scores[] = [];
      for (const text of texts) {
        const ids = model.tokenizer.encode(text, { add_special_tokens: false }).ids;
        for (const start of windowStarts(ids.length, model.bodyTokens)) {
          // onnxruntime cannot stop a run midway; an abort takes effect between windows.
          if (signal.aborted) throw signal.reason;
          const window = [...model.prefix, ...ids.slice(start, start + model.bodyTokens), ...model.suffix];
          windows.push(await runWindow(options.name, model, window));
        }
      }
      return verdictOf(settings, windows);
    },
    async close() {
      const started = loading;
      loading = undefined;
      if (started !== undefined) await (await started.catch(() => undefined))?.session.release();
    },
  };
}

async function loadOnnx(options: OnnxClassifierOptions, settings: Settings): Promise<Loaded> {
  const where = `classifier guard "${options.name}" (${options.dir})`;
  let config: unknown;
  let tokenizerJson: unknown;
  let tokenizerConfig: unknown = {};
  try {
    config = JSON.parse(await readFile(join(options.dir, "config.json"), "utf8"));
    tokenizerJson = JSON.parse(await readFile(join(options.dir, "tokenizer.json"), "utf8"));
  } catch (err) {
    throw new PerimeterError("CONFIG_INVALID", `${where} cannot read its config.json and tokenizer.json: ${(err as Error).message}`, { cause: err });
  }
  try {
    tokenizerConfig = JSON.parse(await readFile(join(options.dir, "tokenizer_config.json"), "utf8"));
  } catch {
    // Optional: tokenizer.json alone describes the tokenizer; this file only adds settings.
  }
  const labels = labelsOf(config);
  if (labels === undefined) throw new PerimeterError("CONFIG_INVALID", `${where}: config.json has no id2label numbered 0…n-1`);
  const unknown = settings.unsafe.filter((l) => !labels.includes(l));
  if (unknown.length > 0) {
    throw new PerimeterError("CONFIG_INVALID", `${where}: the unsafe label(s) ${unknown.join(", ")} are not the model's; its labels are ${labels.join(", ")}`);
  }
  const positions = isRecord(config) && typeof config["max_position_embeddings"] === "number" ? config["max_position_embeddings"] : DEFAULT_MAX_TOKENS;
  const maxTokens = Math.min(options.maxTokens ?? DEFAULT_MAX_TOKENS, positions);

  const { Tokenizer } = await import("@huggingface/tokenizers");
  const tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig as object);
  // The post-processor's special tokens around an empty text ([CLS] [SEP] for DeBERTa) frame every window.
  const specials = tokenizer.encode("", { add_special_tokens: true }).ids;
  if (specials.length > 2)
    throw new PerimeterError("CONFIG_INVALID", `${where}: its tokenizer adds ${specials.length} special tokens to a text; 0 to 2 are supported`);
  const prefix = specials.slice(0, 1);
  const suffix = specials.slice(1);
  const bodyTokens = maxTokens - specials.length;
  if (bodyTokens < 1) throw new PerimeterError("CONFIG_INVALID", `${where}: maxTokens ${maxTokens} leaves no room for text`);

  let ort: Ort;
  try {
    ort = await import("onnxruntime-node");
  } catch (err) {
    throw new PerimeterError("CONFIG_INVALID", `${where} needs onnxruntime-node, which cannot be loaded here: ${(err as Error).message}`, { cause: err });
  }
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(join(options.dir, "model.onnx"), {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    });
  } catch (err) {
    throw new PerimeterError("CONFIG_INVALID", `${where}: onnxruntime cannot load model.onnx: ${(err as Error).message}`, { cause: err });
  }
  const unsupported = session.inputNames.filter((n) => !["input_ids", "attention_mask", "token_type_ids"].includes(n));
  if (!session.inputNames.includes("input_ids") || unsupported.length > 0) {
    await session.release();
    throw new PerimeterError(
      "CONFIG_INVALID",
      `${where}: model.onnx takes ${session.inputNames.join(", ")}; a sequence classifier takes input_ids and optionally attention_mask and token_type_ids`,
    );
  }
  const output = session.outputNames.includes("logits") ? "logits" : (session.outputNames[0] as string);
  return { ort, session, tokenizer, labels, prefix, suffix, bodyTokens, output };
}

async function runWindow(guard: string, model: Loaded, ids: readonly number[]): Promise<Scores> {
  const { Tensor: OrtTensor } = model.ort;
  const shape = [1, ids.length];
  const feeds: Record<string, Tensor> = {};
  for (const name of model.session.inputNames) {
    const data = name === "input_ids" ? BigInt64Array.from(ids, BigInt) : new BigInt64Array(ids.length).fill(name === "attention_mask" ? 1n : 0n);
    feeds[name] = new OrtTensor("int64", data, shape);
  }
  const results = await model.session.run(feeds);
  const logits = results[model.output];
  if (logits === undefined || !(logits.data instanceof Float32Array) || logits.data.length !== model.labels.length) {
    throw new PerimeterError(
      "GUARD_UNAVAILABLE",
      `classifier guard "${guard}"'s model answered something other than ${model.labels.length} float logits (one per label in config.json)`,
      { details: { guard } },
    );
  }
  const probabilities = softmax(logits.data);
  return new Map(model.labels.map((label, i) => [label, probabilities[i] as number]));
}

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function labelsOf(config: unknown): string[] | undefined {
  const id2label = isRecord(config) ? config["id2label"] : undefined;
  if (!isRecord(id2label)) return undefined;
  const labels: string[] = [];
  const n = Object.keys(id2label).length;
  for (let i = 0; i < n; i++) {
    const label = id2label[String(i)];
    if (typeof label !== "string") return undefined;
    labels.push(label);
  }
  return n >= 2 ? labels : undefined;
}
