import type { InjectionRule } from "./types.js";

// Fake chat-template and system markers, in no language: ChatML, Llama 2 and 3, Zephyr/Phi, Gemma, the
// Harmony format, Alpaca headers, XML-ish role tags, JSON role objects, and fake turns of a transcript.
// One marker alone is a signal, not an attack: chat-template documentation and code that builds a
// `messages` array carry the same tokens, so the detector damps these where the text reads as such
// (see injection.ts). A marker beside an override or a persona escape, or a closed user turn followed by
// an opened system turn, is reported.

function marker(name: string, weight: number, pattern: string): InjectionRule {
  return { id: `any.fake-marker.${name}`, lang: "any", type: "fake-marker", pattern, weight };
}

export const rules: readonly InjectionRule[] = [
  marker("chatml-system", 0.8, "<\\|im_start\\|>\\s*(?:system|developer)"),
  marker("chatml-turn", 0.4, "<\\|im_end\\|>\\s*(?:</s>\\s*)?<\\|im_start\\|>\\s*(?:system|assistant|developer)"),
  marker("zephyr-system", 0.6, "<\\|system\\|>"),
  marker("zephyr-turn", 0.3, "<\\|(?:user|assistant|end)\\|>"),
  marker("llama2-inst", 0.4, "\\[/?inst\\]"),
  marker("llama2-sys", 0.6, "<</?sys>>"),
  marker("llama2-closed-turn", 0.6, "\\[/inst\\][^\\[]{0,200}(?:</s>\\s*)?(?:<s>\\s*)?\\[inst\\]"),
  marker("llama3-system", 0.6, "<\\|start_header_id\\|>\\s*(?:system|ipython|developer)\\s*<\\|end_header_id\\|>"),
  marker("llama3-turn", 0.4, "<\\|eot_id\\|>\\s*<\\|start_header_id\\|>"),
  marker("harmony-system", 0.6, "<\\|start\\|>\\s*(?:system|developer)|<\\|channel\\|>|<\\|message\\|>"),
  marker("gemma-turn", 0.5, "<start_of_turn>\\s*(?:system|model|user)|<end_of_turn>"),
  marker("special-token", 0.3, "<\\|(?:im_end|im_sep|endoftext|end_of_text|begin_of_text|eot_id|fim_prefix|return|call|end)\\|>|</s>|<｜[^｜\\n]{1,30}｜>"),
  marker(
    "markdown-system-header",
    0.6,
    "(?:^|\\n)\\s*#{1,4}\\s*(?:system|system\\s+prompt|system\\s+message|new\\s+instructions?|admin|developer\\s+(?:message|instructions?))\\s*:?\\s*(?:\\n|$)",
  ),
  marker("markdown-system-colon", 0.6, "#{2,4}\\s*(?:system|new\\s+instructions?|admin|developer)\\s*:"),
  marker("alpaca-header", 0.3, "#{2,4}\\s*(?:instruction|response|input)\\s*:"),
  marker("system-tag", 0.5, "<\\s*(?:system|system_prompt|system-prompt|sys|admin|developer|system_message|im_system)\\s*>"),
  marker("closing-system-tag", 0.4, "</\\s*(?:system|system_prompt|sys|admin|developer)\\s*>"),
  marker(
    "order-after-marker",
    0.5,
    "(?:<\\|im_start\\|>\\s*system|<\\|system\\|>|<<sys>>|<\\s*system\\s*>|#{1,4}\\s*system\\s*:?|\\[system\\]|<\\|end_header_id\\|>)\\s*(?:you\\s+(?:are|must|will|shall|should|now)|the\\s+(?:assistant|ai|model)|new\\s|from\\s+now|ignore|disregard|all\\s|always|never|do\\s+not|override|reveal|print|output|updated?|policy|rule)",
  ),
  marker("closing-user-tag", 0.5, "</\\s*(?:user|user_input|human|input|query|user_query|user_message|prompt)\\s*>"),
  marker(
    "user-closed-system-opened",
    1,
    "</\\s*(?:user|user_input|human|input|query|user_query|user_message|prompt|context|document|data)\\s*>\\s*<\\s*(?:system|assistant|admin|developer|instructions?|system_prompt|sys)\\s*>",
  ),
  marker("json-system-role", 0.6, "[{,]\\s*[\"']?role[\"']?\\s*:\\s*[\"'](?:system|developer)[\"']"),
  marker("transcript-turns", 0.4, "(?:^|\\n)\\s*(?:human|user)\\s*:[^\\n]{0,300}\\n+\\s*(?:assistant|ai|chatgpt|claude|gpt|bot)\\s*:"),
  marker(
    "fake-compliance",
    0.6,
    "(?:(?:^|\\n)\\s*(?:assistant|ai|chatgpt|claude|gpt|bot|model)\\s*:|#{2,4}\\s*response\\s*:)\\s*(?:sure|of\\s+course|certainly|absolutely|okay|ok|yes|understood)[,.!]?\\s+(?:here|i\\s+will|i['’]ll|i\\s+can|as|let)",
  ),
  marker("system-line", 0.3, "(?:^|\\n)\\s*(?:system|sys|admin|developer|root)\\s*:"),
  marker(
    "system-line-order",
    0.8,
    "(?:^|[\\n\\s\"'{\\[(>])(?:system|admin|developer|root)\\s*:\\s*(?:you\\s+(?:are|must|will|shall)\\s+(?:now|no\\s+longer)|(?:new\\s+)?(?:priority\\s+)?instructions?\\s+(?:follow|below)|ignore|disregard|new\\s+(?:instructions|rules)|override|the\\s+(?:assistant|ai|model)\\s+(?:must|should|will|is\\s+now|has\\s+been|now|can|may)|all\\s+(?:restrictions|filters|rules)|safety\\s+(?:filters?|mode))",
  ),
  marker(
    "end-of-prompt",
    0.5,
    "end\\s+of\\s+(?:the\\s+)?(?:user\\s+)?(?:prompt|input|instructions|system\\s+prompt|user\\s+(?:message|input)|conversation|context)",
  ),
  marker(
    "begin-system",
    0.6,
    "(?:begin|start)\\s+(?:of\\s+)?(?:the\\s+)?(?:new\\s+)?(?:system|admin|developer|real|actual|true|hidden)\\s+(?:prompt|instructions?|message|input|mode)",
  ),
  marker("bracket-system", 0.5, "\\[\\s*(?:system|sys|admin|developer|root)\\s*(?:message|prompt|instructions?|override|notice|update|alert)?\\s*\\]"),
  marker(
    "fenced-system",
    0.8,
    "(?:={2,}|-{2,}|\\*{2,}|#{2,}|\\[{2}|<{2}|\\[)\\s*(?:system|admin|developer|sys)(?:\\s+(?:message|prompt|instructions?|override|mode|notice))?\\s*(?:={2,}|-{2,}|\\*{2,}|#{2,}|\\]{2}|>{2})",
  ),
  marker(
    "turn-boundary",
    0.6,
    "[\\[(<]?\\s*(?:end|begin|start)\\s+(?:of\\s+)?(?:the\\s+)?(?:user|human|system|admin|developer|untrusted|trusted)\\s+(?:input|message|prompt|instructions?|turn|content|section|text)\\s*[\\])>]?",
  ),
  marker("closing-instructions-tag", 0.3, "</\\s*(?:instructions?|context|document|data|rules|policy)\\s*>"),
  marker("bing-system", 1, "\\[system\\]\\s*\\(#\\w+\\)"),
  marker(
    "role-header-colon",
    0.6,
    "(?:system|admin|administrator|developer|root|security|priority|openai|anthropic)\\s+(?:message|prompt|instructions?|override|notice|alert|directive|command)\\s*:",
  ),
];
