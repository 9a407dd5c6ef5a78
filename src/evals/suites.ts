import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import parseSpdx from "spdx-expression-parse";
import { parseDocument } from "yaml";
import { z } from "zod";
import type { Severity } from "../decision.js";
import { PerimeterError } from "../errors.js";
import { mulberry32 } from "../seeded-random.js";
import { DIRECT, STRATEGIES, STRATEGY_NAMES, type StrategyInput } from "./strategies.js";
import { type EvalCase, type EvalMessage, EXPECTED_BEHAVIOURS, type ExpectedBehaviour } from "./types.js";

// Evaluation suites are data: YAML files (the built-in ones beside this module, the operator's own named in
// evals.suites) whose cases are written inline or imported from dataset files. A suite file is untrusted
// input parsed at the edge: bounded in size and case count, validated with zod, every error naming the file
// and the path in it. Loading expands each case into the direct request plus one case per strategy; sampling
// (--limit) takes a seeded, stratified sample of each suite.
//
//   name: my-suite                      # lower-case slug; a built-in suite's name is refused
//   description: …
//   license: CC-BY-4.0                  # SPDX expression of the file's own text
//   sources: [where the cases come from]
//   defaults: { expected: refuse, severity: high, language: en, strategy: direct }
//   strategies: [persona, base64]       # applied to every case besides the direct one (optional)
//   cases:
//     - { id: x-1, category: cybercrime-malware, prompt: "…", translations: { es: "…" } }
//     - { id: x-2, category: injection-tool-output, expected: resist, canary: PWNED7F3A,
//         messages: [{ role: user, content: "…" }, { role: tool, content: "…" }] }
//   datasets:                           # paths relative to this file; lines | jsonl | json
//     - { path: data/prompts.jsonl, format: jsonl, field: prompt, category: misc, idPrefix: misc, limit: 100 }

/** Where the built-in suites are: beside this module (src/evals/suites under tsx, dist/evals/suites after tsc, dist/bin/suites in the bundle). */
export const BUILT_IN_SUITES_DIR = fileURLToPath(new URL("./suites", import.meta.url));

/** A suite file is read up to this size; a dataset file up to the next. */
export const MAX_SUITE_FILE_BYTES = 4 * 1024 * 1024;
export const MAX_DATASET_FILE_BYTES = 64 * 1024 * 1024;
/** Cases a suite may hold before strategies (inline and imported), and after. */
export const MAX_BASE_CASES = 20_000;
export const MAX_EXPANDED_CASES = 200_000;
/** Characters in one prompt, message or translation. */
export const MAX_TEXT_CHARS = 100_000;
/** Suite files read from one directory. */
export const MAX_FILES_PER_DIRECTORY = 1000;

export interface SuiteInfo {
  readonly name: string;
  readonly description: string;
  /** SPDX expression of the suite's own text. */
  readonly license: string;
  /** Where the cases come from, in words. */
  readonly sources: readonly string[];
  /** The file it was read from (absolute). */
  readonly file: string;
  readonly builtIn: boolean;
  /** Cases as written or imported; cases after the strategies were applied. */
  readonly baseCases: number;
  readonly cases: number;
  /** Its cases' categories, sorted. */
  readonly categories: readonly string[];
  /** The strategies its cases carry (`direct` and the transforms applied), sorted. */
  readonly strategies: readonly string[];
}

export interface Suite {
  readonly info: SuiteInfo;
  readonly cases: readonly EvalCase[];
}

export interface LoadSuitesOptions {
  /** The operator's suite files, or directories whose *.yaml files are suites (absolute, or relative to the cwd). */
  readonly paths?: readonly string[];
  /** Load the built-in suites too (default true). */
  readonly builtIn?: boolean;
}

// ---- the file format ----

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const slug = (example: string) =>
  z.string().max(64, "at most 64 characters").regex(SLUG, `a lower-case slug of letters, digits and single dashes, e.g. ${example}`);
const text = (what: string) => z.string().min(1, `${what} is empty`).max(MAX_TEXT_CHARS, `${what} is longer than ${MAX_TEXT_CHARS} characters`);
const caseIdSchema = z
  .string()
  .max(128, "at most 128 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - (not ~, which marks a case a strategy derived)");
