// Chat templates are Jinja programs shipped inside tokenizer_config.json (or as .jinja files) and run by
// every runtime that formats a prompt. A sandboxed renderer blocks `''.__class__.__mro__…`; an
// unsandboxed one (llama-cpp-python before 0.2.72, CVE-2024-34359) runs it. We do not render: we parse
// with @huggingface/jinja and walk the AST, refusing the constructs server-side template injection needs
// and no chat template does. Whatever we cannot parse or cannot fully walk is reported as unparsed, and
// the scan layer refuses it as unscannable. This module reports what the template names and builds
// (attributes, globals, string literals, folded strings) and the constructs refused whatever their names;
// which names are forbidden is the scan layer's policy (scan/template-policy.ts).
//
// What a chat template legitimately does — loop over messages, read role/content, call string methods,
// tojson, raise_exception, strftime_now, namespace() — passes. What gets a finding:
//   - an attribute, subscript, |attr or attribute= path reaching a dunder, a `_` name or a known escape
//     name (mro, f_globals, gi_frame, …: jinja2.sandbox's unsafe lists);
//   - a subscript or attr name that is built rather than written (`'__cla' ~ 'ss__'`, '%c'|format(95),
//     |join, |reverse, macro output…): "dynamic attribute access", whatever it evaluates to;
//   - str.format/format_map whose format string reads attributes ("{0.__class__}") or is not a literal;
//   - the globals only SSTI reaches for (cycler, joiner, lipsum, config, request, self, os, eval, …);
//   - string literals, or constant string expressions we can fold, that spell an escape name.

import { Template, tokenize } from "@huggingface/jinja";

/** A construct refused whatever names it uses: a built attribute name, field access in a format string, syntax we do not know. */
export interface ChatTemplateConstruct {
  readonly kind: "dynamic-attribute-access" | "format-attribute-access" | "unknown-syntax";
  readonly detail: string;
}

/** Something the template names or builds, in the order the walk meets it; the scan layer judges each. */
export type ChatTemplateObservation =
  /** `obj.name` */
  | { readonly kind: "attribute"; readonly name: string }
  /** A (possibly dotted) name used to reach an attribute: a subscript key, `|attr()`, `attribute=`, `selectattr()`. */
  | { readonly kind: "attribute-path"; readonly path: string; readonly how: string }
  /** A string literal that is not a dict key. */
  | { readonly kind: "string-literal"; readonly value: string }
  /** A variable name read in an expression (a global unless the template defines it). */
  | { readonly kind: "global"; readonly name: string }
  /** The constant value of a string-building expression (`'__cla' ~ 'ss__'`, `'%c'|format(95)`, …). */
  | { readonly kind: "built-string"; readonly value: string; readonly expr: string }
  | { readonly kind: "construct"; readonly construct: ChatTemplateConstruct };

export interface ChatTemplateAnalysis {
  /** False when the template could not be parsed or fully walked; the scan layer must then refuse it. */
  readonly parsed: boolean;
  readonly error?: string;
  /** For an unparsed template, what its tokens name (informational: it is refused either way). */
  readonly observations: readonly ChatTemplateObservation[];
}

export interface NamedChatTemplate {
  readonly name: string;
  readonly template: string;
}

/**
 * `problems` lists entries that were present but malformed (a list item without a string template, a
 * chat_template of the wrong type): the scan layer must not treat those as "no template".
 */
export interface ChatTemplateExtraction {
  readonly templates: readonly NamedChatTemplate[];
  readonly problems: readonly string[];
}

/** Real chat templates are a few KB, the largest tens of KB; 512 KiB leaves room and bounds the parse. */
export const CHAT_TEMPLATE_MAX_CHARS = 512 * 1024;
/** Deeper ASTs are refused rather than walked: nothing legitimate nests this far. */
export const CHAT_TEMPLATE_MAX_AST_DEPTH = 200;
const MAX_AST_NODES = 500_000;
/** Distinct observations, and their total characters; a template naming more is refused as unscannable. */
const MAX_OBSERVATIONS = 50_000;
const MAX_OBSERVED_CHARS = 8 << 20;
/**
 * The library's lexer runs a regex (for transformers' {% generation %} tag) that is quadratic in the
 * length of a whitespace run; 100k spaces take ~10 s. Longer runs are cut to this length before parsing.
 * Only whitespace counts change, which no check below depends on.
 */
const MAX_WHITESPACE_RUN = 256;
/** Constant folding stops at this length: escape names are short. */
const MAX_FOLDED_CHARS = 4096;
const MAX_FACTS_PER_NAME = 32;
const MAX_TEMPLATES = 64;

/** Filters that yield numbers or booleans: a subscript through them cannot name an attribute. */
const NUMERIC_FILTERS: ReadonlySet<string> = new Set(["length", "count", "int", "float", "abs", "round", "sum"]);
/**
 * Filters that only select or reshape their input: applied to data handed to the template they yield
 * data; applied to a template constant they compute a new value (which then counts as built).
 */
const PASSTHROUGH_FILTERS: ReadonlySet<string> = new Set([
  "items",
  "list",
  "dictsort",
  "sort",
  "unique",
  "select",
  "reject",
  "selectattr",
  "rejectattr",
  "groupby",
  "first",
  "last",
  "batch",
  "slice",
  "reverse",
]);
/** Methods that read a mapping handed to the template; their result is data, not a built string. */
const DATA_METHODS: ReadonlySet<string> = new Set(["items", "keys", "values", "get"]);
/** Filters that read attributes by name (jinja2's make_attrgetter), first positional argument or attribute=. */
const ATTRIBUTE_PATH_FILTERS: ReadonlySet<string> = new Set(["selectattr", "rejectattr", "groupby"]);
const ATTRIBUTE_KWARG_FILTERS: ReadonlySet<string> = new Set(["map", "sort", "sum", "unique", "min", "max", "groupby", "selectattr", "rejectattr"]);

/**
 * Parses a chat template and reports the constructs that only template injection uses. Never throws.
 * `parsed: false` means the template could not be analyzed (syntax error, too large, too deep).
 */
