import { createHash } from "node:crypto";
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents } from "../../src/audit/index.js";
import { kill } from "../../src/killswitch/index.js";
import { discover } from "../../src/inventory/runtimes.js";
import { Writable } from "node:stream";
import pino from "pino";
import { configSchema } from "../../src/config/schema.js";
import { GuardEngine } from "../../src/guards/engine.js";
import type { Detector } from "../../src/guards/types.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { startPerimeter, type Perimeter } from "./setup.js";

const client = (url: string, apiKey: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
const ollamaClient = (url: string, key: string) => new Ollama({ host: url, headers: { Authorization: `Bearer ${key}` } });

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

/** The details of the first or the newest gateway.call event of an identity, of one decision. */
async function callEvent(p: Perimeter, identityId: string, decision: string, which: "first" | "last"): Promise<Record<string, unknown> | undefined> {
  await p.audit.flush();
  const row = await p.store.db
    .selectFrom("audit_events")
    .select(["details"])
    .where("action", "=", "gateway.call")
    .where("actor", "=", `identity:${identityId}`)
    .where("decision", "=", decision)
    .orderBy("seq", which === "first" ? "asc" : "desc")
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : (JSON.parse(row.details) as Record<string, unknown>);
}

describe.each(STORE_KINDS)("the gateway on %s", (kind) => {
  let p: Perimeter;
  let url: string;
  let key: string;
  beforeAll(async () => {
    p = await startPerimeter(kind);
    url = (await p.serve()).url;
    key = (await p.key("support-bot")).key;
  }, 60_000);
  afterAll(async () => p?.close());

  it("serves chat, streaming, completions and embeddings to the official openai client, on the approved version", async () => {
    const openai = client(url, key);
    const chat = await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "hello there gateway" }] });
    expect(chat.choices[0]?.message.content).toBe("echo: hello there gateway");
    expect(chat.model).toBe("vllm-llama@1");
    expect(chat.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
    // The runtime saw its own served name, not the inventory id.
    expect(p.vllm.requests.at(-1)?.json).toMatchObject({ model: "vllm-llama" });

    const stream = await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "one two three" }], stream: true });
    let text = "";
    const usage: unknown[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage.push(chunk.usage);
    }
    expect(text).toBe("echo: one two three");
    expect(usage).toEqual([]); // the gateway asked for usage for itself; the client did not

    const completion = await openai.completions.create({ model: "vllm-llama@1", prompt: "complete me", max_tokens: 2 });
    expect(completion.choices[0]?.text).toBe("echo: complete");
    const embedding = await openai.embeddings.create({ model: "vllm-llama@1", input: ["a", "b"] });
    expect(embedding.data).toHaveLength(2);
    expect(embedding.data[0]?.embedding).toHaveLength(8);
  });

  it("lists exactly the models the caller may use, with ids that work everywhere", async () => {
    const models = await client(url, key).models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(["local-llama@1", "ollama-llama@1", "vllm-llama@1"]);
    const tags = await ollamaClient(url, key).list();
    expect(tags.models.map((m) => m.name).sort()).toEqual(["local-llama@1", "ollama-llama@1", "vllm-llama@1"]);
  });

  it("speaks Ollama to the official ollama client, against Ollama and against vLLM", async () => {
    const ollama = ollamaClient(url, key);
    const chat = await ollama.chat({ model: "ollama-llama@1", messages: [{ role: "user", content: "hi from ollama" }], stream: false });
    expect(chat.message.content).toBe("echo: hi from ollama");
    expect(chat.done).toBe(true);
    expect(chat.eval_count).toBe(4);
    let streamed = "";
    for await (const part of await ollama.chat({ model: "vllm-llama@1", messages: [{ role: "user", content: "streamed via vllm" }], stream: true }))
      streamed += part.message.content;
    expect(streamed).toBe("echo: streamed via vllm");
    const generated = await ollama.generate({ model: "ollama-llama@1", prompt: "generate this", stream: false });
    expect(generated.response).toBe("echo: generate this");
    let parts = "";
    for await (const part of await ollama.generate({ model: "ollama-llama@1", prompt: "and stream it", stream: true, options: { num_predict: 2 } }))
      parts += part.response;
    expect(parts).toBe("echo: and");
  });

  it("serves the embedded llama.cpp runtime's GGUF through the same routes", async () => {
    const openai = client(url, key);
    const chat = await openai.chat.completions.create({ model: "local-llama@1", messages: [{ role: "user", content: "hi" }], max_tokens: 4, temperature: 0 });
    expect(typeof chat.choices[0]?.message.content).toBe("string");
    expect(chat.usage?.completion_tokens).toBeLessThanOrEqual(4);
    let chunks = 0;
    for await (const c of await openai.chat.completions.create({
      model: "local-llama@1",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 3,
      stream: true,
    }))
      if (c.choices[0]?.delta.content) chunks++;
    expect(chunks).toBeGreaterThan(0);
  }, 60_000);

  it("refuses a missing, wrong, revoked, rotated-out or expired key", async () => {
    const status = async (apiKey: string) => {
      const r = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(apiKey === "" ? {} : { authorization: `Bearer ${apiKey}` }) },
        body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }] }),
      });
      const body = (await r.json()) as { error?: { code: string } };
      return r.status === 200 ? { status: 200 } : { status: r.status, code: body.error?.code };
    };
    expect(await status("")).toEqual({ status: 401, code: "AUTH_MISSING" });
    expect(await status(`${key.slice(0, -4)}AAAA`)).toEqual({ status: 401, code: "AUTH_KEY_INVALID" });
    const revoked = await p.key("revoked-bot");
    await p.identities.revoke(revoked.id, { actor: "ops", reason: "leaked" });
    expect(await status(revoked.key)).toEqual({ status: 401, code: "AUTH_IDENTITY_REVOKED" });
    const rotated = await p.key("rotated-bot");
    const fresh = await p.identities.rotate(rotated.id, { actor: "ops", overlapSeconds: 0 });
    expect(await status(rotated.key)).toEqual({ status: 401, code: "AUTH_KEY_EXPIRED" });
    expect((await status(fresh.key)).status).toBe(200);
    const expiring = await p.key("short-lived", { expiresAt: new Date(Date.now() + 300) });
    await new Promise((r) => setTimeout(r, 400));
    expect(await status(expiring.key)).toEqual({ status: 401, code: "AUTH_IDENTITY_EXPIRED" });
  });

  it("accepts a workload's JWT from the configured issuer and refuses a wrong issuer or audience, alg none or an expired token", async () => {
    const token = await p.jwt();
    const chat = await client(url, token).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "as a workload" }] });
    expect(chat.choices[0]?.message.content).toBe("echo: as a workload");
    const refused = async (bearer: string) =>
      client(url, bearer)
        .chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }] })
        .then(
          () => "allowed",
          (e: { status: number; error: { code: string } }) => `${e.status} ${e.error.code}`,
        );
    expect(await refused(await p.jwt({}, "someone-else"))).toBe("401 AUTH_TOKEN_INVALID");
    expect(await refused(await p.jwt({}, "perimeter-gateway", "https://evil.example"))).toBe("401 AUTH_TOKEN_INVALID");
    expect(await refused(await p.jwt({ exp: Math.floor(Date.now() / 1000) - 3600 }))).toBe("401 AUTH_TOKEN_INVALID");
    const [, payload] = token.split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    expect(await refused(none)).toBe("401 AUTH_TOKEN_INVALID");
  });

  it("refuses a killed identity's calls with KILLED, and serves everyone else", async () => {
    const victim = await p.key("compromised-agent");
    await kill(p.store, p.audit, { kind: "identity", target: victim.id, reason: "credential found in a public repo", actor: "soc" });
    await new Promise((r) => setTimeout(r, 250)); // one kill-switch poll
    await expect(client(url, victim.key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
      status: 403,
      error: { code: "KILLED", message: expect.stringMatching(/credential found in a public repo/) },
    });
    expect(
      (await client(url, key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "still fine" }] })).choices[0]?.message
        .content,
    ).toBe("echo: still fine");
  });

  it("refuses a model the policy does not allow, one not served in the caller's environment, one not approved, and one whose served digest drifted", async () => {
    const tools = [{ type: "function" as const, function: { name: "rm", parameters: {} } }];
    const denied = client(url, key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }], tools });
    await expect(denied).rejects.toMatchObject({ status: 403, error: { code: "POLICY_DENIED", message: expect.stringMatching(/tools-need-scope/) } });
    const staging = await p.key("staging-bot", { environment: "staging" });
    const elsewhere = client(url, staging.key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }] });
    await expect(elsewhere).rejects.toMatchObject({
      status: 404,
      error: {
        code: "MODEL_NOT_AVAILABLE",
        message: expect.stringMatching(/not servable in environment staging: runtime "vllm" serves vllm-llama@1 .* in environment default/),
      },
    });
    await expect(client(url, key).chat.completions.create({ model: "draft-llama@1", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
      status: 404,
      error: { code: "MODEL_NOT_AVAILABLE" },
    });

    // Someone swaps the weights Ollama serves under the approved name: the digest no longer matches.
    const served = p.ollama.models[0];
    if (served === undefined) throw new Error("fixture");
    const original = served.blobSha256;
    (p.ollama.models as Array<typeof served>)[0] = { ...served, blobSha256: createHash("sha256").update("swapped").digest("hex") };
    await discover({ store: p.store, audit: () => p.audit, timeoutMs: 5000 }, ["ollama"], "ops");
    await new Promise((r) => setTimeout(r, 250)); // one kill-switch poll
    await expect(client(url, key).chat.completions.create({ model: "ollama-llama@1", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
      status: 404,
      error: { code: "MODEL_NOT_AVAILABLE", message: expect.stringMatching(/not the approved bytes of ollama-llama@1.*perimeter drift/) },
    });
    (p.ollama.models as Array<typeof served>)[0] = { ...served, blobSha256: original };
    await discover({ store: p.store, audit: () => p.audit, timeoutMs: 5000 }, ["ollama"], "ops");
  });

  it("answers 429 with Retry-After once an identity is over its requests per minute", async () => {
    const limited = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, limits: { ...c.gateway.limits, identity: { requestsPerMinute: 2 }, model: {} } } }));
    const bot = await p.key("chatty-bot");
    const call = () =>
      fetch(`${limited.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${bot.key}` },
        body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }] }),
      });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const third = await call();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers 429 once an identity has used its tokens per minute, counted from the runtime's usage", async () => {
    // The output guards hold back only 4 tokens here, so that the short answers below reach the client while
    // the runtime still streams (with the default 64, a 60-token answer arrives whole at its end).
    const limited = await p.serve((c) => ({
      ...c,
      gateway: { ...c.gateway, limits: { ...c.gateway.limits, identity: { tokensPerMinute: 100 }, model: {} } },
      guards: { ...c.guards, holdBackTokens: 4 },
    }));
    const bot = await p.key(`wordy-bot-${Date.now()}`);
    const openai = client(limited.url, bot.key);
    const words = Array.from({ length: 20 }, (_, i) => `word${i}`).join(" ");
    // Reserves 20 + 40, uses 20 + 21: 59 left, and the next call may use up to 61.
    const first = await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: words }], max_tokens: 40 });
    expect(first.usage?.total_tokens).toBe(41);
    await expect(openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }], max_tokens: 60 })).rejects.toMatchObject({
      status: 429,
      message: expect.stringMatching(new RegExp(`identity ${bot.id} has used its tokens per minute`)),
    });
    const event = await callEvent(p, bot.id, "allow", "last");
    expect(event).toMatchObject({ promptTokens: first.usage?.prompt_tokens, completionTokens: first.usage?.completion_tokens, usageFrom: "runtime" });
  });

  it("counts the tokens itself when the runtime reports none, or a stream is cut before its usage, so a token budget cannot be dodged", async () => {
    // The output guards hold back only 4 tokens here, so that the short answers below reach the client while
    // the runtime still streams (with the default 64, a 60-token answer arrives whole at its end).
    const limited = await p.serve((c) => ({
      ...c,
      gateway: { ...c.gateway, limits: { ...c.gateway.limits, identity: { tokensPerMinute: 100 }, model: {} } },
      guards: { ...c.guards, holdBackTokens: 4 },
    }));
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    // Each call reserves 40 + 60 of the 100; the next one 1 + 60, which fits only if nothing was charged.
    const refusedNext = async (apiKey: string) => {
      const again = () =>
        client(limited.url, apiKey)
          .chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }], max_tokens: 60 })
          .then(
            () => 200,
            (e: { status?: number }) => e.status,
          );
      return poll(again, (status) => status === 429, 3000);
    };

    // A runtime that leaves usage out.
    const quiet = await p.key(`quiet-runtime-bot-${Date.now()}`);
    p.vllm.reportsUsage = false;
    try {
      const answer = await client(limited.url, quiet.key).chat.completions.create({
        model: "vllm-llama@1",
        messages: [{ role: "user", content: words }],
        max_tokens: 60,
      });
      expect(answer.usage).toBeUndefined();
      expect(await refusedNext(quiet.key)).toBe(429);
    } finally {
      p.vllm.reportsUsage = true;
    }
    const estimated = await callEvent(p, quiet.id, "allow", "first");
    expect(estimated).toMatchObject({ usageFrom: "estimate" });
    // 40 words each way: the estimate is of the text, not a token or two.
    expect(estimated?.["promptTokens"]).toBeGreaterThanOrEqual(40);
    expect(estimated?.["completionTokens"]).toBeGreaterThanOrEqual(40);

    // A stream the client leaves before the runtime's usage chunk.
    const leaver = await p.key(`early-leaver-bot-${Date.now()}`);
    p.vllm.tokenDelayMs = 30;
    try {
      const stream = await client(limited.url, leaver.key).chat.completions.create({
        model: "vllm-llama@1",
        messages: [{ role: "user", content: words }],
        stream: true,
        max_tokens: 60,
      });
      let received = 0;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received++;
        if (received === 3) break; // leaves: the SDK aborts the request
      }
    } finally {
      p.vllm.tokenDelayMs = 0;
    }
    // The gateway notices the client leave, counts what was streamed and charges it.
    const cut = await poll(
      () => callEvent(p, leaver.id, "allow", "first"),
      (e) => e !== undefined,
      3000,
    );
    expect(await refusedNext(leaver.key)).toBe(429);
    expect(cut).toMatchObject({ usageFrom: "estimate", stream: true });
    expect(cut?.["promptTokens"]).toBeGreaterThanOrEqual(40);
    // What was streamed before the client left, not the whole answer.
    expect(cut?.["completionTokens"]).toBeGreaterThanOrEqual(1);
    expect(cut?.["completionTokens"]).toBeLessThan(40);
  });

  it("stops the runtime's work when the client hangs up before its answer, and records the call as abandoned", async () => {
    const bot = await p.key(`impatient-bot-${Date.now()}`);
    const ask = (signal: AbortSignal) =>
      fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        signal,
        headers: { "content-type": "application/json", authorization: `Bearer ${bot.key}` },
        body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ") }] }),
      });
    const before = p.vllm.aborted;
    p.vllm.tokenDelayMs = 50; // the whole answer would take 5 s
    try {
      await expect(ask(AbortSignal.timeout(300))).rejects.toThrow();
      const stopped = await poll(
        () => Promise.resolve(p.vllm.aborted),
        (n) => n > before,
        3000,
      );
      expect(stopped).toBe(before + 1);
    } finally {
      p.vllm.tokenDelayMs = 0;
    }
    const event = await poll(
      () => callEvent(p, bot.id, "allow", "last"),
      (e) => e !== undefined,
      3000,
    );
    expect(event).toMatchObject({ status: 499 });
    const [row] = await p.store.db
      .selectFrom("audit_events")
      .select(["reason"])
      .where("actor", "=", `identity:${bot.id}`)
      .orderBy("seq", "desc")
      .limit(1)
      .execute();
    expect(row?.reason).toBe("the client closed the connection before the answer");
  });

  it("gives back a stream's slot when its client hangs up before the runtime answers at all", async () => {
    const limited = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, limits: { ...c.gateway.limits, identity: { concurrentStreams: 1 }, model: {} } } }));
    const bot = await p.key(`hung-up-streamer-${Date.now()}`);
    const stream = (signal?: AbortSignal) =>
      fetch(`${limited.url}/v1/chat/completions`, {
        method: "POST",
        ...(signal === undefined ? {} : { signal }),
        headers: { "content-type": "application/json", authorization: `Bearer ${bot.key}` },
        body: JSON.stringify({ model: "vllm-llama@1", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
    p.vllm.misbehaviour = "hang";
    p.vllm.misbehavingPath = "/v1/chat/completions";
    try {
      await expect(stream(AbortSignal.timeout(300))).rejects.toThrow();
    } finally {
      p.vllm.misbehaviour = undefined;
      p.vllm.misbehavingPath = undefined;
    }
    const again = async () => {
      const res = await stream();
      await res.text();
      return res.status;
    };
    expect(await poll(again, (status) => status === 200, 3000)).toBe(200);
  });

  it("answers 502 when the runtime does not start answering in time, and cuts a stream that goes silent, giving back its slot", async () => {
    const impatient = await p.serve((c) => ({
      ...c,
      gateway: { ...c.gateway, upstreamTimeoutMs: 400, limits: { ...c.gateway.limits, identity: { concurrentStreams: 1 }, model: {} } },
    }));
    const bot = await p.key(`waiting-bot-${Date.now()}`);
    const openai = client(impatient.url, bot.key);
    p.vllm.misbehaviour = "hang";
    p.vllm.misbehavingPath = "/v1/chat/completions";
    try {
      const refused = await openai.chat.completions
        .create({ model: "vllm-llama@1", messages: [{ role: "user", content: "anyone?" }] })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({
        status: 502,
        message: expect.stringMatching(/runtime vllm failed: runtime "vllm" did not answer POST \/v1\/chat\/completions: no answer within 400 ms/),
      });
    } finally {
      p.vllm.misbehaviour = undefined;
      p.vllm.misbehavingPath = undefined;
    }

    p.vllm.tokenDelayMs = 1500; // headers at once, then silence longer than the timeout
    try {
      const stream = await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "one two three" }], stream: true });
      let error: unknown;
      try {
        for await (const chunk of stream) void chunk;
      } catch (err) {
        error = err;
      }
      expect(String(error)).toMatch(/went silent mid-stream for longer than 400 ms/);
    } finally {
      p.vllm.tokenDelayMs = 0;
    }
    // The stalled stream's slot is free again.
    const next = await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "again" }], stream: true });
    let text = "";
    for await (const chunk of next) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("echo: again");
    const failed = await callEvent(p, bot.id, "error", "last");
    expect(failed).toMatchObject({ status: 502, stream: true });
  });

  it("judges a call that names no max_tokens by what it may really generate, and tells the runtime that limit", async () => {
    const lastBody = (requests: ReadonlyArray<{ path: string; json?: unknown }>) =>
      [...requests].reverse().find((r) => r.path.endsWith("/chat/completions"))?.json as Record<string, unknown> | undefined;
    const say = (m: string) => [{ role: "user" as const, content: m }];

    // vLLM serving a 4096-token window stops there by itself: nothing is added (vLLM would refuse 8192 more).
    const plain = client(url, key);
    expect((await plain.chat.completions.create({ model: "vllm-llama@1", messages: say("short") })).choices[0]?.message.content).toBe("echo: short");
    expect(lastBody(p.vllm.requests)).not.toHaveProperty("max_tokens");

    // Ollama's model has a 131072-token window: the call is held to gateway.defaultMaxTokens, and told so.
    expect((await plain.chat.completions.create({ model: "ollama-llama@1", messages: say("long window") })).choices[0]?.message.content).toBeDefined();
    expect(lastBody(p.ollama.requests)).toMatchObject({ max_tokens: 8192 });

    // A default above what the policies allow without the long-output scope is refused like an explicit ask.
    const generous = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, defaultMaxTokens: 9000 } }));
    await expect(client(generous.url, key).chat.completions.create({ model: "ollama-llama@1", messages: say("x") })).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/long-output-needs-scope/),
    });
    const writer = await p.key(`novelist-${Date.now()}`, { scopes: ["long-output"] });
    await client(generous.url, writer.key).chat.completions.create({ model: "ollama-llama@1", messages: say("x") });
    expect(lastBody(p.ollama.requests)).toMatchObject({ max_tokens: 9000 });

    // Asking for no limit (Ollama's num_predict -1) is asking for the whole window.
    await expect(
      ollamaClient(url, key).chat({ model: "ollama-llama@1", messages: say("forever"), stream: false, options: { num_predict: -1 } }),
    ).rejects.toMatchObject({
      status_code: 403,
      error: expect.stringMatching(/long-output-needs-scope/),
    });
    await expect(plain.chat.completions.create({ model: "ollama-llama@1", messages: say("x"), max_tokens: -1 })).rejects.toMatchObject({ status: 403 });
    await ollamaClient(url, writer.key).chat({ model: "ollama-llama@1", messages: say("forever"), stream: false, options: { num_predict: -1 } });
    expect(lastBody(p.ollama.requests)).not.toHaveProperty("max_tokens");
  });

  it("cuts a stream in flight when the model is killed, and refuses new calls", async () => {
    // 200 tokens in 4 s; the output guards hold the newest 64 back, so the first text arrives after about a second
    p.vllm.tokenDelayMs = 20;
    const bot = await p.key("streaming-bot");
    const stream = await client(url, bot.key).chat.completions.create({
      model: "vllm-llama@1",
      messages: [{ role: "user", content: Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ") }],
      stream: true,
    });
    let received = 0;
    let error: unknown;
    const started = Date.now();
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received++;
        if (received === 3) await kill(p.store, p.audit, { kind: "model", target: "vllm-llama@1", reason: "jailbreak found in live traffic", actor: "soc" });
      }
    } catch (err) {
      error = err;
    } finally {
      p.vllm.tokenDelayMs = 0;
    }
    expect(received).toBeLessThan(60);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(String(error)).toMatch(/killed by soc: jailbreak found in live traffic/);
    await expect(client(url, key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
      status: 403,
    });
    await p.vllm.idle();
    expect(p.vllm.aborted).toBeGreaterThan(0); // the runtime stopped generating too
    await p.store.db.deleteFrom("kills").execute();
    await new Promise((r) => setTimeout(r, 250));
  });

  it("records every call as an audit event with identity, version, digest, tokens and latency, not the prompt", async () => {
    await p.audit.flush();
    const calls = [];
    for await (const e of readAuditEvents(p.store)) if (e.action === "gateway.call") calls.push(e);
    const ok = calls.find((e) => e.decision === "allow" && e.details["route"] === "/v1/chat/completions");
    expect(ok).toMatchObject({ resource: "model:vllm-llama@1", actor: expect.stringMatching(/^identity:id_/) });
    expect(ok?.details).toMatchObject({
      digest: p.models.vllm.digest,
      promptTokens: expect.any(Number),
      completionTokens: expect.any(Number),
      latencyMs: expect.any(Number),
      runtime: "vllm",
    });
    expect(JSON.stringify(calls)).not.toContain("hello there gateway");
    // Refusals of callers without credentials are summarised per source address, not one event each.
    const anonymous = [];
    for await (const e of readAuditEvents(p.store)) if (e.action === "gateway.unauthenticated") anonymous.push(e);
    expect(anonymous.some((e) => e.decision === "deny" && e.details["code"] === "AUTH_MISSING" && e.details["source"] === "127.0.0.1")).toBe(true);
  });

  it("with auditBeforeAnswer, answers a call only once its audit event is durable, names that event by its hash, and withholds answers while the log cannot be written", async () => {
    // Off by default: the answer does not wait, and names no event.
    const plain = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: "at once" }] }),
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("x-perimeter-audit-event")).toBeNull();
    const held = (await p.serve((c) => ({ ...c, gateway: { ...c.gateway, auditBeforeAnswer: true } }))).url;
    const ask = (content: string, stream = false) =>
      fetch(`${held}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "vllm-llama@1", stream, messages: [{ role: "user", content }] }),
      });
    const res = await ask("count me");
    expect(res.status).toBe(200);
    // Named by its hash, not by its position in the log (which would tell a caller how many calls everyone makes).
    const hash = res.headers.get("x-perimeter-audit-event");
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    // Read straight from the store, without flushing the log: the event was committed before the answer left.
    const row = await p.store.db
      .selectFrom("audit_events")
      .select(["action", "decision", "actor"])
      .where("hash", "=", hash as string)
      .executeTakeFirst();
    expect(row).toMatchObject({ action: "gateway.call", decision: "allow", actor: expect.stringMatching(/^identity:id_/) });

    await sql`alter table audit_head rename to audit_head_away`.execute(p.store.db);
    try {
      const withheld = await ask("withhold me");
      expect(withheld.status).toBe(503);
      const text = await withheld.text();
      expect(text).toContain("STORE_UNAVAILABLE");
      expect(text).toMatch(/answer is withheld: its audit event could not be written/);
      expect(text).not.toContain("echo: withhold me");
    } finally {
      await sql`alter table audit_head_away rename to audit_head`.execute(p.store.db);
    }
    // The gateway probes the log and serves again once it is writable; a stream then ends with [DONE] after its event.
    const ready = await poll(
      async () => (await fetch(`${held}/readyz`)).status,
      (s) => s === 200,
      10_000,
    );
    expect(ready).toBe(200);
    const streamed = await (await ask("stream me", true)).text();
    expect(streamed).toContain("data: [DONE]");
  });

  it("is ready while it can read the kill switch; when it cannot, it refuses calls and says why until it can again", async () => {
    const ready = async () => {
      const res = await fetch(`${url}/readyz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await ready()).toMatchObject({ status: 200, body: { status: "ready", audit: { writable: true }, catalog: { models: 3 } } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^perimeter_audit_backlog_events \d+$/m);
    expect(metrics).toMatch(/^perimeter_gateway_catalog_age_seconds [\d.e-]+$/m);

    const openai = client(url, key);
    // The kill switch's table disappears from under the gateway: it can no longer learn of kills.
    await sql`alter table kills rename to kills_away`.execute(p.store.db);
    try {
      const r = await poll(ready, (answer) => answer.status !== 200, 10_000);
      expect(r).toMatchObject({
        status: 503,
        body: {
          status: "unavailable",
          reason: expect.stringMatching(/kill switch and catalog have not been read from the store.*kills and revocations would not apply/),
        },
      });
      await expect(openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "still there?" }] })).rejects.toMatchObject({
        status: 503,
      });
    } finally {
      await sql`alter table kills_away rename to kills`.execute(p.store.db);
    }
    expect((await poll(ready, (answer) => answer.status === 200, 10_000)).status).toBe(200);
    const chat = await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "back again" }] });
    expect(chat.choices[0]?.message.content).toBe("echo: back again");
  });
});

