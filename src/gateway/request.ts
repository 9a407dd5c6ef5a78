import { z } from "zod";
import { refusal, type Refusal } from "./pipeline.js";
import type { OpenAIPath } from "../runtimes/dialect.js";
import { ollamaChatToOpenAI, toOpenAI, type Api, type Operation } from "./dialects.js";

// The parse stage: a client's body, checked field by field (zod) and cut down to what the gateway forwards.
// What reaches a runtime is an allow-list per dialect and operation: fields the policies judge (max tokens,
// n, tools), sampling knobs that change neither how much is generated nor which template or adapter is used,
// and the content. Runtime extensions that change how much is generated, the chat template, the adapter or
// the runtime's caches (vLLM's min_tokens or lora_request, llama.cpp's n_predict, SGLang's lora_path, …) are
// refused with 400 naming the field: a caller relying on one must learn it does not apply, and no policy
// sees it. Any other field the gateway does not know is dropped, not refused: OpenAI clients send fields only
// OpenAI reads (store, metadata, service_tier), which must not break calls, and a field dropped can never
// reach a runtime that would act on it, however new the runtime's extension.

type Json = Record<string, unknown>;

/** A route of the serve pipeline: which dialect the client speaks and what it asks for. */
export interface CallRoute {
  readonly path: string;
  readonly api: Api;
  /** ollama-chat is Ollama's /api/chat; everything else names its operation. */
  readonly op: Operation | "ollama-chat";
}

/** A client's call, parsed: what the later stages read and the body the runtime will be sent. */
export interface ParsedCall {
  readonly model: string;
  readonly op: Operation;
  readonly upstreamPath: OpenAIPath;
  /** OpenAI-dialect body, allow-listed; the stages after parse add to it (model, max_tokens, stream_options). */
  readonly body: Json;
  readonly stream: boolean;
  /** Answers asked for (OpenAI's n, times the prompts of a completion's prompt list): each may generate max tokens. */
  readonly choices: number;
  /** The request offers the model tools or functions. */
  readonly tools: boolean;
  /** The client asked for the usage chunk of a stream itself. */
  readonly clientWantsUsage: boolean;
  /** Fields the client sent that were not forwarded (undefined when none were). */
  readonly dropped: readonly string[] | undefined;
}

export type Refused = Refusal;

/**
 * Fields refused wherever they appear at the top of a body: each changes how much is generated, which
 * template or adapter answers, or the runtime's slots and caches, and no policy judges it.
 */
export const REFUSED_FIELDS: ReadonlyMap<string, string> = new Map([
  ...["best_of", "use_beam_search", "length_penalty", "early_stopping"].map((f) => [f, "asks for several generations beside the ones n counts"] as const),
  ...["n_predict", "min_tokens", "max_new_tokens", "min_new_tokens", "ignore_eos", "no_stop_trim", "n_keep", "t_max_predict_ms"].map(
    (f) => [f, "changes how much is generated, which only max_tokens (judged by policy) may say"] as const,
  ),
  ...["chat_template", "chat_template_kwargs", "add_generation_prompt", "continue_final_message", "documents", "template", "context", "raw_prompt"].map(
    (f) => [f, "changes the prompt template the model is served with"] as const,
  ),
  ...["lora", "lora_request", "lora_path", "lora_name", "adapter", "adapters", "model_path"].map(
    (f) => [f, "selects an adapter or weights other than the approved version"] as const,
  ),
  ...[
    "id_slot",
    "cache_prompt",
    "cache_salt",
    "kv_transfer_params",
    "session_params",
    "priority",
    "return_hidden_states",
    "custom_logit_processor",
    "logits_processors",
  ].map((f) => [f, "reaches into the runtime's scheduling, caches or internals"] as const),
]);

const nullableNumber = z.number().nullable().optional();
const nullableInt = z.number().int().nullable().optional();
const stop = z
  .union([z.string(), z.array(z.string()).max(16)])
  .nullable()
  .optional();
const object = z.record(z.string(), z.unknown());

