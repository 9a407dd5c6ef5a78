import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { ERROR_CODES, PerimeterError, type ErrorCode } from "../errors.js";
import { redactForClient } from "./redact.js";

// The one HTTP(S) server Perimeter runs. The gateway's hot path will sit here, so routing is a map lookup
// built once at start, and a request allocates no more than its body and its reply.

/** The server's own refusals, registered in src/errors.ts like every other code. */
export type HttpErrorCode = Extract<ErrorCode, "ROUTE_NOT_FOUND" | "METHOD_NOT_ALLOWED" | "BODY_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE">;

export interface RouteResponse {
  readonly status: number;
  /** Serialised as application/json. */
  readonly json?: unknown;
  /** Sent as text/plain when there is no json. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A streamed answer (SSE, NDJSON): written chunk by chunk; the iterator is returned early when the client goes away. */
  readonly stream?: { readonly contentType: string; readonly chunks: AsyncIterable<string> };
}

interface RouteCommon {
  readonly method: "GET" | "POST" | "DELETE";
  /**
   * Exact path, or a template whose `{name}` segments each match one non-empty segment, handed to the route
   * percent-decoded as `params`. The query string is not part of the match (the API server appends ?timeout=).
   * An exact path wins over a template; templates are tried in the order given.
   */
  readonly path: string;
  /** POST only: overrides the server's body limit. */
  readonly maxBodyBytes?: number;
  /** POST only: the body is an HTML form (application/x-www-form-urlencoded, as OAuth token requests are), not JSON. */
  readonly form?: boolean;
}

/** A route that answers with a value the server writes. */
export interface HandledRoute extends RouteCommon {
  handle(req: IncomingMessage, body: Buffer, params: RouteParams): Promise<RouteResponse>;
}

/** A templated path's `{name}` segments, decoded; empty for an exact path. */
export type RouteParams = Readonly<Record<string, string>>;

/**
 * A route that writes its own answer on the response (MCP's streamable HTTP, which holds streams open both
 * ways): handed the body the server read and checked (POST), or an empty one. It must answer or destroy `res`.
 */
export interface RawRoute extends RouteCommon {
  raw(req: IncomingMessage, res: ServerResponse, body: Buffer): void;
}

export type Route = HandledRoute | RawRoute;

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  /**
   * PEM certificate chain and key; without them the server speaks plain HTTP. With clientCa, every client must
   * present a certificate that CA issued, or the TLS handshake fails (mutual TLS).
   */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer; readonly clientCa?: string | Buffer | undefined } | undefined;
  readonly routes: readonly Route[];
  readonly logger?: Logger | undefined;
  /** Default limit for a POST body. */
  readonly maxBodyBytes?: number;
  /** How long close() waits for requests in flight before cutting their connections. */
  readonly closeGraceMs?: number;
}

export interface RunningServer {
  /** e.g. https://127.0.0.1:8443 */
  readonly url: string;
  /** Stops accepting, lets requests in flight finish (up to closeGraceMs), then resolves. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const HEALTH_PATH = "/healthz";

interface PathRoutes {
  GET?: Route;
  POST?: Route;
  DELETE?: Route;
  allow: string;
}

/** A path template split into segments: literals, and the names of `{name}` segments. */
interface Template {
  readonly segments: readonly ({ readonly literal: string } | { readonly param: string })[];
  readonly routes: PathRoutes;
}

interface RouteTable {
  readonly exact: Map<string, PathRoutes>;
  readonly templates: readonly Template[];
}

const NO_PARAMS: RouteParams = Object.freeze({});

const JSON_TYPE = "application/json; charset=utf-8";
const TEXT_TYPE = "text/plain; charset=utf-8";
const EMPTY = Buffer.alloc(0);
const TOO_LARGE = Symbol("too large");

const healthRoute: Route = {
  method: "GET",
  path: HEALTH_PATH,
  handle: () => Promise.resolve({ status: 200, json: { status: "ok" } }),
};

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const table = routeTable([healthRoute, ...options.routes]);
  const defaultLimit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger;
  const listener = (req: IncomingMessage, res: ServerResponse): void => dispatch(table, defaultLimit, logger, req, res);
  // Slow clients must not hold connections open: headers within 10 s, the whole request within 30 s.
  const limits = { headersTimeout: 10_000, requestTimeout: 30_000 };

