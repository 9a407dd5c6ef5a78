// Client dialects at the gateway's edge. The gateway speaks OpenAI to every runtime; Ollama-shaped client
// calls are translated here, on the way in and on the way out. Pure functions over JSON.

import type { OpenAIPath } from "../runtimes/dialect.js";

export type Api = "openai" | "ollama";
export type Operation = "chat" | "completions" | "embeddings" | "generate" | "embed";

type Json = Record<string, unknown>;

const OLLAMA_OPTIONS: ReadonlyArray<[string, string]> = [
  ["num_predict", "max_tokens"],
  ["temperature", "temperature"],
  ["top_p", "top_p"],
  ["seed", "seed"],
  ["stop", "stop"],
  ["frequency_penalty", "frequency_penalty"],
  ["presence_penalty", "presence_penalty"],
];

/** The OpenAI path and body for a client request; `stream` is the client's wish (Ollama streams by default). */
export function toOpenAI(op: Operation, body: Json): { path: OpenAIPath; body: Json; stream: boolean } {
  switch (op) {
    case "chat":
    case "completions":
    case "embeddings":
      return {
        path: op === "chat" ? "/v1/chat/completions" : op === "completions" ? "/v1/completions" : "/v1/embeddings",
        body: { ...body },
        stream: body["stream"] === true,
      };
    case "embed":
      return { path: "/v1/embeddings", body: { model: body["model"], input: body["input"] }, stream: false };
    case "generate": {
      const stream = body["stream"] !== false;
      const out: Json = { model: body["model"], stream, ...ollamaOptions(body) };
      if (body["raw"] === true) return { path: "/v1/completions", body: { ...out, prompt: body["prompt"] }, stream };
      const messages: Json[] = [];
      if (typeof body["system"] === "string") messages.push({ role: "system", content: body["system"] });
      messages.push({ role: "user", content: body["prompt"] ?? "" });
      return { path: "/v1/chat/completions", body: { ...out, messages }, stream };
    }
  }
}

/** Ollama's /api/chat body as OpenAI's (Ollama streams unless told not to). */
export function ollamaChatToOpenAI(body: Json): { path: OpenAIPath; body: Json; stream: boolean } {
  const stream = body["stream"] !== false;
  const messages = Array.isArray(body["messages"])
    ? (body["messages"] as Json[]).map((m) => ({ role: m["role"], content: m["content"] ?? "" }))
    : body["messages"];
  const out: Json = { model: body["model"], messages, stream, ...ollamaOptions(body) };
  if (body["tools"] !== undefined) out["tools"] = body["tools"];
  return { path: "/v1/chat/completions", body: out, stream };
}

function ollamaOptions(body: Json): Json {
  const options = (body["options"] ?? {}) as Json;
  const out: Json = {};
  for (const [from, to] of OLLAMA_OPTIONS) if (options[from] !== undefined) out[to] = options[from];
  return out;
}

/** Text of an OpenAI answer or chunk (chat or completion). */
export function textOf(choice: Json | undefined): string {
  if (choice === undefined) return "";
  const message = (choice["message"] ?? choice["delta"]) as Json | undefined;
  if (message !== undefined && typeof message["content"] === "string") return message["content"];
  return typeof choice["text"] === "string" ? choice["text"] : "";
}

export interface Usage {
  readonly prompt: number;
  readonly completion: number;
}

export function usageOf(body: Json): Usage | undefined {
  const u = body["usage"] as Json | undefined;
  if (u === undefined || u === null) return undefined;
  const prompt = Number(u["prompt_tokens"] ?? 0);
  const completion = Number(u["completion_tokens"] ?? 0);
  return { prompt: Number.isFinite(prompt) ? prompt : 0, completion: Number.isFinite(completion) ? completion : 0 };
}

/** A whole OpenAI answer as Ollama would have given it. */
export function toOllamaAnswer(op: Operation, model: string, body: Json, startedNs: bigint): Json {
  const now = new Date().toISOString();
  if (op === "embed") {
    const data = (body["data"] as Json[] | undefined) ?? [];
    const usage = usageOf(body);
    return {
      model,
      embeddings: data.map((d) => d["embedding"]),
      total_duration: elapsedNs(startedNs),
      load_duration: 0,
      prompt_eval_count: usage?.prompt ?? 0,
    };
  }
  const choice = ((body["choices"] as Json[] | undefined) ?? [])[0];
  const text = textOf(choice);
  return {
    model,
    created_at: now,
    ...(op === "generate" ? { response: text } : { message: { role: "assistant", content: text } }),
    ...doneFields(choice?.["finish_reason"], usageOf(body), startedNs),
  };
}

/** One streamed OpenAI chunk as an Ollama NDJSON line (or null when it carries nothing for Ollama). */
export function toOllamaChunk(op: Operation, model: string, chunk: Json): Json | null {
  const choice = ((chunk["choices"] as Json[] | undefined) ?? [])[0];
  if (choice === undefined) return null;
  const text = textOf(choice);
  if (text === "") return null;
  const created_at = new Date().toISOString();
  return op === "generate"
    ? { model, created_at, response: text, done: false }
    : { model, created_at, message: { role: "assistant", content: text }, done: false };
}

export function ollamaFinal(op: Operation, model: string, finishReason: unknown, usage: Usage | undefined, startedNs: bigint): Json {
  const created_at = new Date().toISOString();
  return {
    model,
    created_at,
    ...(op === "generate" ? { response: "" } : { message: { role: "assistant", content: "" } }),
    ...doneFields(finishReason, usage, startedNs),
  };
}

function doneFields(finishReason: unknown, usage: Usage | undefined, startedNs: bigint): Json {
  return {
    done: true,
    done_reason: finishReason === "length" ? "length" : "stop",
    total_duration: elapsedNs(startedNs),
    load_duration: 0,
    prompt_eval_count: usage?.prompt ?? 0,
    prompt_eval_duration: 0,
    eval_count: usage?.completion ?? 0,
    eval_duration: 0,
  };
}

function elapsedNs(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs);
}