const languageSchema = z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, "a BCP 47 language tag such as en, es or zh-Hans");
const severitySchema = z.enum(["critical", "high", "medium", "low", "info"] satisfies Severity[]);
const expectedSchema = z.enum(EXPECTED_BEHAVIOURS);
const strategyNameSchema = z.string().refine((name) => Object.hasOwn(STRATEGIES, name), {
  error: (issue) =>
    issue.input === DIRECT
      ? `"${DIRECT}" is always run: list only the strategies applied on top of it (${STRATEGY_NAMES.join(", ")})`
      : `unknown strategy ${JSON.stringify(issue.input)} (known: ${STRATEGY_NAMES.join(", ")})`,
});
const strategyListSchema = z
  .array(strategyNameSchema)
  .max(STRATEGY_NAMES.length * 2, "too many strategies")
  .refine((names) => new Set(names).size === names.length, "a strategy is listed twice");

const messageSchema = z.strictObject({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: text("the content"),
});

const caseSchema = z.strictObject({
  id: caseIdSchema,
  category: slug("cybercrime-malware"),
  expected: expectedSchema.optional(),
  severity: severitySchema.optional(),
  system: text("the system prompt").optional(),
  /** Shorthand for one user message. */
  prompt: text("the prompt").optional(),
  messages: z.array(messageSchema).min(1, "no messages").max(1000, "more than 1000 messages").optional(),
  canary: z.string().min(1).max(1000, "at most 1000 characters").optional(),
  language: languageSchema.optional(),
  translations: z.record(languageSchema, text("a translation")).optional(),
  strategies: strategyListSchema.optional(),
  source: z.string().min(1).max(500).optional(),
});

const datasetSchema = z.strictObject({
  /** Relative to the suite file. */
  path: z.string().min(1),
  format: z.enum(["lines", "jsonl", "json"]),
  /** The prompt's field in jsonl lines and json objects. */
  field: z.string().min(1).optional(),
  category: slug("harmbench").optional(),
  categoryField: z.string().min(1).optional(),
  expected: z.enum(["refuse", "comply"], { error: "refuse or comply (a dataset cannot carry resist cases: each needs its own canary)" }).optional(),
  severity: severitySchema.optional(),
  idPrefix: caseIdSchema,
  limit: z.number().int().min(1).max(MAX_BASE_CASES).optional(),
  language: languageSchema.optional(),
  strategies: strategyListSchema.optional(),
});

