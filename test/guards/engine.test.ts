import RE2 from "re2";
import { describe, expect, it } from "vitest";
import { configSchema, type GuardsConfig } from "../../src/config/schema.js";
import type { GuardedCall } from "../../src/gateway/pipeline.js";
import { GuardEngine } from "../../src/guards/engine.js";
import type { Detector, GuardFinding } from "../../src/guards/types.js";
import type { GuardContext, PolicyDecision } from "../../src/policy/engine.js";

// The engine over OpenAI-dialect bodies and chunks, with a detector of one made-up key format: every place
// text travels in a request and an answer, whole or streamed, and what the client receives.

const KEY_RE = new RE2("KEY-[A-Z0-9]{20}", "g");
const keys: Detector = {
  name: "secrets",
  categories: ["secret"],
  detect(text) {
    const out: GuardFinding[] = [];
    KEY_RE.lastIndex = 0;
    for (let m = KEY_RE.exec(text); m !== null; m = KEY_RE.exec(text))
      out.push({
        detector: "secrets",
        category: "secret",
        type: "test-key",
        severity: "high",
        span: { start: m.index, end: m.index + m[0].length },
        confidence: 1,
      });
    return out;
  },
};

const KEY = "KEY-ABCDEFGHIJ0123456789";
const defaults = configSchema.parse({}).guards;

function engine(actions: Partial<GuardsConfig["actions"]> = {}, policiesReadGuards = false): GuardEngine {
  return GuardEngine.create({ config: { ...defaults, actions: { ...defaults.actions, ...actions } }, detectors: [keys], policiesReadGuards });
}

const call = {
  principal: { id: "id_1", name: "bot" },
  route: { version: { id: "llama@1", name: "llama" } },
} as unknown as GuardedCall;

const allowAll = (): PolicyDecision => ({ allow: true, reason: "permitted", policies: ["p"], errors: [] });

/** Chat chunks carrying `pieces` of content for choice `index`. */
function chunks(pieces: readonly string[], index = 0, field: "content" | "reasoning_content" = "content"): Record<string, unknown>[] {
  return pieces.map((p, i) => ({
    id: "c1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index, delta: { [field]: p }, finish_reason: i === pieces.length - 1 ? "stop" : null }],
  }));
}

/** Feed chunks through the output guard; what the client would receive per choice and field, and any refusal. */
async function stream(e: GuardEngine, list: Record<string, unknown>[]): Promise<{ text: Record<string, string>; refused?: string }> {
  const g = e.open(call, allowAll)?.output();
  if (g === undefined) throw new Error("no output guard");
  const text: Record<string, string> = {};
  const take = (c: Record<string, unknown>) => {
    for (const ch of c["choices"] as Record<string, unknown>[]) {
      const index = ch["index"] as number;
      if (typeof ch["text"] === "string") text[`${index}.text`] = (text[`${index}.text`] ?? "") + ch["text"];
      const d = (ch["delta"] ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(d)) {
        if (typeof v === "string") text[`${index}.${k}`] = (text[`${index}.${k}`] ?? "") + v;
        if (k === "tool_calls")
          for (const t of v as Record<string, unknown>[])
            text[`${index}.tool${t["index"] as number}`] =
              (text[`${index}.tool${t["index"] as number}`] ?? "") + ((t["function"] as Record<string, string>)["arguments"] ?? "");
      }
    }
  };
  for (const c of list) {
    const r = g.chunk(c);
    if (r !== undefined) return { text, refused: r.reason };
    take(c);
  }
  const rest = await g.end(list[list.length - 1], {});
  if (!Array.isArray(rest)) return { text, refused: rest.reason };
  for (const c of rest) take(c);
  return { text };
}

const split = (s: string, n: number): string[] => Array.from({ length: Math.ceil(s.length / n) }, (_, i) => s.slice(i * n, (i + 1) * n));