export function analyzeChatTemplate(template: string): ChatTemplateAnalysis {
  if (typeof template !== "string") return { parsed: false, error: "template is not a string", observations: [] };
  if (template.length > CHAT_TEMPLATE_MAX_CHARS) {
    return {
      parsed: false,
      error: `template is ${template.length} characters, over the ${CHAT_TEMPLATE_MAX_CHARS}-character limit`,
      observations: [],
    };
  }
  let program: unknown;
  try {
    program = new Template(capWhitespaceRuns(template)).parsed;
  } catch (err) {
    // Includes RangeError from the library's recursive-descent parser on absurd nesting.
    const message = err instanceof Error ? err.message : String(err);
    return { parsed: false, error: `template does not parse: ${message}`, observations: tokenObservations(template) };
  }
  try {
    const root = asNode(program);
    if (root === undefined) return { parsed: false, error: "parser returned no AST", observations: [] };
    const shape = measure(root);
    if (shape.depth > CHAT_TEMPLATE_MAX_AST_DEPTH) {
      return { parsed: false, error: `template nests deeper than ${CHAT_TEMPLATE_MAX_AST_DEPTH} levels`, observations: [] };
    }
    if (shape.nodes > MAX_AST_NODES) {
      return { parsed: false, error: `template has more than ${MAX_AST_NODES} syntax nodes`, observations: [] };
    }
    const analyzer = new Analyzer(root);
    const observations = analyzer.run();
    if (analyzer.observations.overflowed) return { parsed: false, error: "template names more distinct things than the analyzer keeps", observations };
    return { parsed: true, observations };
  } catch (err) {
    // Nothing above should throw; if it does, the template is unscannable, not clean.
    const message = err instanceof Error ? err.message : String(err);
    return { parsed: false, error: `template analysis failed: ${message}`, observations: [] };
  }
}

/**
 * The chat templates in a tokenizer_config.json-like object: `chat_template` as a string (named
 * "default") or as a list of {name, template}, plus any other top-level string under a key ending in
 * "chat_template" (a loader may be pointed at it, so it is scanned too). Never throws.
 */
export function extractChatTemplates(json: unknown): ChatTemplateExtraction {
  const templates: NamedChatTemplate[] = [];
  const problems: string[] = [];
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { templates, problems: ["expected a JSON object"] };
  }
  const record = json as Record<string, unknown>;
  const main = Object.hasOwn(record, "chat_template") ? record["chat_template"] : undefined;
  if (typeof main === "string") {
    templates.push({ name: "default", template: main });
  } else if (Array.isArray(main)) {
    main.forEach((entry: unknown, i) => {
      if (templates.length >= MAX_TEMPLATES) return;
      const e = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>) : undefined;
      const name = e?.["name"];
      const template = e?.["template"];
      if (typeof name === "string" && typeof template === "string") templates.push({ name, template });
      else problems.push(`chat_template[${i}] must be an object with string "name" and "template"`);
    });
    if (main.length > MAX_TEMPLATES) problems.push(`chat_template lists ${main.length} templates; at most ${MAX_TEMPLATES} are read`);
  } else if (main !== undefined && main !== null) {
    problems.push(`chat_template must be a string or a list of {name, template}, found ${typeof main}`);
  }
  for (const key of Object.keys(record)) {
    if (key === "chat_template" || !key.endsWith("chat_template")) continue;
    const value = record[key];
    if (typeof value === "string" && templates.length < MAX_TEMPLATES) templates.push({ name: key, template: value });
  }
  return { templates, problems };
}

// ---------------------------------------------------------------------------------------------------------
// AST access. The library does not export its node classes, so nodes are read structurally by `type`.

interface AstNode {
  readonly type: string;
  readonly [field: string]: unknown;
}

function asNode(value: unknown): AstNode | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return typeof (value as { type?: unknown }).type === "string" ? (value as AstNode) : undefined;
}
function child(node: AstNode, key: string): AstNode | undefined {
  return asNode(node[key]);
}
function children(node: AstNode, key: string): AstNode[] {
  const value = node[key];
  if (!Array.isArray(value)) return [];
  const out: AstNode[] = [];
  for (const item of value) {
    const n = asNode(item);
    if (n !== undefined) out.push(n);
  }
  return out;
}
function text(node: AstNode | undefined, key = "value"): string | undefined {
  const v = node?.[key];
  return typeof v === "string" ? v : undefined;
}
function isType(node: AstNode | undefined, type: string): node is AstNode {
  return node?.type === type;
}
/** Binary/unary operators are lexer tokens: {value, type}. */
function operatorOf(node: AstNode): string | undefined {
  const op = node["operator"];
  if (typeof op !== "object" || op === null) return undefined;
  const value = (op as { value?: unknown }).value;
  return typeof value === "string" ? value : undefined;
}
/** ObjectLiteral keeps its entries in a Map of expression → expression. */
function mapEntries(node: AstNode): [AstNode, AstNode][] {
  const value = node["value"];
  if (!(value instanceof Map)) return [];
  const out: [AstNode, AstNode][] = [];
  for (const [k, v] of value as Map<unknown, unknown>) {
    const kn = asNode(k);
    const vn = asNode(v);
    if (kn !== undefined && vn !== undefined) out.push([kn, vn]);
  }
  return out;
}

/** Depth and size without recursion, so a pathological AST is measured before anything recurses on it. */
function measure(root: AstNode): { depth: number; nodes: number } {
  const stack: [unknown, number][] = [[root, 1]];
  let depth = 0;
  let nodes = 0;
  while (stack.length > 0) {
    const [value, d] = stack.pop() as [unknown, number];
    if (typeof value !== "object" || value === null) continue;
    if (value instanceof Map) {
      for (const [k, v] of value as Map<unknown, unknown>) stack.push([k, d], [v, d]);
      continue;
    }
    if (Array.isArray(value)) {
      for (const v of value) stack.push([v, d]);
      continue;
    }
    if (asNode(value) === undefined) continue;
    nodes++;
    if (d > depth) depth = d;
    if (depth > CHAT_TEMPLATE_MAX_AST_DEPTH || nodes > MAX_AST_NODES) break;
    for (const [key, v] of Object.entries(value)) if (key !== "operator") stack.push([v, d + 1]);
  }
  return { depth, nodes };
}

const KNOWN_NODE_TYPES: ReadonlySet<string> = new Set([
  "Program",
  "If",
  "For",
  "Break",
  "Continue",
  "Set",
  "Macro",
  "Comment",
  "MemberExpression",
  "CallExpression",
  "Identifier",
  "IntegerLiteral",
  "FloatLiteral",
  "StringLiteral",
  "ArrayLiteral",
  "TupleLiteral",
  "ObjectLiteral",
  "BinaryExpression",
  "FilterExpression",
  "FilterStatement",
  "SelectExpression",
  "TestExpression",
  "UnaryExpression",
  "SliceExpression",
  "KeywordArgumentExpression",
  "SpreadExpression",
  "KeywordSpreadExpression",
  "CallStatement",
  "Ternary",
]);

// ---------------------------------------------------------------------------------------------------------
// Names