  let server: Server;
  if (options.tls) {
    try {
      const mutual = options.tls.clientCa === undefined ? {} : { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true };
      server = createHttpsServer({ ...limits, cert: options.tls.cert, key: options.tls.key, minVersion: "TLSv1.2", ...mutual }, listener);
    } catch (err) {
      throw new PerimeterError(
        "USAGE",
        `the TLS certificate and key cannot be used together: ${(err as Error).message}; give a PEM certificate chain and its PEM private key`,
        { cause: err },
      );
    }
    // A client that does not trust our certificate is its problem to fix, not an error of ours.
    server.on("tlsClientError", (err) => logger?.debug({ err: err.message }, "TLS handshake failed"));
  } else {
    server = createHttpServer(limits, listener);
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new PerimeterError("USAGE", `cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`, { cause: err }));
    };
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  server.on("error", (err) => logger?.error({ err }, "server error"));

  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${options.tls ? "https" : "http"}://${host}:${address.port}`;
  const graceMs = options.closeGraceMs ?? 10_000;
  let closing: Promise<void> | undefined;

  return {
    url,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        cut.unref();
        server.close((err) => {
          clearTimeout(cut);
          if (err) reject(err);
          else resolve();
        });
        // Keep-alive connections the API server holds open would otherwise delay close by their timeout.
        server.closeIdleConnections();
      })),
  };
}

function routeTable(routes: readonly Route[]): RouteTable {
  const exact = new Map<string, PathRoutes>();
  const byTemplate = new Map<string, PathRoutes>();
  const templates: Template[] = [];
  for (const route of routes) {
    const templated = route.path.includes("{");
    const table = templated ? byTemplate : exact;
    let entry = table.get(route.path);
    if (entry === undefined) {
      entry = { allow: "" };
      table.set(route.path, entry);
      if (templated) templates.push({ segments: parseTemplate(route.path), routes: entry });
    }
    if (entry[route.method] !== undefined) throw new PerimeterError("INTERNAL", `two routes for ${route.method} ${route.path}`);
    entry[route.method] = route;
    entry.allow = [entry.GET ? "GET" : "", entry.POST ? "POST" : "", entry.DELETE ? "DELETE" : ""].filter((m) => m !== "").join(", ");
  }
  return { exact, templates };
}

function parseTemplate(path: string): Template["segments"] {
  return path
    .split("/")
    .slice(1)
    .map((segment) => {
      const param = /^\{([A-Za-z][A-Za-z0-9_]*)\}$/.exec(segment);
      if (param !== null) return { param: param[1] as string };
      if (segment.includes("{") || segment.includes("}")) throw new PerimeterError("INTERNAL", `route template ${path}: a parameter must be a whole segment`);
      return { literal: segment };
    });
}

/** The routes of a path and its parameters; a segment that does not percent-decode matches no template. */
function lookup(table: RouteTable, path: string): { routes: PathRoutes; params: RouteParams } | undefined {
  const exact = table.exact.get(path);
  if (exact !== undefined) return { routes: exact, params: NO_PARAMS };
  if (table.templates.length === 0) return undefined;
  const segments = path.split("/").slice(1);
  next: for (const template of table.templates) {
    if (template.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < segments.length; i++) {
      const want = template.segments[i] as Template["segments"][number];
      const got = segments[i] as string;
      if ("literal" in want) {
        if (want.literal !== got) continue next;
        continue;
      }
      if (got === "") continue next;
      try {
        params[want.param] = decodeURIComponent(got);
      } catch {
        continue next;
      }
    }
    return { routes: template.routes, params };
  }
  return undefined;
}

function dispatch(table: RouteTable, defaultLimit: number, logger: Logger | undefined, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  const found = lookup(table, path);
  if (found === undefined) {
    refuse(req, res, 404, "ROUTE_NOT_FOUND", `no route for ${path}`);
    return;
  }
  const { routes: entry, params } = found;
  const route = req.method === "GET" ? entry.GET : req.method === "POST" ? entry.POST : req.method === "DELETE" ? entry.DELETE : undefined;
  if (route === undefined) {
    refuse(req, res, 405, "METHOD_NOT_ALLOWED", `${path} answers ${entry.allow}, not ${req.method ?? "?"}`, { allow: entry.allow });
    return;
  }
  if (route.method !== "POST") {
    run(route, req, res, EMPTY, params, logger);
    return;
  }
  const media = mediaType(req.headers["content-type"]);
  if (route.form === true && !isForm(req.headers["content-type"])) {
    refuse(req, res, 415, "UNSUPPORTED_MEDIA_TYPE", `${path} takes a form: send Content-Type: application/x-www-form-urlencoded`);
    return;
  }
  if (media === "other") {
    refuse(req, res, 415, "UNSUPPORTED_MEDIA_TYPE", `${path} takes a JSON body: send Content-Type: application/json`);
    return;
  }
  const limit = route.maxBodyBytes ?? defaultLimit;
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    refuse(req, res, 413, "BODY_TOO_LARGE", tooLarge(limit));
    return;
  }
  readBody(req, limit).then(
    (body) => {
      if (body === TOO_LARGE) refuse(req, res, 413, "BODY_TOO_LARGE", tooLarge(limit));
      else if (route.form === true) run(route, req, res, body, params, logger);
      // curl -d sends form-urlencoded, and many clients send no type: OpenAI and Ollama take such bodies as JSON when they are JSON.
      else if (media === "unlabelled" && !parsesAsJson(body))
        sendError(res, 415, "UNSUPPORTED_MEDIA_TYPE", `${path} takes a JSON body, and this one is not JSON: send JSON with Content-Type: application/json`);
      else run(route, req, res, body, params, logger);
    },
    // The client went away mid-body: there is no one to answer.
    () => res.destroy(),
  );
}

