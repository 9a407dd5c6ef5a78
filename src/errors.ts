// One error type for the whole product: a stable code callers can switch on, a message that says what to
// do, and the class of failure that decides the CLI exit code and the HTTP status.

/** What kind of failure: decides exit code (CLI) and status (HTTP). */
export type ErrorKind = "refused" | "usage" | "internal";

interface CodeSpec {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly summary: string;
}

/** The registry of every error code. docs/errors.md lists the same codes (checked by a test). */
export const ERROR_CODES = {
  USAGE: { kind: "usage", status: 400, summary: "the command line or request is malformed" },
  CONFIG_INVALID: { kind: "usage", status: 500, summary: "perimeter.yaml (or an environment variable) is invalid" },
  CONFIG_UNREADABLE: { kind: "usage", status: 500, summary: "the configuration file cannot be read or parsed" },
  STORE_UNAVAILABLE: { kind: "internal", status: 503, summary: "the database cannot be opened or reached" },
  STORE_NOT_FOUND: { kind: "usage", status: 503, summary: "a command that only reads found no store where it looked" },
  STORE_MIGRATION_FAILED: { kind: "internal", status: 500, summary: "a database migration failed" },
  AUDIT_KEY_INVALID: { kind: "usage", status: 500, summary: "the audit signing key cannot be read or is not Ed25519" },
  AUDIT_TAMPERED: { kind: "refused", status: 409, summary: "the audit log does not verify" },
  AUDIT_NOT_FOUND: { kind: "usage", status: 404, summary: "no audit event or checkpoint with that number" },
  AUDIT_WITNESS_FAILED: { kind: "internal", status: 503, summary: "the audit witness cannot be read or written" },
  SIGNING_KEY_INVALID: { kind: "usage", status: 400, summary: "a signing or verification key is missing, unreadable or of the wrong type" },
  SIGNATURE_BUNDLE_INVALID: { kind: "refused", status: 422, summary: "a signature bundle is malformed or not in the OMS format" },
  SIGNATURE_INVALID: { kind: "refused", status: 422, summary: "a signature does not verify" },
  MODEL_MISMATCH: { kind: "refused", status: 422, summary: "the model's files differ from what was signed" },
  MODEL_UNSTABLE: { kind: "usage", status: 409, summary: "a model file changed while it was being hashed" },
  SYMLINK_REFUSED: { kind: "usage", status: 400, summary: "a model contains a symbolic link and --allow-symlinks was not given" },
  MODEL_NOT_A_MODEL: { kind: "usage", status: 400, summary: "the path holds no model file Perimeter recognises" },
  MODEL_VERSION_EXISTS: { kind: "usage", status: 409, summary: "a model version with that name@version is already in the inventory" },
  MODEL_VERSION_NOT_FOUND: { kind: "usage", status: 404, summary: "no model version with that name@version" },
  LINEAGE_INVALID: { kind: "usage", status: 400, summary: "the parents given do not fit the model kind, are unknown, or would form a cycle" },
  MODEL_HAS_DESCENDANTS: { kind: "usage", status: 409, summary: "the model version is a parent of other versions" },
  RUNTIME_EXISTS: { kind: "usage", status: 409, summary: "a runtime with that name is already registered" },
  RUNTIME_NOT_FOUND: { kind: "usage", status: 404, summary: "no runtime with that name" },
  RUNTIME_UNREACHABLE: { kind: "refused", status: 502, summary: "a runtime did not answer, or answered with an error" },
  RUNTIME_RESPONSE_INVALID: { kind: "refused", status: 502, summary: "a runtime answered with something that is not its API's response" },
  GUARD_UNAVAILABLE: {
    kind: "refused",
    status: 503,
    summary: "a guard model did not answer in time, failed, or answered something that is not a verdict",
  },
  GUARD_BUSY: { kind: "refused", status: 503, summary: "a guard model has as many judgements running and waiting as it is allowed" },
  BOM_INVALID: { kind: "internal", status: 500, summary: "the AI-BOM Perimeter produced does not validate against its schema" },
  APPROVAL_REFUSED: { kind: "refused", status: 403, summary: "an approval's conditions are not all met" },
  PERMISSION_DENIED: { kind: "refused", status: 403, summary: "the actor does not hold the role the action needs" },
  LIFECYCLE_TRANSITION_INVALID: { kind: "usage", status: 409, summary: "the model version is not in a state that allows this change" },
  MODEL_NOT_SERVABLE: {
    kind: "refused",
    status: 404,
    summary: "no approved version of the model is served with its approved bytes in the caller's environment",
  },
  ADMISSION_DENIED: { kind: "refused", status: 403, summary: "the files or reference are not an approved model version for the environment" },
  ADMISSION_BUNDLE_INVALID: { kind: "refused", status: 422, summary: "an admission bundle is malformed, expired or not signed by the trusted key" },
  ROUTE_NOT_FOUND: { kind: "usage", status: 404, summary: "no HTTP route with that path" },
  METHOD_NOT_ALLOWED: { kind: "usage", status: 405, summary: "the HTTP route does not answer that method" },
  BODY_TOO_LARGE: { kind: "usage", status: 413, summary: "the request body is larger than the route accepts" },
  UNSUPPORTED_MEDIA_TYPE: { kind: "usage", status: 415, summary: "the request body is not JSON" },
  AUTH_MISSING: { kind: "refused", status: 401, summary: "no credentials were presented" },
  AUTH_KEY_INVALID: { kind: "refused", status: 401, summary: "the API key is not one Perimeter issued" },
  AUTH_KEY_EXPIRED: { kind: "refused", status: 401, summary: "the API key expired or was rotated out" },
  AUTH_KEY_REVOKED: { kind: "refused", status: 401, summary: "the API key was revoked" },
  AUTH_IDENTITY_EXPIRED: { kind: "refused", status: 401, summary: "the identity expired" },
  AUTH_IDENTITY_REVOKED: { kind: "refused", status: 401, summary: "the identity was revoked or killed" },
  AUTH_TOKEN_INVALID: { kind: "refused", status: 401, summary: "the bearer token is not a valid JWT from a configured issuer" },
  AUTH_WRONG_ENVIRONMENT: { kind: "refused", status: 403, summary: "the identity belongs to an environment this gateway does not serve" },
  AUTH_SESSION_INVALID: { kind: "refused", status: 401, summary: "the dashboard session is unknown, malformed or ended" },
  AUTH_SESSION_EXPIRED: { kind: "refused", status: 401, summary: "the dashboard session expired or was idle too long" },
  CSRF_INVALID: { kind: "refused", status: 403, summary: "a change made with a session cookie lacks its CSRF token or comes from another origin" },
  IDENTITY_NOT_FOUND: { kind: "usage", status: 404, summary: "no identity with that id or name" },
  IDENTITY_EXISTS: { kind: "usage", status: 409, summary: "an identity with that name exists" },
  POLICY_INVALID: { kind: "usage", status: 500, summary: "a Cedar policy does not parse or validate" },
  POLICY_DENIED: { kind: "refused", status: 403, summary: "the policies do not permit the request" },
  GUARD_BLOCKED: { kind: "refused", status: 400, summary: "a guard found what the configured action or a policy blocks in the request or the answer" },
  KILL_TARGET_NOT_FOUND: { kind: "refused", status: 404, summary: "the kill switch was given a target it cannot resolve: no such identity, runtime or model" },
  KILL_NOT_FOUND: { kind: "refused", status: 404, summary: "the target of a lift is not killed" },
  KILLED: { kind: "refused", status: 403, summary: "the model version, identity or runtime is killed" },
  TOOL_NOT_FOUND: { kind: "refused", status: 404, summary: "no tool, tool server or pending tool call with that name is offered to the caller" },
  TOOL_DENIED: { kind: "refused", status: 403, summary: "the tool call is refused: by policy, an argument constraint, its approver or a changed definition" },
  TOOL_UNAVAILABLE: { kind: "refused", status: 502, summary: "a tool server did not answer, answered with an error, or cannot be reached" },
  EGRESS_DENIED: { kind: "refused", status: 403, summary: "the destination is not on the egress allow-list, or resolves to an address that is not" },
  TOOL_TOKEN_INVALID: { kind: "refused", status: 401, summary: "a per-call tool credential does not verify, has expired, or was used before" },
  FIELD_REFUSED: { kind: "refused", status: 400, summary: "the request carries a field the gateway does not pass to runtimes" },
  MODEL_NOT_AVAILABLE: { kind: "refused", status: 404, summary: "no approved version of the model is served in the caller's environment" },
  RATE_LIMITED: { kind: "refused", status: 429, summary: "a request, token or concurrency limit is spent" },
  RUNTIME_REFUSED: { kind: "refused", status: 400, summary: "the runtime refused the request" },
  CLIENT_GONE: { kind: "usage", status: 499, summary: "the client closed the connection before its answer" },
  FILE_EXISTS: { kind: "usage", status: 409, summary: "the output path exists and would be overwritten" },
  IO_FAILED: { kind: "internal", status: 500, summary: "a file could not be read or written" },
  EVAL_NOT_SERVED: { kind: "refused", status: 409, summary: "no runtime serves the model version's bytes, so it cannot be evaluated" },
  EVAL_NOT_FOUND: { kind: "usage", status: 404, summary: "no evaluation of that model version (or with that id) is on record" },
  EVAL_INTERRUPTED: { kind: "refused", status: 409, summary: "an evaluation was interrupted before every case ran; running it again resumes it" },
  INTERNAL: { kind: "internal", status: 500, summary: "an unexpected internal error" },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class PerimeterError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PerimeterError";
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
  }
}

/** Exit codes of the CLI: 0 ok, 1 a check said no, 2 usage or config error, 3 internal error. */
export const EXIT = { ok: 0, refused: 1, usage: 2, internal: 3 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof PerimeterError) return EXIT[err.kind];
  return EXIT.internal;
}

/** Wrap anything thrown into a PerimeterError, keeping the original as the cause. */
export function asPerimeterError(err: unknown): PerimeterError {
  if (err instanceof PerimeterError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PerimeterError("INTERNAL", `internal error: ${message}`, { cause: err });
}