/** str.format fields that read an attribute or item of an argument: {0.__class__}, {x[0]}. */
const FORMAT_FIELD_ACCESS = /\{[^{}]*[.[][^{}]*\}/;

function show(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

// ---------------------------------------------------------------------------------------------------------
// Constant folding: enough of Python's string semantics to see through the usual obfuscations.

/** A dict literal written in the template; keys that do not fold to strings make the dict unfoldable. */
interface FoldedDict {
  readonly dict: ReadonlyMap<string, Folded>;
}
type Folded = string | number | boolean | null | readonly Folded[] | FoldedDict;

function isDict(v: Folded | undefined): v is FoldedDict {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function isList(v: Folded | undefined): v is readonly Folded[] {
  return Array.isArray(v);
}
/** A stable identity for a folded value, to deduplicate facts. */
function foldedKey(v: Folded): string {
  if (isDict(v)) return `{${[...v.dict].map(([k, x]) => `${JSON.stringify(k)}:${foldedKey(x)}`).join(",")}}`;
  if (isList(v)) return `[${v.map(foldedKey).join(",")}]`;
  return JSON.stringify(v);
}
type Fact = { readonly kind: "value"; readonly value: Folded } | { readonly kind: "dynamic" };

function pyStr(v: Folded): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : undefined;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v === null) return "None";
  return undefined;
}
function capped(v: Folded): Folded | undefined {
  if (typeof v === "string" && v.length > MAX_FOLDED_CHARS) return undefined;
  if (isList(v) && v.length > MAX_FOLDED_CHARS) return undefined;
  if (isDict(v) && v.dict.size > MAX_FOLDED_CHARS) return undefined;
  return v;
}
function pyIndex<T>(seq: readonly T[], i: number): T | undefined {
  if (!Number.isInteger(i)) return undefined;
  return seq[i < 0 ? seq.length + i : i];
}
function pySlice<T>(seq: readonly T[], start: Folded | undefined, stop: Folded | undefined, step: Folded | undefined): T[] | undefined {
  const st = step === undefined || step === null ? 1 : step;
  if (typeof st !== "number" || !Number.isInteger(st) || st === 0) return undefined;
  const n = seq.length;
  const norm = (v: Folded | undefined, dflt: number, lo: number, hi: number): number | undefined => {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v)) return undefined;
    const x = v < 0 ? v + n : v;
    return Math.min(Math.max(x, lo), hi);
  };
  const out: T[] = [];
  if (st > 0) {
    const a = norm(start, 0, 0, n);
    const b = norm(stop, n, 0, n);
    if (a === undefined || b === undefined) return undefined;
    for (let i = a; i < b; i += st) out.push(seq[i] as T);
  } else {
    const a = norm(start, n - 1, -1, n - 1);
    const b = norm(stop, -1, -1, n - 1);
    if (a === undefined || b === undefined) return undefined;
    for (let i = a; i > b; i += st) out.push(seq[i] as T);
  }
  return out;
}
/** Python %-formatting for %s, %d, %i, %c and %%; anything fancier does not fold. */
function printf(format: string, args: Folded): string | undefined {
  const list: readonly Folded[] = isList(args) ? args : [args];
  let next = 0;
  let failed = false;
  const out = format.replace(/%(.)/gs, (_m, conv: string) => {
    if (conv === "%") return "%";
    const arg = list[next++];
    if (arg === undefined) {
      failed = true;
      return "";
    }
    if (conv === "s") {
      const str = pyStr(arg);
      if (str !== undefined) return str;
    }
    if (conv === "d" || conv === "i") {
      if (typeof arg === "number") return String(Math.trunc(arg));
      failed = true;
      return "";
    }
    if (conv === "c") {
      if (typeof arg === "number" && Number.isInteger(arg) && arg >= 0 && arg <= 0x10ffff) return String.fromCodePoint(arg);
      if (typeof arg === "string" && [...arg].length === 1) return arg;
    }
    failed = true;
    return "";
  });
  return failed || next !== list.length ? undefined : out;
}
/** Python str.format with positional fields only ({} and {0}); fields with conversions or access do not fold. */
function strFormat(format: string, args: readonly Folded[]): string | undefined {
  const fields = /\{\{|\}\}|\{([0-9]*)\}/g;
  // A brace left over after the simple fields means a field we do not model ({0.x}, {:>4}, …).
  if (/[{}]/.test(format.replace(fields, ""))) return undefined;
  let auto = 0;
  let failed = false;
  const out = format.replace(fields, (m, index: string | undefined) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    const arg = args[index === undefined || index === "" ? auto++ : Number(index)];
    const s = arg === undefined ? undefined : pyStr(arg);
    if (s === undefined) failed = true;
    return s ?? "";
  });
  return failed ? undefined : out;
}

// ---------------------------------------------------------------------------------------------------------

class Analyzer {
  readonly observations = new ObservationList();
  /** What each variable (or `ns.attr`) may hold, from set, for, namespace() and macro calls. */
  private facts = new Map<string, Fact[]>();
  private readonly macroParams = new Map<string, string[]>();
  private foldMemo = new Map<AstNode, Folded | undefined>();
  private buildsMemo = new Map<AstNode, boolean>();

  constructor(private readonly root: AstNode) {}

  run(): ChatTemplateObservation[] {
    this.collectMacros(this.root);
    // Twice, so a variable assigned from another variable sees facts gathered later in the text.
    for (let pass = 0; pass < 2; pass++) {
      this.foldMemo = new Map();
      this.buildsMemo = new Map();
      this.collectFacts(this.root);
    }
    this.foldMemo = new Map();
    this.buildsMemo = new Map();
    this.statement(this.root);
    return this.observations.items;
  }

  private observe(o: ChatTemplateObservation): void {
    this.observations.add(o);
  }

  private report(kind: ChatTemplateConstruct["kind"], detail: string): void {
    this.observe({ kind: "construct", construct: { kind, detail } });
  }

  // ---- facts ---------------------------------------------------------------------------------------

  private collectMacros(node: AstNode): void {
    this.forEachNode(node, (n) => {
      if (n.type !== "Macro") return;
      const name = text(child(n, "name"));
      if (name === undefined) return;
      const params = children(n, "args")
        .map((a) => (a.type === "Identifier" ? text(a) : text(child(a, "key"))))
        .map((p) => p ?? "");
      this.macroParams.set(name, params);
    });
  }

