import { describe, expect, it } from "vitest";
import { CallCancel, toAbortSignal } from "../../src/runtimes/dialect.js";

// The gateway cancels a call with a CallCancel; the embedded runtime hands node-llama-cpp a real
// AbortSignal that must follow it.
describe("call cancellation", () => {
  it("runs each listener once, with the reason set, and ignores a second abort", () => {
    const cancel = new CallCancel();
    const seen: unknown[] = [];
    const removed = () => seen.push("removed one ran");
    cancel.addEventListener("abort", () => seen.push(cancel.reason), { once: true });
    cancel.addEventListener("abort", removed);
    cancel.removeEventListener("abort", removed);
    cancel.abort("killed by soc");
    cancel.abort("again");
    expect(seen).toEqual(["killed by soc"]);
    expect(cancel).toMatchObject({ aborted: true, reason: "killed by soc" });
  });

  it("gives libraries a real AbortSignal that aborts with it, or at once when it already has", () => {
    const cancel = new CallCancel();
    const signal = toAbortSignal(cancel);
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
    cancel.abort("client left");
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("client left");
    const late = toAbortSignal(cancel);
    expect(late.aborted).toBe(true);
    const native = new AbortController().signal;
    expect(toAbortSignal(native)).toBe(native);
  });
});
