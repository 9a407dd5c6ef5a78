import { analyzeChatTemplate } from "../formats/chat-template.js";

// What a chat template may not reach. formats/chat-template.ts parses the template and reports every
// attribute, global and string it names or builds, and the constructs refused whatever their names; these
// rules say which names only a sandbox escape (server-side template injection, CVE-2024-34359) needs.

export type ChatTemplateFindingKind =
  | "forbidden-attribute"
  | "dynamic-attribute-access"
  | "format-attribute-access"
  | "ssti-identifier"
  | "forbidden-name-literal"
  | "computed-forbidden-name"
  | "unknown-syntax";

export interface ChatTemplateFinding {
  readonly kind: ChatTemplateFindingKind;
  readonly detail: string;
}

export interface ChatTemplateJudgement {
  /** False when the template could not be parsed or fully walked: it is refused whatever else was found. */
  readonly parsed: boolean;
  readonly error?: string;
  readonly findings: readonly ChatTemplateFinding[];
}

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

/** A computed string that contains a dunder anywhere, or is exactly one of the escape names. */
function containsForbiddenName(s: string): boolean {
  return /__\w*[A-Za-z0-9]\w*__/.test(s) || spellsForbiddenName(s);
}

function forbiddenGlobal(name: string): string | undefined {
  if (name.startsWith("__")) return "is a Python internal";
  return SSTI_IDENTIFIERS.has(name) ? "is used only by template injection" : undefined;
}

const MAX_FINDINGS = 100;

/** Parses a chat template and judges what it names and builds. Never throws. */
export function judgeChatTemplate(template: string): ChatTemplateJudgement {
  const analysis = analyzeChatTemplate(template);
  const findings: ChatTemplateFinding[] = [];
  const seen = new Set<string>();
  const report = (kind: ChatTemplateFindingKind, detail: string): void => {
    const key = `${kind}\u0000${detail}`;
    if (seen.has(key) || findings.length >= MAX_FINDINGS) return;
    seen.add(key);
    findings.push({ kind, detail });
  };
  for (const o of analysis.observations) {
    switch (o.kind) {
      case "attribute":
        if (forbiddenAttribute(o.name)) report("forbidden-attribute", `attribute ${show(o.name)}`);
        break;
      case "attribute-path": {
        // attribute= and selectattr() paths are dotted; a subscript key is checked the same way, conservatively.
        const bad = o.path.split(".").find(forbiddenAttribute);
        if (bad !== undefined) report("forbidden-attribute", `${o.how} reaches ${show(bad)}${o.path !== bad ? ` (via ${show(o.path)})` : ""}`);
        break;
      }
      case "string-literal":
        if (spellsForbiddenName(o.value)) report("forbidden-name-literal", `string literal ${show(o.value)} names a sandbox-escape attribute`);
        break;
      case "global": {
        const why = forbiddenGlobal(o.name);
        if (why !== undefined) report("ssti-identifier", `global ${show(o.name)} ${why}`);
        break;
      }
      case "built-string":
        if (containsForbiddenName(o.value)) report("computed-forbidden-name", `expression builds ${show(o.value)}${o.expr}`);
        break;
      case "construct":
        report(o.construct.kind, o.construct.detail);
        break;
    }
  }
  return analysis.parsed ? { parsed: true, findings } : { parsed: false, ...(analysis.error !== undefined ? { error: analysis.error } : {}), findings };
}

function show(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}
