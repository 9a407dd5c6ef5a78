import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../../src/errors.js";
import { boundGuardModel } from "../../../src/guards/models/bound.js";
import { llamaGuard, openAICompletion } from "../../../src/guards/models/llama-guard.js";
import type { GuardModel, GuardModelInput, GuardModelVerdict } from "../../../src/guards/types.js";
import { httpUpstream } from "../../../src/runtimes/http-upstream.js";
import { completionAnswer, type FakeGuardRuntime, startFakeGuardRuntime } from "../../fixtures/guards/fake-guard-runtime.js";

const never = new AbortController().signal;
const question: GuardModelInput = { direction: "input", messages: [{ role: "user", content: "hello" }] };

async function settled(promise: Promise<unknown>): Promise<{ value?: unknown; error?: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { value, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function codeOf(error: unknown): string | undefined {
  return error instanceof PerimeterError ? error.code : undefined;
}

describe("bounded guard model over HTTP", () => {
  let runtime: FakeGuardRuntime;
  const guard = (): GuardModel => {
    const client = httpUpstream({ name: "guard-runtime", url: runtime.url, timeoutMs: 30_000 });
    return llamaGuard({ name: "llama-guard", completion: openAICompletion("llama-guard", client, "llama-guard-3-1b") });
  };

  beforeAll(async () => {
    runtime = await startFakeGuardRuntime(() => completionAnswer("safe"));
  });
  afterAll(async () => {
    await runtime.close();
  });

  it("passes a verdict through", async () => {
    runtime.answer = () => completionAnswer("unsafe\nS10");
    const bounded = boundGuardModel(guard(), { timeoutMs: 2_000, maxConcurrent: 2, maxQueue: 2 });
    expect(await bounded.judge(question, never)).toEqual({ safe: false, categories: ["S10"] });
  });

  it("refuses with GUARD_UNAVAILABLE at the timeout and aborts the runtime's request", async () => {
    runtime.answer = () => "hang";
    const aborted = runtime.aborted;
    const bounded = boundGuardModel(guard(), { timeoutMs: 200, maxConcurrent: 1, maxQueue: 0 });
    const result = await settled(bounded.judge(question, never));
    expect(codeOf(result.error)).toBe("GUARD_UNAVAILABLE");
    expect((result.error as Error).message).toMatch(/did not answer within 200 ms.*timeoutMs/);
    expect(result.ms).toBeGreaterThanOrEqual(190);
    expect(result.ms).toBeLessThan(1_000);
    await until(() => runtime.aborted === aborted + 1);
  });

  it("carries the caller's abort to the runtime's request", async () => {
    runtime.answer = () => "hang";
    const aborted = runtime.aborted;
    const controller = new AbortController();
    const bounded = boundGuardModel(guard(), { timeoutMs: 10_000, maxConcurrent: 1, maxQueue: 0 });
    const pending = settled(bounded.judge(question, controller.signal));
    await until(() => runtime.inFlight === 1);
    const gone = new Error("client gone");
    controller.abort(gone);
    const result = await pending;
    expect(result.error).toBe(gone);
    expect(result.ms).toBeLessThan(1_000);
    await until(() => runtime.aborted === aborted + 1);
  });

  it("refuses at once when every seat and every place in the queue is taken, and never sends that request", async () => {
    runtime.answer = () => "hang";
    const before = runtime.requests.length;
    const bounded = boundGuardModel(guard(), { timeoutMs: 300, maxConcurrent: 1, maxQueue: 1 });
    const running = settled(bounded.judge(question, never));
    const queued = settled(bounded.judge(question, never));
    const refused = await settled(bounded.judge(question, never));
    expect(codeOf(refused.error)).toBe("GUARD_BUSY");
    expect((refused.error as Error).message).toContain("maxConcurrent");
    expect(refused.ms).toBeLessThan(50);
    // The running one and the queued one both meet the deadline; the queued one never reached the runtime.
    expect(codeOf((await running).error)).toBe("GUARD_UNAVAILABLE");
    expect(codeOf((await queued).error)).toBe("GUARD_UNAVAILABLE");
    expect(runtime.requests.length - before).toBe(1);

    // The seats are free again afterwards.
    runtime.answer = () => completionAnswer("safe");
    await until(() => runtime.inFlight === 0);
    expect(await bounded.judge(question, never)).toEqual({ safe: true, categories: [] });
  });

  it("seats a queued judgement when a running one ends", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    runtime.answer = () => completionAnswer("safe");
    const inner = guard();
    const slowFirst: GuardModel = {
      name: inner.name,
      kind: inner.kind,
      judge: async (input, signal) => {
        await gate;
        return inner.judge(input, signal);
      },
    };
    const bounded = boundGuardModel(slowFirst, { timeoutMs: 5_000, maxConcurrent: 1, maxQueue: 1 });
    const first = bounded.judge(question, never);
    const second = bounded.judge(question, never);
    release();
    expect(await first).toEqual({ safe: true, categories: [] });
    expect(await second).toEqual({ safe: true, categories: [] });
  });

  it("turns an answer that is not a verdict into GUARD_UNAVAILABLE", async () => {
    runtime.answer = () => completionAnswer("I'm sorry, I can't do that");
    const bounded = boundGuardModel(guard(), { timeoutMs: 2_000, maxConcurrent: 1, maxQueue: 0 });
    const result = await settled(bounded.judge(question, never));
    expect(codeOf(result.error)).toBe("GUARD_UNAVAILABLE");
    expect((result.error as Error).message).toContain("not a Llama Guard verdict");
  });
});

describe("bounded guard model, whatever the model does", () => {
  it("wraps any failure as GUARD_UNAVAILABLE, keeping the cause", async () => {
    const broken: GuardModel = {
      name: "broken",
      kind: "classifier",
      judge: () => Promise.reject(new TypeError("session is gone")),
    };
    const result = await settled(boundGuardModel(broken, { timeoutMs: 1_000, maxConcurrent: 1, maxQueue: 0 }).judge(question, never));
    expect(codeOf(result.error)).toBe("GUARD_UNAVAILABLE");
    expect((result.error as Error).message).toContain("session is gone");
    expect((result.error as Error).cause).toBeInstanceOf(TypeError);
  });

  it("keeps a seat taken until a call that ignores its abort really ends", async () => {
    let finish: (verdict: GuardModelVerdict) => void = () => undefined;
    let calls = 0;
    const stubborn: GuardModel = {
      name: "stubborn",
      kind: "classifier",
      judge: () => {
        calls++;
        return new Promise((resolve) => {
          finish = resolve;
        });
      },
    };
    const bounded = boundGuardModel(stubborn, { timeoutMs: 50, maxConcurrent: 1, maxQueue: 0 });
    expect(codeOf((await settled(bounded.judge(question, never))).error)).toBe("GUARD_UNAVAILABLE");
    // Past its deadline the first call still runs, so there is no seat for another.
    expect(codeOf((await settled(bounded.judge(question, never))).error)).toBe("GUARD_BUSY");
    finish({ safe: true, categories: [] });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const next = bounded.judge(question, never);
    finish({ safe: true, categories: [] });
    expect(await next).toEqual({ safe: true, categories: [] });
    expect(calls).toBe(2);
  });

  it("refuses bounds that cannot work", () => {
    const any: GuardModel = { name: "x", kind: "classifier", judge: () => Promise.resolve({ safe: true, categories: [] }) };
    expect(() => boundGuardModel(any, { timeoutMs: 0, maxConcurrent: 1, maxQueue: 0 })).toThrow(/timeoutMs/);
    expect(() => boundGuardModel(any, { timeoutMs: 100, maxConcurrent: 0, maxQueue: 0 })).toThrow(/maxConcurrent/);
    expect(() => boundGuardModel(any, { timeoutMs: 100, maxConcurrent: 1, maxQueue: -1 })).toThrow(/maxQueue/);
  });
});
