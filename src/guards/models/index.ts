// Guard models run in-house: Llama Guard 3/4, gpt-oss-safeguard and Prompt Guard-style classifiers, each a
// GuardModel, and the bound that gives any of them a deadline and a fixed capacity.

export { boundGuardModel, type GuardModelBounds } from "./bound.js";
export { onnxClassifier, teiClassifier, type ClassifierOptions, type OnnxClassifierOptions, type TeiClassifierOptions } from "./classifier.js";
export {
  LLAMA_GUARD_CATEGORIES,
  llamaGuard,
  llamaGuardPrompt,
  ollamaRawCompletion,
  openAICompletion,
  parseLlamaGuardOutput,
  type LlamaGuardCategory,
  type LlamaGuardOptions,
  type LlamaGuardPromptOptions,
  type LlamaGuardVersion,
  type OllamaRawOptions,
  type RawCompletion,
} from "./llama-guard.js";
export { gptOssSafeguard, parseSafeguardOutput, SAFEGUARD_VIOLATION, type GptOssSafeguardOptions } from "./safeguard.js";