/** What OpenAI chat and completions share: the model, streaming, the budget policies judge, sampling. */
const openAICommon = {
  model: z.string().min(1).max(512),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: nullableInt,
  n: z.number().int().min(1).max(128).nullable().optional(),
  temperature: nullableNumber,
  top_p: nullableNumber,
  stop,
  presence_penalty: nullableNumber,
  frequency_penalty: nullableNumber,
  seed: nullableInt,
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
  // Sampling knobs vLLM, SGLang and llama.cpp share beyond OpenAI's: they change which tokens, not how many.
  top_k: nullableInt,
  min_p: nullableNumber,
  repetition_penalty: nullableNumber,
  user: z.string().max(512).optional(),
};

/**
 * Content parts: text, and images or audio given inline or by an https URL. A runtime fetches an image URL
 * itself, so a file: URL (vLLM reads local files under --allowed-local-media-path) or a plain http one never
 * reaches it; nor does a part of a kind the gateway does not know.
 */
const part = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({
    type: z.literal("image_url"),
    image_url: z.object({ url: z.string().regex(/^(data:|https:\/\/)/i, "an https: or data: URL"), detail: z.string().max(16).optional() }),
  }),
  z.object({ type: z.literal("input_audio"), input_audio: z.object({ data: z.string(), format: z.string().max(16) }) }),
]);
const content = z.union([z.string(), z.null(), z.array(part)]);

const chatMessage = z.object({
  role: z.string().min(1).max(64),
  content: content.optional(),
  name: z.string().max(512).optional(),
  tool_calls: z.array(object).optional(),
  tool_call_id: z.string().max(512).optional(),
  function_call: object.nullable().optional(),
});

const openAIChat = z.object({
  ...openAICommon,
  messages: z.array(chatMessage).min(1),
  max_completion_tokens: nullableInt,
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: nullableInt,
  response_format: object.optional(),
  tools: z.array(object).optional(),
  tool_choice: z.union([z.string(), object]).optional(),
  parallel_tool_calls: z.boolean().optional(),
  functions: z.array(object).optional(),
  function_call: z.union([z.string(), object]).optional(),
});

const tokenPrompt = z.union([z.string(), z.array(z.string()), z.array(z.number().int()), z.array(z.array(z.number().int()))]);

const openAICompletion = z.object({ ...openAICommon, prompt: tokenPrompt, logprobs: nullableInt });

const openAIEmbedding = z.object({
  model: z.string().min(1).max(512),
  input: tokenPrompt,
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().max(512).optional(),
});

const ollamaOptions = z
  .object({
    num_predict: z.number().int().optional(),
    temperature: z.number().optional(),
    top_p: z.number().optional(),
    seed: z.number().int().optional(),
    stop: z.union([z.string(), z.array(z.string()).max(16)]).optional(),
    frequency_penalty: z.number().optional(),
    presence_penalty: z.number().optional(),
  })
  .optional();

const ollamaChat = z.object({
  model: z.string().min(1).max(512),
  messages: z.array(
    z.object({
      role: z.string().min(1).max(64),
      content: z.string().optional(),
      images: z.array(z.string()).optional(),
      tool_calls: z.array(object).optional(),
    }),
  ),
  stream: z.boolean().optional(),
  options: ollamaOptions,
  tools: z.array(object).optional(),
});

const ollamaGenerate = z.object({
  model: z.string().min(1).max(512),
  prompt: z.string().optional(),
  system: z.string().optional(),
  raw: z.boolean().optional(),
  stream: z.boolean().optional(),
  options: ollamaOptions,
});

const ollamaEmbed = z.object({ model: z.string().min(1).max(512), input: z.union([z.string(), z.array(z.string())]) });

type Schema = z.ZodObject<z.ZodRawShape>;

const SCHEMAS: Readonly<Record<Operation | "ollama-chat", Schema>> = {
  chat: openAIChat,
  completions: openAICompletion,
  embeddings: openAIEmbedding,
  "ollama-chat": ollamaChat,
  generate: ollamaGenerate,
  embed: ollamaEmbed,
};

/** Each schema's own field names, read once: a field outside them is dropped. */
const KNOWN: ReadonlyMap<Schema, ReadonlySet<string>> = new Map(Object.values(SCHEMAS).map((s) => [s, new Set(Object.keys(s.shape))]));

