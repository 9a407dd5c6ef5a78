// Runtime discovery: ask an inference runtime which models it serves and what it says about their weights.
// Whatever a runtime answers is untrusted input: every body is bounded, parsed with zod at the edge, and
// every failure is a PerimeterError that names the runtime, its URL and the endpoint — never the API key.

import { readFile } from "node:fs/promises";
import { z } from "zod";
import { asPerimeterError, PerimeterError } from "../errors.js";
import type { DiscoveredModel, RuntimeKind, RuntimeType, RuntimeVersion } from "./types.js";
import { discoverEmbedded } from "./embedded.js";
import { discoverOllama } from "./ollama.js";
import { discoverOpenAICompatible } from "./openai-compatible.js";

export interface RuntimeTarget {
  readonly name: string;
  readonly type: RuntimeType;
  /** http(s) base URL; for the embedded runtime, a directory path or file:// URL. */
  readonly url: string;
  readonly apiKey?: string | undefined;
}

export interface DiscoveryOptions {
  /** How long each request may take, headers and body together. */
  readonly timeoutMs?: number;
}

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 10_000;
/** No runtime's model list comes near this; a body this large is a misbehaving or hostile server. */
export const MAX_RUNTIME_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Enough of an error body to quote the runtime's own explanation. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * The one HTTP exchange a runtime client needs: a request whose JSON answer is parsed into `schema`, or a
 * PerimeterError. Clients receive it from discoverRuntime and never call fetch themselves.
 */
export interface RuntimeHttp {
  get<T>(endpoint: string, schema: z.ZodType<T>, expected: string): Promise<T>;
  post<T>(endpoint: string, body: unknown, schema: z.ZodType<T>, expected: string): Promise<T>;
}

