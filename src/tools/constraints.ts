import { lstat as fsLstat, realpath as fsRealpath } from "node:fs/promises";
import { createRequire } from "node:module";
import { posix } from "node:path";
import { Worker } from "node:worker_threads";
import RE2 from "re2";
import { z } from "zod";
import { PerimeterError } from "../errors.js";
import { clip as clipTo } from "../clip.js";

// Argument constraints: what an operator says a tool's arguments may be, checked before the tool sees them. A
// constraint refuses anything it cannot prove fits — a value of the wrong type, a path it cannot normalise, a URL
// two parsers could read differently, SQL it cannot parse — because a check that guesses is a check an attacker
// steers. Everything a rule needs is compiled once; check() runs on every tool call.

/** Values and parser messages in refusals are cut shorter than the usual 200 characters. */
const clip = (s: string, max = 120): string => clipTo(s, max);

/** Dialects the read-only SQL check parses (node-sql-parser's names). */
export const SQL_DIALECTS = ["postgresql", "mysql", "mariadb", "sqlite", "transactsql", "bigquery"] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

/** Longest path accepted (Linux PATH_MAX). */
const MAX_PATH = 4096;
const MAX_URL = 8192;
/** Longest SQL accepted: node-sql-parser takes ~10 ms per KB of ordinary SQL, on a worker thread. */
export const MAX_SQL = 10_000;
/** Parenthesis depth the SQL parser is given: its backtracking grows exponentially with nesting. */
const MAX_SQL_NESTING = 32;
/** Elements of one array argument (or of the arrays on a dotted path). */
const MAX_ELEMENTS = 1000;
/** Filesystem look-ups one call may cost (realpath and lstat for path prefixes). */
const MAX_FS_CALLS = 1024;
/** SQL texts one call may carry: each can take up to SQL_DEADLINE_MS of the parser thread. */
const MAX_SQL_TEXTS = 16;
/** Time the parser thread gets for one SQL text; past it the thread is replaced and the SQL refused. */
export const SQL_DEADLINE_MS = 500;
/** SQL texts waiting for the parser thread; more are refused rather than queued without bound. */
const SQL_MAX_WAITING = 64;
/** Syntax tree nodes one SQL text may have. */
const MAX_AST_NODES = 200_000;

// ——— configuration ———

const ruleKeys = ["pathPrefix", "hosts", "min", "max", "integer", "enum", "pattern", "maxLength", "sql"] as const;

export const argumentConstraintSchema = z
  .strictObject({
    /** The argument is an absolute POSIX path inside one of these directories (normalised; symlinks resolved). */
    pathPrefix: z.array(z.string().max(MAX_PATH)).min(1).max(100).optional(),
    /** The argument is an http(s) URL whose host is one of these (exact, or `*.suffix`; IP addresses exactly). */
    hosts: z.array(z.string().min(1).max(255)).min(1).max(1000).optional(),
    /** With hosts: the schemes allowed (default both). */
    schemes: z
      .array(z.enum(["https", "http"]))
      .min(1)
      .optional(),
    /** The argument is a JSON number within these bounds (inclusive). */
    min: z.number().optional(),
    max: z.number().optional(),
    /** The argument is a JSON number with no fractional part, and a safe integer (±2^53). */
    integer: z.boolean().optional(),
    /** The argument is one of these values (type included: "5" is not 5). */
    enum: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .max(10_000)
      .optional(),
    /** The whole string matches this RE2 pattern (linear time; no backreferences or lookaround). */
    pattern: z.string().min(1).max(2000).optional(),
    /** A string of at most this many UTF-16 code units (JavaScript's length). */
    maxLength: z.number().int().min(0).max(10_000_000).optional(),
    /** The argument is SQL whose every statement is a plain SELECT (see readOnlySql). */
    sql: z.literal("read-only").optional(),
    /** With sql: the dialect to parse it as (default postgresql). */
    sqlDialect: z.enum(SQL_DIALECTS).optional(),
    /** The call must give the argument; by default an absent argument is not checked. */
    required: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    for (const [path, message] of specProblems(c)) ctx.addIssue({ code: "custom", message, path });
  });

export type ArgumentConstraintSpec = z.infer<typeof argumentConstraintSchema>;

/** What is wrong with a constraint beyond its fields' types: rules that cannot hold together, or do not compile. */
function specProblems(c: ArgumentConstraintSpec): [(string | number)[], string][] {
  const problems: [(string | number)[], string][] = [];
  const has = (k: (typeof ruleKeys)[number]) => (k === "integer" ? c.integer === true : c[k] !== undefined);
  if (!ruleKeys.some(has)) problems.push([[], "give at least one rule (pathPrefix, hosts, min, max, integer, enum, pattern, maxLength or sql)"]);
  if (c.min !== undefined && c.max !== undefined && c.min > c.max) problems.push([["min"], `min (${c.min}) must not exceed max (${c.max})`]);
  const numberRule = has("min") || has("max") || has("integer");
  const stringRule = has("pathPrefix") || has("hosts") || has("pattern") || has("maxLength") || has("sql");
  // no value is both a number and a string: such a constraint refuses everything, which is a typo, not a rule
  if (numberRule && stringRule) problems.push([[], "number rules (min, max, integer) and string rules cannot both apply to one argument"]);
  if (c.enum !== undefined && numberRule && c.enum.some((e) => typeof e !== "number"))
    problems.push([["enum"], "with number rules, every enum value must be a number"]);
  if (c.enum !== undefined && stringRule && c.enum.some((e) => typeof e !== "string"))
    problems.push([["enum"], "with string rules, every enum value must be a string"]);
  if (c.schemes !== undefined && c.hosts === undefined) problems.push([["schemes"], "schemes applies only with hosts"]);
  if (c.sqlDialect !== undefined && c.sql === undefined) problems.push([["sqlDialect"], "sqlDialect applies only with sql"]);
  c.pathPrefix?.forEach((p, i) => {
    if (normalisePath(p) === undefined)
      problems.push([["pathPrefix", i], `${JSON.stringify(p)} is not an absolute path (no ~, %, backslash or control characters)`]);
  });
  c.hosts?.forEach((h, i) => {
    if (hostEntry(h) === undefined)
      problems.push([["hosts", i], `${JSON.stringify(h)} is not a host name, an IP address or *.suffix (no scheme, port or path)`]);
  });
  if (c.pattern !== undefined) {
    const problem = patternProblem(c.pattern);
    if (problem !== undefined) problems.push([["pattern"], problem]);
  }
  return problems;
}

