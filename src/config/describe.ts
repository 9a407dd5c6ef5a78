import { z } from "zod";
import type { LoadedConfig } from "./load.js";
import { configSchema } from "./schema.js";

// The effective configuration, option by option, with where each value came from: what `perimeter config
// show` prints. Secrets (passwords in URLs, private keys) never leave here unredacted.

export type OptionSource =
  | { readonly kind: "default" }
  | { readonly kind: "file"; readonly file: string; readonly via?: "--config" | "PERIMETER_CONFIG" }
  | { readonly kind: "env"; readonly variable: string };

export interface ConfigOption {
  /** Dotted key as written in perimeter.yaml, e.g. store.sqlitePath. */
  readonly key: string;
  /** The value in effect, redacted; undefined when an optional setting is not set. */
  readonly value: unknown;
  readonly source: OptionSource;
}

/** Variables read outside loadConfig that stand in for an option the file leaves unset. */
const ENV_FALLBACKS: Readonly<Record<string, string>> = { "gateway.tracing.otlpEndpoint": "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" };

export function describeConfig(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): ConfigOption[] {
  const options: ConfigOption[] = [];
  const via = loaded.project?.source === "--config" || loaded.project?.source === "PERIMETER_CONFIG" ? loaded.project.source : undefined;
  const walk = (schema: z.ZodType, path: readonly string[], value: unknown, fromFile: unknown) => {
    const inner = unwrap(schema);
    const key = path.join(".");
    if (inner instanceof z.ZodObject && path.length < 8) {
      for (const [name, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
        walk(child, [...path, name], field(value, name), field(fromFile, name));
      }
      return;
    }
    const envVariable = loaded.fromEnv?.[key];
    const fallback = ENV_FALLBACKS[key];
    if (envVariable !== undefined) options.push({ key, value: redact(key, value), source: { kind: "env", variable: envVariable } });
    else if (fromFile !== undefined && loaded.file !== undefined)
      options.push({ key, value: redact(key, value), source: { kind: "file", file: loaded.file, ...(via === undefined ? {} : { via }) } });
    else if (value === undefined && fallback !== undefined && (env[fallback] ?? "") !== "") {
      options.push({ key, value: redact(key, env[fallback]), source: { kind: "env", variable: fallback } });
    } else options.push({ key, value: redact(key, value), source: { kind: "default" } });
  };
  walk(configSchema, [], loaded.config, loaded.fromFile ?? {});
  return options;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 8 && (s instanceof z.ZodDefault || s instanceof z.ZodOptional); i++) s = s.unwrap() as z.ZodType;
  return s;
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

// A webhook URL (Slack's, a chat tool's) carries its secret in the path.
const SECRET_KEY = /(password|passwd|secret|token|credential|webhook)/i;
const SECRET_PARAM = /(password|passwd|secret|token|sslkey|key)/i;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
export const REDACTED = "REDACTED";

/** A value with every secret in it replaced by REDACTED: whole values under secret-sounding keys, private-key PEM, URL passwords and credential query parameters. */
export function redact(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === "string") {
    if (SECRET_KEY.test(key.split(".").pop() ?? "") || PRIVATE_KEY_PEM.test(value)) return REDACTED;
    return redactUrl(value);
  }
  if (Array.isArray(value)) return value.map((v) => redact(key, v));
  if (typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(`${key}.${k}`, v)]));
  return value;
}

function redactUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL we can take apart: it may still hold user:password@, so hide everything before the host.
    return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, `$1${REDACTED}@`);
  }
  let changed = false;
  if (url.password !== "") {
    url.password = REDACTED;
    changed = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  // Unchanged URLs are shown as written, not as URL normalises them.
  return changed ? url.toString() : text;
}
