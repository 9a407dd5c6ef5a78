import { ERROR_CODES, type ErrorCode } from "../errors.js";
import { redactForClient } from "../http/redact.js";
import type { RouteResponse } from "../http/server.js";
import type { Api } from "./dialects.js";

// A refusal as the client's dialect gives errors: OpenAI's {error: {message, type, param, code}} or Ollama's
// {error}, with the status the error registry documents for the code. Messages reaching a client never carry
// a file path, a URL of ours or a stack: what a runtime or a library said is redacted on the way out (the
// audit log keeps it whole).

const OPENAI_ERROR_TYPE: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  502: "upstream_error",
  503: "service_unavailable",
};

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

export function errorResponse(api: Api, code: ErrorCode, message: string, retryAfterSeconds?: number): RouteResponse {
  const status = statusOf(code);
  const text = redactForClient(message);
  const headers = retryAfterSeconds === undefined ? undefined : { "retry-after": String(retryAfterSeconds) };
  if (api === "ollama") return headers === undefined ? { status, json: { error: text } } : { status, json: { error: text }, headers };
  const type = OPENAI_ERROR_TYPE[status] ?? (status >= 500 ? "server_error" : "invalid_request_error");
  const json = { error: { message: text, type, param: null, code } };
  return headers === undefined ? { status, json } : { status, json, headers };
}

/** An error event in a stream whose status is already sent, in the client's dialect. */
export function streamError(api: Api, code: ErrorCode, message: string): string {
  const text = redactForClient(message);
  if (api === "ollama") return `${JSON.stringify({ error: text })}\n`;
  const status = statusOf(code);
  return `data: ${JSON.stringify({ error: { message: text, type: OPENAI_ERROR_TYPE[status] ?? "server_error", code } })}\n\n`;
}