function patternProblem(pattern: string): string | undefined {
  try {
    // compiled alone first, so that the anchors added around it cannot be unbalanced by a stray ")"
    new RE2(pattern, "u");
    return undefined;
  } catch (err) {
    return `not an RE2 pattern (RE2 has no backreferences or lookaround): ${(err as Error).message}`;
  }
}

// ——— compiled constraints ———

export interface ConstraintDecision {
  readonly allow: boolean;
  readonly reason: string;
  /** The argument refused, as configured ("path", "options.path"). */
  readonly argument?: string;
  /** The rule that refused it: type, required, enum, number, integer, min, max, maxLength, pattern, pathPrefix, hosts, sql, error. */
  readonly rule?: string;
}

export interface CheckOptions {
  /** Resolves symbolic links (default fs.promises.realpath); rejects with an errno `code` when it cannot. */
  readonly realpath?: (path: string) => Promise<string>;
  /** Reads a link itself (default fs.promises.lstat): tells a dangling symbolic link from nothing. */
  readonly lstat?: (path: string) => Promise<unknown>;
}

interface HostMatcher {
  readonly exact: ReadonlySet<string>;
  /** ".example.com" for "*.example.com". */
  readonly suffixes: readonly string[];
  readonly schemes: readonly string[];
  readonly listed: string;
}

interface CompiledRule {
  readonly name: string;
  readonly path: readonly string[];
  readonly required: boolean;
  readonly enumValues: ReadonlySet<string | number | boolean> | undefined;
  readonly enumText: string;
  readonly number: { readonly min: number | undefined; readonly max: number | undefined; readonly integer: boolean } | undefined;
  readonly string:
    | {
        readonly maxLength: number | undefined;
        readonly pattern: { readonly regex: RE2; readonly source: string } | undefined;
        readonly prefixes: readonly string[] | undefined;
        readonly hosts: HostMatcher | undefined;
        readonly sql: SqlDialect | undefined;
      }
    | undefined;
}

/** Per-call state: what look-ups cost so far, and prefixes already resolved. */
interface CheckContext {
  readonly realpath: (path: string) => Promise<string>;
  readonly lstat: (path: string) => Promise<unknown>;
  fsCalls: number;
  sqlTexts: number;
  readonly realPrefixes: Map<string, string | undefined>;
}

type Problem = { readonly rule: string; readonly reason: string };

const FORBIDDEN_SEGMENTS = new Set(["", "__proto__", "constructor", "prototype"]);

export class ArgumentConstraints {
  private constructor(private readonly rules: readonly CompiledRule[]) {}

