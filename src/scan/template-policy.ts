import { analyzeChatTemplate, type ChatTemplateAnalysis, type ChatTemplateRules } from "../formats/chat-template.js";

// What a chat template may not reach. formats/chat-template.ts parses the template and finds every
// attribute, global and string it names or builds; these rules say which of them only a sandbox escape
// (server-side template injection, CVE-2024-34359) needs.

/** Attribute names jinja2's sandbox refuses (plus Python 2 spellings); any `_`-prefixed name is refused too. */
const ESCAPE_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set([
  "mro",
  "func_globals",
  "func_code",
  "func_closure",
  "func_defaults",
  "im_class",
  "im_func",
  "im_self",
  "gi_frame",
  "gi_code",
  "gi_yieldfrom",
  "cr_frame",
  "cr_code",
  "cr_await",
  "ag_frame",
  "ag_code",
  "ag_await",
  "tb_frame",
  "tb_next",
  "tb_lasti",
  "f_back",
  "f_globals",
  "f_locals",
  "f_builtins",
  "f_code",
  "co_code",
]);

/** Globals no chat template uses and SSTI payloads start from. */
const SSTI_IDENTIFIERS: ReadonlySet<string> = new Set([
  "cycler",
  "joiner",
  "lipsum",
  "config",
  "request",
  "session",
  "self",
  "url_for",
  "get_flashed_messages",
  "os",
  "sys",
  "subprocess",
  "builtins",
  "eval",
  "exec",
  "compile",
  "open",
  "import",
  "getattr",
  "setattr",
  "delattr",
  "globals",
  "locals",
  "vars",
  "dir",
  "breakpoint",
]);

const DUNDER = /^__\w*[A-Za-z0-9]\w*__$/;
const DOTTED_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A name jinja2's sandbox would refuse as an attribute: `_`-prefixed or on the unsafe lists. */
function forbiddenAttribute(name: string): boolean {
  return name.startsWith("_") || ESCAPE_ATTRIBUTE_NAMES.has(name);
}

/**
 * A string that is nothing but an escape name (or dotted path through one). Stricter than the attribute
 * rule on purpose: '_' and '_x' are common in string operations; '__globals__' and 'mro' as whole strings
 * are not.
 */
function spellsForbiddenName(s: string): boolean {
  if (!DOTTED_NAME.test(s)) return false;
  return s.split(".").some((seg) => DUNDER.test(seg) || ESCAPE_ATTRIBUTE_NAMES.has(seg));
}

export const CHAT_TEMPLATE_RULES: ChatTemplateRules = {
  forbiddenAttribute,
  spellsForbiddenName,
  /** A computed string that contains a dunder anywhere, or is exactly one of the escape names. */
  containsForbiddenName: (s) => /__\w*[A-Za-z0-9]\w*__/.test(s) || spellsForbiddenName(s),
  forbiddenGlobal: (name) => (name.startsWith("__") ? "is a Python internal" : SSTI_IDENTIFIERS.has(name) ? "is used only by template injection" : undefined),
};

/** A chat template judged by these rules. */
export function judgeChatTemplate(template: string): ChatTemplateAnalysis {
  return analyzeChatTemplate(template, CHAT_TEMPLATE_RULES);
}