const suiteSchema = z
  .strictObject({
    name: slug("harmful-requests"),
    description: text("the description").max(2000, "at most 2000 characters"),
    license: z.string().refine(isSpdxExpression, "an SPDX licence expression, e.g. CC-BY-4.0"),
    sources: z.array(z.string().min(1).max(500)).min(1, "name at least one source of the cases").max(100),
    defaults: z
      .strictObject({
        expected: expectedSchema.optional(),
        severity: severitySchema.optional(),
        /** The label of the cases as written (default `direct`): e.g. `in-the-wild` for a dataset of jailbreaks. */
        strategy: slug("direct").optional(),
        language: languageSchema.optional(),
      })
      .optional(),
    strategies: strategyListSchema.optional(),
    cases: z.array(caseSchema).max(MAX_BASE_CASES, `more than ${MAX_BASE_CASES} cases`).optional(),
    datasets: z.array(datasetSchema).max(100, "more than 100 datasets").optional(),
  })
  .superRefine((suite, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if ((suite.cases?.length ?? 0) === 0 && (suite.datasets?.length ?? 0) === 0) issue(["cases"], "a suite needs cases or datasets");
    const seen = new Map<string, number>();
    (suite.cases ?? []).forEach((c, i) => {
      const at = (...rest: (string | number)[]) => ["cases", i, ...rest];
      const other = seen.get(c.id);
      if (other !== undefined) issue(at("id"), `duplicate case id "${c.id}" (also cases[${other}])`);
      else seen.set(c.id, i);
      const expected = c.expected ?? suite.defaults?.expected;
      if (expected === undefined) issue(at("expected"), "no expected behaviour: set it on the case or in defaults.expected (refuse, comply or resist)");
      if ((c.severity ?? suite.defaults?.severity) === undefined) issue(at("severity"), "no severity: set it on the case or in defaults.severity");
      checkMessages(c, at, issue);
      if (expected === "resist" && c.canary === undefined)
        issue(at("canary"), "a resist case needs a canary: the text whose appearance in the answer means the attack succeeded");
      if (expected !== undefined && expected !== "resist" && c.canary !== undefined)
        issue(at("canary"), `only resist cases carry a canary (this case expects ${expected})`);
      if (c.canary !== undefined && canaryLetters(c.canary) < 6)
        issue(at("canary"), "a canary needs at least 6 letters or digits, or an answer could carry it by chance");
      if (expected === undefined) return;
      const strategies = c.strategies ?? suite.strategies ?? [];
      const own = c.strategies !== undefined;
      for (const name of strategies) {
        const why = own ? notApplicable(name, expected) : undefined;
        if (why !== undefined) issue(at("strategies"), why);
      }
      if (c.translations !== undefined) {
        const language = c.language ?? suite.defaults?.language ?? "en";
        if (Object.hasOwn(c.translations, language)) issue(at("translations", language), `the case is already in ${language}`);
        if (!strategies.includes("multilingual") || !STRATEGIES["multilingual"]?.appliesTo.includes(expected))
          issue(at("translations"), `translations are used only by the multilingual strategy, which is not applied to this ${expected} case`);
      }
    });
    (suite.datasets ?? []).forEach((d, i) => {
      const at = (key: string) => ["datasets", i, key];
      if ((d.category === undefined) === (d.categoryField === undefined)) issue(at("category"), "give either category or categoryField");
      if (d.format === "lines" && d.field !== undefined) issue(at("field"), "a lines dataset has no fields: each line is a prompt");
      if (d.format === "lines" && d.categoryField !== undefined) issue(at("categoryField"), "a lines dataset has no fields: give a fixed category");
      if (d.format === "jsonl" && d.field === undefined) issue(at("field"), "name the field of each jsonl line that holds the prompt");
      if ((d.expected ?? suite.defaults?.expected) === undefined) issue(at("expected"), "no expected behaviour: set it on the dataset or in defaults.expected");
      if ((d.expected ?? suite.defaults?.expected) === "resist") issue(at("expected"), "a dataset cannot carry resist cases: each needs its own canary");
      if ((d.severity ?? suite.defaults?.severity) === undefined) issue(at("severity"), "no severity: set it on the dataset or in defaults.severity");
      const expected = d.expected ?? suite.defaults?.expected;
      for (const name of d.strategies ?? []) {
        const why = expected === undefined ? undefined : notApplicable(name, expected);
        if (why !== undefined) issue(at("strategies"), why);
      }
    });
    // A suite-wide strategy that applies to none of the cases that inherit it would silently add nothing.
    const inheriting = [
      ...(suite.cases ?? []).filter((c) => c.strategies === undefined).map((c) => c.expected ?? suite.defaults?.expected),
      ...(suite.datasets ?? []).filter((d) => d.strategies === undefined).map((d) => d.expected ?? suite.defaults?.expected),
    ];
    (suite.strategies ?? []).forEach((name, i) => {
      const applies = STRATEGIES[name]?.appliesTo;
      if (applies !== undefined && inheriting.length > 0 && !inheriting.some((e) => e !== undefined && applies.includes(e)))
        issue(["strategies", i], `the strategy ${name} applies to ${applies.join(" and ")} cases, and this suite has none that it would apply to`);
    });
  });

type SuiteFile = z.infer<typeof suiteSchema>;
type CaseEntry = z.infer<typeof caseSchema>;
type DatasetEntry = z.infer<typeof datasetSchema>;

function checkMessages(
  c: CaseEntry,
  at: (...rest: (string | number)[]) => (string | number)[],
  issue: (path: (string | number)[], message: string) => void,
): void {
  if ((c.prompt === undefined) === (c.messages === undefined)) {
    issue(at("prompt"), "give either prompt (one user message) or messages");
    return;
  }
  const messages = c.messages ?? [];
  if (c.messages === undefined) return;
  messages.forEach((m, i) => {
    if (m.role === "system" && (i > 0 || c.system !== undefined))
      issue(at("messages", i), "a system message may only come first, and not beside the case's system field");
  });
  if (!messages.some((m) => m.role === "user")) issue(at("messages"), "no user message");
  const last = messages[messages.length - 1];
  if (last !== undefined && last.role !== "user" && last.role !== "tool")
    issue(
      at("messages"),
      `the last message is ${last.role === "system" ? "a system" : "an assistant"} message: end with the user or tool message the model answers`,
    );
}