function run(route: Route, req: IncomingMessage, res: ServerResponse, body: Buffer, params: RouteParams, logger: Logger | undefined): void {
  if ("raw" in route) {
    try {
      route.raw(req, res, body);
    } catch (err) {
      fail(res, err, route, logger);
    }
    return;
  }
  let pending: Promise<RouteResponse>;
  try {
    pending = route.handle(req, body, params);
  } catch (err) {
    pending = Promise.reject(err);
  }
  pending.then(
    (reply) => {
      try {
        send(res, reply);
      } catch (err) {
        fail(res, err, route, logger);
      }
    },
    (err: unknown) => fail(res, err, route, logger),
  );
}

function send(res: ServerResponse, reply: RouteResponse): void {
  if (res.headersSent || res.destroyed) return;
  if (reply.stream !== undefined) {
    void sendStream(res, reply, reply.stream);
    return;
  }
  let payload = "";
  let type: string | undefined;
  if (reply.json !== undefined) {
    payload = JSON.stringify(reply.json);
    type = JSON_TYPE;
  } else if (reply.text !== undefined) {
    payload = reply.text;
    type = TEXT_TYPE;
  }
  const headers: Record<string, string | number> = { "content-length": Buffer.byteLength(payload) };
  if (type !== undefined) headers["content-type"] = type;
  if (reply.headers !== undefined) Object.assign(headers, reply.headers);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Write a stream with backpressure; a client that leaves stops the producer (and so the runtime's generation). */
async function sendStream(res: ServerResponse, reply: RouteResponse, stream: NonNullable<RouteResponse["stream"]>): Promise<void> {
  res.writeHead(reply.status, { "content-type": stream.contentType, "cache-control": "no-cache", "x-accel-buffering": "no", ...reply.headers });
  const iterator = stream.chunks[Symbol.asyncIterator]();
  let clientGone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    clientGone = true;
    void iterator.return?.();
  };
  res.on("close", onClose);
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done || clientGone) break;
      if (!res.write(next.value))
        await new Promise<void>((resolve) => {
          res.once("drain", resolve);
          res.once("close", resolve);
        });
    }
  } catch {
    // The producer failed mid-stream: the status is sent already, so ending the stream is the only signal left.
  } finally {
    res.off("close", onClose);
    if (!res.destroyed) res.end();
  }
}

/** A handler failed: its PerimeterError's code and status, or a plain 500. Never a stack or an internal message. */
function fail(res: ServerResponse, err: unknown, route: Route, logger: Logger | undefined): void {
  const e = err instanceof PerimeterError ? err : undefined;
  if (e === undefined || e.kind === "internal") logger?.error({ err, route: `${route.method} ${route.path}` }, "request failed");
  else logger?.debug({ code: e.code, message: e.message, route: `${route.method} ${route.path}` }, "request refused");
  const code: ErrorCode = e?.code ?? "INTERNAL";
  const message = e !== undefined && e.kind !== "internal" ? redactForClient(e.message) : `${ERROR_CODES[code].summary}; the server log has the details`;
  sendError(res, e?.status ?? 500, code, message);
}

/**
 * Answer without reading the body. The connection closes after the answer, so a body we will not read
 * is never parsed as the next request; what arrives until then is read and dropped, so unread bytes do
 * not make the close a reset that loses the answer.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: HttpErrorCode, message: string, headers?: Record<string, string>): void {
  if (!hasBody(req)) {
    sendError(res, status, code, message, headers);
    return;
  }
  req.resume();
  sendError(res, status, code, message, { ...headers, connection: "close" });
}

function sendError(res: ServerResponse, status: number, code: ErrorCode | HttpErrorCode, message: string, headers?: Record<string, string>): void {
  send(res, { status, json: { error: { code, message } }, ...(headers === undefined ? {} : { headers }) });
}

function hasBody(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function tooLarge(limit: number): string {
  return `the body exceeds ${limit} bytes`;
}

/**
 * JSON, a body that may be JSON without saying so (no type, or the form-urlencoded type `curl -d` sends), or
 * another type, which is refused before its body is read.
 */
function mediaType(contentType: string | undefined): "json" | "unlabelled" | "other" {
  if (contentType === undefined || contentType === "") return "unlabelled";
  const semi = contentType.indexOf(";");
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type === "application/json") return "json";
  return type === "application/x-www-form-urlencoded" ? "unlabelled" : "other";
}

function isForm(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

function parsesAsJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onClose = (): void => {
      done();
      reject(new Error("the client closed the connection before sending the whole body"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