/** Asks a runtime what it serves. Results are sorted by servedName. */
export async function discoverRuntime(runtime: RuntimeTarget, options: DiscoveryOptions = {}): Promise<DiscoveredModel[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new PerimeterError("USAGE", `the discovery timeout must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  let models: DiscoveredModel[];
  switch (runtime.type) {
    case "ollama":
      models = await discoverOllama(runtimeHttp(runtime, timeoutMs));
      break;
    case "openai":
      models = await discoverOpenAICompatible(runtimeHttp(runtime, timeoutMs), { baseEndsWithV1: endsWithV1(runtime) });
      break;
    case "embedded":
      models = await discoverEmbedded(runtime);
      break;
    default: {
      const unknown: never = runtime.type;
      throw new PerimeterError("USAGE", `runtime "${runtime.name}" has unknown type ${JSON.stringify(unknown)}`);
    }
  }
  return models.sort((a, b) => (a.servedName < b.servedName ? -1 : a.servedName > b.servedName ? 1 : 0));
}

/** How messages name a runtime: `runtime "gpu-1" (ollama at http://10.0.0.5:11434)`. */
function runtimeLabel(runtime: Pick<RuntimeTarget, "name" | "type">, where: string): string {
  return `runtime "${runtime.name}" (${runtime.type} at ${where})`;
}

function endsWithV1(runtime: RuntimeTarget): boolean {
  return /\/v1\/*$/.test(parseBaseUrl(runtime).pathname);
}

function parseBaseUrl(runtime: RuntimeTarget): URL {
  let base: URL;
  try {
    base = new URL(runtime.url);
  } catch {
    throw new PerimeterError("RUNTIME_UNREACHABLE", `runtime "${runtime.name}" (${runtime.type}) cannot be reached: its URL is not a valid http(s) URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new PerimeterError(
      "RUNTIME_UNREACHABLE",
      `${runtimeLabel(runtime, shownUrl(base))} cannot be reached: discovery speaks http and https, not ${base.protocol}`,
    );
  }
  // Credentials in the URL would end up in logs and messages; the API key has its own, secret, place.
  if (base.username !== "" || base.password !== "") {
    throw new PerimeterError(
      "RUNTIME_UNREACHABLE",
      `${runtimeLabel(runtime, shownUrl(base))} cannot be reached: its URL carries credentials; register the key as the runtime's API key instead`,
    );
  }
  return base;
}

/** The URL as messages show it: no credentials, query or fragment, which may carry secrets. */
function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function runtimeHttp(runtime: RuntimeTarget, timeoutMs: number): RuntimeHttp {
  const base = parseBaseUrl(runtime);
  const label = runtimeLabel(runtime, shownUrl(base));
  const exchange = async <T>(method: "GET" | "POST", endpoint: string, body: unknown, schema: z.ZodType<T>, expected: string): Promise<T> => {
    const url = new URL(base.href);
    url.pathname = base.pathname.replace(/\/+$/, "") + endpoint;
    url.hash = "";
    const request = `${method} ${endpoint}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (runtime.apiKey !== undefined && runtime.apiKey !== "") headers.authorization = `Bearer ${runtime.apiKey}`;
    const signal = AbortSignal.timeout(timeoutMs);
    const timedOut = (): PerimeterError => new PerimeterError("RUNTIME_UNREACHABLE", `${label} did not answer ${request} within ${seconds(timeoutMs)}`);

    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        // An answer from wherever a redirect points is not an answer from the runtime that was registered.
        redirect: "manual",
      });
    } catch (err) {
      if (signal.aborted) throw timedOut();
      throw new PerimeterError(
        "RUNTIME_UNREACHABLE",
        `${label} could not be reached for ${request}: ${networkCause(err)}. Check that the runtime is running and its URL is right`,
        { cause: err },
      );
    }

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      const location = redirectTarget(response.headers.get("location"), url);
      throw new PerimeterError(
        "RUNTIME_UNREACHABLE",
        `${label} answered ${request} with a redirect (HTTP ${response.status}${location}); discovery does not follow redirects, so register the URL the runtime really answers on`,
      );
    }

    if (!response.ok) {
      let text = "";
      try {
        text = (await readBody(response, MAX_ERROR_BODY_BYTES, "truncate")).text;
      } catch {
        if (signal.aborted) throw timedOut();
        // The status already says what went wrong; an unreadable error body adds nothing to it.
      }
      const hint = response.status === 401 || response.status === 403 ? ". Check the runtime's API key" : "";
      throw new PerimeterError(
        "RUNTIME_UNREACHABLE",
        `${label} answered ${request} with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}: ${errorText(text)}${hint}`,
        { details: { status: response.status } },
      );
    }

    let text: string;
    try {
      const read = await readBody(response, MAX_RUNTIME_RESPONSE_BYTES, "refuse");
      if (read.truncated) {
        throw new PerimeterError(
          "RUNTIME_RESPONSE_INVALID",
          `${label} answered ${request} with more than ${MAX_RUNTIME_RESPONSE_BYTES / (1024 * 1024)} MiB; Perimeter refuses to read it`,
        );
      }
      text = read.text;
    } catch (err) {
      if (err instanceof PerimeterError) throw err;
      if (signal.aborted) throw timedOut();
      throw new PerimeterError("RUNTIME_UNREACHABLE", `${label} broke off its answer to ${request}: ${networkCause(err)}`, {
        cause: err,
      });
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const type = response.headers.get("content-type") ?? "no content type";
      throw new PerimeterError(
        "RUNTIME_RESPONSE_INVALID",
        `${label} answered ${request} with something that is not JSON (${type}): ${quote(text)}. Check that the URL points at the runtime itself, not a proxy or sign-in page`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new PerimeterError("RUNTIME_RESPONSE_INVALID", `${label} answered ${request} with JSON that is not ${expected}: ${describeIssues(parsed.error)}`);
    }
    return parsed.data;
  };
  return {
    get: (endpoint, schema, expected) => exchange("GET", endpoint, undefined, schema, expected),
    post: (endpoint, body, schema, expected) => exchange("POST", endpoint, body, schema, expected),
  };
}

/**
 * Reads at most `limit` bytes. "refuse" reports a longer body as truncated (checking Content-Length first,
 * so a declared oversize body is never read); "truncate" keeps the first `limit` bytes.
 */
async function readBody(response: Response, limit: number, mode: "refuse" | "truncate"): Promise<{ text: string; truncated: boolean }> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (mode === "refuse" && Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return { text: "", truncated: true };
  }
  if (response.body === null) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.length > limit) {
      chunks.push(value.subarray(0, limit - total));
      total = limit;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    total += value.length;
  }
  if (mode === "refuse" && truncated) return { text: "", truncated };
  return { text: new TextDecoder().decode(Buffer.concat(chunks, total)), truncated };
}

function redirectTarget(location: string | null, from: URL): string {
  if (location === null) return "";
  try {
    return ` to ${shownUrl(new URL(location, from))}`;
  } catch {
    return "";
  }
}

/** The runtime's own explanation from an error body: Ollama's and vLLM's {"error": "..."}, OpenAI's {"error": {"message"}}, FastAPI's {"detail"}. */
function errorText(body: string): string {
  if (body.trim() === "") return "no explanation in the body";
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return quote(body);
  }
  if (typeof json === "object" && json !== null) {
    const record = json as Record<string, unknown>;
    const error = record.error;
    if (typeof error === "string") return quote(error);
    if (typeof error === "object" && error !== null && typeof (error as Record<string, unknown>).message === "string") {
      return quote((error as Record<string, unknown>).message as string);
    }
    if (typeof record.message === "string") return quote(record.message);
    if (typeof record.detail === "string") return quote(record.detail);
  }
  return quote(body);
}

/** A runtime's text, single-line and short, so a hostile body cannot flood or forge log lines. */
function quote(text: string, max = 200): string {
  const oneLine = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return JSON.stringify(oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine);
}

function networkCause(err: unknown): string {
  // fetch reports every network failure as TypeError("fetch failed"); the reason is in its cause.
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    if (cause.message !== "") return cause.message;
    if (typeof code === "string") return code;
  }
  return err instanceof Error ? err.message : String(err);
}

function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "";
  return shown.join("; ") + more;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "the body";
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][\w]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

// What a runtime says it is, asked at discovery: Ollama's GET /api/version; behind the OpenAI-compatible
// API, SGLang's GET /get_server_info, llama.cpp server's GET /props (build_info "b5662-<commit>") and vLLM's
// GET /version, at the server's root (a URL registered with /v1 is asked without it). A runtime that says
// nothing is recorded as such, with what was asked: its patch level cannot be told, which is a finding of
// its own, and never a failed discovery.

const versionAnswer = z.object({ version: z.string().min(1).max(100) });
const propsAnswer = z.object({ build_info: z.string().min(1).max(200) });

interface Probe {
  readonly kind: RuntimeKind;
  readonly endpoint: string;
  readonly ask: (http: RuntimeHttp) => Promise<string>;
}

// SGLang first: it is the one that answers /get_server_info; llama-server the one with build_info in /props;
// vLLM's /version last, as the least specific.
const OPENAI_PROBES: readonly Probe[] = [
  {
    kind: "sglang",
    endpoint: "/get_server_info",
    ask: async (http) => (await http.get("/get_server_info", versionAnswer, "SGLang's server info")).version,
  },
  { kind: "llamacpp", endpoint: "/props", ask: async (http) => (await http.get("/props", propsAnswer, "llama.cpp server's props")).build_info },
  { kind: "vllm", endpoint: "/version", ask: async (http) => (await http.get("/version", versionAnswer, "vLLM's version")).version },
];

export async function discoverVersion(runtime: RuntimeTarget, options: { readonly timeoutMs?: number } = {}): Promise<RuntimeVersion> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
  if (runtime.type === "embedded") return embeddedVersion();
  if (runtime.type === "ollama") {
    try {
      const v = (await runtimeHttp(runtime, timeoutMs).get("/api/version", versionAnswer, "Ollama's version")).version;
      return { version: v, kind: "ollama", note: "GET /api/version" };
    } catch (err) {
      return { version: null, kind: "ollama", note: `GET /api/version failed: ${asPerimeterError(err).message}` };
    }
  }
  const root = runtimeHttp({ ...runtime, url: runtime.url.replace(/\/v1\/*$/, "") }, timeoutMs);
  const failed: string[] = [];
  for (const probe of OPENAI_PROBES) {
    try {
      return { version: await probe.ask(root), kind: probe.kind, note: `GET ${probe.endpoint}` };
    } catch (err) {
      failed.push(`${probe.endpoint} (${asPerimeterError(err).message})`);
    }
  }
  return { version: null, kind: null, note: `it answered none of ${failed.join("; ")}` };
}

/** The llama.cpp release node-llama-cpp ships its prebuilt binaries from. */
async function embeddedVersion(): Promise<RuntimeVersion> {
  try {
    const info = new URL("../llama/llama.cpp.info.json", import.meta.resolve("node-llama-cpp"));
    const tag = z.object({ tag: z.string().min(1).max(100) }).parse(JSON.parse(await readFile(info, "utf8"))).tag;
    return { version: tag, kind: "llamacpp", note: "node-llama-cpp's llama.cpp release" };
  } catch (err) {
    return { version: null, kind: "llamacpp", note: `node-llama-cpp's llama.cpp release cannot be read: ${(err as Error).message}` };
  }
}
