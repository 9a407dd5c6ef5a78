import { PerimeterError } from "../../errors.js";
import type { OpenAIDialect } from "../../runtimes/dialect.js";
import type { GuardModel, GuardModelInput, GuardModelVerdict } from "../types.js";
import { callJson, firstChoice, isRecord, jsonHttp, judgedMessage, notAVerdict } from "./common.js";

// Llama Guard 3 and 4, prompted in Meta's own format (llama-recipes prompt_format_utils.py, the Llama Guard 3
// and 4 model cards and chat templates) and sent as a raw completion, so no runtime's chat template stands
// between the prompt and the model. Llama Guard 4 differs from 3 in its header and end-of-turn tokens and in
// "according to our safety policy" where 3 says "according our safety policy".

/** Meta's hazard categories, as the prompt names them. */
export const LLAMA_GUARD_CATEGORIES = {
  S1: "Violent Crimes",
  S2: "Non-Violent Crimes",
  S3: "Sex Crimes",
  S4: "Child Exploitation",
  S5: "Defamation",
  S6: "Specialized Advice",
  S7: "Privacy",
  S8: "Intellectual Property",
  S9: "Indiscriminate Weapons",
  S10: "Hate",
  S11: "Self-Harm",
  S12: "Sexual Content",
  S13: "Elections",
  S14: "Code Interpreter Abuse",
} as const;

export type LlamaGuardCategory = keyof typeof LLAMA_GUARD_CATEGORIES;
export type LlamaGuardVersion = 3 | 4;

const ALL_CATEGORIES = Object.keys(LLAMA_GUARD_CATEGORIES) as LlamaGuardCategory[];

interface Tokens {
  readonly begin: string;
  readonly user: string;
  readonly endOfTurn: string;
  readonly assistant: string;
  readonly according: string;
}

const TOKENS: Record<LlamaGuardVersion, Tokens> = {
  3: {
    begin: "<|begin_of_text|>",
    user: "<|start_header_id|>user<|end_header_id|>\n\n",
    endOfTurn: "<|eot_id|>",
    assistant: "<|start_header_id|>assistant<|end_header_id|>\n\n",
    according: "according our safety policy",
  },
  4: {
    begin: "<|begin_of_text|>",
    user: "<|header_start|>user<|header_end|>\n\n",
    endOfTurn: "<|eot|>",
    assistant: "<|header_start|>assistant<|header_end|>\n\n",
    according: "according to our safety policy",
  },
};

export interface LlamaGuardPromptOptions {
  readonly version: LlamaGuardVersion;
  /** The categories the operator enforces; they keep Meta's numbers, which is what the model learned. Default all 14. */
  readonly categories?: readonly LlamaGuardCategory[] | undefined;
  /**
   * Whether the prompt starts with `<|begin_of_text|>`. Runtimes add the BOS token to a completion prompt
   * themselves (vLLM, SGLang, llama.cpp, Ollama), so the adapter leaves it out; the exact text is true.
   */
  readonly beginOfText?: boolean;
}

/**
 * The prompt for judging the last message of `input`: the user's for input, the assistant's (as "Agent") for
 * output. System and tool messages come from the client, so they appear as User turns.
 */
export function llamaGuardPrompt(input: GuardModelInput, options: LlamaGuardPromptOptions): string {
  const t = TOKENS[options.version];
  const role = input.direction === "input" ? "User" : "Agent";
  const categories = resolveCategories(options.categories);
  const policy = categories.map((c) => `${c}: ${LLAMA_GUARD_CATEGORIES[c]}.`).join("\n");
  const turns = input.messages.map((m) => `${m.role === "assistant" ? "Agent" : "User"}: ${neutralise(m.content.trim())}\n\n`).join("");
  return (
    (options.beginOfText === true ? t.begin : "") +
    t.user +
    `Task: Check if there is unsafe content in '${role}' messages in conversations ${t.according} with the below categories.\n\n` +
    `<BEGIN UNSAFE CONTENT CATEGORIES>\n${policy}\n<END UNSAFE CONTENT CATEGORIES>\n\n` +
    `<BEGIN CONVERSATION>\n\n${turns}<END CONVERSATION>\n\n` +
    `Provide your safety assessment for ONLY THE LAST ${role} message in the above conversation:\n` +
    " - First line must read 'safe' or 'unsafe'.\n" +
    " - If unsafe, a second line must include a comma-separated list of violated categories." +
    t.endOfTurn +
    t.assistant
  );
}

/**
 * Runtimes parse special tokens in a raw prompt, so a message holding `<|eot_id|>…assistant…safe` would end
 * the conversation early and answer for the model. Breaking `<|` keeps every special token out of the text.
 */
function neutralise(content: string): string {
  return content.replaceAll("<|", "< |");
}

/** Parses Llama Guard's answer: `safe`, or `unsafe` and a line of categories among `allowed`. Anything else throws. */
export function parseLlamaGuardOutput(guard: string, answer: string, allowed: readonly string[]): GuardModelVerdict {
  const format = "a Llama Guard verdict ('safe', or 'unsafe' and a line of its categories)";
  // A verdict is a few tokens; a long answer is not one, and is not worth splitting.
  if (answer.length > 512) throw notAVerdict(guard, format, answer);
  const lines = answer
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  if (lines.length === 1 && lines[0] === "safe") return { safe: true, categories: [] };
  if (lines.length !== 2 || lines[0] !== "unsafe") throw notAVerdict(guard, format, answer);
  const named = (lines[1] as string).split(",").map((c) => c.trim());
  if (named.some((c) => !allowed.includes(c))) throw notAVerdict(guard, format, answer);
  return { safe: false, categories: [...new Set(named)] };
}