  /** True when no argument is constrained: the caller can skip check(). */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /**
   * Compile a tool's constraints, keyed by argument name or dotted path into nested objects ("options.path": a dot
   * always means nesting). A bad constraint is CONFIG_INVALID naming `where` and the key.
   */
  static compile(spec: Readonly<Record<string, ArgumentConstraintSpec>>, where: string): ArgumentConstraints {
    const rules: CompiledRule[] = [];
    for (const [name, raw] of Object.entries(spec)) {
      const path = name.split(".");
      if (name.length > 200 || path.some((p) => FORBIDDEN_SEGMENTS.has(p)))
        throw new PerimeterError("CONFIG_INVALID", `${where}.${name}: not an argument name (dotted names, no empty, __proto__, constructor or prototype part)`);
      // parsed again here: compile() is also handed specs that never went through the configuration's schema
      const parsed = argumentConstraintSchema.safeParse(raw);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${[where, name, ...i.path.map(String)].join(".")}: ${i.message}`);
        throw new PerimeterError("CONFIG_INVALID", issues.join("; "));
      }
      rules.push(compileRule(name, path, parsed.data));
    }
    return new ArgumentConstraints(rules);
  }

  /**
   * Check a call's arguments (a JSON object; undefined counts as {}). Never throws: anything unexpected is a
   * refusal that names the argument and why.
   */
  async check(args: unknown, options: CheckOptions = {}): Promise<ConstraintDecision> {
    const ctx: CheckContext = {
      realpath: options.realpath ?? fsRealpath,
      lstat: options.lstat ?? fsLstat,
      fsCalls: 0,
      sqlTexts: 0,
      realPrefixes: new Map(),
    };
    let current = "(arguments)";
    try {
      const root = args === undefined ? {} : args;
      if (!isPlainObject(root)) return refuse(current, "type", "the arguments must be a JSON object");
      for (const rule of this.rules) {
        current = rule.name;
        const found = valuesAt(root, rule.path);
        if ("problem" in found) return refuse(rule.name, "type", `the argument ${rule.name}: ${found.problem}`);
        if (found.absent && rule.required) return refuse(rule.name, "required", `the argument ${rule.name} is required`);
        for (const value of found.values) {
          const problem = await checkLeaf(rule, value, ctx);
          if (problem !== undefined) return refuse(rule.name, problem.rule, `the argument ${rule.name} ${problem.reason}`);
        }
      }
      return { allow: true, reason: this.rules.length === 0 ? "no argument is constrained" : "every constrained argument fits its constraint" };
    } catch (err) {
      // an exception in a security check is a deny
      const message = err instanceof Error ? err.message : String(err);
      return refuse(current, "error", `the argument ${current} could not be checked (${clip(message)}), so the call is refused`);
    }
  }
}

function compileRule(name: string, path: readonly string[], c: ArgumentConstraintSpec): CompiledRule {
  const numberRule = c.min !== undefined || c.max !== undefined || c.integer === true;
  const stringRule = c.pathPrefix !== undefined || c.hosts !== undefined || c.pattern !== undefined || c.maxLength !== undefined || c.sql !== undefined;
  let hosts: HostMatcher | undefined;
  if (c.hosts !== undefined) {
    const exact = new Set<string>();
    const suffixes: string[] = [];
    for (const h of c.hosts) {
      const entry = hostEntry(h)!; // the schema refused entries hostEntry does not take
      if (entry.suffix) suffixes.push(`.${entry.host}`);
      else exact.add(entry.host);
    }
    hosts = { exact, suffixes, schemes: c.schemes ?? ["https", "http"], listed: c.hosts.join(", ") };
  }
  return {
    name,
    path,
    required: c.required === true,
    enumValues: c.enum === undefined ? undefined : new Set(c.enum),
    enumText: c.enum === undefined ? "" : clip(c.enum.map((e) => JSON.stringify(e)).join(", "), 300),
    number: numberRule ? { min: c.min, max: c.max, integer: c.integer === true } : undefined,
    string: stringRule
      ? {
          maxLength: c.maxLength,
          pattern: c.pattern === undefined ? undefined : { regex: new RE2(`^(?:${c.pattern})$`, "u"), source: c.pattern },
          prefixes: c.pathPrefix?.map((p) => normalisePath(p)!),
          hosts,
          sql: c.sql === undefined ? undefined : (c.sqlDialect ?? "postgresql"),
        }
      : undefined,
  };
}

function refuse(argument: string, rule: string, reason: string): ConstraintDecision {
  return { allow: false, reason, argument, rule };
}

/** A JSON object as JSON.parse makes it: no class instance, no Map, nothing with a prototype of its own. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The values at a dotted path: own properties only; an array on the way is entered element by element (each must
 * be an object), a null on the way means nothing is below it. The leaf values come back as found (arrays too).
 */
function valuesAt(root: Record<string, unknown>, path: readonly string[]): { absent: boolean; values: unknown[] } | { problem: string } {
  let holders: unknown[] = [root];
  let absent = false;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth]!;
    const next: unknown[] = [];
    for (const holder of holders) {
      if (holder === null) {
        absent = true;
        continue;
      }
      const objects = Array.isArray(holder) && depth > 0 ? holder : [holder];
      for (const o of objects) {
        if (!isPlainObject(o)) return { problem: `${path.slice(0, depth).join(".")} must be an object (or a list of objects)` };
        if (Object.hasOwn(o, key)) next.push(o[key]);
        else absent = true;
      }
      if (next.length > MAX_ELEMENTS) return { problem: `reaches more than ${MAX_ELEMENTS} values` };
    }
    holders = next;
  }
  return { absent: absent || holders.length === 0, values: holders };
}

async function checkLeaf(rule: CompiledRule, value: unknown, ctx: CheckContext): Promise<Problem | undefined> {
  if (!Array.isArray(value)) return checkValue(rule, value, ctx);
  // A number wrapped in an array is not a number, whatever the tool's arithmetic makes of it ([5] + 0 is "50").
  if (rule.number !== undefined) return { rule: "number", reason: "must be a JSON number, not a list" };
  // Otherwise a list is checked element by element: a list of paths, tags from an enum.
  if (value.length > MAX_ELEMENTS) return { rule: "type", reason: `has more than ${MAX_ELEMENTS} elements` };
  for (const element of value) {
    const problem = await checkValue(rule, element, ctx);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

async function checkValue(rule: CompiledRule, v: unknown, ctx: CheckContext): Promise<Problem | undefined> {
  if (rule.enumValues !== undefined && !((typeof v === "string" || typeof v === "number" || typeof v === "boolean") && rule.enumValues.has(v)))
    return { rule: "enum", reason: `must be one of ${rule.enumText}, not ${describe(v)}` };
  const n = rule.number;
  if (n !== undefined) {
    if (typeof v !== "number" || !Number.isFinite(v)) return { rule: "number", reason: `must be a JSON number, not ${describe(v)}` };
    if (n.integer && !Number.isInteger(v)) return { rule: "integer", reason: `must be a whole number, not ${v}` };
    // beyond 2^53 JSON.parse rounds: the tool, parsing the same text exactly, may see another number than this check
    if (n.integer && !Number.isSafeInteger(v)) return { rule: "integer", reason: "must be a whole number within ±2^53" };
    if (n.min !== undefined && v < n.min) return { rule: "min", reason: `must be at least ${n.min}, not ${v}` };
    if (n.max !== undefined && v > n.max) return { rule: "max", reason: `must be at most ${n.max}, not ${v}` };
  }
  const s = rule.string;
  if (s === undefined) return undefined;
  if (typeof v !== "string") return { rule: "type", reason: `must be a string, not ${describe(v)}` };
  if (s.maxLength !== undefined && v.length > s.maxLength) return { rule: "maxLength", reason: `must be at most ${s.maxLength} characters, not ${v.length}` };
  // a lone surrogate becomes U+FFFD on its way to UTF-8: the tool would see another string than the one checked
  if (LONE_SURROGATE.test(v)) return { rule: "type", reason: "must be well-formed Unicode (it holds a lone surrogate)" };
  if (s.pattern !== undefined && !s.pattern.regex.test(v)) return { rule: "pattern", reason: `does not match the pattern ${clip(s.pattern.source)}` };
  if (s.prefixes !== undefined) {
    const problem = await pathProblem(v, s.prefixes, ctx);
    if (problem !== undefined) return { rule: "pathPrefix", reason: problem };
  }
  if (s.hosts !== undefined) {
    const problem = hostProblem(v, s.hosts);
    if (problem !== undefined) return { rule: "hosts", reason: problem };
  }
  if (s.sql !== undefined) {
    if (++ctx.sqlTexts > MAX_SQL_TEXTS) return { rule: "sql", reason: `is one SQL text too many: a call may carry at most ${MAX_SQL_TEXTS}` };
    const problem = await readOnlySql(v, s.sql);
    if (problem !== undefined) return { rule: "sql", reason: `is not read-only SQL: it ${problem}` };
  }
  return undefined;
}

const LONE_SURROGATE = /\p{Cs}/u;

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return clip(JSON.stringify(v), 80);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return typeof v;
}

// ——— paths ———

/**
 * Lexical POSIX normalisation of an absolute path ("/srv/a/../b/" → "/srv/b"); undefined for anything that is not
 * a plain absolute path. Refused, because some tool on the way would read it differently: NUL and other control
 * characters (C strings end at NUL), backslashes (a separator to Windows tools), percent-encoding (some tools
 * decode "%2e%2e", others do not: a literal "%" followed by two hex digits is refused), a segment starting with
 * "~" (shells and some libraries expand it), lone surrogates, and paths longer than PATH_MAX.
 */
export function normalisePath(value: string): string | undefined {
  if (value.length === 0 || value.length > MAX_PATH || !value.startsWith("/")) return undefined;
  if (UNSAFE_PATH.test(value) || LONE_SURROGATE.test(value)) return undefined;
  const n = posix.normalize(value);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

const UNSAFE_PATH = /[\u0000-\u001f\u007f\\]|%[0-9a-f]{2}|(?:^|\/)~/i;

function within(path: string, prefix: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}

async function pathProblem(value: string, prefixes: readonly string[], ctx: CheckContext): Promise<string | undefined> {
  const lexical = normalisePath(value);
  if (lexical === undefined) return "must be an absolute path without control characters, backslashes, percent-encoding or ~";
  if (!prefixes.some((p) => within(lexical, p))) return `must lie within ${prefixes.join(" or ")}: the path ${clip(lexical)} does not`;
  // A tool (or the filesystem: some fold on lookup) that applies Unicode compatibility folding would turn
  // "．．" into "..": both readings must stay inside.
  if (!ASCII.test(value)) {
    const folded = normalisePath(value.normalize("NFKC"));
    if (folded === undefined || !prefixes.some((p) => within(folded, p)))
      return `must lie within ${prefixes.join(" or ")}: read with Unicode compatibility folding (NFKC) the path leaves it`;
  }
  return symlinkProblem(value, prefixes, ctx);
}

const ASCII = /^[\u0000-\u007f]*$/;

/**
 * Symbolic links: the real path of the longest existing ancestor, with the rest appended, must lie within the real
 * path of a prefix. The raw path is resolved, ".." included, because the kernel follows a link before it applies
 * the ".." after it ("/srv/data/link/../x" is not "/srv/data/x" when link is a symlink). A dangling link as the
 * first missing component is refused: a write would follow it out. What this cannot see: a link created after the
 * check (the tool should open with O_NOFOLLOW or openat2 RESOLVE_BENEATH if the agent can make links).
 */
async function symlinkProblem(value: string, prefixes: readonly string[], ctx: CheckContext): Promise<string | undefined> {
  const realPrefixes: string[] = [];
  for (const prefix of prefixes) {
    if (!ctx.realPrefixes.has(prefix)) ctx.realPrefixes.set(prefix, await resolvedOrUndefined(prefix, ctx));
    const real = ctx.realPrefixes.get(prefix);
    if (real !== undefined) realPrefixes.push(real);
  }
  if (realPrefixes.length === 0) return `must lie within ${prefixes.join(" or ")}, which cannot be resolved on this host`;
  // "." and empty segments change nothing whatever the links; ".." does, so it stays for realpath to apply.
  const segments = value.split("/").filter((s) => s !== "" && s !== ".");
  for (let i = segments.length; i >= 0; i--) {
    const candidate = `/${segments.slice(0, i).join("/")}`;
    const resolved = await resolve(candidate, ctx);
    if (resolved.kind === "missing") continue;
    if (resolved.kind === "failed")
      return `cannot be resolved on this host (${resolved.code} at ${clip(candidate)}), so it cannot be shown to stay within its prefix`;
    const rest = segments.slice(i);
    const full = rest.length === 0 ? resolved.real : posix.join(resolved.real, ...rest);
    if (!realPrefixes.some((p) => within(full, p))) return `leaves ${prefixes.join(" or ")} through a symbolic link (the real path is ${clip(full)})`;
    if (rest.length > 0) {
      const first = posix.join(resolved.real, rest[0]!);
      if (++ctx.fsCalls > MAX_FS_CALLS) return `needs more than ${MAX_FS_CALLS} filesystem look-ups to check`;
      try {
        await ctx.lstat(first);
        return `passes through a symbolic link that points to nothing (${clip(first)}): a write would follow it wherever it points`;
      } catch (err) {
        if (errorCode(err) !== "ENOENT") return `cannot be checked on this host (${errorCode(err)} at ${clip(first)})`;
      }
    }
    return undefined;
  }
  return "cannot be resolved on this host";
}

async function resolvedOrUndefined(path: string, ctx: CheckContext): Promise<string | undefined> {
  const r = await resolve(path, ctx);
  return r.kind === "real" ? r.real : undefined;
}

async function resolve(path: string, ctx: CheckContext): Promise<{ kind: "real"; real: string } | { kind: "missing" } | { kind: "failed"; code: string }> {
  if (++ctx.fsCalls > MAX_FS_CALLS) return { kind: "failed", code: `more than ${MAX_FS_CALLS} look-ups` };
  try {
    const real = await ctx.realpath(path);
    // a resolver that answers with something other than an absolute path is not one to trust
    if (typeof real !== "string" || !real.startsWith("/")) return { kind: "failed", code: "not an absolute path" };
    return { kind: "real", real };
  } catch (err) {
    // only "no such file" means the rest is yet to be created; EACCES, ELOOP, ENOTDIR… are refusals
    const code = errorCode(err);
    return code === "ENOENT" ? { kind: "missing" } : { kind: "failed", code };
  }
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "error";
}

// ——— URLs and hosts ———

/** scheme://authority, the authority read up to the first "/", "?" or "#". */
const URL_HEAD = /^(https?):\/\/([^/?#]*)/i;
/** The one spelling of an authority every URL parser reads alike: an ASCII name or a bracketed IPv6, a port. */
const AUTHORITY = /^(?:([a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?)|(\[[0-9a-f:.]+\]))(?::[0-9]{1,5})?$/i;
/** Anything WHATWG strips, removes or reads as "/" while other parsers keep it (tabs, newlines, backslashes). */
const URL_AMBIGUOUS = /[\u0000-\u0020\u007f\\]/;
const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;

interface ParsedUrl {
  readonly scheme: string;
  /** Lower case, without a trailing dot; IPv6 in brackets. */
  readonly host: string;
  readonly ip: boolean;
}

/**
 * An http(s) URL read the way the WHATWG parser (Node's fetch, undici) reads it, and only if every other parser
 * would read the same host: no userinfo, no percent-encoding, Unicode or shorthand IP ("127.1", "0x7f.1") in the
 * authority, no backslash, whitespace or control character anywhere, and "//" after the scheme.
 */
function parseHttpUrl(value: string): ParsedUrl | string {
  if (value.length > MAX_URL) return `must be a URL of at most ${MAX_URL} characters`;
  if (URL_AMBIGUOUS.test(value)) return "must be a URL without whitespace, control characters or backslashes";
  const head = URL_HEAD.exec(value);
  if (head === null) return "must be an http(s) URL (scheme://host…)";
  const authority = head[2]!;
  const shape = AUTHORITY.exec(authority);
  if (shape === null) return `must name its host plainly (no user@, percent-encoding or non-ASCII): ${clip(authority)}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a URL";
  }
  const rawHost = (shape[1] ?? shape[2]!).toLowerCase();
  // WHATWG rewrites some hosts ("127.1" → "127.0.0.1", "[0::1]" → "[::1]"): a host it rewrites is one another
  // parser may read differently, so only the canonical spelling is taken
  if (url.hostname !== rawHost || url.username !== "" || url.password !== "") return `must write its host in canonical form: ${clip(authority)}`;
  const host = rawHost.endsWith(".") ? rawHost.slice(0, -1) : rawHost;
  if (host === "") return "must name a host";
  return { scheme: head[1]!.toLowerCase(), host, ip: host.startsWith("[") || IPV4.test(host) };
}

/** The lower-case host of an http(s) URL (without a trailing dot, IPv6 in brackets); undefined for anything else. */
export function urlHost(value: string): string | undefined {
  const parsed = parseHttpUrl(value);
  return typeof parsed === "string" ? undefined : parsed.host;
}

/** A configured host: a name, an IP address (IPv6 with or without brackets), or "*.suffix"; canonical form. */
function hostEntry(entry: string): { host: string; suffix: boolean } | undefined {
  const suffix = entry.startsWith("*.");
  const name = suffix ? entry.slice(2) : entry;
  if (name.length === 0 || /[\s/?#@\\%*]/.test(name)) return undefined;
  const bracketed = name.includes(":") && !name.startsWith("[") ? `[${name}]` : name;
  let url: URL;
  try {
    url = new URL(`http://${bracketed}/`);
  } catch {
    return undefined;
  }
  if (url.port !== "" || url.username !== "" || url.hostname === "") return undefined;
  const host = url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
  if (host === "" || (suffix && (host.startsWith("[") || IPV4.test(host)))) return undefined;
  return { host, suffix };
}

function hostProblem(value: string, hosts: HostMatcher): string | undefined {
  const parsed = parseHttpUrl(value);
  if (typeof parsed === "string") return parsed;
  if (!hosts.schemes.includes(parsed.scheme)) return `must be a ${hosts.schemes.join(" or ")} URL, not ${parsed.scheme}`;
  // an IP address matches only when listed as itself: "*.0.0.1" says nothing about 127.0.0.1
  const ok = hosts.exact.has(parsed.host) || (!parsed.ip && hosts.suffixes.some((s) => parsed.host.endsWith(s)));
  return ok ? undefined : `must name one of the hosts ${clip(hosts.listed, 300)}, not ${clip(parsed.host)}`;
}

// ——— read-only SQL ———

/**
 * Functions that write, wait, lock, signal, read server files or reach outside the database, refused by name
 * (the last part of a qualified name, case-insensitive) in "read-only" SQL. Functions a deployment defines itself
 * are not known here: run the tool's queries as a role that can only read, in a READ ONLY transaction.
 */
const SIDE_EFFECT_FUNCTIONS = new Set([
  // PostgreSQL
  "set_config",
  "nextval",
  "setval",
  "txid_current",
  "pg_current_xact_id",
  "pg_terminate_backend",
  "pg_cancel_backend",
  "pg_reload_conf",
  "pg_rotate_logfile",
  "pg_promote",
  "pg_notify",
  "pg_stat_file",
  "pg_export_snapshot",
  "pg_import_system_collations",
  "pg_truncate_visibility_map",
  "pg_start_backup",
  "pg_stop_backup",
  "pg_logdir_ls",
  "loread",
  "lowrite",
  // run a query given as a string, which no check of this text can see into
  "query_to_xml",
  "query_to_xmlschema",
  "query_to_xml_and_xmlschema",
  "cursor_to_xml",
  "cursor_to_xmlschema",
  // MySQL, MariaDB
  "sleep",
  "benchmark",
  "load_file",
  "get_lock",
  "release_lock",
  "release_all_locks",
  "master_pos_wait",
  "source_pos_wait",
  "wait_for_executed_gtid_set",
  "wait_until_sql_thread_after_gtids",
  "sys_exec",
  "sys_eval",
  "sys_get",
  "sys_set",
  // SQLite
  "load_extension",
  "readfile",
  "writefile",
  "edit",
  "fts3_tokenizer",
  // SQL Server
  "openrowset",
  "opendatasource",
  "openquery",
  // BigQuery
  "external_query",
]);

/** Families of functions refused by prefix. */
const SIDE_EFFECT_PREFIXES = [
  "pg_sleep",
  "pg_advisory_",
  "pg_try_advisory_",
  "pg_ls_",
  "pg_read_",
  "pg_file_",
  "pg_stat_reset",
  "pg_replication_",
  "pg_create_",
  "pg_drop_",
  "pg_copy_",
  "pg_logical_",
  "pg_wal_",
  "pg_xlog_",
  "pg_switch_",
  "pg_backup_",
  "pg_log_",
  "lo_",
  "dblink",
  "xp_",
  "sp_",
];

function sideEffectFunction(name: string): boolean {
  const n = name.toLowerCase();
  return SIDE_EFFECT_FUNCTIONS.has(n) || SIDE_EFFECT_PREFIXES.some((p) => n.startsWith(p));
}

interface SqlLexicon {
  /** Characters that open quoted text closed by the same character, doubled to escape it. */
  readonly quotes: string;
  /** [identifier] quoting (SQL Server, SQLite). */
  readonly brackets: boolean;
}

const LEXICONS: Readonly<Record<SqlDialect, SqlLexicon>> = {
  postgresql: { quotes: `'"`, brackets: false },
  mysql: { quotes: "'\"`", brackets: false },
  mariadb: { quotes: "'\"`", brackets: false },
  sqlite: { quotes: "'\"`", brackets: true },
  transactsql: { quotes: `'"`, brackets: true },
  bigquery: { quotes: "'\"`", brackets: false },
};

/**
 * What the lexer makes of SQL without the parser: how many statements the semicolons separate, or why the text
 * is refused before any parser sees it. It refuses every construct on which node-sql-parser and a database (or two
 * databases, or one database in two modes) read different boundaries of strings, comments and statements.
 */
function lexSql(sql: string, dialect: SqlDialect): { statements: number } | { problem: string } {
  const lexicon = LEXICONS[dialect];
  if (LONE_SURROGATE.test(sql)) return { problem: "holds a lone surrogate" };
  // anywhere, quoted text included: a backslash escapes a quote in MySQL and BigQuery strings, in PostgreSQL E''
  // strings and with standard_conforming_strings off, and not otherwise, so where a string ends depends on who
  // reads it; psql reads it as a meta-command (\! runs a shell). NUL ends the text for libpq.
  if (sql.includes("\\")) return { problem: "holds a backslash, which dialects (and psql) read differently" };
  if (sql.includes("\u0000")) return { problem: "holds a NUL character" };
  let statements = 0;
  let significant = false; // the current statement has a token
  let first = ""; // the current statement's first token
  let previousName: string | undefined; // the last token, when it was a name (so "name (" is a call)
  let previousWord = "";
  let depth = 0;
  const end = sql.length;
  let i = 0;
  const token = (t: string) => {
    if (!significant) first = t;
    significant = true;
  };
  while (i < end) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c < " " || c === "\u007f") return { problem: "holds a control character" };
    if (c === "-" && next === "-") {
      // MySQL starts a comment only at "-- " ("--1" is minus minus one): require the space everywhere
      const after = sql[i + 2];
      if (after !== undefined && after !== " " && after !== "\t" && after !== "\n" && after !== "\r")
        return { problem: `holds "--" not followed by a space, which MySQL reads as code and other databases as a comment` };
      // a line comment ends at \n or \r: whichever a reader uses, this lexer sees at least as much code
      while (i < end && sql[i] !== "\n" && sql[i] !== "\r") i++;
      continue;
    }
    if (c === "/" && next === "*") {
      const opener = sql.slice(i + 2, i + 4);
      if (opener.startsWith("!") || opener.startsWith("+") || opener === "M!")
        return { problem: "holds a /*! or /*+ comment, which MySQL and MariaDB execute or obey" };
      const close = sql.indexOf("*/", i + 2);
      if (close < 0) return { problem: "holds an unterminated comment" };
      // PostgreSQL nests block comments, MySQL and node-sql-parser do not: "/* /* */ …" ends in different places
      if (sql.slice(i + 2, close).includes("/*")) return { problem: "holds a comment inside a comment, where dialects disagree on where it ends" };
      i = close + 2;
      continue;
    }
    if (c === "#") return { problem: `holds "#", a comment in MySQL and BigQuery and an operator in PostgreSQL` };
    if (c === "$") return { problem: `holds "$" (dollar quoting or a parameter), which this check does not read` };
    if (lexicon.quotes.includes(c) || (lexicon.brackets && c === "[")) {
      const closer = c === "[" ? "]" : c;
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(closer, j);
        if (k < 0) return { problem: "holds an unterminated quoted string or name" };
        if (sql[k + 1] === closer) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      // a quoted name ("pg_sleep", `sleep`, [openrowset]) calls a function as well as a bare one
      const quotedName = c === "'" ? undefined : sql.slice(i + 1, j - 1).toLowerCase();
      token(c);
      previousName = quotedName;
      previousWord = "";
      i = j;
      continue;
    }
    if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < end && WORD_PART.test(sql[j]!)) j++;
      const word = sql.slice(i, j).toLowerCase();
      // U&'…' and U&"…" spell characters by code point, which could name a function this check refuses
      if (dialect === "postgresql" && word === "u" && sql[j] === "&" && (sql[j + 1] === "'" || sql[j + 1] === '"'))
        return { problem: "holds a U& Unicode escape, which can spell any name" };
      // SELECT … INTO writes a table, a file or variables; INTO is reserved in every dialect here, so bare it is
      // always that clause
      if (word === "into") return { problem: "holds INTO, which writes (SELECT … INTO a table, a file or variables)" };
      // FOR UPDATE, FOR [NO] KEY UPDATE/SHARE, FOR SHARE, LOCK IN SHARE MODE
      if ((word === "update" || word === "share") && (previousWord === "for" || previousWord === "key" || (word === "share" && previousWord === "in")))
        return { problem: `locks rows (… ${previousWord.toUpperCase()} ${word.toUpperCase()})` };
      token(word);
      previousName = word;
      previousWord = word;
      i = j;
      continue;
    }
    if (c === "(") {
      if (previousName !== undefined && sideEffectFunction(previousName)) return { problem: `calls ${previousName}(), which has side effects` };
      if (++depth > MAX_SQL_NESTING) return { problem: `nests parentheses more than ${MAX_SQL_NESTING} deep` };
    } else if (c === ")") {
      if (--depth < 0) return { problem: "has unbalanced parentheses" };
    } else if (c === ";") {
      if (depth !== 0) return { problem: "has a semicolon inside parentheses" };
      if (significant) {
        const problem = statementStart(first);
        if (problem !== undefined) return { problem };
        statements++;
      }
      significant = false;
      previousName = undefined;
      previousWord = "";
      i++;
      continue;
    }
    token(c);
    previousName = undefined;
    previousWord = "";
    i++;
  }
  if (depth !== 0) return { problem: "has unbalanced parentheses" };
  if (significant) {
    const problem = statementStart(first);
    if (problem !== undefined) return { problem };
    statements++;
  }
  if (statements === 0) return { problem: "holds no statement" };
  return { statements };
}