/** Parse a client's body for a route into the call the later stages judge, or refuse it saying which field is wrong. */
export function parseCall(route: CallRoute, raw: Buffer): ParsedCall | Refused {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    return badBody("the body is not JSON", undefined);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return badBody("the body must be a JSON object", undefined);
  const body = parsed as Json;
  const schema = SCHEMAS[route.op];
  const known = KNOWN.get(schema) as ReadonlySet<string>;
  let dropped: string[] | undefined;
  for (const field in body) {
    if (known.has(field)) continue;
    const why = REFUSED_FIELDS.get(field);
    if (why !== undefined)
      return refusal("FIELD_REFUSED", `the request field "${field}" is not accepted: it ${why}; leave it out`, [
        { rule: "request.field-refused", severity: "medium", message: why, location: field, controls: ["OWASP-LLM:LLM10"] },
      ]);
    dropped ??= [];
    dropped.push(field);
  }
  if (route.api === "ollama" && body["options"] !== null && typeof body["options"] === "object") {
    for (const field in body["options"] as Json) {
      const why = REFUSED_FIELDS.get(field);
      if (why !== undefined)
        return refusal("FIELD_REFUSED", `the request field "options.${field}" is not accepted: it ${why}; leave it out`, [
          { rule: "request.field-refused", severity: "medium", message: why, location: `options.${field}` },
        ]);
    }
  }
  const checked = schema.safeParse(body);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue === undefined || issue.path.length === 0 ? undefined : issue.path.map(String).join(".");
    return badBody(
      field === undefined
        ? `the body is not a valid ${route.path} request: ${issue?.message ?? "invalid"}`
        : `the request field "${field}" is invalid: ${issue?.message ?? "invalid"}`,
      field,
    );
  }
  const valid = checked.data as Json;
  const model = valid["model"] as string;
  if (route.op === "ollama-chat") return call(model, "chat", ollamaChatToOpenAI(valid), 1, valid["tools"] !== undefined, false, dropped);
  const op = route.op;
  if (route.api === "ollama") return call(model, op, toOpenAI(op, valid), 1, false, false, dropped);
  // OpenAI dialects: the checked body is already the allow-listed copy the runtime is sent.
  const stream = valid["stream"] === true;
  const path: OpenAIPath = op === "chat" ? "/v1/chat/completions" : op === "completions" ? "/v1/completions" : "/v1/embeddings";
  const tools = valid["tools"] !== undefined || valid["functions"] !== undefined;
  const n = valid["n"];
  const clientWantsUsage = (valid["stream_options"] as Json | null | undefined)?.["include_usage"] === true;
  // A completion's prompt may be a list: vLLM and llama.cpp generate n answers for each prompt in it.
  const perPrompt = typeof n === "number" ? n : 1;
  return call(
    model,
    op,
    { path, body: valid, stream },
    op === "completions" ? perPrompt * promptCount(valid["prompt"]) : perPrompt,
    tools,
    clientWantsUsage,
    dropped,
  );
}

/** How many prompts a completion's prompt holds: a string or one token list is one; a list of either, its length. */
function promptCount(prompt: unknown): number {
  if (!Array.isArray(prompt) || prompt.length === 0) return 1;
  return typeof prompt[0] === "number" ? 1 : prompt.length;
}

function call(
  model: string,
  op: Operation,
  t: { path: OpenAIPath; body: Json; stream: boolean },
  choices: number,
  tools: boolean,
  clientWantsUsage: boolean,
  dropped: string[] | undefined,
): ParsedCall {
  return { model, op, upstreamPath: t.path, body: t.body, stream: t.stream, choices, tools, clientWantsUsage, dropped };
}

function badBody(reason: string, field: string | undefined): Refused {
  return refusal("USAGE", reason, [{ rule: "request.invalid", severity: "low", message: reason, ...(field === undefined ? {} : { location: field }) }]);
}

export function isRefused(x: ParsedCall | Refused): x is Refused {
  return "allow" in x;
}
