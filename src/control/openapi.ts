import { z } from "zod";
import { VERSION } from "../version.js";
import { CSRF_HEADER, errorSchema, type AnyOperation } from "./api.js";

// The OpenAPI 3.1 document of the control API, generated from the operations' own zod schemas: what the
// document says a route takes is exactly what the route parses, and a test checks every answer against it.

type JsonSchema = Record<string, unknown>;

const ERROR_STATUSES: Readonly<Record<string, string>> = {
  "400": "The request does not match this document: the message names the field",
  "401": "Not signed in, or the credentials are invalid, expired or revoked",
  "403": "The caller's roles do not permit this, a change lacks its CSRF token, or the identity is killed",
  "404": "What the request names does not exist",
  "409": "The change conflicts with the current state",
  "413": "The body is too large",
  "415": "The body is not JSON (send Content-Type: application/json)",
  "500": "The server failed; the log has the details",
  "503": "The store does not answer; try again shortly",
};

export function openApiDocument(operations: readonly AnyOperation[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [...fields(op.params, "path"), ...fields(op.query, "query")];
    if (op.method !== "GET" && op.action !== "public")
      parameters.push({
        name: CSRF_HEADER,
        in: "header",
        required: false,
        description: "the session's CSRF token (GET /control/session): required with the session cookie, not with a bearer token",
        schema: { type: "string" },
      });
    const responses: Record<string, unknown> = {
      [String(op.status ?? 200)]: { description: op.summary, content: { "application/json": { schema: jsonSchema(op.response, "output") } } },
    };
    for (const [status, description] of Object.entries(ERROR_STATUSES))
      responses[status] = { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    const entry: Record<string, unknown> = {
      operationId: op.id,
      summary: op.summary,
      tags: [op.tag],
      "x-perimeter-action": op.action,
      security: op.action === "public" ? [] : [{ bearer: [] }, { session: [] }],
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(op.body === undefined ? {} : { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(op.body, "input") } } } }),
      responses,
    };
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, unknown>)[op.method.toLowerCase()] = entry;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Perimeter control API",
      version: VERSION,
      description:
        "The control API behind the dashboard and beside the gateway. Every route but sign-in is authorized by the control policy set (Cedar) for the admin roles viewer, auditor, operator, approver and admin; every change is an audit event naming the person behind it.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: { Error: jsonSchema(errorSchema, "output") },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "an API key (prm_…) or a JWT from a configured issuer" },
        session: { type: "apiKey", in: "cookie", name: "perimeter_session", description: "the dashboard's session (__Host-perimeter_session under TLS)" },
      },
    },
  };
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

/** Path or query parameters: one per property of the operation's object schema. */
function fields(schema: z.ZodType | undefined, where: "path" | "query"): Record<string, unknown>[] {
  if (schema === undefined) return [];
  const js = jsonSchema(schema, "input");
  const properties = (js["properties"] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js["required"] ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    ...(typeof s["description"] === "string" ? { description: s["description"] } : {}),
    schema: s,
  }));
}
