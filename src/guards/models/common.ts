import { type Dispatcher, Pool } from "undici";
import { PerimeterError } from "../../errors.js";
import type { CallSignal, OpenAIDialect, OpenAIPath } from "../../runtimes/dialect.js";
import type { GuardModelInput } from "../types.js";

// What the guard model adapters share: how they say a runtime's answer is not a verdict, and how they read the
// one JSON answer they ask an OpenAI-dialect runtime for.

/**
 * The model answered, but not in its verdict format. The answer itself is not quoted: it may echo the text
 * being judged, and this message travels to logs and clients.
 */
export function notAVerdict(guard: string, format: string, answer: string): PerimeterError {
  const lines = answer.split("\n").length;
  return new PerimeterError(
    "GUARD_UNAVAILABLE",
    `guard model "${guard}" answered ${answer.length} characters on ${lines} line(s) that are not ${format}, so the request was refused; check that the configured model is the guard model its kind names, served with its own weights`,
    { details: { guard } },
  );
}

/** POSTs one non-streamed request and returns its JSON body, or throws on a runtime error. */
export async function callJson(
  guard: string,
  client: OpenAIDialect,
  path: OpenAIPath,
  body: Record<string, unknown>,
  signal: CallSignal,
): Promise<Record<string, unknown>> {
  const response = await client.call(path, body, signal);
  if (response.kind !== "json") {
    throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}" answered ${path} with a stream where one JSON answer was asked for`, {
      details: { guard },
    });
  }
  if (response.status < 200 || response.status >= 300) {
    throw new PerimeterError(
      "GUARD_UNAVAILABLE",
      `guard model "${guard}"'s runtime answered ${path} with HTTP ${response.status}: ${runtimeErrorText(response.body)}; check that it serves the configured model`,
      { details: { guard, status: response.status } },
    );
  }
  if (!isRecord(response.body)) throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}" answered ${path} with JSON that is not an object`);
  return response.body;
}

/** The first choice of an OpenAI completion or chat completion answer, with its finish reason. */
export function firstChoice(guard: string, body: Record<string, unknown>): Record<string, unknown> {
  const choices = body["choices"];
  const first = Array.isArray(choices) ? (choices[0] as unknown) : undefined;
  if (!isRecord(first)) throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}" answered without a choice`, { details: { guard } });
  if (first["finish_reason"] === "length") {
    throw new PerimeterError(
      "GUARD_UNAVAILABLE",
      `guard model "${guard}" was cut off by its token limit before it finished its verdict, so the request was refused; raise its maxTokens`,
      { details: { guard } },
    );
  }
  return first;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The text a guard model judges: the last message, which the direction says is the user's or the assistant's. */
export function judgedMessage(guard: string, input: GuardModelInput): string {
  const last = input.messages.at(-1);
  if (last === undefined) throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}" was given no message to judge`, { details: { guard } });
  return last.content;
}

export interface JsonHttpOptions {
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** How long the server may take to send headers, and stay silent in the body. */
  readonly timeoutMs: number;
  /** A larger body is refused, not buffered. */
  readonly maxBytes: number;
}

export interface JsonHttp {
  /** POSTs JSON under the base URL's path; answers the status and the body parsed (undefined when not JSON). */
  post(path: string, body: unknown, signal: AbortSignal): Promise<{ readonly status: number; readonly json: unknown }>;
  close(): Promise<void>;
}

/** A keep-alive JSON client for the runtimes the OpenAI dialect does not cover (Ollama's raw generate, TEI). */
export function jsonHttp(guard: string, what: string, options: JsonHttpOptions): JsonHttp {
  const base = new URL(options.url);
  const prefix = base.pathname.endsWith("/") ? base.pathname.slice(0, -1) : base.pathname;
  const pool = new Pool(base.origin, { connections: 8, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (options.apiKey !== undefined) headers["authorization"] = `Bearer ${options.apiKey}`;
  return {
    async post(path, body, signal) {
      let res: Dispatcher.ResponseData;
      try {
        res = await pool.request({ method: "POST", path: `${prefix}${path}`, headers, body: JSON.stringify(body), signal });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        throw new PerimeterError(
          "GUARD_UNAVAILABLE",
          `guard model "${guard}"'s ${what} at ${base.origin} did not answer POST ${path}: ${(err as Error).message}`,
          {
            cause: err,
            details: { guard },
          },
        );
      }
      const parts: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > options.maxBytes) {
            res.body.destroy();
            throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}"'s ${what} answered POST ${path} with more than ${options.maxBytes} bytes`, {
              details: { guard },
            });
          }
          parts.push(chunk);
        }
      } catch (err) {
        if (err instanceof PerimeterError) throw err;
        if (signal.aborted) throw signal.reason;
        throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${guard}"'s ${what} broke off its answer to POST ${path}: ${(err as Error).message}`, {
          cause: err,
          details: { guard },
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(parts).toString("utf8"));
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, json };
    },
    close: () => pool.close(),
  };
}

function runtimeErrorText(body: unknown): string {
  const error = isRecord(body) ? body["error"] : undefined;
  const message = isRecord(error) ? error["message"] : error;
  if (typeof message !== "string") return "no explanation";
  const oneLine = message.replaceAll("\n", " ").replaceAll("\r", " ");
  return JSON.stringify(oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine);
}
