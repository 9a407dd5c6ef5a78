import { realpath } from "node:fs/promises";
import { posix } from "node:path";
import sqlParser from "node-sql-parser";
import RE2 from "re2";
import { z } from "zod";
import { PerimeterError } from "../errors.js";

// Argument constraints: what an operator says a tool's arguments may be, checked before the tool sees them. A
// constraint on an argument refuses anything it cannot prove fits — a value of the wrong type, a path it cannot
// normalise, SQL it cannot parse — because a check that guesses is a check an attacker steers.

export const argumentConstraintSchema = z
  .strictObject({
    /** The argument is an absolute POSIX path inside one of these directories (normalised; symlinks resolved). */
    pathPrefix: z.array(z.string().regex(/^\//, "an absolute path")).min(1).optional(),
    /** The argument is an http(s) URL whose host is one of these (exact, or `*.suffix`). */
    hosts: z.array(z.string().min(1).max(253)).min(1).optional(),
    /** With hosts: the schemes allowed. */
    schemes: z
      .array(z.enum(["https", "http"]))
      .min(1)
      .optional(),
    /** The argument is a JSON number within these bounds (inclusive). */
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().optional(),
    /** The argument is one of these values (type included: "5" is not 5). */
    enum: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional(),
    /** The whole string matches this RE2 pattern (linear time; no backreferences or lookaround). */
    pattern: z.string().min(1).max(2000).optional(),
    /** A string of at most this many characters. */
    maxLength: z.number().int().min(0).max(10_000_000).optional(),
    /** The argument is SQL whose every statement only reads. */
    sql: z.literal("read-only").optional(),
    sqlDialect: z.enum(["postgresql", "mysql", "sqlite", "transactsql", "bigquery", "mariadb"]).optional(),
    /** The call must give the argument; by default an absent argument is not checked. */
    required: z.boolean().optional(),
  })
  .refine((c) => Object.keys(c).some((k) => k !== "required" && k !== "schemes" && k !== "sqlDialect"), "give at least one rule")
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, "min must not exceed max");

export type ArgumentConstraintSpec = z.infer<typeof argumentConstraintSchema>;

export interface ConstraintDecision {
  readonly allow: boolean;
  readonly reason: string;
  readonly argument?: string;
  readonly rule?: string;
}

const MAX_PATH = 4096;
const MAX_SQL = 100_000;

/** Functions that write, wait, signal or reach outside the database, refused inside "read-only" SQL. */
const SIDE_EFFECT_FUNCTIONS = new Set([
  "pg_sleep",
  "pg_sleep_for",
  "pg_sleep_until",
  "set_config",
  "nextval",
  "setval",
  "pg_terminate_backend",
  "pg_cancel_backend",
  "pg_reload_conf",
  "pg_rotate_logfile",
  "lo_import",
  "lo_export",
  "lo_unlink",
  "lo_create",
  "lo_from_bytea",
  "lo_put",
  "dblink",
  "dblink_exec",
  "dblink_connect",
  "pg_read_file",
  "pg_read_binary_file",
  "pg_ls_dir",
  "pg_stat_file",
  "pg_advisory_lock",
  "pg_advisory_xact_lock",
  "pg_notify",
  "pg_switch_wal",
  "pg_create_restore_point",
  "txid_current",
  "sleep",
  "benchmark",
  "load_file",
  "get_lock",
  "release_lock",
  "sys_exec",
  "sys_eval",
  "xp_cmdshell",
  "load_extension",
  "writefile",
  "readfile",
  "edit",
  "fts3_tokenizer",
]);

interface Compiled {
  readonly path: readonly string[];
  readonly name: string;
  readonly spec: ArgumentConstraintSpec;
  readonly pattern: RE2 | undefined;
  readonly prefixes: readonly string[];
}

export class ArgumentConstraints {
  private constructor(private readonly rules: readonly Compiled[]) {}

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Compile a tool's constraints; a bad one is CONFIG_INVALID naming `where` and the argument. */
  static compile(spec: Readonly<Record<string, ArgumentConstraintSpec>>, where: string): ArgumentConstraints {
    const rules: Compiled[] = [];
    for (const [name, c] of Object.entries(spec)) {
      const path = name.split(".");
      if (path.some((p) => p === "" || p === "__proto__" || p === "constructor" || p === "prototype"))
        throw new PerimeterError("CONFIG_INVALID", `${where}.${name}: not an argument name`);
      let pattern: RE2 | undefined;
      if (c.pattern !== undefined) {
        try {
          pattern = new RE2(`^(?:${c.pattern})$`, "u");
        } catch (err) {
          throw new PerimeterError("CONFIG_INVALID", `${where}.${name}.pattern is not an RE2 pattern: ${(err as Error).message}`);
        }
      }
      const prefixes = (c.pathPrefix ?? []).map((p) => {
        const n = normalisePath(p);
        if (n === undefined) throw new PerimeterError("CONFIG_INVALID", `${where}.${name}.pathPrefix: ${p} is not an absolute path`);
        return n;
      });
      rules.push({ path, name, spec: c, pattern, prefixes });
    }
    return new ArgumentConstraints(rules);
  }

  /** Check a call's arguments. Never throws: anything unexpected is a refusal that says which argument and why. */
  async check(args: unknown, options: { realpath?: (path: string) => Promise<string> } = {}): Promise<ConstraintDecision> {
    if (args === undefined) args = {};
    if (args === null || typeof args !== "object" || Array.isArray(args)) return refuse("(arguments)", "type", "the arguments must be an object");
    for (const rule of this.rules) {
      const value = valueAt(args, rule.path);
      if (value === undefined) {
        if (rule.spec.required === true) return refuse(rule.name, "required", `the argument ${rule.name} is required`);
        continue;
      }
      // An array is checked element by element (a list of paths, tags from an enum), except against numeric
      // bounds: a number wrapped in an array is not a number, whatever the tool's arithmetic makes of it.
      const numeric = rule.spec.min !== undefined || rule.spec.max !== undefined || rule.spec.integer === true;
      if (numeric && Array.isArray(value)) return refuse(rule.name, "number", `the argument ${rule.name} must be a JSON number`);
      const values = Array.isArray(value) ? value : [value];
      if (values.length > 1000) return refuse(rule.name, "type", `the argument ${rule.name} has more than 1000 elements`);
      for (const v of values) {
        const problem = await checkValue(rule, v, options.realpath ?? realpath);
        if (problem !== undefined) return refuse(rule.name, problem.rule, `the argument ${rule.name} ${problem.reason}`);
      }
    }
    return { allow: true, reason: "every constrained argument fits" };
  }
}

function refuse(argument: string, rule: string, reason: string): ConstraintDecision {
  return { allow: false, reason, argument, rule };
}

/** The value at a dotted path, own properties only. */
function valueAt(args: object, path: readonly string[]): unknown {
  let v: unknown = args;
  for (const key of path) {
    if (v === null || typeof v !== "object" || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

async function checkValue(rule: Compiled, v: unknown, realpathOf: (p: string) => Promise<string>): Promise<{ rule: string; reason: string } | undefined> {
  const c = rule.spec;
  if (c.enum !== undefined && !c.enum.some((e) => e === v))
    return { rule: "enum", reason: `must be one of ${c.enum.map((e) => JSON.stringify(e)).join(", ")}, not ${clip(JSON.stringify(v) ?? String(v))}` };
  if (c.min !== undefined || c.max !== undefined || c.integer === true) {
    if (typeof v !== "number" || !Number.isFinite(v)) return { rule: "number", reason: "must be a JSON number" };
    if (c.integer === true && !Number.isInteger(v)) return { rule: "integer", reason: "must be a whole number" };
    if (c.min !== undefined && v < c.min) return { rule: "min", reason: `must be at least ${c.min}` };
    if (c.max !== undefined && v > c.max) return { rule: "max", reason: `must be at most ${c.max}` };
  }
  const needsString = c.pattern !== undefined || c.maxLength !== undefined || c.pathPrefix !== undefined || c.hosts !== undefined || c.sql !== undefined;
  if (!needsString) return undefined;
  if (typeof v !== "string") return { rule: "type", reason: "must be a string" };
  if (c.maxLength !== undefined && v.length > c.maxLength) return { rule: "maxLength", reason: `must be at most ${c.maxLength} characters` };
  if (rule.pattern !== undefined && !rule.pattern.test(v)) return { rule: "pattern", reason: `does not match the pattern ${c.pattern}` };
  if (c.pathPrefix !== undefined) {
    const problem = await checkPath(v, rule.prefixes, realpathOf);
    if (problem !== undefined) return { rule: "pathPrefix", reason: problem };
  }
  if (c.hosts !== undefined) {
    const problem = checkHost(v, c.hosts, c.schemes ?? ["https", "http"]);
    if (problem !== undefined) return { rule: "hosts", reason: problem };
  }
  if (c.sql !== undefined) {
    const problem = readOnlySql(v, c.sqlDialect ?? "postgresql");
    if (problem !== undefined) return { rule: "sql", reason: problem };
  }
  return undefined;
}

/** Lexical POSIX normalisation of an absolute path; undefined for anything that is not a plain absolute path. */
export function normalisePath(value: string): string | undefined {
  if (value.length === 0 || value.length > MAX_PATH || !value.startsWith("/")) return undefined;
  // NUL ends a path in C; a backslash is a separator to Windows tools; percent signs are decoded by some tools.
  if (/[\u0000\\]/.test(value) || /%[0-9a-f]{2}/i.test(value)) return undefined;
  const n = posix.normalize(value);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

function within(path: string, prefix: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}

async function checkPath(value: string, prefixes: readonly string[], realpathOf: (p: string) => Promise<string>): Promise<string | undefined> {
  const path = normalisePath(value);
  if (path === undefined) return "must be an absolute path (no NUL, backslash or percent-encoding)";
  const prefix = prefixes.find((p) => within(path, p));
  if (prefix === undefined) return `must lie within ${prefixes.join(" or ")}: ${clip(path)} does not`;
  // Symlinks: the real path of the longest part that exists must still lie within the real prefix.
  let realPrefix: string;
  try {
    realPrefix = await realpathOf(prefix);
  } catch {
    return `must lie within ${prefix}, which cannot be resolved on this host`;
  }
  let existing = path;
  let rest = "";
  for (let i = 0; i < 256; i++) {
    try {
      const real = await realpathOf(existing);
      const full = rest === "" ? real : posix.join(real, rest);
      return within(full, realPrefix) ? undefined : `leaves ${prefix} through a symbolic link (it is really ${clip(full)})`;
    } catch {
      if (existing === "/" || existing === prefix) break;
      rest = rest === "" ? posix.basename(existing) : posix.join(posix.basename(existing), rest);
      existing = posix.dirname(existing);
    }
  }
  return undefined;
}

/** The lower-case host of an http(s) URL without credentials; undefined for anything else. */
export function urlHost(value: string): string | undefined {
  if (value.length > 8192 || !/^https?:\/\//i.test(value)) return undefined;
  try {
    const u = new URL(value);
    if (u.username !== "" || u.password !== "") return undefined;
    return u.hostname.replace(/\.$/, "").toLowerCase();
  } catch {
    return undefined;
  }
}

function checkHost(value: string, hosts: readonly string[], schemes: readonly string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return "must be a URL";
  }
  if (!schemes.includes(u.protocol.slice(0, -1))) return `must be a ${schemes.join(" or ")} URL`;
  if (u.username !== "" || u.password !== "") return "must not carry credentials";
  const host = u.hostname.replace(/\.$/, "").toLowerCase();
  const ok = hosts.some((h) => {
    const rule = h.toLowerCase().replace(/\.$/, "");
    return rule.startsWith("*.") ? host.endsWith(rule.slice(1)) && host.length > rule.length - 1 : host === rule;
  });
  return ok ? undefined : `must name one of the hosts ${hosts.join(", ")}, not ${clip(host)}`;
}

// node-sql-parser is CommonJS: its Parser comes from the default export when Node loads it as ESM.
const parser = new sqlParser.Parser();

/** Why a SQL text is not a plain read, or undefined when every statement is a SELECT without side effects. */
export function readOnlySql(sql: string, dialect: string): string | undefined {
  if (sql.length > MAX_SQL) return `is more than ${MAX_SQL} characters of SQL`;
  let ast: unknown;
  try {
    ast = parser.astify(sql, { database: dialect });
  } catch {
    return "is not SQL that can be parsed, so it cannot be shown to only read";
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length === 0) return "holds no statement";
  for (const s of statements) {
    const st = s as { type?: unknown; into?: { expr?: unknown }; for_update?: unknown; locking_read?: unknown };
    if (st.type !== "select") return `holds a ${String(st.type).toUpperCase()} statement: only SELECT is read-only`;
    if (st.into?.expr !== undefined && st.into.expr !== null) return "uses SELECT … INTO, which writes a table";
    if (st.for_update !== undefined && st.for_update !== null) return "locks rows (FOR UPDATE/SHARE)";
    if (st.locking_read !== undefined && st.locking_read !== null) return "locks rows (FOR UPDATE/SHARE)";
    const bad = sideEffects(s, 0);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/** A statement nested anywhere (a CTE, a subquery) that writes, or a call of a function with side effects. */
function sideEffects(node: unknown, depth: number): string | undefined {
  if (node === null || typeof node !== "object") return undefined;
  if (depth > 200) return "is nested too deeply to check";
  if (Array.isArray(node)) {
    for (const n of node) {
      const bad = sideEffects(n, depth + 1);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  const o = node as Record<string, unknown>;
  if (typeof o["type"] === "string" && ["insert", "update", "delete", "replace", "create", "drop", "alter", "truncate", "grant", "call"].includes(o["type"]))
    return `holds a nested ${o["type"].toUpperCase()}: only reads are allowed`;
  if (o["type"] === "function" || o["type"] === "aggr_func") {
    const name = functionName(o["name"]);
    if (name !== undefined && SIDE_EFFECT_FUNCTIONS.has(name)) return `calls ${name}(), which has side effects`;
  }
  for (const v of Object.values(o)) {
    const bad = sideEffects(v, depth + 1);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

function functionName(name: unknown): string | undefined {
  if (typeof name === "string") return name.toLowerCase();
  const parts = (name as { name?: { value?: unknown }[] } | null)?.name;
  const last = Array.isArray(parts) ? parts.at(-1)?.value : undefined;
  return typeof last === "string" ? last.toLowerCase() : undefined;
}

function clip(s: string, max = 120): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
