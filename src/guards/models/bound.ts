import { PerimeterError } from "../../errors.js";
import type { GuardModel, GuardModelInput, GuardModelVerdict } from "../types.js";

// A guard model is a second model on the request's path: without a bound, a slow or overloaded one holds every
// request behind it. The bound gives each judgement a deadline and the guard a fixed number of seats and a
// fixed waiting room; anything beyond either is refused at once, and a refusal is a deny (fail closed).

export interface GuardModelBounds {
  /** How long one judgement may take, waiting for a seat included. */
  readonly timeoutMs: number;
  /** Judgements running at once. */
  readonly maxConcurrent: number;
  /** Judgements waiting for a seat; one more is refused with GUARD_BUSY. 0 refuses whenever every seat is taken. */
  readonly maxQueue: number;
}

export function boundGuardModel(model: GuardModel, bounds: GuardModelBounds): GuardModel {
  checkBounds(model.name, bounds);
  let running = 0;
  /** Judgements waiting for a seat, first come first served. */
  const waiting: Array<() => void> = [];

  function release(): void {
    const next = waiting.shift();
    if (next === undefined) running--;
    else next();
  }

  async function judge(input: GuardModelInput, signal: AbortSignal): Promise<GuardModelVerdict> {
    if (signal.aborted) throw signal.reason;
    if (running >= bounds.maxConcurrent && waiting.length >= bounds.maxQueue) {
      throw new PerimeterError(
        "GUARD_BUSY",
        `guard model "${model.name}" has ${bounds.maxConcurrent} judgements running and ${bounds.maxQueue} waiting, so this request was refused; retry later, or raise its maxConcurrent or maxQueue if the runtime behind it has room`,
        { details: { guard: model.name } },
      );
    }
    const controller = new AbortController();
    const timedOut = new PerimeterError(
      "GUARD_UNAVAILABLE",
      `guard model "${model.name}" did not answer within ${bounds.timeoutMs} ms, so the request was refused; check that its runtime is up and not overloaded, or raise its timeoutMs`,
      { details: { guard: model.name } },
    );
    let fail: (err: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const timer = setTimeout(() => {
      controller.abort(timedOut);
      fail(timedOut);
    }, bounds.timeoutMs);
    const onAbort = (): void => {
      controller.abort(signal.reason);
      fail(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });

    let seated = false;
    let seat: (() => void) | undefined;
    try {
      if (running < bounds.maxConcurrent) {
        running++;
        seated = true;
      } else {
        await Promise.race([
          new Promise<void>((resolve) => {
            seat = () => {
              seated = true;
              resolve();
            };
            waiting.push(seat);
          }),
          failed,
        ]);
      }
      // The seat is held until the model's call settles, even past the deadline: a call that ignores its abort
      // still uses the runtime, and the bound is on what the runtime is asked to do.
      const call = model.judge(input, controller.signal);
      call.then(release, release);
      seated = false;
      return await Promise.race([call, failed]);
    } catch (err) {
      if (err === timedOut || (signal.aborted && err === signal.reason)) throw err;
      if (err instanceof PerimeterError && err.code === "GUARD_UNAVAILABLE") throw err;
      throw new PerimeterError("GUARD_UNAVAILABLE", `guard model "${model.name}" failed, so the request was refused: ${messageOf(err)}`, {
        cause: err,
        details: { guard: model.name },
      });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      // Left the queue before being seated (timeout or abort): give up the place; seated but never called: give the seat back.
      if (seat !== undefined && !seated) {
        const i = waiting.indexOf(seat);
        if (i >= 0) waiting.splice(i, 1);
      }
      if (seated) release();
      failed.catch(() => undefined);
    }
  }

  return {
    name: model.name,
    kind: model.kind,
    judge,
    ...(model.close === undefined ? {} : { close: () => (model.close as () => Promise<void>)() }),
  };
}

function checkBounds(name: string, bounds: GuardModelBounds): void {
  const ok =
    Number.isFinite(bounds.timeoutMs) &&
    bounds.timeoutMs > 0 &&
    Number.isSafeInteger(bounds.maxConcurrent) &&
    bounds.maxConcurrent >= 1 &&
    Number.isSafeInteger(bounds.maxQueue) &&
    bounds.maxQueue >= 0;
  if (!ok) {
    throw new PerimeterError(
      "CONFIG_INVALID",
      `guard model "${name}" needs a positive timeoutMs, a maxConcurrent of at least 1 and a maxQueue of 0 or more; got ${JSON.stringify(bounds)}`,
    );
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
