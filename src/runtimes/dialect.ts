// The one dialect the gateway speaks to every runtime: OpenAI's HTTP API. vLLM, SGLang and llama.cpp server
// speak it natively, Ollama serves it under /v1, and the embedded llama.cpp runtime implements it in-process.
// Ollama-shaped client routes are translated to it at the edge.

export type OpenAIPath = "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings";

/** A runtime's answer: a whole JSON body, or a stream of chunk objects (what SSE `data:` lines carry). */
export type DialectResponse =
  | { readonly kind: "json"; readonly status: number; readonly body: unknown }
  | { readonly kind: "stream"; readonly chunks: AsyncIterable<Record<string, unknown>> };

export interface OpenAIDialect {
  /**
   * POST an OpenAI-shaped body (its `model` is the runtime's served name). Non-2xx answers come back as
   * kind "json" with the status; transport failures throw. Aborting `signal` stops generation.
   * `headers` go along to an HTTP runtime (trace context); an in-process runtime has no use for them.
   */
  call(path: OpenAIPath, body: Record<string, unknown>, signal: AbortSignal, headers?: Readonly<Record<string, string>>): Promise<DialectResponse>;
  close(): Promise<void>;
}
