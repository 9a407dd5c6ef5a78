// The one way the dashboard talks to the server: same-origin fetches to /control/, the session cookie riding
// along, and the session's CSRF token on every change. The token is kept in memory only (never in storage a
// script injected later could read at leisure); after a reload GET /control/session hands it back.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onSignedOut: ((message: string) => void) | undefined;

export function setCsrf(token: string | null): void {
  csrfToken = token;
}

/** Called when the server says the session is gone (expired, revoked, signed out elsewhere). */
export function whenSignedOut(handler: (message: string) => void): void {
  onSignedOut = handler;
}

export interface CallOptions {
  readonly method?: "GET" | "POST" | "DELETE";
  readonly body?: unknown;
  /** A 401 from this call is the caller's to show (signing in), not the end of a session. */
  readonly signingIn?: boolean;
}

/** Call the control API; an error answer throws ApiError with the server's own message. */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      cache: "no-store",
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch {
    throw new ApiError(0, "NETWORK", "the server did not answer: check that Perimeter is running, then try again");
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const { code, message } = errorOf(json, res.status);
    if (res.status === 401 && options.signingIn !== true) onSignedOut?.(message);
    throw new ApiError(res.status, code, message);
  }
  // The server's answers are checked against its OpenAPI document by the contract test; the page trusts them.
  return json as T;
}

function errorOf(json: unknown, status: number): { code: string; message: string } {
  if (typeof json === "object" && json !== null && "error" in json) {
    const e = (json as { error: unknown }).error;
    if (typeof e === "object" && e !== null) {
      const { code, message } = e as { code?: unknown; message?: unknown };
      if (typeof message === "string") return { code: typeof code === "string" ? code : "ERROR", message };
    }
  }
  return { code: "ERROR", message: `the server answered ${status} without saying why` };
}

/** A path segment: name@version and identity names go into URLs encoded. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