  private collectFacts(node: AstNode): void {
    this.forEachNode(node, (n) => {
      switch (n.type) {
        case "Set": {
          const assignee = child(n, "assignee");
          const value = child(n, "value");
          if (assignee === undefined) return;
          if (value === undefined) {
            // {% set x %}…{% endset %}: the body's rendered text, which can spell anything.
            this.assign(assignee, undefined, true);
            return;
          }
          const assigneeName = text(assignee);
          if (!(isType(assignee, "Identifier") && this.isNamespaceCall(value))) this.assign(assignee, value, false);
          if (isType(assignee, "Identifier") && assigneeName !== undefined && this.isNamespaceCall(value)) {
            for (const arg of children(value, "args")) {
              const key = text(child(arg, "key"));
              const v = child(arg, "value");
              if (arg.type === "KeywordArgumentExpression" && key !== undefined && v !== undefined) {
                this.recordAll(`${assigneeName}.${key}`, this.factsFor(v));
              }
            }
          }
          return;
        }
        case "For": {
          const loopvar = child(n, "loopvar");
          const iterable = child(n, "iterable");
          if (loopvar === undefined || iterable === undefined) return;
          const folded = this.fold(iterable);
          // Iterating a dict yields its keys; a string, its characters.
          const items = isDict(folded) ? [...folded.dict.keys()] : typeof folded === "string" ? [...folded] : folded;
          if (isType(loopvar, "Identifier")) {
            const name = text(loopvar) ?? "";
            if (isList(items)) for (const item of items) this.record(name, { kind: "value", value: item });
            else if (this.builds(iterable)) this.record(name, { kind: "dynamic" });
            return;
          }
          const targets = children(loopvar, "value").map((v) => (isType(v, "Identifier") ? (text(v) ?? "") : ""));
          const rows = isList(items) ? items.filter(isList) : [];
          if (isList(items) && rows.length === items.length && rows.every((row) => row.length === targets.length)) {
            for (const row of rows) {
              targets.forEach((t, i) => {
                const value = row[i];
                if (value !== undefined) this.record(t, { kind: "value", value });
              });
            }
          } else if (items !== undefined || this.builds(iterable)) {
            for (const t of targets) this.record(t, { kind: "dynamic" });
          }
          return;
        }
        case "Macro":
          for (const arg of children(n, "args")) {
            const key = text(child(arg, "key"));
            const v = child(arg, "value");
            if (arg.type === "KeywordArgumentExpression" && key !== undefined && v !== undefined) this.recordAll(key, this.factsFor(v));
          }
          return;
        case "CallExpression": {
          const callee = text(child(n, "callee"));
          const params = callee === undefined ? undefined : this.macroParams.get(callee);
          if (params === undefined) return;
          children(n, "args").forEach((arg, i) => {
            if (arg.type === "KeywordArgumentExpression") {
              const key = text(child(arg, "key"));
              const v = child(arg, "value");
              if (key !== undefined && v !== undefined) this.recordAll(key, this.factsFor(v));
            } else if (arg.type === "SpreadExpression" || arg.type === "KeywordSpreadExpression") {
              for (const p of params) this.record(p, { kind: "dynamic" });
            } else {
              const p = params[i];
              if (p !== undefined) this.recordAll(p, this.factsFor(arg));
            }
          });
          return;
        }
      }
    });
  }

  private isNamespaceCall(value: AstNode): boolean {
    return value.type === "CallExpression" && text(child(value, "callee")) === "namespace";
  }

  private assign(assignee: AstNode, value: AstNode | undefined, dynamic: boolean): void {
    const path = this.pathOf(assignee);
    if (path !== undefined) {
      if (dynamic || value === undefined) this.record(path, { kind: "dynamic" });
      else this.recordAll(path, this.factsFor(value));
      return;
    }
    if (assignee.type === "TupleLiteral") {
      const targets = children(assignee, "value");
      const sources = value !== undefined && (value.type === "TupleLiteral" || value.type === "ArrayLiteral") ? children(value, "value") : undefined;
      targets.forEach((t, i) => {
        const p = this.pathOf(t);
        if (p === undefined) return;
        const src = sources?.[i];
        // An unpacked value we cannot see into may hold any string.
        if (src !== undefined && !dynamic) this.recordAll(p, this.factsFor(src));
        else this.record(p, { kind: "dynamic" });
      });
    }
  }

  /** `x` or `ns.attr` as a fact key; anything else is not tracked. */
  private pathOf(node: AstNode): string | undefined {
    if (node.type === "Identifier") return text(node);
    if (node.type === "MemberExpression" && node["computed"] !== true) {
      const object = child(node, "object");
      const property = child(node, "property");
      if (isType(object, "Identifier") && isType(property, "Identifier")) return `${text(object)}.${text(property)}`;
    }
    return undefined;
  }

  /**
   * What assigning `value` may store: a copied variable brings all its facts, a choice (ternary, `or`,
   * `and`, `x if c`) brings both sides', a constant its value, a built string "dynamic".
   */
  private factsFor(value: AstNode, depth = 0): Fact[] {
    const path = this.pathOf(value);
    if (path !== undefined && this.facts.has(path)) return [...(this.facts.get(path) ?? [])];
    if (depth < 32) {
      const op = value.type === "BinaryExpression" ? operatorOf(value) : undefined;
      if (value.type === "Ternary") {
        return [...this.factsFor(child(value, "trueExpr") ?? value, depth + 1), ...this.factsFor(child(value, "falseExpr") ?? value, depth + 1)];
      }
      if (value.type === "SelectExpression") return this.factsFor(child(value, "lhs") ?? value, depth + 1);
      if (op === "or" || op === "and") {
        return [...this.factsFor(child(value, "left") ?? value, depth + 1), ...this.factsFor(child(value, "right") ?? value, depth + 1)];
      }
    }
    const folded = this.fold(value);
    if (folded !== undefined) return [{ kind: "value", value: folded }];
    return this.builds(value) ? [{ kind: "dynamic" }] : [];
  }

  private recordAll(name: string, facts: readonly Fact[]): void {
    for (const f of facts) this.record(name, f);
  }

  private record(name: string, fact: Fact | undefined): void {
    if (fact === undefined || name === "") return;
    const list = this.facts.get(name) ?? [];
    if (list.length >= MAX_FACTS_PER_NAME) {
      if (!list.some((f) => f.kind === "dynamic")) list.push({ kind: "dynamic" });
    } else if (!list.some((f) => sameFact(f, fact))) {
      list.push(fact);
    }
    this.facts.set(name, list);
  }

  /** The single value a variable is known to hold, if there is exactly one. */
  private known(path: string): Folded | undefined {
    const list = this.facts.get(path);
    if (list === undefined || list.length !== 1) return undefined;
    const [only] = list;
    return only?.kind === "value" ? only.value : undefined;
  }

