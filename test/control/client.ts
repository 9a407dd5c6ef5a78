// A control API client for tests: as a bearer (API key or JWT) or as the dashboard does it (session cookie
// and CSRF token), answering status and parsed body so a test can assert what a person would see.

export interface ControlAnswer {
  readonly status: number;
  readonly body: { error?: { code: string; message: string; stage?: string } } & Record<string, unknown>;
  readonly headers: Headers;
}

export interface RequestOptions {
  readonly method?: string;
  readonly body?: unknown;
  /** A raw body, sent as it is. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

export async function request(url: string, auth: Record<string, string>, options: RequestOptions = {}): Promise<ControlAnswer> {
  const headers: Record<string, string> = { ...auth, ...options.headers };
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  const res = await fetch(url, {
    method: options.method ?? (payload === undefined ? "GET" : "POST"),
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await res.text();
  let body: ControlAnswer["body"];
  try {
    body = JSON.parse(text) as ControlAnswer["body"];
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}

/** Calls made with a bearer token. */
export function bearer(base: string, token: string | null) {
  return (path: string, options: RequestOptions = {}) => request(`${base}${path}`, token === null ? {} : { authorization: `Bearer ${token}` }, options);
}

export interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly signIn: ControlAnswer;
  /** A call with the cookie, and the CSRF token on changes (unless `csrf: false`). */
  call(path: string, options?: RequestOptions & { csrf?: boolean | string }): Promise<ControlAnswer>;
}

/** Sign in as the dashboard does; throws unless it succeeded. */
export async function signIn(base: string, credentials: { key: string } | { token: string } | { link: string }): Promise<Session> {
  const answer = await request(`${base}/control/session`, {}, { body: credentials });
  if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  const setCookie = answer.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  const csrf = String(answer.body["csrf"]);
  return {
    cookie,
    csrf,
    signIn: answer,
    call(path, options = {}) {
      const method = options.method ?? (options.body === undefined && options.raw === undefined ? "GET" : "POST");
      const headers: Record<string, string> = { cookie };
      if (method !== "GET" && options.csrf !== false) headers["x-csrf-token"] = typeof options.csrf === "string" ? options.csrf : csrf;
      return request(`${base}${path}`, headers, { ...options, method });
    },
  };
}