const WORD_START = /[\p{L}\p{N}_@]/u;
const WORD_PART = /[\p{L}\p{N}_@]/u;

/** Every statement must begin as a query does: SELECT, WITH (then checked on its syntax tree) or "(". */
function statementStart(first: string): string | undefined {
  if (first === "select" || first === "with" || first === "(") return undefined;
  return `holds a ${clip(first.toUpperCase(), 40)} statement: only SELECT (and WITH … SELECT) is read-only`;
}

/** Statement types node-sql-parser gives that are anything but a read, wherever they appear in a tree. */
const WRITING_TYPES = new Set([
  "insert",
  "update",
  "delete",
  "replace",
  "merge",
  "upsert",
  "create",
  "drop",
  "alter",
  "truncate",
  "rename",
  "grant",
  "revoke",
  "call",
  "exec",
  "execute",
  "lock",
  "unlock",
  "set",
  "transaction",
  "attach",
  "detach",
  "load_data",
  "copy",
  "show",
  "use",
  "declare",
  "explain",
  "analyze",
  "vacuum",
  "prepare",
  "deallocate",
  "listen",
  "notify",
  "unlisten",
  "discard",
  "reset",
  "comment",
  "refresh",
  "do",
  "go",
]);

/** SQL Server table hints that take no lock a reader would not take anyway. */
const READING_TABLE_HINTS = new Set(["nolock", "readuncommitted", "readcommitted", "noexpand"]);