describe("the guard engine over requests and answers", () => {
  it("redacts a key wherever a request carries text: content parts, tool results, tool-call arguments, prompts and embedding input", async () => {
    const body = {
      messages: [
        { role: "system", content: `sys ${KEY}` },
        {
          role: "user",
          content: [
            { type: "text", text: `part ${KEY}` },
            { type: "image_url", image_url: { url: "data:," } },
          ],
        },
        { role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: `{"k":"${KEY}"}` } }] },
        { role: "tool", tool_call_id: "t", content: `result ${KEY}` },
      ],
      prompt: [`p ${KEY}`],
      input: `i ${KEY}`,
    };
    expect(await engine().open(call, allowAll)?.input(body)).toBeUndefined();
    const text = JSON.stringify(body);
    expect(text).not.toContain(KEY);
    expect(text.match(/\[SECRET:test-key\]/g)?.length).toBe(6);
  });

  it("redacts a key split across chunks in reasoning, in a second choice, and in a completion's text", async () => {
    const e = engine({ output: { secret: "redact" } });
    const reasoning = await stream(e, chunks(split(`think ${KEY} done`, 3), 0, "reasoning_content"));
    expect(reasoning.text["0.reasoning_content"]).toBe("think [SECRET:test-key] done");
    const second = await stream(e, [...chunks(split("first answer", 4), 0), ...chunks(split(`second ${KEY} answer`, 2), 1)]);
    expect(second.text["0.content"]).toBe("first answer");
    expect(second.text["1.content"]).toBe("second [SECRET:test-key] answer");
    const completion = await stream(
      e,
      split(`text ${KEY} end`, 5).map((t, i, all) => ({ id: "x", choices: [{ index: 0, text: t, finish_reason: i === all.length - 1 ? "length" : null }] })),
    );
    expect(completion.text["0.text"]).toBe("text [SECRET:test-key] end");
  });

  it("redacts a key in streamed tool-call arguments", async () => {
    const args = split(`{"token":"${KEY}","n":1}`, 4);
    const list = args.map((a, i) => ({
      id: "c",
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, ...(i === 0 ? { id: "call_1", function: { name: "deploy", arguments: a } } : { function: { arguments: a } }) }] },
          finish_reason: i === args.length - 1 ? "tool_calls" : null,
        },
      ],
    }));
    const r = await stream(engine({ output: { secret: "redact" } }), list);
    expect(r.text["0.tool0"]).toBe('{"token":"[SECRET:test-key]","n":1}');
  });

  it("sends what was held when a stream ends without a finish reason", async () => {
    const list = split(`no finish ${KEY} here`, 3).map((t) => ({ id: "c", choices: [{ index: 0, delta: { content: t }, finish_reason: null }] }));
    const r = await stream(engine({ output: { secret: "redact" } }), list);
    expect(r.text["0.content"]).toBe("no finish [SECRET:test-key] here");
  });

  it("blocks a whole answer with a key in its tool-call arguments and names where", async () => {
    const g = engine().open(call, allowAll)?.output();
    const body = {
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: `{"k":"${KEY}"}` } }] },
        },
      ],
    };
    const r = await g?.answer(body, {});
    expect(r).toMatchObject({ code: "GUARD_BLOCKED" });
    expect(r?.reason).toMatch(/secret \(test-key\) in choices\[0\]\.message\.tool_calls\[0\]\.function\.arguments/);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it("asks Cedar about the findings when a policy reads them, and refuses on its deny", async () => {
    const seen: GuardContext[] = [];
    const deny = (g: GuardContext): PolicyDecision => {
      seen.push(g);
      return { allow: false, reason: "forbidden by no-secrets", policies: ["no-secrets"], errors: [] };
    };
    const e = engine({ input: { secret: "flag" } }, true);
    const r = await e.open(call, deny)?.input({ messages: [{ role: "user", content: `here ${KEY}` }] });
    expect(r).toMatchObject({ code: "POLICY_DENIED" });
    expect(seen[0]).toMatchObject({ direction: "input", categories: ["secret"], types: ["test-key"], maxSeverity: "high", count: 1 });
    expect(seen[0]?.scores.secret).toBe(100);
    // No findings: no second judgement.
    seen.length = 0;
    expect(await e.open(call, deny)?.input({ messages: [{ role: "user", content: "clean" }] })).toBeUndefined();
    expect(seen).toEqual([]);
  });

  it("lets a rule for one identity and model override the defaults, later rules winning", async () => {
    const config: GuardsConfig = {
      ...defaults,
      actions: { ...defaults.actions, input: { secret: "block" } },
      rules: [
        { identities: ["bot"], actions: { secret: "redact" } },
        { models: ["other-model"], actions: { secret: "allow" } },
        { identities: ["id_1"], models: ["llama@1"], direction: "input", actions: { secret: "flag" } },
      ],
    };
    const e = GuardEngine.create({ config, detectors: [keys], policiesReadGuards: false });
    const body = { messages: [{ role: "user", content: `k ${KEY}` }] };
    const c = e.open(call, allowAll);
    expect(await c?.input(body)).toBeUndefined();
    expect(JSON.stringify(body)).toContain(KEY); // flagged, not redacted
    expect(c?.summary()).toEqual([{ action: "flag", category: "secret", count: 1, detector: "secrets", direction: "input", type: "test-key" }]);
  });
});