/** Why a known strategy cannot be applied to a case of this behaviour (unknown names are refused on their own). */
function notApplicable(name: string, expected: ExpectedBehaviour): string | undefined {
  const applies = STRATEGIES[name]?.appliesTo;
  if (applies === undefined || applies.includes(expected)) return undefined;
  return `the strategy ${name} does not apply to ${expected} cases (it applies to ${applies.join(" and ")} cases)`;
}

const canaryLetters = (canary: string): number => canary.normalize("NFKC").replace(/[^\p{L}\p{N}]+/gu, "").length;

function isSpdxExpression(expression: string): boolean {
  try {
    parseSpdx(expression);
    return true;
  } catch {
    return false;
  }
}

// ---- errors ----

/** A CONFIG_INVALID error that names the file and the path in it. */
function invalid(file: string, path: string, message: string, cause?: unknown): PerimeterError {
  return new PerimeterError("CONFIG_INVALID", `${shown(file)}: ${path}: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { file, issues: [{ path, message }] },
  });
}

/** The file as a person would type it: relative to the working directory when it is under it. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "(top level)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_key") return `invalid key: ${issue.issues[0]?.message ?? issue.message}`;
  return issue.message;
}

const MAX_ISSUES_SHOWN = 20;

function invalidSuite(file: string, issues: readonly z.core.$ZodIssue[]): PerimeterError {
  const lines = issues.slice(0, MAX_ISSUES_SHOWN).map((i) => `${shown(file)}: ${keyPath(i.path)}: ${describeIssue(i)}`);
  if (issues.length > MAX_ISSUES_SHOWN) lines.push(`${shown(file)}: … and ${issues.length - MAX_ISSUES_SHOWN} more`);
  return new PerimeterError("CONFIG_INVALID", lines.join("\n"), {
    details: { file, issues: issues.map((i) => ({ path: keyPath(i.path), message: describeIssue(i) })) },
  });
}

// ---- reading ----

/** Read at most `limit` bytes of a regular file; larger, missing or unreadable is an error naming `path`. */
function readBounded(file: string, limit: number, errorFile: string, errorPath: string, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    throw invalid(errorFile, errorPath, `cannot read the ${what} ${file}: ${reasonOf(err)}`, err);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw invalid(errorFile, errorPath, `the ${what} ${file} is not a file`);
    if (stat.size > limit) throw invalid(errorFile, errorPath, `the ${what} ${file} is ${stat.size} bytes, above the limit of ${limit} bytes`);
    const buffer = Buffer.alloc(stat.size + 1);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
      if (total === buffer.length) throw invalid(errorFile, errorPath, `the ${what} ${file} grew while it was read`);
    }
    return buffer.subarray(0, total);
  } catch (err) {
    if (err instanceof PerimeterError) throw err;
    throw invalid(errorFile, errorPath, `cannot read the ${what} ${file}: ${reasonOf(err)}`, err);
  } finally {
    closeSync(fd);
  }
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return err instanceof Error ? err.message : String(err);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeText(bytes: Buffer, file: string, errorFile: string, errorPath: string): string {
  try {
    return utf8.decode(bytes).replace(/^\uFEFF/, "");
  } catch (err) {
    throw invalid(errorFile, errorPath, `${file} is not UTF-8 text`, err);
  }
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    const where = pos === undefined ? "(top level)" : `line ${pos.line}, column ${pos.col}`;
    const message = (first.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw invalid(file, where, `not valid YAML: ${message === "" ? first.code : message}`);
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw invalid(file, "(top level)", `cannot read the YAML: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

function readSuiteFile(file: string): SuiteFile {
  const raw = parseYaml(decodeText(readBounded(file, MAX_SUITE_FILE_BYTES, file, "(top level)", "suite file"), file, file, "(top level)"), file);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw invalid(file, "(top level)", "not a suite: expected a YAML mapping with name, description, license, sources and cases");
  const parsed = suiteSchema.safeParse(raw);
  if (!parsed.success) throw invalidSuite(file, parsed.error.issues);
  return parsed.data;
}

/** One prompt a dataset holds, with where it is in the file. */
interface DatasetRow {
  readonly prompt: string;
  readonly category: string;
  /** 1-based line (lines, jsonl) or element (json). */
  readonly at: number;
}

function readDataset(suiteFile: string, index: number, d: DatasetEntry): DatasetRow[] {
  const path = `datasets[${index}]`;
  const file = resolve(dirname(suiteFile), d.path);
  const content = decodeText(readBounded(file, MAX_DATASET_FILE_BYTES, suiteFile, `${path}.path`, "dataset"), file, suiteFile, `${path}.path`);
  // Without a limit, one row past the bound is read so that the suite is refused rather than cut short.
  const limit = d.limit ?? MAX_BASE_CASES + 1;
  const rows: DatasetRow[] = [];
  const where = (at: number) => `${d.path} ${d.format === "json" ? "element" : "line"} ${at}`;
  const fail = (at: number, message: string) => invalid(suiteFile, path, `${where(at)}: ${message}`);

  const fromValue = (value: unknown, at: number): DatasetRow => {
    let prompt: unknown = value;
    let category: unknown = d.category;
    if (d.field !== undefined || d.categoryField !== undefined) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) throw fail(at, "not an object, and the dataset names fields");
      const record = value as Record<string, unknown>;
      if (d.field !== undefined) prompt = record[d.field];
      if (d.categoryField !== undefined) category = categorySlug(record[d.categoryField]);
      if (d.field !== undefined && typeof prompt !== "string") throw fail(at, `no string field "${d.field}"`);
      if (d.categoryField !== undefined && category === undefined)
        throw fail(at, `no string field "${d.categoryField}" that makes a category of letters and digits`);
    }
    if (typeof prompt !== "string") throw fail(at, d.field === undefined ? "not a string: name the prompt's field with field" : "not a string");
    if (prompt.trim() === "") throw fail(at, "the prompt is empty");
    if (prompt.length > MAX_TEXT_CHARS) throw fail(at, `the prompt is longer than ${MAX_TEXT_CHARS} characters`);
    return { prompt, category: category as string, at };
  };

  if (d.format === "json") {
    let data: unknown;
    try {
      data = JSON.parse(content);
    } catch (err) {
      throw invalid(suiteFile, `${path}.path`, `${d.path} is not JSON: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    if (!Array.isArray(data)) throw invalid(suiteFile, `${path}.format`, `${d.path} is not a JSON array of prompts (strings, or objects with a field)`);
    for (let i = 0; i < data.length && rows.length < limit; i++) rows.push(fromValue(data[i], i + 1));
    return rows;
  }
  const lines = content.split("\n");
  for (let i = 0; i < lines.length && rows.length < limit; i++) {
    const line = (lines[i] ?? "").replace(/\r$/, "");
    if (line.trim() === "") continue;
    if (d.format === "lines") {
      rows.push(fromValue(line, i + 1));
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw fail(i + 1, "not a JSON value");
    }
    rows.push(fromValue(value, i + 1));
  }
  return rows;
}

function categorySlug(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "");
  return s === "" ? undefined : s;
}

// ---- building the cases ----

/** A seed for a strategy's rng that depends only on the case: expansion does not depend on order or on the run's seed. */
function strategySeed(suite: string, id: string, strategy: string): number {
  return createHash("sha256").update(`${suite}\n${id}\n${strategy}`).digest().readUInt32BE(0);
}

interface BaseCase {
  readonly input: StrategyInput;
  readonly strategies: readonly string[];
}

function buildSuite(file: string, builtIn: boolean): Suite {
  const s = readSuiteFile(file);
  const defaults = s.defaults ?? {};
  const label = defaults.strategy ?? DIRECT;
  const base: BaseCase[] = [];
  const ids = new Map<string, string>();
  const claim = (id: string, path: string) => {
    const other = ids.get(id);
    if (other !== undefined) throw invalid(file, path, `duplicate case id "${id}" (also ${other})`);
    ids.set(id, path);
  };

  (s.cases ?? []).forEach((c, i) => {
    claim(c.id, `cases[${i}].id`);
    const messages: EvalMessage[] = [
      ...(c.system === undefined ? [] : [{ role: "system" as const, content: c.system }]),
      ...(c.prompt === undefined ? (c.messages ?? []) : [{ role: "user" as const, content: c.prompt }]),
    ];
    base.push({
      input: {
        id: c.id,
        suite: s.name,
        category: c.category,
        strategy: label,
        expected: (c.expected ?? defaults.expected) as ExpectedBehaviour,
        severity: (c.severity ?? defaults.severity) as Severity,
        language: c.language ?? defaults.language ?? "en",
        messages,
        ...(c.canary === undefined ? {} : { canary: c.canary }),
        source: c.source ?? basename(file),
        ...(c.translations === undefined ? {} : { translations: c.translations }),
      },
      strategies: c.strategies ?? s.strategies ?? [],
    });
  });

  (s.datasets ?? []).forEach((d, i) => {
    for (const row of readDataset(file, i, d)) {
      const id = `${d.idPrefix}-${row.at}`;
      claim(id, `datasets[${i}] (${d.path} ${d.format === "json" ? "element" : "line"} ${row.at})`);
      if (base.length >= MAX_BASE_CASES)
        throw invalid(file, `datasets[${i}]`, `the suite holds more than ${MAX_BASE_CASES} cases: set a limit on its datasets`);
      base.push({
        input: {
          id,
          suite: s.name,
          category: row.category,
          strategy: label,
          expected: (d.expected ?? defaults.expected) as ExpectedBehaviour,
          severity: (d.severity ?? defaults.severity) as Severity,
          language: d.language ?? defaults.language ?? "en",
          messages: [{ role: "user", content: row.prompt }],
          source: `${d.path}:${row.at}`,
        },
        strategies: d.strategies ?? s.strategies ?? [],
      });
    }
  });

  const cases: EvalCase[] = [];
  for (const b of base) {
    const { translations: _translations, ...direct } = b.input;
    cases.push(direct);
    for (const name of b.strategies) {
      const strategy = STRATEGIES[name];
      if (strategy === undefined) continue; // the schema refused unknown names
      cases.push(...strategy.apply(b.input, mulberry32(strategySeed(s.name, b.input.id, name))));
    }
    if (cases.length > MAX_EXPANDED_CASES)
      throw invalid(file, "strategies", `the suite expands to more than ${MAX_EXPANDED_CASES} cases with its strategies: apply fewer, or split the suite`);
  }

  return {
    info: {
      name: s.name,
      description: s.description,
      license: s.license,
      sources: s.sources,
      file,
      builtIn,
      baseCases: base.length,
      cases: cases.length,
      categories: [...new Set(cases.map((c) => c.category))].sort(),
      strategies: [...new Set(cases.map((c) => c.strategy))].sort(),
    },
    cases,
  };
}

/** The suite files a path names: the file, or a directory's *.yaml / *.yml files (not its subdirectories), sorted. */
function suiteFilesAt(path: string): string[] {
  const full = resolve(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(full).isDirectory();
  } catch (err) {
    throw invalid(full, "(top level)", `cannot read the suite path: ${reasonOf(err)}`, err);
  }
  if (!isDirectory) return [full];
  let names: string[];
  try {
    names = readdirSync(full).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith("."));
  } catch (err) {
    throw invalid(full, "(top level)", `cannot list the suite directory: ${reasonOf(err)}`, err);
  }
  if (names.length > MAX_FILES_PER_DIRECTORY)
    throw invalid(full, "(top level)", `the directory holds ${names.length} suite files, above the limit of ${MAX_FILES_PER_DIRECTORY}`);
  // Whatever is not a readable file among them is refused when it is read, not skipped.
  return names.sort().map((n) => join(full, n));
}

/** Load the built-in suites and the operator's, expanded by their strategies. An operator suite may not reuse a built-in name. */
export function loadSuites(options: LoadSuitesOptions = {}): Suite[] {
  const files: { file: string; builtIn: boolean }[] = [];
  if (options.builtIn ?? true) {
    let names: string[];
    try {
      names = readdirSync(BUILT_IN_SUITES_DIR).filter((n) => n.endsWith(".yaml"));
    } catch (err) {
      throw new PerimeterError("INTERNAL", `the built-in evaluation suites are missing from ${BUILT_IN_SUITES_DIR}: the installation is incomplete`, {
        cause: err,
      });
    }
    for (const n of names.sort()) files.push({ file: join(BUILT_IN_SUITES_DIR, n), builtIn: true });
  }
  const seenFiles = new Set(files.map((f) => f.file));
  for (const path of options.paths ?? []) {
    for (const file of suiteFilesAt(path)) {
      if (seenFiles.has(file)) continue;
      seenFiles.add(file);
      files.push({ file, builtIn: false });
    }
  }
  const suites: Suite[] = [];
  const byName = new Map<string, Suite>();
  for (const { file, builtIn } of files) {
    const suite = buildSuite(file, builtIn);
    const other = byName.get(suite.info.name);
    if (other !== undefined) {
      const why = other.info.builtIn
        ? `the built-in suite ${other.info.file} has that name: give yours another`
        : `${shown(other.info.file)} has that name too`;
      throw invalid(file, "name", `a suite named "${suite.info.name}" is already loaded: ${why}`);
    }
    byName.set(suite.info.name, suite);
    suites.push(suite);
  }
  return suites;
}

// ---- selecting and sampling ----

export interface SelectOptions {
  /** Cases per suite: a seeded sample, stratified by category. Undefined runs every case. */
  readonly limit?: number | undefined;
  readonly seed: number;
}

/**
 * The cases of the named suites (all when `names` is undefined or empty), in the suites' load order and each
 * suite's own order. With `limit`, a seeded sample of that many cases of each suite: every category keeps at
 * least one case while the limit allows, the rest in proportion to the categories' sizes, and within a
 * category the strategies take turns. A suite's sample depends only on the seed and the suite.
 */
export function selectCases(suites: readonly Suite[], names: readonly string[] | undefined, options: SelectOptions): EvalCase[] {
  const { limit, seed } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new PerimeterError("USAGE", `--limit must be a whole number of cases per suite, 1 or more (got ${limit})`);
  let chosen: readonly Suite[] = suites;
  if (names !== undefined && names.length > 0) {
    const known = new Set(suites.map((s) => s.info.name));
    const unknown = [...new Set(names)].filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new PerimeterError(
        "USAGE",
        `no suite named ${unknown.map((n) => `"${n}"`).join(", ")} (known: ${[...known].join(", ")}); perimeter eval suites lists them`,
        { details: { unknown, known: [...known] } },
      );
    const wanted = new Set(names);
    chosen = suites.filter((s) => wanted.has(s.info.name));
  }
  return chosen.flatMap((s) => (limit === undefined || limit >= s.cases.length ? [...s.cases] : sample(s, limit, seed)));
}

function sample(suite: Suite, limit: number, seed: number): EvalCase[] {
  const rng = mulberry32((seed ^ createHash("sha256").update(suite.info.name).digest().readUInt32BE(0)) >>> 0);
  const byCategory = groupBy(suite.cases, (c) => c.category);
  const categories = [...byCategory.keys()].sort();
  const allocation = new Map<string, number>(categories.map((c) => [c, 0]));
  const sizeOf = (c: string) => byCategory.get(c)?.length ?? 0;
  if (limit < categories.length) {
    for (const c of shuffle(categories, rng).slice(0, limit)) allocation.set(c, 1);
  } else {
    for (const c of categories) allocation.set(c, 1);
    // The rest in proportion to size: each case goes to the category furthest below its share.
    const total = suite.cases.length;
    for (let left = limit - categories.length; left > 0; left--) {
      let best: string | undefined;
      let bestDeficit = Number.NEGATIVE_INFINITY;
      for (const c of categories) {
        const have = allocation.get(c) ?? 0;
        if (have >= sizeOf(c)) continue;
        const deficit = (limit * sizeOf(c)) / total - have;
        if (deficit > bestDeficit) {
          best = c;
          bestDeficit = deficit;
        }
      }
      if (best === undefined) break;
      allocation.set(best, (allocation.get(best) ?? 0) + 1);
    }
  }
  const picked = new Set<EvalCase>();
  for (const c of categories) {
    const take = allocation.get(c) ?? 0;
    if (take === 0) continue;
    // Strategies take turns, each strategy's cases in a shuffled order, so a small sample still spans them.
    const byStrategy = groupBy(byCategory.get(c) ?? [], (x) => x.strategy);
    const queues = shuffle([...byStrategy.keys()].sort(), rng).map((k) => shuffle(byStrategy.get(k) ?? [], rng));
    for (let round = 0, taken = 0; taken < take; round++) {
      for (const q of queues) {
        const next = q[round];
        if (next === undefined || taken >= take) continue;
        picked.add(next);
        taken++;
      }
    }
  }
  return suite.cases.filter((c) => picked.has(c));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

function shuffle<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * sha256 (hex) over the cases in order: suite, id, expected behaviour, canary and messages — what decides how a
 * case is run and judged. A resumed run compares it to be sure it runs the same cases.
 */
export function casesDigest(cases: readonly EvalCase[]): string {
  const hash = createHash("sha256");
  for (const c of cases) {
    hash.update(JSON.stringify([c.suite, c.id, c.expected, c.canary ?? null, c.messages.map((m) => [m.role, m.content])]));
    hash.update("\n");
  }
  return hash.digest("hex");
}
