import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../../src/errors.js";
import { gptOssSafeguard, parseSafeguardOutput, SAFEGUARD_VIOLATION } from "../../../src/guards/models/safeguard.js";
import type { GuardModelInput } from "../../../src/guards/types.js";
import { httpUpstream } from "../../../src/runtimes/http-upstream.js";
import { chatAnswer, type FakeGuardRuntime, startFakeGuardRuntime } from "../../fixtures/guards/fake-guard-runtime.js";

const never = new AbortController().signal;

const POLICY = `# Spam policy (SP)
Classify whether the content is spam.
SP0: not spam. SP2: bulk unsolicited promotion.
Answer in JSON: {"violation": 0 or 1, "policy_category": "SP2" or null, "rationale": "..."}`;

const promo: GuardModelInput = {
  direction: "input",
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "BUY NOW!!! Limited offer, click here" },
  ],
};

function refused(answer: string): PerimeterError {
  try {
    parseSafeguardOutput("safeguard", answer);
  } catch (err) {
    if (err instanceof PerimeterError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(answer)} to be refused`);
}

describe("gpt-oss-safeguard output", () => {
  it("reads the documented forms: a bare 0 or 1, and JSON with violation and an optional category", () => {
    expect(parseSafeguardOutput("sg", "0")).toEqual({ safe: true, categories: [] });
    expect(parseSafeguardOutput("sg", " 1\n")).toEqual({ safe: false, categories: [SAFEGUARD_VIOLATION] });
    expect(parseSafeguardOutput("sg", '{"violation": 1, "policy_category": "SP2", "rationale": "bulk promotion"}')).toEqual({
      safe: false,
      categories: ["SP2"],
    });
    expect(parseSafeguardOutput("sg", '{"violation": 0, "policy_category": null, "rationale": "ordinary"}')).toEqual({ safe: true, categories: [] });
    expect(parseSafeguardOutput("sg", '{"violation": 1, "confidence": "high", "rule_ids": ["SP2.a"]}')).toEqual({
      safe: false,
      categories: [SAFEGUARD_VIOLATION],
    });
  });

  it("reads the final channel when the runtime hands over raw harmony", () => {
    const raw =
      '<|channel|>analysis<|message|>The text pushes a product in bulk.<|end|><|start|>assistant<|channel|>final<|message|>{"violation": 1, "policy_category": "SP2"}<|return|>';
    expect(parseSafeguardOutput("sg", raw)).toEqual({ safe: false, categories: ["SP2"] });
  });

  it.each([
    ["prose", "This is spam."],
    ["a violation that is not 0 or 1", '{"violation": "yes"}'],
    ["a boolean violation", '{"violation": true}'],
    ["JSON without violation", '{"policy_category": "SP2"}'],
    ["a JSON array", "[1]"],
    ["a code-fenced answer", '```json\n{"violation": 1}\n```'],
    ["broken JSON", '{"violation": 1'],
    ["a number category", '{"violation": 1, "policy_category": 2}'],
    ["reasoning with no final channel", "<|channel|>analysis<|message|>thinking about it"],
    ["2", "2"],
    ["nothing", ""],
  ])("refuses %s as a verdict", (_, answer) => {
    expect(refused(answer).code).toBe("GUARD_UNAVAILABLE");
  });
});

describe("gpt-oss-safeguard over chat completions", () => {
  let runtime: FakeGuardRuntime;

  beforeAll(async () => {
    runtime = await startFakeGuardRuntime(() => chatAnswer("0"));
  });
  afterAll(async () => {
    await runtime.close();
  });

  function guard() {
    const client = httpUpstream({ name: "safeguard-vllm", url: runtime.url, timeoutMs: 5_000 });
    return gptOssSafeguard({ name: "spam-policy", client, model: "openai/gpt-oss-safeguard-20b", policy: POLICY, reasoningEffort: "low" });
  }

  it("sends the policy as the system message and the judged message as the user message", async () => {
    runtime.answer = () => chatAnswer('{"violation": 1, "policy_category": "SP2", "rationale": "bulk promotion"}', "Unsolicited promotion: SP2.");
    expect(await guard().judge(promo, never)).toEqual({ safe: false, categories: ["SP2"] });
    const sent = runtime.requests.at(-1);
    expect(sent?.path).toBe("/v1/chat/completions");
    expect(sent?.json).toEqual({
      model: "openai/gpt-oss-safeguard-20b",
      messages: [
        { role: "system", content: POLICY },
        { role: "user", content: "BUY NOW!!! Limited offer, click here" },
      ],
      max_tokens: 2048,
      temperature: 0,
      stream: false,
      reasoning_effort: "low",
    });
  });

  it("judges the assistant's answer for output", async () => {
    runtime.answer = () => chatAnswer("0");
    const output: GuardModelInput = { direction: "output", messages: [...promo.messages, { role: "assistant", content: "I can't help with spam." }] };
    expect(await guard().judge(output, never)).toEqual({ safe: true, categories: [] });
    expect(runtime.requests.at(-1)?.json).toMatchObject({ messages: [{ role: "system" }, { role: "user", content: "I can't help with spam." }] });
  });

  it("fails closed when the model answers only reasoning, with no final message", async () => {
    runtime.answer = () => chatAnswer(null, "Still thinking about SP2 and");
    await expect(guard().judge(promo, never)).rejects.toMatchObject({ code: "GUARD_UNAVAILABLE" });
  });

  it("fails closed when the model answers outside the policy's format", async () => {
    runtime.answer = () => chatAnswer("Yes, that is spam.");
    await expect(guard().judge(promo, never)).rejects.toMatchObject({ code: "GUARD_UNAVAILABLE" });
  });

  it("refuses to start without a policy", () => {
    const client = httpUpstream({ name: "x", url: runtime.url, timeoutMs: 1_000 });
    expect(() => gptOssSafeguard({ name: "empty", client, model: "m", policy: "  " })).toThrow(/needs a policy/);
  });
});