/** A runtime that continues a raw prompt: what Llama Guard needs, with no chat template applied. */
export interface RawCompletion {
  /** Continues `prompt` greedily for at most `maxTokens`, stopping at any of `stop`; returns the new text. */
  complete(prompt: string, options: { readonly maxTokens: number; readonly stop: readonly string[]; readonly signal: AbortSignal }): Promise<string>;
  close?(): Promise<void>;
}

/**
 * Raw completion through the OpenAI dialect's `/v1/completions`: vLLM, SGLang, llama.cpp server, and the
 * embedded llama.cpp runtime. `client` is the runtime's client (httpUpstream, createEmbeddedRuntime); it is
 * not closed here, because the gateway's runtime pool owns it.
 */
export function openAICompletion(guard: string, client: OpenAIDialect, model: string): RawCompletion {
  return {
    async complete(prompt, { maxTokens, stop, signal }) {
      const body = await callJson(guard, client, "/v1/completions", { model, prompt, max_tokens: maxTokens, temperature: 0, stop: [...stop] }, signal);
      const text = firstChoice(guard, body)["text"];
      if (typeof text !== "string") throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}" answered /v1/completions without a text`);
      return text;
    },
  };
}

export interface OllamaRawOptions {
  /** Ollama's base URL, e.g. http://127.0.0.1:11434. */
  readonly url: string;
  readonly model: string;
  readonly apiKey?: string | undefined;
  /** How long Ollama may take to send headers and body (a cold model loads first). Default 60 s. */
  readonly timeoutMs?: number;
}

const MAX_OLLAMA_ANSWER_BYTES = 1024 * 1024;

/**
 * Raw completion through Ollama's `/api/generate` with `raw: true`. Ollama's `/v1/completions` always applies
 * the model's template, which would wrap this prompt in a second one; the gateway's OpenAI-dialect client has
 * no other route, so this is the one small client the guards add.
 */
export function ollamaRawCompletion(guard: string, options: OllamaRawOptions): RawCompletion {
  // The runtime registry may hold Ollama's OpenAI base (…/v1); /api/generate lives beside it.
  const http = jsonHttp(guard, "Ollama", {
    url: options.url.replace(/\/v1\/?$/, ""),
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? 60_000,
    maxBytes: MAX_OLLAMA_ANSWER_BYTES,
  });
  return {
    async complete(prompt, { maxTokens, stop, signal }) {
      const body = { model: options.model, prompt, raw: true, stream: false, options: { temperature: 0, num_predict: maxTokens, stop: [...stop] } };
      const { status, json } = await http.post("/api/generate", body, signal);
      if (status < 200 || status >= 300) {
        const said = isRecord(json) && typeof json["error"] === "string" ? `: ${JSON.stringify(json["error"].slice(0, 200))}` : "";
        throw new PerimeterError(
          "GUARD_UNAVAILABLE",
          `guard model "${guard}"'s Ollama answered /api/generate with HTTP ${status}${said}; check that it has pulled "${options.model}"`,
          { details: { guard, status } },
        );
      }
      if (!isRecord(json) || typeof json["response"] !== "string") {
        throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}"'s Ollama answered /api/generate with something that is not its answer`, {
          details: { guard },
        });
      }
      if (json["done_reason"] === "length") {
        throw new PerimeterError(
          "GUARD_UNAVAILABLE",
          `guard model "${guard}" was cut off by its token limit before it finished its verdict; raise its maxTokens`,
          {
            details: { guard },
          },
        );
      }
      return json["response"];
    },
    close: () => http.close(),
  };
}

export interface LlamaGuardOptions {
  /** The guard's configured name: findings and errors carry it. */
  readonly name: string;
  readonly completion: RawCompletion;
  /** Default 3. */
  readonly version?: LlamaGuardVersion;
  /** The categories enforced (default all 14); an answer naming another one is not a verdict. */
  readonly categories?: readonly LlamaGuardCategory[];
  /** Tokens the answer may take: `unsafe` and fourteen categories fit in 40. Default 20. */
  readonly maxTokens?: number;
}

export function llamaGuard(options: LlamaGuardOptions): GuardModel {
  const version = options.version ?? 3;
  const categories = resolveCategories(options.categories);
  const maxTokens = options.maxTokens ?? 20;
  const stop = [TOKENS[version].endOfTurn];
  return {
    name: options.name,
    kind: "llama-guard",
    async judge(input: GuardModelInput, signal: AbortSignal): Promise<GuardModelVerdict> {
      judgedMessage(options.name, input);
      const prompt = llamaGuardPrompt(input, { version, categories });
      const answer = await options.completion.complete(prompt, { maxTokens, stop, signal });
      return parseLlamaGuardOutput(options.name, answer, categories);
    },
    ...(options.completion.close === undefined ? {} : { close: () => (options.completion.close as () => Promise<void>)() }),
  };
}

function resolveCategories(chosen: readonly LlamaGuardCategory[] | undefined): LlamaGuardCategory[] {
  if (chosen === undefined) return ALL_CATEGORIES;
  const unknown = chosen.filter((c) => !ALL_CATEGORIES.includes(c));
  if (unknown.length > 0 || chosen.length === 0) {
    throw new PerimeterError(
      "CONFIG_INVALID",
      `Llama Guard categories must be some of S1…S14; got ${JSON.stringify(chosen)}. Leave the list out to enforce all fourteen`,
    );
  }
  return ALL_CATEGORIES.filter((c) => chosen.includes(c));
}