describe("the serve pipeline's extension points and logs", () => {
  let p: Perimeter;
  beforeAll(async () => {
    p = await startPerimeter("sqlite");
  }, 60_000);
  afterAll(async () => p?.close());

  it("lets an input guard refuse a call before the runtime sees it, and an output guard cut a stream mid-way", async () => {
    // A detector of two words, to prove the stages' plumbing apart from the real detectors (test/gateway/guards.test.ts).
    const words: Detector = {
      name: "words",
      categories: ["secret", "word"],
      detect: (text) =>
        [...text.matchAll(/AKIA\w*|three/g)].map((m) => ({
          detector: "words",
          category: m[0] === "three" ? "word" : "secret",
          type: m[0] === "three" ? "three" : "aws-access-key",
          severity: "high" as const,
          span: { start: m.index, end: m.index + m[0].length },
          confidence: 1,
        })),
    };
    const g = await p.serve(undefined, {
      guards: GuardEngine.create({
        config: { ...configSchema.parse({}).guards, actions: { input: { secret: "block", word: "allow" }, output: { word: "block" }, other: "allow" } },
        detectors: [words],
        policiesReadGuards: false,
      }),
    });
    const bot = await p.key(`guarded-${Date.now()}`);
    const openai = client(g.url, bot.key);
    const before = p.vllm.requests.length;
    await expect(openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "my key is AKIAXXXX" }] })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/secret \(aws-access-key\) in messages\[0\]\.content/),
    });
    expect(p.vllm.requests.length).toBe(before);

    const stream = await openai.chat.completions.create({
      model: "vllm-llama@1",
      messages: [{ role: "user", content: "one two three four five" }],
      stream: true,
    });
    let text = "";
    let error: unknown;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    } catch (err) {
      error = err;
    }
    // Held back, nothing of the stream's text reaches the client once the guard has seen the word coming.
    expect(text).toBe("");
    expect(String(error)).toMatch(/word \(three\) in choices\[0\]\.content/);
    await expect(openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "three" }] })).rejects.toMatchObject({
      status: 400,
    });
    // Refused by a guard is a deny in the audit log, not a failure.
    expect(
      await poll(
        () => callEvent(p, bot.id, "deny", "last"),
        (e) => e?.["status"] === 400,
        3000,
      ),
    ).toMatchObject({ status: 400, stream: false });
    expect((await openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "four" }] })).choices[0]?.message.content).toBe(
      "echo: four",
    );
  });

  it("logs a catalog refresh at warn only past gateway.slowRefreshWarnMs, at debug below it", async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write: (chunk: Buffer, _e, done) => {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const logger = pino({ level: "debug" }, sink);
    const quick = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, slowRefreshWarnMs: 60_000 } }), { logger });
    await quick.started.gateway.refresh();
    expect(lines.some((l) => l.level === 20 && /read the catalog/.test(l.msg))).toBe(true);
    expect(lines.some((l) => l.level === 40 && /was slow/.test(l.msg))).toBe(false);
    const strict = await p.serve((c) => ({ ...c, gateway: { ...c.gateway, slowRefreshWarnMs: 1 } }), { logger });
    await strict.started.gateway.refresh();
    expect(lines.some((l) => l.level === 40 && /was slow/.test(l.msg))).toBe(true);
  });
});

