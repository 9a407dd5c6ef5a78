import { copyFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents } from "../../src/audit/index.js";
import { kill } from "../../src/killswitch/index.js";
import { accessReview } from "../../src/posture/access.js";
import { REFUSED_FIELDS } from "../../src/gateway/request.js";
import { DEMO_MODEL_FILE } from "../../src/runtimes/demo-model.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { startPerimeter, type Perimeter } from "./setup.js";

// What the gateway must refuse, case by case: one `it` each, through the real HTTP server, with the official
// openai client or fetch, against the fake vLLM and Ollama and the embedded runtime, on SQLite and PostgreSQL.
// Each asserts what the caller sees (status, code, message) and, where it matters, that the runtime never
// saw the request.

type Config = Parameters<NonNullable<Parameters<Perimeter["serve"]>[0]>>[0];

const client = (url: string, apiKey: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
const say = (content: string) => [{ role: "user" as const, content }];

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly message: string;
  readonly headers: Headers;
}

/** A POST with a JSON (or raw string) body; the status, error code and message the client sees. */
async function post(url: string, path: string, body: unknown, options: { key?: string; contentType?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.contentType !== null) headers["content-type"] = options.contentType ?? "application/json";
  if (options.key !== undefined) headers["authorization"] = `Bearer ${options.key}`;
  const res = await fetch(`${url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: { error?: { code?: string; message?: string } | string } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // a stream
  }
  const error = json.error;
  return {
    status: res.status,
    code: typeof error === "object" ? error.code : undefined,
    message: typeof error === "object" ? (error.message ?? "") : (error ?? ""),
    headers: res.headers,
  };
}

/** A request through node:http, which adds no Content-Type of its own and can pick its source address. */
function raw(
  url: string,
  path: string,
  options: { method: string; body?: string | undefined; headers?: Record<string, string>; localAddress?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: options.method, headers: options.headers ?? {}, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Ask again every 100 ms until the answer is the one wanted or `ms` have passed; the last answer. */
async function poll<T>(ask: () => Promise<T>, done: (answer: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let answer = await ask();
  while (!done(answer) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await ask();
  }
  return answer;
}

describe.each(STORE_KINDS)("the gateway refuses, on %s", (kind) => {
  let p: Perimeter;
  let url: string;
  let key: string;
  /** Calls the fake vLLM has had, to show a refused request never reached it. */
  const vllmCalls = () => p.vllm.requests.filter((r) => r.path.startsWith("/v1/chat") || r.path.startsWith("/v1/completions")).length;
  const chat = (body: Record<string, unknown>, k = key, u = url) =>
    post(u, "/v1/chat/completions", { model: "vllm-llama@1", messages: say("hi"), ...body }, { key: k });
  const limited =
    (limits: Record<string, unknown>) =>
    (c: Config): Config => ({ ...c, gateway: { ...c.gateway, limits: { ...c.gateway.limits, identity: limits, model: {} } } });

  beforeAll(async () => {
    p = await startPerimeter(kind);
    url = (await p.serve()).url;
    key = (await p.key("restricted-bot")).key;
  }, 60_000);
  afterAll(async () => p?.close());

  // ---------- credentials ----------

  it("a call with no credentials (401 AUTH_MISSING)", async () => {
    expect(await post(url, "/v1/chat/completions", { model: "vllm-llama@1", messages: say("x") })).toMatchObject({ status: 401, code: "AUTH_MISSING" });
  });

  it("credentials that are not a Bearer token (401 AUTH_MISSING)", async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
      body: JSON.stringify({ model: "vllm-llama@1", messages: say("x") }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "AUTH_MISSING" } });
  });

  it("a key of another environment at a gateway pinned to prod (403 AUTH_WRONG_ENVIRONMENT), named by the access review", async () => {
    const pinned = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, environments: ["prod"] } }));
    try {
      const refused = await chat({}, key, pinned.url);
      expect(refused).toMatchObject({ status: 403, code: "AUTH_WRONG_ENVIRONMENT" });
      expect(refused.message).toMatch(/restricted-bot belongs to environment default, and this gateway serves prod/);
      const listing = await fetch(`${pinned.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(listing.status).toBe(403);
      // The control API on the same listener is pinned too: an identity of another environment cannot manage this one.
      const control = await fetch(`${pinned.url}/control/identities`, { headers: { authorization: `Bearer ${key}` } });
      expect(control.status).toBe(403);
      expect(((await control.json()) as { error: { code: string } }).error.code).toBe("AUTH_WRONG_ENVIRONMENT");
      // A workload's JWT takes its issuer's environment (default here): refused the same way.
      expect(await chat({}, await p.jwt(), pinned.url)).toMatchObject({ status: 403, code: "AUTH_WRONG_ENVIRONMENT" });
      // The same key is served where its environment is.
      expect(await chat({})).toMatchObject({ status: 200 });
    } finally {
      await pinned.started.close();
      pinned.server.close();
    }
    await p.audit.flush();
    let attributed = false;
    for await (const e of readAuditEvents(p.store)) attributed ||= e.actor.startsWith("identity:") && e.details["code"] === "AUTH_WRONG_ENVIRONMENT";
    expect(attributed).toBe(true);
    const review = await accessReview(p.store, { unusedDays: 90, keyMaxAgeDays: 90, maxAdmins: 3 });
    const spans = review.filter((f) => f.rule === "IDENTITY_SPANS_ENVIRONMENTS").map((f) => f.message);
    expect(spans).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/restricted-bot .* belongs to default and its credentials were also presented in prod/),
        expect.stringMatching(/^workload token jwt:https:\/\/issuer\.example\.test#spiffe:\/\/example\.org\/ns\/ml\/sa\/agent was presented in prod/),
      ]),
    );
  });

  it("a key Perimeter never issued (401 AUTH_KEY_INVALID)", async () => {
    expect(await chat({}, `${key.slice(0, -4)}AAAA`)).toMatchObject({ status: 401, code: "AUTH_KEY_INVALID" });
  });

  it("the key of a revoked identity (401 AUTH_IDENTITY_REVOKED)", async () => {
    const revoked = await p.key(`revoked-${Date.now()}`);
    await p.identities.revoke(revoked.id, { actor: "ops", reason: "leaked" });
    expect(await chat({}, revoked.key)).toMatchObject({ status: 401, code: "AUTH_IDENTITY_REVOKED" });
  });

  it("a key rotated out with no overlap (401 AUTH_KEY_EXPIRED)", async () => {
    const rotated = await p.key(`rotated-${Date.now()}`);
    await p.identities.rotate(rotated.id, { actor: "ops", overlapSeconds: 0 });
    expect(await chat({}, rotated.key)).toMatchObject({ status: 401, code: "AUTH_KEY_EXPIRED" });
  });

  it("the key of an expired identity (401 AUTH_IDENTITY_EXPIRED)", async () => {
    const expiring = await p.key(`short-lived-${Date.now()}`, { expiresAt: new Date(Date.now() + 200) });
    await new Promise((r) => setTimeout(r, 300));
    expect(await chat({}, expiring.key)).toMatchObject({ status: 401, code: "AUTH_IDENTITY_EXPIRED" });
  });

  it("a JWT for another audience (401 AUTH_TOKEN_INVALID)", async () => {
    expect(await chat({}, await p.jwt({}, "someone-else"))).toMatchObject({ status: 401, code: "AUTH_TOKEN_INVALID" });
  });

  it("a JWT from an issuer that is not configured (401 AUTH_TOKEN_INVALID)", async () => {
    expect(await chat({}, await p.jwt({}, "perimeter-gateway", "https://evil.example"))).toMatchObject({ status: 401, code: "AUTH_TOKEN_INVALID" });
  });

  it("an expired JWT (401 AUTH_TOKEN_INVALID)", async () => {
    expect(await chat({}, await p.jwt({ exp: Math.floor(Date.now() / 1000) - 3600 }))).toMatchObject({
      status: 401,
      code: "AUTH_TOKEN_INVALID",
      message: expect.stringMatching(/expired/),
    });
  });

  it("an unsigned JWT, alg none (401 AUTH_TOKEN_INVALID)", async () => {
    const [, payload] = (await p.jwt()).split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    expect(await chat({}, none)).toMatchObject({ status: 401, code: "AUTH_TOKEN_INVALID" });
  });

  it("a JWT signed with a key id the issuer does not publish, without naming where the server keeps its keys", async () => {
    const token = await p.jwt();
    const [header, payload, signature] = token.split(".");
    const otherKid = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header as string, "base64url").toString()), kid: "not-published" })).toString(
      "base64url",
    );
    const answer = await chat({}, `${otherKid}.${payload}.${signature}`);
    expect(answer).toMatchObject({ status: 401, code: "AUTH_TOKEN_INVALID", message: expect.stringMatching(/does not publish/) });
    expect(answer.message).not.toContain("jwks.json");
    expect(answer.message).not.toContain(p.env.dir);
  });

  // ---------- bodies ----------

  it("a body that is not JSON (400 USAGE)", async () => {
    expect(await post(url, "/v1/chat/completions", "{not json", { key })).toMatchObject({ status: 400, code: "USAGE" });
  });

  for (const body of ["null", "[]", '"text"', "42"]) {
    it(`a body that is JSON but not an object: ${body} (400 USAGE, never 500)`, async () => {
      expect(await post(url, "/v1/chat/completions", body, { key })).toMatchObject({ status: 400, code: "USAGE" });
    });
  }

  it("a body larger than the server takes (413 BODY_TOO_LARGE)", async () => {
    expect(await post(url, "/v1/chat/completions", { model: "vllm-llama@1", messages: say("x".repeat(5 * 1024 * 1024)) }, { key })).toMatchObject({
      status: 413,
      code: "BODY_TOO_LARGE",
    });
  });

  it("a body of another media type (415 UNSUPPORTED_MEDIA_TYPE); curl -d's form type and no type at all are taken when the body is JSON", async () => {
    const body = { model: "vllm-llama@1", messages: say("as curl sends it") };
    expect(await post(url, "/v1/chat/completions", body, { key, contentType: "text/plain" })).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(await post(url, "/v1/chat/completions", "model=vllm-llama%401", { key, contentType: "application/x-www-form-urlencoded" })).toMatchObject({
      status: 415,
    });
    expect((await post(url, "/v1/chat/completions", body, { key, contentType: "application/x-www-form-urlencoded" })).status).toBe(200);
    // fetch labels a string body text/plain; node:http sends none unless told.
    expect((await raw(url, "/v1/chat/completions", { method: "POST", body: JSON.stringify(body), headers: { authorization: `Bearer ${key}` } })).status).toBe(
      200,
    );
  });

  it('"stream": "true", a string, which passed as not streaming and escaped the stream limit (400 naming stream)', async () => {
    const before = vllmCalls();
    expect(await chat({ stream: "true" })).toMatchObject({ status: 400, code: "USAGE", message: expect.stringMatching(/"stream"/) });
    expect(vllmCalls()).toBe(before);
  });

  it("a max_tokens that is not an integer (400 naming max_tokens)", async () => {
    expect(await chat({ max_tokens: "100" })).toMatchObject({ status: 400, code: "USAGE", message: expect.stringMatching(/"max_tokens"/) });
    expect(await chat({ max_tokens: 1.5 })).toMatchObject({ status: 400, message: expect.stringMatching(/"max_tokens"/) });
  });

  it("messages that are not a list of messages (400 naming the field)", async () => {
    expect(await chat({ messages: "hello" })).toMatchObject({ status: 400, code: "USAGE", message: expect.stringMatching(/"messages"/) });
    expect(await chat({ messages: [{ role: "user", content: 7 }] })).toMatchObject({ status: 400, message: expect.stringMatching(/"messages\.0\.content"/) });
  });

  it("an image the runtime would fetch from a file: or plain http URL, or a content part of an unknown kind (400 naming the part)", async () => {
    const image = (url: string) => [
      {
        role: "user",
        content: [
          { type: "text", text: "what is this" },
          { type: "image_url", image_url: { url } },
        ],
      },
    ];
    expect(await chat({ messages: image("file:///etc/shadow") })).toMatchObject({
      status: 400,
      code: "USAGE",
      message: expect.stringMatching(/"messages\.0\.content/),
    });
    expect(await chat({ messages: image("http://169.254.169.254/latest/meta-data/") })).toMatchObject({ status: 400, code: "USAGE" });
    expect(await chat({ messages: [{ role: "user", content: [{ type: "video_url", video_url: { url: "file:///x" } }] }] })).toMatchObject({
      status: 400,
      code: "USAGE",
    });
    expect((await chat({ messages: [{ role: "user", content: [{ type: "text", text: "parts are fine" }] }] })).status).toBe(200);
  });

  it("a request that names no model (400 naming model)", async () => {
    expect(await post(url, "/v1/chat/completions", { messages: say("x") }, { key })).toMatchObject({
      status: 400,
      code: "USAGE",
      message: expect.stringMatching(/"model"/),
    });
  });

  it("an n that is not a positive integer (400 naming n)", async () => {
    expect(await chat({ n: 0 })).toMatchObject({ status: 400, message: expect.stringMatching(/"n"/) });
    expect(await chat({ n: "2" })).toMatchObject({ status: 400, message: expect.stringMatching(/"n"/) });
  });

  it("an Ollama call whose stream is not a boolean (400 naming stream)", async () => {
    const answer = await post(url, "/api/chat", { model: "ollama-llama@1", messages: say("x"), stream: "false" }, { key });
    expect(answer.status).toBe(400);
    expect(answer.message).toMatch(/"stream"/);
  });

  // ---------- fields the policies never see ----------

  for (const field of [...REFUSED_FIELDS.keys()]) {
    it(`the runtime extension "${field}" (400 FIELD_REFUSED naming it; the runtime never sees the call)`, async () => {
      const before = vllmCalls();
      expect(await chat({ [field]: field === "ignore_eos" ? true : 2 })).toMatchObject({
        status: 400,
        code: "FIELD_REFUSED",
        message: expect.stringContaining(`"${field}"`),
      });
      expect(vllmCalls()).toBe(before);
    });
  }

  it("a refused field, recorded in the audit log under the identity that sent it", async () => {
    const prober = await p.key(`prober-${Date.now()}`);
    expect((await chat({ lora_request: { lora_name: "jailbroken", lora_path: "/tmp/x" } }, prober.key)).status).toBe(400);
    await p.audit.flush();
    const events = await p.store.db.selectFrom("audit_events").select(["action", "decision", "details"]).where("actor", "=", `identity:${prober.id}`).execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "gateway.call", decision: "deny" });
    expect(JSON.parse(events[0]?.details ?? "{}")).toMatchObject({ code: "FIELD_REFUSED", status: 400, findings: [{ location: "lora_request" }] });
  });

  it("an Ollama option that changes the template or how much is generated (400 FIELD_REFUSED)", async () => {
    expect(
      await post(url, "/api/generate", { model: "ollama-llama@1", prompt: "x", stream: false, template: "{{ .Prompt }} and obey me" }, { key }),
    ).toMatchObject({ status: 400, message: expect.stringContaining('"template"') });
    expect(await post(url, "/api/chat", { model: "ollama-llama@1", messages: say("x"), stream: false, options: { min_tokens: 500 } }, { key })).toMatchObject({
      status: 400,
      message: expect.stringContaining('"options.min_tokens"'),
    });
  });

  it("to forward fields it does not know: dropped, so the runtime never sees them, and the call is served", async () => {
    const answer = await chat({ store: false, metadata: { a: "b" }, some_future_extension: { evil: true }, stream_options: null, top_k: 5 });
    expect(answer.status).toBe(200);
    const sent = p.vllm.requests.at(-1)?.json as Record<string, unknown>;
    expect(sent).not.toHaveProperty("store");
    expect(sent).not.toHaveProperty("metadata");
    expect(sent).not.toHaveProperty("some_future_extension");
    expect(sent).toMatchObject({ model: "vllm-llama", messages: say("hi"), top_k: 5 });
  });

  it("n × max_tokens beyond what the policies allow without the long-output scope (403 POLICY_DENIED), though max_tokens alone is within it", async () => {
    expect((await chat({ model: "ollama-llama@1", max_tokens: 5000 })).status).toBe(200);
    expect(await chat({ model: "ollama-llama@1", max_tokens: 5000, n: 2 })).toMatchObject({
      status: 403,
      code: "POLICY_DENIED",
      message: expect.stringMatching(/long-output-needs-scope/),
    });
  });

  it("a completion whose prompt is a list, judged as n answers per prompt: two prompts × max_tokens beyond the long-output scope (403 POLICY_DENIED)", async () => {
    const completion = (prompt: unknown) => post(url, "/v1/completions", { model: "vllm-llama@1", prompt, max_tokens: 5000 }, { key });
    expect((await completion("one")).status).not.toBe(403);
    expect((await completion([1, 2, 3])).status).not.toBe(403); // one prompt given as token ids
    expect(await completion(["one", "two"])).toMatchObject({ status: 403, code: "POLICY_DENIED", message: expect.stringMatching(/long-output-needs-scope/) });
    expect(await completion([[1], [2]])).toMatchObject({ status: 403, code: "POLICY_DENIED" });
  });

  it("tools offered by an identity without the tools scope, in either dialect (403 POLICY_DENIED)", async () => {
    const tools = [{ type: "function", function: { name: "delete_everything", parameters: { type: "object" } } }];
    expect(await chat({ tools })).toMatchObject({ status: 403, code: "POLICY_DENIED", message: expect.stringMatching(/tools-need-scope/) });
    expect(await chat({ functions: [{ name: "f", parameters: {} }] })).toMatchObject({ status: 403, code: "POLICY_DENIED" });
    expect((await post(url, "/api/chat", { model: "ollama-llama@1", messages: say("x"), stream: false, tools }, { key })).status).toBe(403);
  });

  it("a small max_completion_tokens beside a large max_tokens, which a runtime reading max_tokens alone would generate (judged by the larger: 403)", async () => {
    expect(await chat({ model: "ollama-llama@1", max_completion_tokens: 10, max_tokens: 9000 })).toMatchObject({
      status: 403,
      code: "POLICY_DENIED",
      message: expect.stringMatching(/long-output-needs-scope/),
    });
    expect((await chat({ model: "ollama-llama@1", max_completion_tokens: 12, max_tokens: 5 })).status).toBe(200);
    const sent = p.ollama.requests.at(-1)?.json as Record<string, unknown>;
    expect(sent).toMatchObject({ max_tokens: 12 });
    expect(sent).not.toHaveProperty("max_completion_tokens");
  });

  it("a long output without the long-output scope (403 POLICY_DENIED)", async () => {
    expect(await chat({ max_tokens: 9000 })).toMatchObject({ status: 403, code: "POLICY_DENIED" });
  });

  // ---------- routing ----------

  it("a model that is not approved (404 MODEL_NOT_AVAILABLE)", async () => {
    expect(await chat({ model: "draft-llama@1" })).toMatchObject({ status: 404, code: "MODEL_NOT_AVAILABLE" });
  });

  it("a call from another environment routed to this one's runtime, though the version is registered for both (404 MODEL_NOT_AVAILABLE)", async () => {
    const staging = await p.key(`staging-${Date.now()}`, { environment: "staging" });
    await p.store.db
      .updateTable("model_versions")
      .set({ environments: JSON.stringify(["default", "staging"]) })
      .where("id", "=", "vllm-llama@1")
      .execute();
    try {
      await new Promise((r) => setTimeout(r, 300)); // a catalog refresh
      const before = vllmCalls();
      expect(await chat({}, staging.key)).toMatchObject({ status: 404, code: "MODEL_NOT_AVAILABLE", message: expect.stringMatching(/environment staging/) });
      expect(vllmCalls()).toBe(before);
      expect((await client(url, staging.key).models.list()).data).toEqual([]);
    } finally {
      await p.store.db
        .updateTable("model_versions")
        .set({ environments: JSON.stringify(["default"]) })
        .where("id", "=", "vllm-llama@1")
        .execute();
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  // ---------- the kill switch ----------

  it("a killed identity (403 KILLED, saying who killed it and why)", async () => {
    const victim = await p.key(`victim-${Date.now()}`);
    await kill(p.store, p.audit, { kind: "identity", target: victim.id, reason: "key posted in a public gist", actor: "soc" });
    await new Promise((r) => setTimeout(r, 300));
    expect(await chat({}, victim.key)).toMatchObject({
      status: 403,
      code: "KILLED",
      message: expect.stringMatching(/killed by soc: key posted in a public gist/),
    });
  });

  it("a killed model version and a killed runtime (403 KILLED); listings hide them", async () => {
    try {
      await kill(p.store, p.audit, { kind: "model", target: "vllm-llama@1", reason: "jailbreak", actor: "soc" });
      await kill(p.store, p.audit, { kind: "runtime", target: "ollama", reason: "unpatched", actor: "soc" });
      await new Promise((r) => setTimeout(r, 300));
      expect(await chat({})).toMatchObject({ status: 403, code: "KILLED", message: expect.stringMatching(/jailbreak/) });
      expect(await chat({ model: "ollama-llama@1" })).toMatchObject({ status: 403, code: "KILLED", message: expect.stringMatching(/unpatched/) });
      expect((await client(url, key).models.list()).data.map((m) => m.id)).toEqual(["local-llama@1"]);
    } finally {
      await p.store.db.deleteFrom("kills").where("target_kind", "!=", "identity").execute();
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  // ---------- limits ----------

  it("a call over the requests per minute (429 RATE_LIMITED with Retry-After)", async () => {
    const g = await p.serve(limited({ requestsPerMinute: 1 }));
    const bot = await p.key(`rpm-${Date.now()}`);
    expect((await chat({}, bot.key, g.url)).status).toBe(200);
    const refused = await chat({}, bot.key, g.url);
    expect(refused).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("parallel calls beyond the tokens per minute: each reserves its most up front, so they cannot all pass before any is charged (429 RATE_LIMITED)", async () => {
    const g = await p.serve(limited({ tokensPerMinute: 100 }));
    const bot = await p.key(`tpm-${Date.now()}`);
    p.vllm.tokenDelayMs = 20;
    try {
      // Each may use 1 + 40 tokens: two fit in 100, five do not.
      const answers = await Promise.all(Array.from({ length: 5 }, () => chat({ messages: say("x"), max_tokens: 40 }, bot.key, g.url)));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
      expect(answers.filter((a) => a.status === 429).every((a) => a.code === "RATE_LIMITED" && /tokens per minute/.test(a.message))).toBe(true);
    } finally {
      p.vllm.tokenDelayMs = 0;
    }
  });

  it("a call that may use more tokens than the whole per-minute budget (429 saying to ask for fewer max_tokens)", async () => {
    const g = await p.serve(limited({ tokensPerMinute: 100 }));
    const bot = await p.key(`too-big-${Date.now()}`);
    expect(await chat({ max_tokens: 500 }, bot.key, g.url)).toMatchObject({
      status: 429,
      code: "RATE_LIMITED",
      message: expect.stringMatching(/more than identity .* whole 100 tokens per minute: ask for fewer max_tokens/),
    });
  });

  it("a call beyond the concurrent calls, streamed or not (429 RATE_LIMITED)", async () => {
    const g = await p.serve(limited({ concurrentCalls: 1 }));
    const bot = await p.key(`concurrent-${Date.now()}`);
    p.vllm.tokenDelayMs = 40;
    try {
      const slow = chat({ messages: say("one two three four five six seven eight nine ten") }, bot.key, g.url);
      await new Promise((r) => setTimeout(r, 100));
      expect(await chat({ messages: say("me too") }, bot.key, g.url)).toMatchObject({
        status: 429,
        code: "RATE_LIMITED",
        message: expect.stringMatching(/1 calls running already/),
      });
      expect((await slow).status).toBe(200);
    } finally {
      p.vllm.tokenDelayMs = 0;
    }
    expect((await chat({}, bot.key, g.url)).status).toBe(200);
  });

  // ---------- the audit log ----------

  it("to let a flood of calls without credentials fill the audit log: one event per source per interval, and callers with keys are still served", async () => {
    const g = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, unauthenticatedAuditSeconds: 2 } }));
    // The flood comes from a source address of its own, so that no other test's refusals mix with it.
    const flood = (path: string, method: string, body?: string) =>
      raw(g.url, path, { method, body, headers: body === undefined ? {} : { "content-type": "application/json" }, localAddress: "127.0.0.2" }).then(
        (r) => r.status,
      );
    await p.audit.flush();
    const [last] = await p.store.db.selectFrom("audit_events").select("seq").orderBy("seq", "desc").limit(1).execute();
    const floodEvents = async () => {
      await p.audit.flush();
      const out = [];
      for await (const e of readAuditEvents(p.store, (last?.seq ?? 0) + 1))
        if (e.action === "gateway.unauthenticated" && e.details["source"] === "127.0.0.2") out.push(e);
      return out;
    };
    const refused = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0 ? flood("/v1/chat/completions", "POST", JSON.stringify({ model: "vllm-llama@1", messages: say("x") })) : flood("/v1/models", "GET"),
      ),
    );
    expect(refused.every((status) => status === 401)).toBe(true);
    expect((await chat({}, key, g.url)).status).toBe(200);
    // The first refusal at once, saying what was wrong; the rest summed up once the interval is over.
    const first = (await floodEvents())[0];
    expect(first).toMatchObject({ actor: "anonymous", decision: "deny", details: { count: 1, code: "AUTH_MISSING" } });
    const events = await poll(floodEvents, (e) => e.reduce((n, x) => n + Number(x.details["count"]), 0) >= 200, 8000);
    expect(events.reduce((n, x) => n + Number(x.details["count"]), 0)).toBe(200);
    expect(events.length).toBeLessThanOrEqual(3);
    expect(events.at(-1)).toMatchObject({ details: { codes: { AUTH_MISSING: expect.any(Number) }, routes: { "/v1/models": expect.any(Number) } } });
  });

  it("to let one key's refusals fill the audit log: a killed identity's calls are audited one by one up to a rate, then summed up", async () => {
    const g = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, unauthenticatedAuditSeconds: 2, refusalAuditPerSecond: 1 } }));
    const leaked = await p.key(`leaked-${Date.now()}`);
    await kill(p.store, p.audit, { kind: "identity", target: leaked.id, reason: "key leaked", actor: "soc" });
    await new Promise((r) => setTimeout(r, 1200)); // a kill-switch poll
    const refused = await Promise.all(Array.from({ length: 100 }, () => chat({}, leaked.key, g.url)));
    expect(refused.every((a) => a.status === 403 && a.code === "KILLED")).toBe(true);
    expect((await chat({}, key, g.url)).status).toBe(200);
    const mine = async () => {
      await p.audit.flush();
      return p.store.db.selectFrom("audit_events").select(["action", "details"]).where("actor", "=", `identity:${leaked.id}`).execute();
    };
    // 10 one by one (the burst), the other 90 in summaries.
    const events = await poll(
      mine,
      (e) => e.filter((x) => x.action === "gateway.refusals-summarised").reduce((n, x) => n + Number(JSON.parse(x.details)["count"]), 0) >= 90,
      8000,
    );
    const single = events.filter((e) => e.action === "gateway.call");
    expect(single.length).toBeGreaterThanOrEqual(10);
    expect(single.length).toBeLessThan(15);
    const summed = events.filter((e) => e.action === "gateway.refusals-summarised").reduce((n, x) => n + Number(JSON.parse(x.details)["count"]), 0);
    expect(single.length + summed).toBe(100);
  });

  it("to leave listing unaudited: /v1/models calls are audited, and their 401s counted", async () => {
    const bot = await p.key(`lister-${Date.now()}`);
    await client(url, bot.key).models.list();
    await p.audit.flush();
    const listed = await p.store.db.selectFrom("audit_events").select(["action", "decision"]).where("actor", "=", `identity:${bot.id}`).execute();
    expect(listed).toEqual([{ action: "gateway.list", decision: "allow" }]);
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
  });

  // ---------- errors ----------

  it("to show a client a server's file path in a runtime's error (the embedded runtime's file no longer matches)", async () => {
    const served = join(p.work, "served", "local-llama.gguf");
    writeFileSync(served, "swapped weights");
    try {
      const answer = await chat({ model: "local-llama@1", max_tokens: 2 });
      expect(answer).toMatchObject({ status: 502, code: "RUNTIME_UNREACHABLE", message: expect.stringMatching(/no longer hashes to the approved digest/) });
      expect(answer.message).not.toContain(p.work);
      expect(answer.message).toContain("<path>");
    } finally {
      copyFileSync(join(p.work, "local-llama", DEMO_MODEL_FILE), served);
    }
  });

  it("a request with both Content-Length and Transfer-Encoding, as a smuggler sends it (400, the connection closed)", async () => {
    const port = Number(new URL(url).port);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let data = "";
      socket.on("data", (d: Buffer) => (data += d.toString()));
      socket.on("end", () => resolve(data));
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${key}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n`,
      );
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(reply).not.toMatch(/perimeter_gateway/);
  });
});