  /** Visits every node once, without recursion (depth is already bounded, but this is simpler). */
  private forEachNode(root: AstNode, visit: (n: AstNode) => void): void {
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const value = stack.pop();
      if (typeof value !== "object" || value === null) continue;
      if (value instanceof Map) {
        for (const [k, v] of value as Map<unknown, unknown>) stack.push(k, v);
        continue;
      }
      if (Array.isArray(value)) {
        for (const v of value) stack.push(v);
        continue;
      }
      const node = asNode(value);
      if (node === undefined) continue;
      visit(node);
      for (const [key, v] of Object.entries(node)) if (key !== "operator") stack.push(v);
    }
  }

  // ---- folding -------------------------------------------------------------------------------------

  /** The constant value of an expression, when it can be computed without runtime data. */
  private fold(node: AstNode | undefined): Folded | undefined {
    if (node === undefined) return undefined;
    if (this.foldMemo.has(node)) return this.foldMemo.get(node);
    this.foldMemo.set(node, undefined); // cycles through facts fold to "unknown"
    const value = this.foldUncached(node);
    const result = value === undefined ? undefined : capped(value);
    this.foldMemo.set(node, result);
    return result;
  }

  private foldUncached(node: AstNode): Folded | undefined {
    switch (node.type) {
      case "StringLiteral":
        return text(node);
      case "IntegerLiteral":
      case "FloatLiteral": {
        const v = node["value"];
        return typeof v === "number" ? v : undefined;
      }
      case "ArrayLiteral":
      case "TupleLiteral": {
        const items: Folded[] = [];
        for (const c of children(node, "value")) {
          const v = this.fold(c);
          if (v === undefined) return undefined;
          items.push(v);
        }
        return items;
      }
      case "ObjectLiteral": {
        const dict = new Map<string, Folded>();
        for (const [k, v] of mapEntries(node)) {
          const key = this.fold(k);
          const value = this.fold(v);
          if (typeof key !== "string" || value === undefined) return undefined;
          dict.set(key, value);
        }
        return { dict };
      }
      case "Identifier": {
        const name = text(node) ?? "";
        if (name === "true" || name === "True") return true;
        if (name === "false" || name === "False") return false;
        if (name === "none" || name === "None") return null;
        return this.known(name);
      }
      case "MemberExpression":
        return this.foldMember(node);
      case "UnaryExpression": {
        const v = this.fold(child(node, "argument"));
        const op = operatorOf(node);
        if (typeof v === "number" && op === "-") return -v;
        if (typeof v === "number" && op === "+") return v;
        return undefined;
      }
      case "BinaryExpression":
        return this.foldBinary(operatorOf(node), this.fold(child(node, "left")), this.fold(child(node, "right")));
      case "FilterExpression": {
        const filter = child(node, "filter");
        if (filter === undefined) return undefined;
        const name = filter.type === "Identifier" ? text(filter) : text(child(filter, "callee"));
        const args = filter.type === "CallExpression" ? this.foldArgs(filter) : [];
        if (name === undefined || args === undefined) return undefined;
        return this.foldFilter(name, this.fold(child(node, "operand")), args);
      }
      case "CallExpression":
        return this.foldCall(node);
      default:
        return undefined;
    }
  }

  private foldArgs(call: AstNode): Folded[] | undefined {
    const out: Folded[] = [];
    for (const arg of children(call, "args")) {
      if (arg.type === "KeywordArgumentExpression") return undefined;
      const v = this.fold(arg);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }

  private foldMember(node: AstNode): Folded | undefined {
    const property = child(node, "property");
    if (node["computed"] !== true) {
      const path = this.pathOf(node);
      const known = path === undefined ? undefined : this.known(path);
      if (known !== undefined) return known;
      const object = this.fold(child(node, "object"));
      const name = text(property);
      return isDict(object) && name !== undefined ? object.dict.get(name) : undefined;
    }
    const object = this.fold(child(node, "object"));
    if (object === undefined || property === undefined) return undefined;
    if (isDict(object)) {
      const key = this.fold(property);
      return typeof key === "string" ? object.dict.get(key) : undefined;
    }
    const seq: readonly Folded[] | undefined = typeof object === "string" ? [...object] : isList(object) ? object : undefined;
    if (seq === undefined) return undefined;
    if (property.type === "SliceExpression") {
      const part = (k: string): Folded | undefined | "bad" => {
        const n = child(property, k);
        if (n === undefined) return undefined;
        return this.fold(n) ?? "bad";
      };
      const [a, b, c] = [part("start"), part("stop"), part("step")];
      if (a === "bad" || b === "bad" || c === "bad") return undefined;
      const sliced = pySlice(seq, a, b, c);
      if (sliced === undefined) return undefined;
      return typeof object === "string" ? (sliced as string[]).join("") : sliced;
    }
    const index = this.fold(property);
    return typeof index === "number" ? pyIndex(seq, index) : undefined;
  }

  private foldBinary(op: string | undefined, l: Folded | undefined, r: Folded | undefined): Folded | undefined {
    if (l === undefined || r === undefined) return undefined;
    switch (op) {
      case "~": {
        const a = pyStr(l);
        const b = pyStr(r);
        return a === undefined || b === undefined ? undefined : a + b;
      }
      case "+":
        if (typeof l === "string" && typeof r === "string") return l + r;
        if (typeof l === "number" && typeof r === "number") return l + r;
        if (isList(l) && isList(r)) return [...l, ...r];
        return undefined;
      case "-":
        return typeof l === "number" && typeof r === "number" ? l - r : undefined;
      case "*":
        if (typeof l === "number" && typeof r === "number") return l * r;
        if (typeof l === "string" && typeof r === "number") return repeat(l, r);
        if (typeof l === "number" && typeof r === "string") return repeat(r, l);
        return undefined;
      case "//":
        return typeof l === "number" && typeof r === "number" && r !== 0 ? Math.floor(l / r) : undefined;
      case "%":
        if (typeof l === "string") return printf(l, r);
        return typeof l === "number" && typeof r === "number" && r !== 0 ? ((l % r) + r) % r : undefined;
      default:
        return undefined;
    }
  }

  private foldFilter(name: string, v: Folded | undefined, args: readonly Folded[]): Folded | undefined {
    if (v === undefined) return undefined;
    const [a0, a1] = args;
    switch (name) {
      case "join": {
        const items: readonly Folded[] | undefined = typeof v === "string" ? [...v] : isList(v) ? v : undefined;
        const sep = a0 === undefined ? "" : pyStr(a0);
        if (items === undefined || sep === undefined) return undefined;
        const parts: string[] = [];
        for (const item of items) {
          const p = pyStr(item);
          if (p === undefined) return undefined;
          parts.push(p);
        }
        return parts.join(sep);
      }
      case "reverse":
        return typeof v === "string" ? [...v].reverse().join("") : isList(v) ? [...v].reverse() : undefined;
      case "list":
        return typeof v === "string" ? [...v] : isList(v) ? v : isDict(v) ? [...v.dict.keys()] : undefined;
      case "first":
        return typeof v === "string" ? [...v][0] : isList(v) ? v[0] : undefined;
      case "last":
        return typeof v === "string" ? [...v].at(-1) : isList(v) ? v.at(-1) : undefined;
      case "items":
        return isDict(v) ? [...v.dict].map(([k, x]) => [k, x]) : undefined;
      case "lower":
        return typeof v === "string" ? v.toLowerCase() : undefined;
      case "upper":
        return typeof v === "string" ? v.toUpperCase() : undefined;
      case "trim":
        return typeof v === "string" ? v.trim() : undefined;
      case "string":
      case "e":
      case "escape":
      case "safe":
        return pyStr(v);
      case "length":
      case "count":
        return typeof v === "string" ? [...v].length : isList(v) ? v.length : isDict(v) ? v.dict.size : undefined;
      case "int":
        return typeof v === "number" ? Math.trunc(v) : typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : undefined;
      case "replace":
        return typeof v === "string" && typeof a0 === "string" && typeof a1 === "string" ? v.split(a0).join(a1) : undefined;
      case "format":
        return typeof v === "string" ? printf(v, args.length === 1 ? [args[0] as Folded] : args) : undefined;
      default:
        return undefined;
    }
  }

  private foldCall(node: AstNode): Folded | undefined {
    const callee = child(node, "callee");
    if (callee === undefined) return undefined;
    if (callee.type === "Identifier" && (text(callee) === "namespace" || text(callee) === "dict")) {
      const dict = new Map<string, Folded>();
      for (const arg of children(node, "args")) {
        const key = text(child(arg, "key"));
        const value = this.fold(child(arg, "value"));
        if (arg.type !== "KeywordArgumentExpression" || key === undefined || value === undefined) return undefined;
        dict.set(key, value);
      }
      return { dict };
    }
    const args = this.foldArgs(node);
    if (args === undefined) return undefined;
    const [a0, a1] = args;
    if (callee.type === "Identifier") {
      // chr() is not a Jinja global, but payloads written for renderers that expose it use it to spell names.
      if (text(callee) === "chr" && typeof a0 === "number" && Number.isInteger(a0) && a0 >= 0 && a0 <= 0x10ffff) {
        return String.fromCodePoint(a0);
      }
      return undefined;
    }
    if (callee.type !== "MemberExpression" || callee["computed"] === true) return undefined;
    const method = text(child(callee, "property"));
    const self = this.fold(child(callee, "object"));
    if (isDict(self)) {
      if (method === "get" && typeof a0 === "string") return self.dict.get(a0) ?? a1 ?? null;
      if (method === "keys") return [...self.dict.keys()];
      if (method === "values") return [...self.dict.values()];
      if (method === "items") return [...self.dict].map(([k, x]) => [k, x]);
      return undefined;
    }
    if (typeof self !== "string") return undefined;
    switch (method) {
      case "join":
        return this.foldFilter("join", a0, [self]);
      case "format":
        return strFormat(self, args);
      case "replace":
        return typeof a0 === "string" && typeof a1 === "string" ? self.split(a0).join(a1) : undefined;
      case "upper":
        return self.toUpperCase();
      case "lower":
        return self.toLowerCase();
      case "strip":
        return a0 === undefined ? self.trim() : undefined;
      case "lstrip":
        return a0 === undefined ? self.trimStart() : undefined;
      case "rstrip":
        return a0 === undefined ? self.trimEnd() : undefined;
      case "split":
        return a0 === undefined ? self.split(/\s+/).filter((s) => s !== "") : typeof a0 === "string" && a0 !== "" ? self.split(a0) : undefined;
      default:
        return undefined;
    }
  }

  /**
   * Whether an expression builds a string at runtime (concatenation, formatting, string filters, calls —
   * including macros, whose output is text) rather than naming data. Subscripts through such an
   * expression are dynamic attribute access.
   */
  private builds(node: AstNode | undefined): boolean {
    if (node === undefined) return false;
    const memo = this.buildsMemo.get(node);
    if (memo !== undefined) return memo;
    this.buildsMemo.set(node, false);
    const result = this.buildsUncached(node);
    this.buildsMemo.set(node, result);
    return result;
  }

  private buildsUncached(node: AstNode): boolean {
    switch (node.type) {
      case "BinaryExpression": {
        const op = operatorOf(node);
        const left = child(node, "left");
        const right = child(node, "right");
        const stringy = (n: AstNode | undefined): boolean => typeof this.fold(n) === "string" || this.builds(n);
        if (op === "~") return true;
        if (op === "+" || op === "*") return stringy(left) || stringy(right);
        if (op === "%") return stringy(left);
        if (op === "and" || op === "or") return this.builds(left) || this.builds(right);
        return false;
      }
      case "FilterExpression": {
        const filter = child(node, "filter");
        const name = filter?.type === "Identifier" ? text(filter) : text(child(filter ?? node, "callee"));
        if (name !== undefined && NUMERIC_FILTERS.has(name)) return false;
        if (name !== undefined && PASSTHROUGH_FILTERS.has(name)) {
          const operand = child(node, "operand");
          const args = filter?.type === "CallExpression" ? children(filter, "args") : [];
          return this.builds(operand) || this.fold(operand) !== undefined || args.some((a) => this.builds(a));
        }
        // Filters that make text (join, format, replace, default, …) and unknown ones count as building.
        return true;
      }
      case "CallExpression": {
        // mapping.items()/keys()/values()/get() on data handed to the template reads data; on anything
        // the template built (a dict literal holding computed strings, a variable set from one) it does not.
        const callee = child(node, "callee");
        const receiver = callee?.type === "MemberExpression" && callee["computed"] !== true ? child(callee, "object") : undefined;
        const method = text(child(callee ?? node, "property"));
        if (receiver !== undefined && method !== undefined && DATA_METHODS.has(method)) {
          return this.builds(receiver) || (this.fold(receiver) !== undefined && this.fold(node) === undefined);
        }
        // namespace()/dict() make containers and range() numbers; what they hold is checked through them.
        const name = text(callee);
        if (callee?.type === "Identifier" && (name === "namespace" || name === "dict" || name === "range")) {
          return children(node, "args").some((a) => this.builds(a.type === "KeywordArgumentExpression" ? child(a, "value") : a));
        }
        return true;
      }
      case "ArrayLiteral":
      case "TupleLiteral":
        return children(node, "value").some((c) => this.builds(c));
      case "ObjectLiteral":
        return mapEntries(node).some(([k, v]) => this.builds(k) || this.builds(v));
      case "Ternary":
        return this.builds(child(node, "trueExpr")) || this.builds(child(node, "falseExpr"));
      case "SelectExpression":
        return this.builds(child(node, "lhs"));
      case "Identifier":
        return (this.facts.get(text(node) ?? "") ?? []).some((f) => f.kind === "dynamic");
      case "MemberExpression": {
        const path = this.pathOf(node);
        if (path !== undefined && (this.facts.get(path) ?? []).some((f) => f.kind === "dynamic")) return true;
        const object = child(node, "object");
        // A member of something built is built; a member of a template constant we cannot resolve is
        // as unknown as a computed string.
        if (this.builds(object)) return true;
        return this.fold(object) !== undefined && this.fold(node) === undefined;
      }
      default:
        return false;
    }
  }

  /** Every string an expression may evaluate to that we can know statically. */
  private possibleStrings(node: AstNode): string[] {
    const out: string[] = [];
    for (const f of this.factsFor(node)) if (f.kind === "value" && typeof f.value === "string") out.push(f.value);
    return out;
  }

  // ---- checks --------------------------------------------------------------------------------------

  /**
   * A name used to reach an attribute. `strict` (|attr, getattr, attribute=) demands a string literal;
   * otherwise (subscripts) data-driven keys pass and only built strings count as dynamic.
   */
  private checkAttributeName(node: AstNode, how: string, strict: boolean): void {
    for (const s of this.possibleStrings(node)) {
      this.observe({ kind: "attribute-path", path: s, how });
    }
    if (node.type === "StringLiteral") return;
    if (strict || this.builds(node)) {
      this.report("dynamic-attribute-access", `${how} uses a computed name${describeExpr(node)}`);
    }
  }

  private statements(nodes: AstNode[]): void {
    for (const n of nodes) this.statement(n);
  }

  private statement(node: AstNode): void {
    switch (node.type) {
      case "Program":
        this.statements(children(node, "body"));
        return;
      case "If":
        this.expr(child(node, "test"));
        this.statements(children(node, "body"));
        this.statements(children(node, "alternate"));
        return;
      case "For":
        this.declaration(child(node, "loopvar"));
        this.expr(child(node, "iterable"));
        this.statements(children(node, "body"));
        this.statements(children(node, "defaultBlock"));
        return;
      case "Set": {
        const assignee = child(node, "assignee");
        if (assignee !== undefined) this.declaration(assignee);
        this.expr(child(node, "value"));
        this.statements(children(node, "body"));
        return;
      }
      case "Macro":
        this.parameters(children(node, "args"));
        this.statements(children(node, "body"));
        return;
      case "CallStatement": {
        this.expr(child(node, "call"));
        const callerArgs = node["callerArgs"];
        if (Array.isArray(callerArgs)) this.parameters(children(node, "callerArgs"));
        this.statements(children(node, "body"));
        return;
      }
      case "FilterStatement":
        this.filter(child(node, "filter"));
        this.statements(children(node, "body"));
        return;
      case "Comment":
      case "Break":
      case "Continue":
        return;
      case "StringLiteral":
        // Template text (and {{ 'literal' }}): output, never evaluated.
        return;
      default:
        this.expr(node);
    }
  }

  /** Loop variables and set targets: a dotted target writes an attribute, which is checked like a read. */
  private declaration(node: AstNode | undefined): void {
    if (node === undefined) return;
    if (node.type === "TupleLiteral") {
      for (const c of children(node, "value")) this.declaration(c);
      return;
    }
    if (node.type === "Identifier") return;
    this.expr(node);
  }

  private parameters(params: AstNode[]): void {
    for (const p of params) if (p.type === "KeywordArgumentExpression") this.expr(child(p, "value"));
  }

  private expr(node: AstNode | undefined, opts: { keyLiteral?: boolean } = {}): void {
    if (node === undefined) return;
    switch (node.type) {
      case "StringLiteral": {
        const value = text(node) ?? "";
        if (!opts.keyLiteral) this.observe({ kind: "string-literal", value });
        return;
      }
      case "IntegerLiteral":
      case "FloatLiteral":
        return;
      case "Identifier":
        this.reference(text(node) ?? "");
        return;
      case "ArrayLiteral":
      case "TupleLiteral":
        for (const c of children(node, "value")) this.expr(c);
        return;
      case "ObjectLiteral":
        for (const [k, v] of mapEntries(node)) {
          this.expr(k);
          this.expr(v);
        }
        return;
      case "MemberExpression":
        this.member(node);
        return;
      case "CallExpression":
        this.call(node);
        this.computed(node);
        return;
      case "FilterExpression":
        this.expr(child(node, "operand"));
        this.filter(child(node, "filter"));
        this.computed(node);
        return;
      case "TestExpression":
        this.expr(child(node, "operand"));
        return;
      case "BinaryExpression":
        this.expr(child(node, "left"));
        this.expr(child(node, "right"));
        this.computed(node);
        return;
      case "UnaryExpression":
        this.expr(child(node, "argument"));
        return;
      case "SelectExpression":
        this.expr(child(node, "lhs"));
        this.expr(child(node, "test"));
        return;
      case "Ternary":
        this.expr(child(node, "condition"));
        this.expr(child(node, "trueExpr"));
        this.expr(child(node, "falseExpr"));
        return;
      case "SliceExpression":
        this.expr(child(node, "start"));
        this.expr(child(node, "stop"));
        this.expr(child(node, "step"));
        return;
      case "KeywordArgumentExpression":
        this.expr(child(node, "value"));
        return;
      case "SpreadExpression":
      case "KeywordSpreadExpression":
        this.expr(child(node, "argument"));
        return;
      default:
        if (!KNOWN_NODE_TYPES.has(node.type)) this.report("unknown-syntax", `syntax node ${node.type} is not understood by this analyzer`);
        // A statement where an expression was expected, or a new node type: still walk what it holds.
        for (const [key, v] of Object.entries(node)) {
          if (key === "operator") continue;
          const n = asNode(v);
          if (n !== undefined) this.statementOrExpr(n);
          else if (Array.isArray(v))
            for (const item of v) {
              const c = asNode(item);
              if (c !== undefined) this.statementOrExpr(c);
            }
        }
    }
  }

  private statementOrExpr(node: AstNode): void {
    if (["Program", "If", "For", "Set", "Macro", "CallStatement", "FilterStatement", "Comment", "Break", "Continue"].includes(node.type)) {
      this.statement(node);
    } else {
      this.expr(node);
    }
  }

  private reference(name: string): void {
    this.observe({ kind: "global", name });
  }

  private member(node: AstNode): void {
    const object = child(node, "object");
    const property = child(node, "property");
    this.expr(object);
    if (property === undefined) return;
    if (node["computed"] !== true) {
      // obj.name: the parser allows an identifier or an integer after the dot.
      const name = text(property);
      if (property.type === "Identifier" && name !== undefined) this.observe({ kind: "attribute", name });
      return;
    }
    if (property.type === "SliceExpression") {
      this.expr(property);
      return;
    }
    this.checkAttributeName(property, "subscript", false);
    this.expr(property, { keyLiteral: true });
  }

  private call(node: AstNode): void {
    const callee = child(node, "callee");
    const args = children(node, "args");
    this.expr(callee);
    for (const a of args) this.expr(a);
    if (callee === undefined) return;

    const calleeName = text(callee);
    if (callee.type === "Identifier" && calleeName !== undefined && ["getattr", "setattr", "delattr", "hasattr"].includes(calleeName)) {
      const name = args[1];
      if (name !== undefined) this.checkAttributeName(name, `${calleeName}()`, true);
      return;
    }
    if (callee.type === "MemberExpression" && callee["computed"] !== true) {
      const method = text(child(callee, "property"));
      if (method === "format" || method === "format_map") {
        // str.format resolves {0.attr} and {0[key]} itself, outside Jinja's attribute checks.
        const receiver = child(callee, "object");
        if (receiver === undefined) return;
        const formats = this.possibleStrings(receiver);
        if (formats.length === 0) {
          this.report("format-attribute-access", `.${method}() on a format string that is not a literal${describeExpr(receiver)}`);
        }
        for (const f of formats) {
          if (FORMAT_FIELD_ACCESS.test(f)) this.report("format-attribute-access", `.${method}() with field access in ${show(f)}`);
        }
      }
    }
  }

  private filter(node: AstNode | undefined): void {
    if (node === undefined) return;
    const name = node.type === "Identifier" ? text(node) : text(child(node, "callee"));
    const args = node.type === "CallExpression" ? children(node, "args") : [];
    for (const a of args) this.expr(a);
    if (name === undefined) return;
    const positional = args.filter((a) => a.type !== "KeywordArgumentExpression");
    const first = positional[0];

    if (name === "attr") {
      if (first !== undefined) this.checkAttributeName(first, "|attr()", true);
      return;
    }
    if (ATTRIBUTE_PATH_FILTERS.has(name) && first !== undefined) this.checkAttributeName(first, `|${name}()`, true);
    if (name === "map" && first !== undefined) {
      // map('attr', 'x') applies the attr filter; map(<computed>) picks a filter we cannot see.
      if (first.type !== "StringLiteral") this.report("dynamic-attribute-access", `|map() with a computed filter name${describeExpr(first)}`);
      else if (text(first) === "attr" && positional[1] !== undefined) this.checkAttributeName(positional[1], "|map('attr')", true);
    }
    if (ATTRIBUTE_KWARG_FILTERS.has(name)) {
      for (const a of args) {
        const value = child(a, "value");
        if (a.type === "KeywordArgumentExpression" && text(child(a, "key")) === "attribute" && value !== undefined) {
          this.checkAttributeName(value, `|${name}(attribute=)`, true);
        }
      }
    }
  }

  /** A string-building expression whose constant value spells an escape name. */
  private computed(node: AstNode): void {
    if (!this.builds(node)) return;
    const v = this.fold(node);
    if (typeof v === "string") this.observe({ kind: "built-string", value: v, expr: describeExpr(node) });
  }
}