describe("limits in Redis", () => {
  let p: Perimeter;
  beforeAll(async () => {
    p = await startPerimeter("sqlite");
  }, 60_000);
  afterAll(async () => p?.close());

  it("hold across two gateways sharing one Redis", async () => {
    const redis = (c: Parameters<Parameters<Perimeter["serve"]>[0] & object>[0]) => ({
      ...c,
      gateway: { ...c.gateway, redisUrl: "redis://127.0.0.1:6379", limits: { ...c.gateway.limits, identity: { requestsPerMinute: 3 }, model: {} } },
    });
    const a = await p.serve(redis);
    const b = await p.serve(redis);
    const bot = await p.key(`shared-${Date.now()}`);
    const call = (u: string) =>
      fetch(`${u}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${bot.key}` },
        body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: "x" }] }),
      }).then((r) => r.status);
    expect([await call(a.url), await call(b.url), await call(a.url)]).toEqual([200, 200, 200]);
    expect(await call(b.url)).toBe(429);
    expect(await call(a.url)).toBe(429);
  });

  it("refuse calls with 503 and say why while the shared limits cannot be checked (Redis gone), and serve again when it is back", async () => {
    // Redis reached through a relay the test can cut, as a network partition would.
    const sockets = new Set<Socket>();
    const relay = createNetServer((inbound) => {
      const outbound = connect(6379, "127.0.0.1");
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const relayPort = (relay.address() as AddressInfo).port;
    const g = await p.serve((c) => ({
      ...c,
      gateway: { ...c.gateway, redisUrl: `redis://127.0.0.1:${relayPort}`, limits: { ...c.gateway.limits, identity: { requestsPerMinute: 100 }, model: {} } },
    }));
    const bot = await p.key(`partitioned-${Date.now()}`);
    const openai = client(g.url, bot.key);
    const ask = () => openai.chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "are you there" }] });
    expect((await ask()).choices[0]?.message.content).toBe("echo: are you there");

    await new Promise<void>((resolve) => {
      relay.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    await expect(ask()).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/limits could not be checked/) });
    await p.audit.flush();
    const refusals = await p.store.db
      .selectFrom("audit_events")
      .select(["decision", "reason"])
      .where("actor", "=", `identity:${bot.id}`)
      .orderBy("seq", "desc")
      .limit(1)
      .execute();
    expect(refusals[0]).toMatchObject({ decision: "deny", reason: expect.stringMatching(/limits could not be checked/) });

    // The relay comes back on the same port: the gateway reconnects and serves.
    await new Promise<void>((resolve) => relay.listen(relayPort, "127.0.0.1", resolve));
    const back = await poll(
      () =>
        ask().then(
          (c) => c.choices[0]?.message.content,
          (e: { status?: number }) => `status ${e.status}`,
        ),
      (a) => a === "echo: are you there",
      10_000,
    );
    expect(back).toBe("echo: are you there");
    relay.close();
    for (const s of sockets) s.destroy();
  }, 30_000);

  for (const shared of [false, true]) {
    it(`limit concurrent streams per identity ${shared ? "across two gateways sharing Redis" : "in one gateway"}, and free the slot when a stream ends`, async () => {
      const limited = (c: Parameters<Parameters<Perimeter["serve"]>[0] & object>[0]) => ({
        ...c,
        gateway: {
          ...c.gateway,
          ...(shared ? { redisUrl: "redis://127.0.0.1:6379" } : {}),
          limits: { ...c.gateway.limits, identity: { concurrentStreams: 1 }, model: {} },
        },
      });
      const a = await p.serve(limited);
      const b = shared ? await p.serve(limited) : a;
      const bot = await p.key(`streamer-${shared}-${Date.now()}`);
      const long = Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ");
      p.vllm.tokenDelayMs = 30;
      try {
        const first = await client(a.url, bot.key).chat.completions.create({
          model: "vllm-llama@1",
          messages: [{ role: "user", content: long }],
          stream: true,
        });
        const second = client(b.url, bot.key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "me too" }], stream: true });
        await expect(second).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/1 streams open already/) });
        // A call that does not stream is not held back by the open stream.
        const plain = await client(b.url, bot.key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "plain" }] });
        expect(plain.choices[0]?.message.content).toBe("echo: plain");
        // The first stream ends (its client leaves): its slot is free again.
        first.controller.abort();
        const again = async () => {
          const res = await fetch(`${b.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${bot.key}` },
            body: JSON.stringify({ model: "vllm-llama@1", messages: [{ role: "user", content: "again" }], stream: true }),
          });
          await res.text();
          return res.status;
        };
        expect(await poll(again, (status) => status === 200, 5000)).toBe(200);
      } finally {
        p.vllm.tokenDelayMs = 0;
      }
    });
  }
});
