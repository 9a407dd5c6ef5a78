import { estimateTokenCount } from "tokenx";
import type { Usage } from "./dialects.js";

// Tokens a runtime did not report: a server that leaves `usage` out, or a stream cut (by its client or the
// kill switch) before its usage chunk. Charging nothing for them would let a client dodge its tokens per
// minute by hanging up early, so the gateway counts them itself from the text that went each way.
//
// The count is an estimate (tokenx: linear in the text, within about 20% of cl100k on English, code and
// JSON, and under by up to a third on CJK). Exact BPE in JavaScript was measured and refused here: on a
// prompt of 50,000 repeated letters js-tiktoken took 244 s and gpt-tokenizer 2.4 s, a stall of the event
// loop any client could cause. The text is counted a slice at a time with the event loop free in between.

type Json = Record<string, unknown>;

const SLICE = 64 * 1024;

/** Estimated tokens in these texts; never blocks the event loop for long, whatever their size. */
export async function estimateTokens(texts: readonly string[]): Promise<number> {
  let total = 0;
  for (const text of texts) {
    for (let at = 0; at < text.length; at += SLICE) {
      if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      total += estimateTokenCount(text.slice(at, at + SLICE));
    }
  }
  return total;
}

/** What of an OpenAI-dialect request the model reads: texts (messages, prompt, embedding input, tools) and token ids. */
export interface PromptMaterial {
  readonly texts: string[];
  /** Prompts given as token ids rather than text: counted exactly, one each. */
  ids: number;
}

export function promptMaterial(body: Json): PromptMaterial {
  const out: PromptMaterial = { texts: [], ids: 0 };
  const messages = body["messages"];
  if (Array.isArray(messages)) {
    for (const m of messages as unknown[]) {
      if (m === null || typeof m !== "object") continue;
      const msg = m as Json;
      pushContent(out, msg["content"]);
      const calls = msg["tool_calls"];
      if (Array.isArray(calls)) for (const c of calls as unknown[]) pushToolCall(out.texts, c);
    }
  }
  pushContent(out, body["prompt"]);
  pushContent(out, body["input"]);
  if (body["tools"] !== undefined) out.texts.push(JSON.stringify(body["tools"]));
  return out;
}

/**
 * The generated text of an OpenAI-dialect answer, whole (choices[].message) or one streamed chunk
 * (choices[].delta), or a completion (choices[].text), appended to `out`.
 */
export function generatedTexts(body: Json, out: string[] = []): string[] {
  const choices = body["choices"];
  if (!Array.isArray(choices)) return out;
  for (const c of choices as unknown[]) {
    if (c === null || typeof c !== "object") continue;
    const choice = c as Json;
    if (typeof choice["text"] === "string" && choice["text"] !== "") out.push(choice["text"]);
    const message = choice["message"] ?? choice["delta"];
    if (message !== null && typeof message === "object") pushGenerated(out, message as Json);
  }
  return out;
}

/** Usage estimated from what went to the model and what came back. */
export async function estimatedUsage(prompt: PromptMaterial, completion: readonly string[]): Promise<Usage> {
  return { prompt: prompt.ids + (await estimateTokens(prompt.texts)), completion: await estimateTokens(completion) };
}

function pushGenerated(out: string[], m: Json): void {
  for (const key of ["content", "reasoning_content", "reasoning", "refusal"] as const) {
    const v = m[key];
    if (typeof v === "string" && v !== "") out.push(v);
  }
  const calls = m["tool_calls"];
  if (Array.isArray(calls)) for (const c of calls as unknown[]) pushToolCall(out, c);
}

function pushToolCall(out: string[], call: unknown): void {
  if (call === null || typeof call !== "object") return;
  const fn = (call as Json)["function"];
  if (fn === null || typeof fn !== "object") return;
  const { name, arguments: args } = fn as Json;
  if (typeof name === "string") out.push(name);
  if (typeof args === "string") out.push(args);
}

/** A content field: a string, text parts, a list of prompts, or token ids. */
function pushContent(out: PromptMaterial, content: unknown): void {
  if (typeof content === "string") {
    out.texts.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content as unknown[]) {
    if (typeof part === "string") out.texts.push(part);
    else if (typeof part === "number") out.ids++;
    else if (Array.isArray(part)) out.ids += part.length;
    else if (part !== null && typeof part === "object" && typeof (part as Json)["text"] === "string") out.texts.push((part as Json)["text"] as string);
  }
}
