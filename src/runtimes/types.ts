// What a runtime client reports: the kinds of runtime Perimeter speaks to and the models each says it
// serves. The inventory records these as they are (src/inventory/types.ts re-exports them); runtimes never
// import the inventory.

export const RUNTIME_TYPES = ["ollama", "openai", "embedded"] as const;
export type RuntimeType = (typeof RUNTIME_TYPES)[number];

/** How a runtime vouches for the bytes it serves. */
export type ServedDigestSource =
  /** Ollama: the sha256 of the GGUF blob named by the FROM line of /api/show's modelfile. */
  | "ollama-blob"
  /** The embedded runtime: sha256 of the GGUF file Perimeter hashed itself. */
  | "file-sha256"
  /** OpenAI-compatible servers report none; `perimeter admit --runtime` proved what the server loaded. */
  | "admission"
  /** OpenAI-compatible servers (vLLM, SGLang, llama.cpp server) do not report one. */
  | "none";

/** One model a runtime says it serves, as discovery found it. */
export interface DiscoveredModel {
  /** The name clients use to call it (Ollama "llama3.2:1b", vLLM's served model id, the GGUF file's stem). */
  readonly servedName: string;
  /** sha256 hex of the weights, or null when the runtime does not say. */
  readonly digest: string | null;
  readonly digestSource: ServedDigestSource;
  /** sha256 hex of adapters applied on top (Ollama ADAPTER lines). */
  readonly adapterDigests: readonly string[];
  /** What else the runtime reports: family, format, parameter size, quantization, context length, size, template digest ... */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** Whose version scheme a runtime's version is in: the servers behind the runtime types. */
export const RUNTIME_KINDS = ["ollama", "vllm", "sglang", "llamacpp"] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

export function isRuntimeKind(value: unknown): value is RuntimeKind {
  return typeof value === "string" && (RUNTIME_KINDS as readonly string[]).includes(value);
}

/** A runtime's version as it reported it: which server it is, its version in that server's scheme, and from where. */
export interface RuntimeVersion {
  /** null: the runtime answered discovery but would not say its version (why is in `note`). */
  readonly version: string | null;
  readonly kind: RuntimeKind | null;
  readonly note: string;
}