/**
 * Why a SQL text is not a plain read, or undefined when every statement is one. Read-only means: every statement
 * is a SELECT (or WITH … SELECT) — no INSERT/UPDATE/DELETE/MERGE anywhere, not even in a CTE; no SELECT … INTO;
 * no FOR UPDATE/SHARE or other locking clause or lock hint; no call of a function known to write, wait, lock or
 * reach outside the database (SIDE_EFFECT_FUNCTIONS). EXPLAIN, VALUES, TABLE, SHOW, COPY, CALL and DO are
 * refused: EXPLAIN ANALYZE runs its statement, and the rest are not what a query tool needs. The text is lexed
 * here first (ambiguous constructs refused, statements counted), then parsed on a worker thread with a deadline,
 * and refused when the parser's count of statements is not the lexer's. Never throws.
 */
export async function readOnlySql(sql: string, dialect: SqlDialect = "postgresql"): Promise<string | undefined> {
  if (sql.length > MAX_SQL) return `is more than ${MAX_SQL} characters of SQL`;
  if (!SQL_DIALECTS.includes(dialect)) return `is in a dialect this check does not know (${String(dialect)})`;
  const lexed = lexSql(sql, dialect);
  if ("problem" in lexed) return lexed.problem;
  const parsed = await parseOffThread(sql, dialect);
  if (!parsed.ok) return parsed.reason;
  const statements = (Array.isArray(parsed.ast) ? parsed.ast : [parsed.ast]).filter((s) => !(Array.isArray(s) && s.length === 0));
  if (statements.length !== lexed.statements)
    return `reads as ${statements.length} statement(s) to the parser and ${lexed.statements} to its semicolons, so it cannot be shown to only read`;
  for (const statement of statements) {
    const type = (statement as { type?: unknown } | null)?.type;
    if (type !== "select") return `holds a ${String(type).toUpperCase()} statement: only SELECT is read-only`;
    const problem = treeProblem(statement);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Walks a statement's syntax tree (iteratively, bounded) for anything that is not a plain read. */
function treeProblem(root: unknown): string | undefined {
  const stack: unknown[] = [root];
  let nodes = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    if (++nodes > MAX_AST_NODES) return `is too large to check (more than ${MAX_AST_NODES} syntax nodes)`;
    if (Array.isArray(node)) {
      for (const n of node) stack.push(n);
      continue;
    }
    const o = node as Record<string, unknown>;
    const type = o["type"];
    if (typeof type === "string" && WRITING_TYPES.has(type)) return `holds a nested ${type.toUpperCase()}: only reads are read-only`;
    // a CTE's statement and a subquery's tree: each must itself be a SELECT
    for (const key of ["stmt", "ast"]) {
      const inner = o[key];
      if (inner !== null && typeof inner === "object" && !Array.isArray(inner) && "type" in inner && (inner as { type: unknown }).type !== "select")
        return `holds a nested ${String((inner as { type: unknown }).type).toUpperCase()}: only reads are read-only`;
    }
    const into = o["into"];
    if (into !== null && typeof into === "object" && ((into as { expr?: unknown }).expr != null || (into as { keyword?: unknown }).keyword != null))
      return "uses SELECT … INTO, which writes";
    for (const key of ["for_update", "locking_read", "lock_mode"]) if (o[key] != null) return "locks rows (FOR UPDATE/SHARE or LOCK IN SHARE MODE)";
    const hint = o["table_hint"];
    if (hint != null) {
      const words = JSON.stringify(hint).match(/"value":"([^"]*)"/g) ?? [];
      for (const w of words) {
        const value = w.slice(9, -1).toLowerCase();
        if (!READING_TABLE_HINTS.has(value)) return `takes a table hint (${clip(value, 40)}) that is not a plain read`;
      }
    }
    if (type === "function" || type === "aggr_func") {
      const name = functionName(o["name"]);
      if (name === undefined) return "calls a function whose name cannot be read";
      if (sideEffectFunction(name)) return `calls ${name}(), which has side effects`;
    }
    for (const v of Object.values(o)) if (v !== null && typeof v === "object") stack.push(v);
  }
  return undefined;
}

