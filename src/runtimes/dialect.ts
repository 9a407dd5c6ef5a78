// The one dialect the gateway speaks to every runtime: OpenAI's HTTP API. vLLM, SGLang and llama.cpp server
// speak it natively, Ollama serves it under /v1, and the embedded llama.cpp runtime implements it in-process.
// Ollama-shaped client routes are translated to it at the edge.

export type OpenAIPath = "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings";

/** A runtime's answer: a whole JSON body, or a stream of chunk objects (what SSE `data:` lines carry). */
export type DialectResponse =
  | { readonly kind: "json"; readonly status: number; readonly body: unknown }
  | { readonly kind: "stream"; readonly chunks: AsyncIterable<Record<string, unknown>> };

/**
 * What cancels a call: the part of AbortSignal that runtimes use. An AbortSignal is one; so is a
 * CallCancel, which the gateway makes for every call because an AbortController costs it ~6 µs more.
 */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** A cancellable call: abort() once, listeners run once. */
export class CallCancel implements CallSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;

  /** Listeners run once in any case, so `once` needs no handling. */
  addEventListener(_type: "abort", listener: () => void, _options?: { once?: boolean }): void {
    this.listeners ??= [];
    this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners?.splice(i, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) listener();
  }
}

/** A real AbortSignal that follows `signal`, for libraries that need one (node-llama-cpp). */
export function toAbortSignal(signal: CallSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}

export interface OpenAIDialect {
  /**
   * POST an OpenAI-shaped body (its `model` is the runtime's served name). Non-2xx answers come back as
   * kind "json" with the status; transport failures throw. Aborting `signal` stops generation.
   * `headers` go along to an HTTP runtime (trace context); an in-process runtime has no use for them.
   */
  call(path: OpenAIPath, body: Record<string, unknown>, signal: CallSignal, headers?: Readonly<Record<string, string>>): Promise<DialectResponse>;
  close(): Promise<void>;
}