function sameFact(a: Fact, b: Fact): boolean {
  if (a.kind === "dynamic" || b.kind === "dynamic") return a.kind === b.kind;
  return foldedKey(a.value) === foldedKey(b.value);
}

function repeat(s: string, n: number): string | undefined {
  if (!Number.isInteger(n)) return undefined;
  if (n <= 0) return "";
  return s.length * n > MAX_FOLDED_CHARS ? undefined : s.repeat(n);
}

/** A short rendering of an expression's shape for finding details. */
function describeExpr(node: AstNode): string {
  switch (node.type) {
    case "BinaryExpression":
      return ` (${operatorOf(node) ?? "?"} expression)`;
    case "FilterExpression": {
      const filter = child(node, "filter");
      const name = filter?.type === "Identifier" ? text(filter) : text(child(filter ?? node, "callee"));
      return ` (|${name ?? "?"})`;
    }
    case "CallExpression":
      return " (call result)";
    case "Identifier":
      return ` (variable ${show(text(node) ?? "")})`;
    default:
      return ` (${node.type})`;
  }
}

/** Distinct observations in the order met, bounded in count and size. */
class ObservationList {
  readonly items: ChatTemplateObservation[] = [];
  private readonly seen = new Set<string>();
  private chars = 0;
  /** Something could not be kept: what the template names is not fully known. */
  overflowed = false;