/** The last part of a function's (possibly qualified) name; BigQuery puts a lone name in `schema`. */
function functionName(name: unknown): string | undefined {
  if (typeof name === "string") return name.toLowerCase();
  if (name === null || typeof name !== "object") return undefined;
  const n = name as { name?: unknown; schema?: unknown };
  const parts: unknown[] = [n.schema, ...(Array.isArray(n.name) ? n.name : [])];
  const values = parts.map((p) => (p !== null && typeof p === "object" ? (p as { value?: unknown }).value : undefined)).filter((v) => typeof v === "string");
  const last = values.at(-1);
  return typeof last === "string" && last !== "" ? last.toLowerCase() : undefined;
}

// ——— the parser thread ———
//
// node-sql-parser is a PEG parser without memoisation: its backtracking is exponential in nesting, so 88
// characters of unclosed subqueries take it 24 s, and some inputs grow an array until V8 aborts the process. It
// runs on a worker thread, one text at a time, with a deadline and a heap limit: past either the thread is
// replaced and the SQL refused. Only the gateway's SQL checks wait on it, never its event loop.

type ParseOutcome = { readonly ok: true; readonly ast: unknown } | { readonly ok: false; readonly reason: string };

interface ParseJob {
  readonly sql: string;
  readonly dialect: SqlDialect;
  readonly resolve: (outcome: ParseOutcome) => void;
}

