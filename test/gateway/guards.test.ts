import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { awsAccessKeyId, email, githubToken, iban, ipv4, paymentCard, privateKeyPem, ukPhone, usSsn } from "../fixtures/guards/values.js";
import { STORE_KINDS } from "../helpers/stores.js";
import { startPerimeter, type Perimeter } from "./setup.js";

// The guards through the gateway, as clients see them: the official openai and ollama clients against the
// fake vLLM, which echoes the last user message back ("echo: …"), cut into tokens of a few characters so
// that a key arrives in many chunks.

const openai = (url: string, apiKey: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
const ollama = (url: string, key: string) => new Ollama({ host: url, headers: { Authorization: `Bearer ${key}` } });

const PROSE = "The nightly deployment finished and the service answered on the first try, so the team moved on to the next ticket. ";

type Guards = Config["guards"];

/** The configuration with these guard settings over the defaults. */
function withGuards(g: Partial<Guards>): (c: Config) => Config {
  return (c) => ({ ...c, guards: { ...c.guards, ...g } });
}

/** Let secrets through on input, so that the echoing fake puts them in its answer. */
const ECHO_SECRETS = { input: { secret: "allow" as const, pii: "allow" as const, injection: "flag" as const, jailbreak: "flag" as const } };

async function callEvents(
  p: Perimeter,
  identityId: string,
): Promise<Array<{ decision: string; reason: string; details: Record<string, unknown>; raw: string }>> {
  await p.audit.flush();
  const rows = await p.store.db
    .selectFrom("audit_events")
    .select(["decision", "reason", "details"])
    .where("action", "=", "gateway.call")
    .where("actor", "=", `identity:${identityId}`)
    .orderBy("seq", "asc")
    .execute();
  return rows.map((r) => ({
    decision: r.decision,
    reason: r.reason ?? "",
    details: JSON.parse(r.details) as Record<string, unknown>,
    raw: r.details + (r.reason ?? ""),
  }));
}

async function eventually<T>(ask: () => Promise<T>, done: (t: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  let answer = await ask();
  while (!done(answer) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    answer = await ask();
  }
  return answer;
}

describe.each(STORE_KINDS)("guards in the gateway on %s", (kind) => {
  let p: Perimeter;
  beforeAll(async () => {
    p = await startPerimeter(kind);
    p.vllm.tokenChars = 3;
  }, 60_000);
  afterAll(async () => p?.close());

  it("redacts a key split across many stream chunks, for the openai client", async () => {
    const g = await p.serve(withGuards({ actions: { ...ECHO_SECRETS, output: { secret: "redact" }, other: "block" } }));
    const bot = await p.key(`redact-stream-${kind}-${Date.now()}`);
    const key = githubToken();
    const stream = await openai(g.url, bot.key).chat.completions.create({
      model: "vllm-llama@1",
      messages: [{ role: "user", content: `${PROSE}the token is ${key} keep it safe` }],
      stream: true,
    });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      chunks++;
    }
    expect(chunks).toBeGreaterThan(20);
    expect(text).toBe(`echo: ${PROSE}the token is [SECRET:github-token] keep it safe`);
    expect(text).not.toContain(key.slice(4, 12));
    const events = await eventually(
      () => callEvents(p, bot.id),
      (e) => e.length === 1,
    );
    expect(events[0]?.decision).toBe("allow");
    expect(events[0]?.details["guards"]).toEqual([
      { action: "redact", category: "secret", count: 1, detector: "secrets", direction: "output", type: "github-token" },
    ]);
    expect(events[0]?.raw).not.toContain(key);
  });

  it("redacts a key split across many stream chunks, for the ollama client", async () => {
    const g = await p.serve(withGuards({ actions: { ...ECHO_SECRETS, output: { secret: "redact" }, other: "block" } }));
    const bot = await p.key(`redact-ollama-${kind}-${Date.now()}`);
    const key = awsAccessKeyId();
    let text = "";
    for await (const part of await ollama(g.url, bot.key).chat({
      model: "vllm-llama@1",
      messages: [{ role: "user", content: `${PROSE}use ${key} for the bucket` }],
      stream: true,
    }))
      text += part.message.content;
    expect(text).toBe(`echo: ${PROSE}use [SECRET:aws-access-key] for the bucket`);
  });

  it("stops a stream before a blocked key, raising in the openai client, and audits it", async () => {
    const g = await p.serve(withGuards({ actions: { ...ECHO_SECRETS, output: { secret: "block" }, other: "block" } }));
    const bot = await p.key(`block-stream-${kind}-${Date.now()}`);
    const key = githubToken();
    const stream = await openai(g.url, bot.key).chat.completions.create({
      model: "vllm-llama@1",
      messages: [{ role: "user", content: `${PROSE.repeat(4)}then ${key} and more words after it` }],
      stream: true,
    });
    let text = "";
    let error: unknown;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    } catch (err) {
      error = err;
    }
    // What came well before the key arrived; nothing of the key did.
    expect(text.length).toBeGreaterThan(PROSE.length);
    expect(`echo: ${PROSE.repeat(4)}`.startsWith(text)).toBe(true);
    expect(String(error)).toMatch(/stopped by Perimeter's guards: secret \(github-token\) in choices\[0\]\.content/);
    expect(String(error)).not.toContain(key);
    const events = await eventually(
      () => callEvents(p, bot.id),
      (e) => e.length === 1,
    );
    expect(events[0]).toMatchObject({ decision: "deny", details: { status: 400, stream: true } });
    expect(events[0]?.details["guards"]).toEqual([
      { action: "block", category: "secret", count: 1, detector: "secrets", direction: "output", type: "github-token" },
    ]);
    expect(events[0]?.raw).not.toContain(key);
  });

  it("stops a stream before a blocked private key, raising in the ollama client", async () => {
    const g = await p.serve(withGuards({ actions: { ...ECHO_SECRETS, output: { secret: "block" }, other: "block" } }));
    const bot = await p.key(`block-ollama-${kind}-${Date.now()}`);
    const pem = privateKeyPem();
    let text = "";
    const run = async () => {
      for await (const part of await ollama(g.url, bot.key).chat({
        model: "vllm-llama@1",
        messages: [{ role: "user", content: `${PROSE}${pem}` }],
        stream: true,
      }))
        text += part.message.content;
    };
    await expect(run()).rejects.toThrow(/stopped by Perimeter's guards: secret \(private-key\)/);
    expect(text).not.toContain("PRIVATE KEY");
  });

  it("redacts a key in the request before the runtime sees it (the default)", async () => {
    const g = await p.serve();
    const bot = await p.key(`redact-input-${kind}-${Date.now()}`);
    const key = githubToken();
    const before = p.vllm.requests.length;
    const answer = await openai(g.url, bot.key).chat.completions.create({
      model: "vllm-llama@1",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: [{ type: "text", text: `why does ${key} fail?` }] },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: why does [SECRET:github-token] fail?");
    const sent = JSON.stringify(p.vllm.requests.slice(before));
    expect(sent).toContain("[SECRET:github-token]");
    expect(sent).not.toContain(key);
  });

  it("redacts a key in a tool result coming back in the next request", async () => {
    const g = await p.serve();
    const bot = await p.key(`tool-result-${kind}-${Date.now()}`, { scopes: ["tools"] });
    const key = awsAccessKeyId();
    const before = p.vllm.requests.length;
    await openai(g.url, bot.key).chat.completions.create({
      model: "vllm-llama@1",
      messages: [
        { role: "user", content: "read the config" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "read_file", arguments: '{"path":"app.env"}' } }],
        },
        { role: "tool", tool_call_id: "call_1", content: `AWS_ACCESS_KEY_ID=${key}` },
        { role: "user", content: "what did it say?" },
      ],
    });
    const sent = JSON.stringify(p.vllm.requests.slice(before));
    expect(sent).toContain("[SECRET:aws-access-key]");
    expect(sent).not.toContain(key);
  });

  it("redacts each kind of personal data when PII is set to redact", async () => {
    const g = await p.serve(withGuards({ actions: { input: { secret: "redact", pii: "redact" }, output: { secret: "block" }, other: "block" } }));
    const bot = await p.key(`pii-${kind}-${Date.now()}`);
    const values = { email: email(), phone: ukPhone(), "payment-card": paymentCard(), iban: iban(), "ip-address": ipv4(), "us-ssn": usSsn() };
    for (const [type, value] of Object.entries(values)) {
      const before = p.vllm.requests.length;
      const answer = await openai(g.url, bot.key).chat.completions.create({
        model: "vllm-llama@1",
        messages: [{ role: "user", content: `Please update the record: ${value} is the new one.` }],
      });
      expect(answer.choices[0]?.message.content, type).toBe(`echo: Please update the record: [PII:${type}] is the new one.`);
      expect(JSON.stringify(p.vllm.requests.slice(before)), type).not.toContain(value);
    }
  });

  it("refuses a request whose secret is set to block, naming the kind and place but not the value", async () => {
    const g = await p.serve(withGuards({ actions: { input: { secret: "block" }, output: { secret: "block" }, other: "block" } }));
    const bot = await p.key(`block-input-${kind}-${Date.now()}`);
    const key = githubToken();
    const before = p.vllm.requests.length;
    const err = await openai(g.url, bot.key)
      .chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: `deploy with ${key}` }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: "GUARD_BLOCKED" });
    expect(String(err)).toMatch(/secret \(github-token\) in messages\[0\]\.content/);
    expect(String(err)).not.toContain(key);
    expect(p.vllm.requests.length).toBe(before);
  });

  it("lets a Cedar policy decide on the findings: PII only for identities with the pii scope", async () => {
    const policy = `@id("pii-needs-scope") forbid (principal, action, resource) when { context.guards.categories.contains("pii") } unless { principal.scopes.contains("pii") };`;
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const file = join(p.work, `pii-${kind}.cedar`);
    writeFileSync(file, policy);
    const base = join(p.work, `base-${kind}.cedar`);
    const { DEFAULT_POLICIES } = await import("../../src/policy/default-policies.js");
    writeFileSync(base, DEFAULT_POLICIES);
    const g = await p.serve((c) => ({ ...c, policy: { ...c.policy, files: [base, file] } }));
    const plain = await p.key(`no-pii-${kind}-${Date.now()}`);
    const trusted = await p.key(`pii-ok-${kind}-${Date.now()}`, { scopes: ["pii"] });
    const ask = (key: string) =>
      openai(g.url, key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: `mail ${email()} the report` }] });
    await expect(ask(plain.key)).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/pii-needs-scope.*pii \(email\)/) });
    expect((await ask(trusted.key)).choices[0]?.message.content).toMatch(/^echo: mail \S+@\S+-mail\.net the report$/);
    // No findings, no second judgement: the same identity is served.
    expect(
      (await openai(g.url, plain.key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "hello" }] })).choices[0]?.message
        .content,
    ).toBe("echo: hello");
  });

  it("refuses the call when a guard model answers something that is not a verdict (the fake vLLM echoes)", async () => {
    const g = await p.serve(
      withGuards({
        models: [
          {
            kind: "llama-guard",
            name: "llama-guard",
            model: "vllm-llama@1",
            environment: "default",
            version: 3,
            directions: ["input"],
            timeoutMs: 5000,
            maxConcurrent: 2,
            maxQueue: 4,
            onError: "block",
          },
        ],
      }),
    );
    const bot = await p.key(`guard-garbage-${kind}-${Date.now()}`);
    const err = await openai(g.url, bot.key)
      .chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "hello" }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: "GUARD_UNAVAILABLE" });
    expect(String(err)).toMatch(/llama-guard/);
  });

  it("refuses the call when a guard model does not answer within its timeout", async () => {
    const g = await p.serve(
      withGuards({
        models: [
          {
            kind: "llama-guard",
            name: "slow-guard",
            model: "vllm-llama@1",
            environment: "default",
            version: 3,
            directions: ["input"],
            timeoutMs: 300,
            maxConcurrent: 2,
            maxQueue: 4,
            onError: "block",
          },
        ],
      }),
    );
    const bot = await p.key(`guard-slow-${kind}-${Date.now()}`);
    p.vllm.tokenDelayMs = 200;
    try {
      const started = performance.now();
      const err = await openai(g.url, bot.key)
        .chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "hello there, how are you today" }] })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 503, code: "GUARD_UNAVAILABLE" });
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      p.vllm.tokenDelayMs = 0;
    }
  });

  it("lets a call through, flagged, when its guard model fails and onError is allow", async () => {
    const g = await p.serve(
      withGuards({
        models: [
          {
            kind: "llama-guard",
            name: "lenient",
            model: "vllm-llama@1",
            environment: "default",
            version: 3,
            directions: ["input"],
            timeoutMs: 5000,
            maxConcurrent: 2,
            maxQueue: 4,
            onError: "allow",
          },
        ],
      }),
    );
    const bot = await p.key(`guard-lenient-${kind}-${Date.now()}`);
    const answer = await openai(g.url, bot.key).chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "hello" }] });
    expect(answer.choices[0]?.message.content).toBe("echo: hello");
    const events = await eventually(
      () => callEvents(p, bot.id),
      (e) => e.length === 1,
    );
    expect(events[0]?.details["guards"]).toEqual([
      { action: "flag", category: "guard-unavailable", count: 1, detector: "lenient", direction: "input", type: "guard-unavailable" },
    ]);
  });

  it("refuses the call when the guard model on the embedded llama.cpp runtime (random weights) answers gibberish", async () => {
    const g = await p.serve(
      withGuards({
        models: [
          {
            kind: "llama-guard",
            name: "local-guard",
            model: "local-llama@1",
            environment: "default",
            version: 3,
            directions: ["input"],
            timeoutMs: 60_000,
            maxConcurrent: 1,
            maxQueue: 4,
            onError: "block",
          },
        ],
      }),
    );
    const bot = await p.key(`guard-embedded-${kind}-${Date.now()}`);
    const err = await openai(g.url, bot.key)
      .chat.completions.create({ model: "vllm-llama@1", messages: [{ role: "user", content: "hello" }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: "GUARD_UNAVAILABLE" });
    expect(String(err)).toMatch(/local-guard/);
  }, 120_000);

  it("answers a 1 MB prompt built to make regexes backtrack in bounded time", async () => {
    const g = await p.serve();
    const bot = await p.key(`adversarial-${kind}-${Date.now()}`);
    const nasty = `${"ghp_".repeat(60_000)}${"a@".repeat(100_000)}${"1 ".repeat(100_000)}${"i.g.n.o.r.e ".repeat(20_000)}${"aWdub3Jl".repeat(20_000)}`;
    expect(nasty.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    const answer = await openai(g.url, bot.key).embeddings.create({ model: "vllm-llama@1", input: nasty });
    expect(answer.data.length).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
