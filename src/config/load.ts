import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { PerimeterError } from "../errors.js";
import { configSchema, type Config } from "./schema.js";

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from, or undefined when defaults were used. */
  readonly file: string | undefined;
  /** Relative paths in the config resolve against this directory (the file's, else the working directory). */
  readonly baseDir: string;
}

export interface LoadOptions {
  /** --config; falls back to PERIMETER_CONFIG, then ./perimeter.yaml if it exists. */
  readonly path?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env["PERIMETER_CONFIG"];
  const file = explicit !== undefined && explicit !== "" ? resolve(cwd, explicit) : defaultFile(cwd);

  let raw: unknown = {};
  if (file !== undefined) raw = readYaml(file, explicit !== undefined && explicit !== "");
  if (raw === null || raw === undefined) raw = {};

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const where = file ?? "configuration";
    const lines = parsed.error.issues.map((issue) => `  ${where}: ${keyPath(issue.path)}: ${describeIssue(issue)}`);
    throw new PerimeterError("CONFIG_INVALID", `invalid configuration:\n${lines.join("\n")}`, {
      details: { file: where, issues: parsed.error.issues.map((i) => ({ path: keyPath(i.path), message: describeIssue(i) })) },
    });
  }
  const config = applyEnv(parsed.data, env);
  return { config, file, baseDir: file === undefined ? cwd : dirname(file) };
}

function defaultFile(cwd: string): string | undefined {
  const candidate = resolve(cwd, "perimeter.yaml");
  try {
    readFileSync(candidate);
    return candidate;
  } catch {
    return undefined;
  }
}

function readYaml(file: string, required: boolean): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new PerimeterError(
      "CONFIG_UNREADABLE",
      `cannot read config ${file}: ${reason}${required ? " (from --config or PERIMETER_CONFIG)" : ""}`,
      { cause: err },
    );
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new PerimeterError("CONFIG_UNREADABLE", `cannot parse config ${file}: ${first?.message ?? "invalid YAML"}`);
  }
  return doc.toJS();
}

function applyEnv(config: Config, env: NodeJS.ProcessEnv): Config {
  const url = env["PERIMETER_DATABASE_URL"];
  if (url === undefined || url === "") return config;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new PerimeterError(
      "CONFIG_INVALID",
      `invalid configuration:\n  PERIMETER_DATABASE_URL: expected a postgres:// or postgresql:// URL`,
    );
  }
  return { ...config, store: { ...config.store, url } };
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "(top level)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return issue.message;
}

/** Resolve a path from the config against its base directory. */
export function configPath(loaded: LoadedConfig, path: string): string {
  return resolve(loaded.baseDir, path);
}