// A CommonJS script (eval workers take no module): loads the dialect's parser on first use and answers each text.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const parsers = new Map();
function parserFor(dialect) {
  let parser = parsers.get(dialect);
  if (parser === undefined) {
    const modulePath = workerData.modules[dialect];
    if (typeof modulePath !== "string") throw new Error("no parser for " + dialect);
    parser = new (require(modulePath).Parser)();
    parsers.set(dialect, parser);
  }
  return parser;
}
parserFor(workerData.first);
parentPort.on("message", (m) => {
  let reply;
  try {
    reply = { id: m.id, ok: true, ast: parserFor(m.dialect).astify(m.sql, { database: m.dialect }) };
  } catch (e) {
    reply = { id: m.id, ok: false, reason: String((e && e.message) || e).slice(0, 200) };
  }
  try {
    parentPort.postMessage(reply);
  } catch {
    parentPort.postMessage({ id: m.id, ok: false, reason: "its syntax tree cannot be passed back" });
  }
});
parentPort.postMessage({ ready: true });
`;

const STARTUP_DEADLINE_MS = 10_000;

interface ParserThread {
  readonly worker: Worker;
  ready: boolean;
  readonly startup: NodeJS.Timeout;
}

let thread: ParserThread | undefined;
let running: { readonly id: number; readonly job: ParseJob; readonly timer: NodeJS.Timeout } | undefined;
const waiting: ParseJob[] = [];
let nextId = 0;
let modules: Record<string, string> | undefined;

function parseOffThread(sql: string, dialect: SqlDialect): Promise<ParseOutcome> {
  if (waiting.length >= SQL_MAX_WAITING) return Promise.resolve({ ok: false, reason: "could not be checked: too many SQL texts are waiting for the parser" });
  return new Promise((resolve) => {
    waiting.push({ sql, dialect, resolve });
    pump();
  });
}

function parserModules(): Record<string, string> {
  if (modules === undefined) {
    const require = createRequire(import.meta.url);
    modules = Object.fromEntries(SQL_DIALECTS.map((d) => [d, require.resolve(`node-sql-parser/build/${d}`)]));
  }
  return modules;
}

function startThread(first: SqlDialect): ParserThread {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { modules: parserModules(), first },
    // the heap limit ends a parse that allocates without bound before V8's own array limits abort the process
    resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
  });
  const started: ParserThread = {
    worker,
    ready: false,
    startup: setTimeout(() => threadFailed(started, "the SQL parser did not start"), STARTUP_DEADLINE_MS),
  };
  worker.on("message", (m: { ready?: true; id?: number; ok?: boolean; ast?: unknown; reason?: string }) => {
    if (thread !== started) return;
    if (m.ready === true) {
      clearTimeout(started.startup);
      started.ready = true;
      pump();
      return;
    }
    if (running === undefined || m.id !== running.id) return;
    finish(
      m.ok === true
        ? { ok: true, ast: m.ast }
        : { ok: false, reason: `does not parse as ${running.job.dialect} (${clip(String(m.reason ?? "unknown error"), 160)})` },
    );
  });
  worker.on("error", (err) => threadFailed(started, `the SQL parser failed (${clip(err.message, 120)})`));
  worker.on("exit", () => threadFailed(started, "the SQL parser stopped"));
  return started;
}

/** The thread died or hung: refuse what it was parsing and, if it never started, what waits (no restart loop). */
function threadFailed(failed: ParserThread, reason: string): void {
  if (thread !== failed) return;
  thread = undefined;
  clearTimeout(failed.startup);
  void failed.worker.terminate();
  if (running !== undefined) finish({ ok: false, reason: `could not be checked: ${reason}` }, false);
  if (!failed.ready) for (const job of waiting.splice(0)) job.resolve({ ok: false, reason: `could not be checked: ${reason}` });
  pump();
}

function pump(): void {
  if (running !== undefined) return;
  const job = waiting[0];
  if (job === undefined) {
    thread?.worker.unref(); // an idle parser thread does not keep the process alive
    return;
  }
  if (thread === undefined) {
    try {
      thread = startThread(job.dialect);
    } catch (err) {
      // no parser, no proof: every waiting text is refused rather than left waiting
      const reason = `could not be checked: the SQL parser cannot start (${clip(err instanceof Error ? err.message : String(err), 120)})`;
      for (const waitingJob of waiting.splice(0)) waitingJob.resolve({ ok: false, reason });
      return;
    }
  }
  thread.worker.ref();
  if (!thread.ready) return;
  waiting.shift();
  const id = ++nextId;
  const current = thread;
  const timer = setTimeout(() => {
    // a parse past its deadline may never end: the thread goes, and the next text gets a new one
    finish({ ok: false, reason: `could not be parsed within ${SQL_DEADLINE_MS} ms, so it cannot be shown to only read` }, false);
    threadFailed(current, "a parse ran past its deadline");
  }, SQL_DEADLINE_MS);
  running = { id, job, timer };
  current.worker.postMessage({ id, sql: job.sql, dialect: job.dialect });
}

function finish(outcome: ParseOutcome, next = true): void {
  const done = running;
  if (done === undefined) return;
  running = undefined;
  clearTimeout(done.timer);
  done.job.resolve(outcome);
  if (next) pump();
}