  add(o: ChatTemplateObservation): void {
    const key = JSON.stringify(o);
    if (this.seen.has(key)) return;
    if (this.items.length >= MAX_OBSERVATIONS || this.chars + key.length > MAX_OBSERVED_CHARS) {
      this.overflowed = true;
      return;
    }
    this.chars += key.length;
    this.seen.add(key);
    this.items.push(o);
  }
}

/**
 * For a template the parser refuses: what its tokens name, so the report can still say what the template
 * reaches for. Informational: an unparsed template is refused either way.
 */
function tokenObservations(template: string): ChatTemplateObservation[] {
  let tokens: readonly { value: string; type: string }[];
  try {
    tokens = tokenize(capWhitespaceRuns(template));
  } catch {
    return [];
  }
  const observations = new ObservationList();
  tokens.forEach((token, i) => {
    if (token.type === "Identifier") {
      const afterDot = tokens[i - 1]?.type === "Dot";
      observations.add(afterDot ? { kind: "attribute", name: token.value } : { kind: "global", name: token.value });
    } else if (token.type === "StringLiteral") {
      observations.add({ kind: "string-literal", value: token.value });
    }
  });
  return observations.items;
}

/** Cuts whitespace runs to MAX_WHITESPACE_RUN characters; see the constant for why. Linear time. */
function capWhitespaceRuns(template: string): string {
  let run = 0;
  let needed = false;
  for (let i = 0; i < template.length; i++) {
    run = isRegexWhitespace(template.charCodeAt(i)) ? run + 1 : 0;
    if (run > MAX_WHITESPACE_RUN) {
      needed = true;
      break;
    }
  }
  if (!needed) return template;
  const parts: string[] = [];
  let kept = 0; // start of the stretch still to be copied
  run = 0;
  for (let i = 0; i < template.length; i++) {
    if (!isRegexWhitespace(template.charCodeAt(i))) {
      run = 0;
      continue;
    }
    run++;
    if (run === MAX_WHITESPACE_RUN + 1) parts.push(template.slice(kept, i));
    if (run > MAX_WHITESPACE_RUN) kept = i + 1;
  }
  parts.push(template.slice(kept));
  return parts.join("");
}

/** JavaScript's \s, which is what the library's regexes use. */
function isRegexWhitespace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
