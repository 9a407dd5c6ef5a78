// The text of a call that guards read, each with where it is (for findings and the client's error) and how
// to put a redacted version back. Requests are the gateway's OpenAI-dialect body (Ollama calls are converted
// at parse): every message's text — the caller's, the system prompt, earlier answers, tool results coming back
// and the arguments of earlier tool calls, names — the completion prompt, the embedding input, and the tools,
// functions and response format offered to the model. Images and audio
// parts are not text and are not read.

type Json = Record<string, unknown>;

/** One piece of text in a body, its place, and how to replace it. */
export interface TextSlot {
  readonly location: string;
  readonly text: string;
  set(text: string): void;
}

/** The texts of a request body, in body order. */
export function requestTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  const messages = body["messages"];
  if (Array.isArray(messages)) {
    messages.forEach((m: unknown, i) => {
      if (m === null || typeof m !== "object") return;
      const msg = m as Json;
      contentSlots(out, msg, "content", `messages[${i}].content`);
      // A participant's name is rendered into the prompt by chat templates that support it.
      if (typeof msg["name"] === "string") slot(out, msg, "name", `messages[${i}].name`);
      const calls = msg["tool_calls"];
      if (Array.isArray(calls))
        calls.forEach((c: unknown, j) => {
          functionSlots(out, c, `messages[${i}].tool_calls[${j}].function.arguments`);
          nameSlot(out, c, `messages[${i}].tool_calls[${j}].function.name`);
        });
      functionSlots(out, msg["function_call"], `messages[${i}].function_call.arguments`);
      nameSlot(out, msg["function_call"], `messages[${i}].function_call.name`);
    });
  }
  stringOrList(out, body, "prompt");
  stringOrList(out, body, "input");
  // What else the chat template puts before the model: the tools and functions offered (names, descriptions,
  // parameter schemas), the answer's schema, and the tool the caller picks.
  for (const key of ["tools", "functions", "response_format", "tool_choice", "function_call"] as const) {
    const v = body[key];
    if (v !== null && typeof v === "object") jsonSlot(out, body, key, key);
  }
  return out;
}

/** The generated texts of a whole answer (chat message, completion text, tool-call arguments), in place. */
export function answerTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  const choices = body["choices"];
  if (!Array.isArray(choices)) return out;
  choices.forEach((c: unknown, i) => {
    if (c === null || typeof c !== "object") return;
    const choice = c as Json;
    if (typeof choice["text"] === "string") slot(out, choice, "text", `choices[${i}].text`);
    // A whole answer carries a message; the dialects read a delta there too, so both are read.
    for (const holder of ["message", "delta"] as const) {
      const message = choice[holder];
      if (message === null || typeof message !== "object") continue;
      const msg = message as Json;
      for (const key of MESSAGE_TEXT_FIELDS) if (typeof msg[key] === "string") slot(out, msg, key, `choices[${i}].${holder}.${key}`);
      const calls = msg["tool_calls"];
      if (Array.isArray(calls))
        calls.forEach((t: unknown, j) => {
          functionSlots(out, t, `choices[${i}].${holder}.tool_calls[${j}].function.arguments`);
          nameSlot(out, t, `choices[${i}].${holder}.tool_calls[${j}].function.name`);
        });
      functionSlots(out, msg["function_call"], `choices[${i}].${holder}.function_call.arguments`);
      nameSlot(out, msg["function_call"], `choices[${i}].${holder}.function_call.name`);
    }
  });
  return out;
}

/** The fields of a message (or a stream's delta) that carry generated text. */
export const MESSAGE_TEXT_FIELDS = ["content", "reasoning_content", "reasoning", "refusal"] as const;

function slot(out: TextSlot[], holder: Json, key: string, location: string): void {
  out.push({
    location,
    text: holder[key] as string,
    set: (text) => {
      holder[key] = text;
    },
  });
}

function contentSlots(out: TextSlot[], msg: Json, key: string, location: string): void {
  const content = msg[key];
  if (typeof content === "string") {
    slot(out, msg, key, location);
    return;
  }
  if (!Array.isArray(content)) return;
  content.forEach((part: unknown, k) => {
    if (part === null || typeof part !== "object") return;
    const p = part as Json;
    if (typeof p["text"] === "string") slot(out, p, "text", `${location}[${k}].text`);
  });
}

function functionSlots(out: TextSlot[], call: unknown, location: string): void {
  if (call === null || typeof call !== "object") return;
  const c = call as Json;
  const fn = (c["function"] ?? c) as unknown;
  if (fn === null || typeof fn !== "object") return;
  const args = (fn as Json)["arguments"];
  if (typeof args === "string") slot(out, fn as Json, "arguments", location);
  // Arguments given as an object (Ollama's shape, which chat templates accept too) reach the model all the same.
  else if (args !== null && typeof args === "object") jsonSlot(out, fn as Json, "arguments", location);
}

function nameSlot(out: TextSlot[], call: unknown, location: string): void {
  if (call === null || typeof call !== "object") return;
  const fn = ((call as Json)["function"] ?? call) as unknown;
  if (fn !== null && typeof fn === "object" && typeof (fn as Json)["name"] === "string") slot(out, fn as Json, "name", location);
}

/**
 * A JSON value that reaches the model as JSON (an object's keys and values alike): inspected as its JSON text,
 * so that a name and its value are read together; a redaction is put back by parsing the redacted text, and a
 * redaction that does not leave JSON throws (the guard then refuses the call).
 */
function jsonSlot(out: TextSlot[], holder: Json, key: string, location: string): void {
  out.push({
    location,
    text: JSON.stringify(holder[key]),
    set: (text) => {
      holder[key] = JSON.parse(text) as unknown;
    },
  });
}

function stringOrList(out: TextSlot[], body: Json, key: string): void {
  const v = body[key];
  if (typeof v === "string") slot(out, body, key, key);
  else if (Array.isArray(v))
    v.forEach((item: unknown, i) => {
      if (typeof item === "string")
        out.push({
          location: `${key}[${i}]`,
          text: item,
          set: (text) => {
            v[i] = text;
          },
        });
    });
}
