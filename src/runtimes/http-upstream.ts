import { StringDecoder } from "node:string_decoder";
import { type Dispatcher, Pool } from "undici";
import { PerimeterError } from "../errors.js";
import type { CallSignal, DialectResponse, OpenAIDialect, OpenAIPath } from "./dialect.js";

// An HTTP runtime (vLLM, SGLang, llama.cpp server, Ollama's /v1) spoken to in the OpenAI dialect through one
// keep-alive connection pool per runtime. Streams are parsed from SSE into chunk objects, so the gateway can
// count tokens and cut them; nothing else is buffered.

export interface HttpUpstreamOptions {
  readonly name: string;
  /** Base URL; a trailing /v1 is accepted. */
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** How long the runtime may take to send response headers, and stay silent in the middle of an answer. */
  readonly timeoutMs: number;
  readonly connections?: number;
  /** A JSON answer or one SSE event larger than this is refused, not buffered (default 64 MiB). */
  readonly maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export function httpUpstream(options: HttpUpstreamOptions): OpenAIDialect {
  const base = new URL(options.url);
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const prefix = base.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  const pool = new Pool(base.origin, {
    connections: options.connections ?? 64,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 30_000,
  });
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  if (options.apiKey !== undefined) headers["authorization"] = `Bearer ${options.apiKey}`;

  return {
    async call(path: OpenAIPath, body: Record<string, unknown>, signal: CallSignal, extra?: Readonly<Record<string, string>>): Promise<DialectResponse> {
      let res: Dispatcher.ResponseData;
      try {
        res = await pool.request({
          method: "POST",
          path: `${prefix}${path}`,
          headers: extra === undefined ? headers : { ...extra, ...headers },
          body: JSON.stringify(body),
          signal: signal as AbortSignal,
        });
      } catch (err) {
        if (signal.aborted) throw err;
        const why = (err as { code?: unknown }).code === "UND_ERR_HEADERS_TIMEOUT" ? `no answer within ${options.timeoutMs} ms` : (err as Error).message;
        throw new PerimeterError("RUNTIME_UNREACHABLE", `runtime "${options.name}" did not answer POST ${path}: ${why}`, { cause: err });
      }
      const type = String(res.headers["content-type"] ?? "");
      if (res.statusCode >= 200 && res.statusCode < 300 && type.startsWith("text/event-stream")) {
        return { kind: "stream", chunks: sseChunks(res.body, options.name, maxBytes, options.timeoutMs) };
      }
      // A declared length is checked up front and the body read in one go (undici's text(), no async
      // iterator); an undeclared one is read chunk by chunk against the bound.
      const declared = Number(res.headers["content-length"] ?? Number.NaN);
      if (declared > maxBytes) {
        res.body.on("error", () => undefined); // destroying it reports an abort nobody needs to hear
        res.body.destroy();
        throw new PerimeterError("RUNTIME_RESPONSE_INVALID", `runtime "${options.name}" answered with more than ${maxBytes} bytes`);
      }
      const text = Number.isInteger(declared) ? await res.body.text() : await readBounded(res.body, maxBytes, options.name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.statusCode >= 200 && res.statusCode < 300)
          throw new PerimeterError("RUNTIME_RESPONSE_INVALID", `runtime "${options.name}" answered POST ${path} with something that is not JSON`);
        parsed = { error: { message: text.slice(0, 500), type: "upstream_error", code: res.statusCode } };
      }
      return { kind: "json", status: res.statusCode, body: parsed };
    },
    close: () => pool.close(),
  };
}

async function readBounded(body: AsyncIterable<Buffer>, limit: number, name: string): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new PerimeterError("RUNTIME_RESPONSE_INVALID", `runtime "${name}" answered with more than ${limit} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString("utf8");
}

/** SSE `data:` events as parsed JSON objects, until `[DONE]` or the end of the body. */
async function* sseChunks(
  body: AsyncIterable<Buffer> & { destroy?(): void },
  name: string,
  maxBytes: number,
  idleMs: number,
): AsyncGenerator<Record<string, unknown>> {
  let buffer = "";
  // A read may end inside a character: the decoder keeps its first bytes for the next read.
  const decoder = new StringDecoder("utf8");
  try {
    for await (const chunk of body) {
      buffer += decoder.write(chunk);
      if (buffer.length > maxBytes) throw new PerimeterError("RUNTIME_RESPONSE_INVALID", `runtime "${name}" sent an SSE event larger than ${maxBytes} bytes`);
      for (let end = eventEnd(buffer); end !== -1; end = eventEnd(buffer)) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^(\r?\n){1,2}/, "");
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trimStart())
          .join("\n");
        if (data === "") continue;
        if (data === "[DONE]") return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          throw new PerimeterError("RUNTIME_RESPONSE_INVALID", `runtime "${name}" sent an SSE event that is not JSON`);
        }
        if (parsed !== null && typeof parsed === "object") yield parsed as Record<string, unknown>;
      }
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === "UND_ERR_BODY_TIMEOUT") {
      throw new PerimeterError("RUNTIME_UNREACHABLE", `runtime "${name}" went silent mid-stream for longer than ${idleMs} ms`, { cause: err });
    }
    throw err;
  } finally {
    // Returning early (the client left, or the kill switch) must stop the upstream's generation: close the socket.
    body.destroy?.();
  }
}

function eventEnd(buffer: string): number {
  const lf = buffer.indexOf("\n\n");
  const crlf = buffer.indexOf("\r\n\r\n");
  if (lf === -1) return crlf;
  if (crlf === -1) return lf;
  return Math.min(lf, crlf);
}
