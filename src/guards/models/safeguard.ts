import { PerimeterError } from "../../errors.js";
import type { OpenAIDialect } from "../../runtimes/dialect.js";
import type { GuardModel, GuardModelInput, GuardModelVerdict } from "../types.js";
import { callJson, firstChoice, isRecord, judgedMessage, notAVerdict } from "./common.js";

// gpt-oss-safeguard: the operator's written policy is the system message, the content to judge the user
// message, through chat completions. The model reasons first; runtimes that speak harmony (vLLM, Ollama,
// llama.cpp with --jinja) put that reasoning in a field of its own (`reasoning_content` or `reasoning`), and the
// content is the final channel only. The policy decides the output format; the forms OpenAI's guide documents
// are a bare `0`/`1` and a JSON object with `violation` (0 or 1) and, optionally, `policy_category`,
// `rule_ids`, `confidence` and `rationale`. Those are accepted; anything else is not a verdict.

export interface GptOssSafeguardOptions {
  readonly name: string;
  /** The runtime's OpenAI-dialect client (httpUpstream or the embedded runtime); the runtime pool owns it. */
  readonly client: OpenAIDialect;
  /** The model's served name on that runtime. */
  readonly model: string;
  /** The policy text, ending with the output format it asks for (one of the forms above). */
  readonly policy: string;
  /** Reasoning and verdict together; the reasoning takes most of it. Default 2048. */
  readonly maxTokens?: number;
  /** gpt-oss's reasoning effort, sent as `reasoning_effort` when set. */
  readonly reasoningEffort?: "low" | "medium" | "high";
}

/** The verdict category when the policy's answer names none (`1`, or JSON without `policy_category`). */
export const SAFEGUARD_VIOLATION = "violation";

export function gptOssSafeguard(options: GptOssSafeguardOptions): GuardModel {
  if (options.policy.trim() === "") {
    throw new PerimeterError("CONFIG_INVALID", `guard model "${options.name}" (gpt-oss-safeguard) needs a policy: the text it judges against`);
  }
  const maxTokens = options.maxTokens ?? 2048;
  return {
    name: options.name,
    kind: "gpt-oss-safeguard",
    async judge(input: GuardModelInput, signal: AbortSignal): Promise<GuardModelVerdict> {
      const body: Record<string, unknown> = {
        model: options.model,
        messages: [
          { role: "system", content: options.policy },
          { role: "user", content: judgedMessage(options.name, input) },
        ],
        max_tokens: maxTokens,
        temperature: 0,
        stream: false,
      };
      if (options.reasoningEffort !== undefined) body["reasoning_effort"] = options.reasoningEffort;
      const answer = await callJson(options.name, options.client, "/v1/chat/completions", body, signal);
      const message = firstChoice(options.name, answer)["message"];
      const content = isRecord(message) ? message["content"] : undefined;
      if (typeof content !== "string") {
        throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${options.name}" answered without a final message (only reasoning, or nothing)`, {
          details: { guard: options.name },
        });
      }
      return parseSafeguardOutput(options.name, content);
    },
  };
}

const FORMAT = "a gpt-oss-safeguard verdict (0, 1, or JSON with a violation of 0 or 1)";
const FINAL_CHANNEL = "<|channel|>final<|message|>";

/** Parses the model's final answer in one of the documented forms; anything else throws. */
export function parseSafeguardOutput(guard: string, content: string): GuardModelVerdict {
  if (content.length > 64 * 1024) throw notAVerdict(guard, FORMAT, content);
  const text = finalChannel(guard, content).trim();
  if (text === "0") return { safe: true, categories: [] };
  if (text === "1") return { safe: false, categories: [SAFEGUARD_VIOLATION] };
  if (!text.startsWith("{")) throw notAVerdict(guard, FORMAT, content);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw notAVerdict(guard, FORMAT, content);
  }
  if (!isRecord(json)) throw notAVerdict(guard, FORMAT, content);
  const violation = json["violation"];
  const category = json["policy_category"];
  if (violation !== 0 && violation !== 1) throw notAVerdict(guard, FORMAT, content);
  if (category !== undefined && category !== null && typeof category !== "string") throw notAVerdict(guard, FORMAT, content);
  if (violation === 0) return { safe: true, categories: [] };
  return { safe: false, categories: [typeof category === "string" && category.trim() !== "" ? category.trim() : SAFEGUARD_VIOLATION] };
}

/**
 * A runtime that does not parse harmony hands over the raw channels; the verdict is the final channel's
 * message, and an answer with channels but no final one is reasoning cut short.
 */
function finalChannel(guard: string, content: string): string {
  if (!content.includes("<|channel|>")) return content;
  const at = content.lastIndexOf(FINAL_CHANNEL);
  if (at < 0) throw notAVerdict(guard, FORMAT, content);
  let final = content.slice(at + FINAL_CHANNEL.length);
  for (const end of ["<|return|>", "<|end|>"]) if (final.endsWith(end)) final = final.slice(0, -end.length);
  return final;
}
