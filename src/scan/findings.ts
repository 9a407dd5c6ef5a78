// What a scan can say about a file. Every rule has a fixed severity and the verdict it implies, so a
// report reads the same whichever format produced it.

import type { Control, Finding as SharedFinding, Severity } from "../decision.js";

export type { Severity } from "../decision.js";
export type Verdict = "clean" | "malicious" | "suspicious" | "unscannable" | "invalid";

/** The one Finding type (src/decision.ts), with a scan rule and a location that is always known. */
export interface Finding extends SharedFinding<RuleId> {
  /** Where in the file: a member of an archive, a byte offset, a tensor or template name. */
  readonly location: string;
}

/**
 * The controls every scan finding is evidence for: supply-chain integrity of model artifacts (OWASP LLM03:2025
 * Supply Chain, LLM04 data and model poisoning; NIST AI RMF MANAGE 3.1 third-party risks; ISO/IEC 42001 A.10.3
 * suppliers). Kept beside the rules rather than in every report, so stored reports do not change.
 */
export const SCAN_CONTROLS: readonly Control[] = ["OWASP-LLM:LLM03", "OWASP-LLM:LLM04", "NIST-AI-RMF:MANAGE-3.1", "ISO-42001:A.10.3"];

interface RuleSpec {
  readonly severity: Severity;
  /** The verdict a finding of this rule forces on its file (clean: it informs only). */
  readonly verdict: Verdict;
  readonly summary: string;
}

export const RULES = {
  PICKLE_DANGEROUS_CALLABLE: {
    severity: "critical",
    verdict: "malicious",
    summary: "a pickle imports a callable known to run code, touch files or the network",
  },
  PICKLE_IMPORT_NOT_ALLOWED: {
    severity: "high",
    verdict: "suspicious",
    summary: "a pickle imports something that is not on the allow-list of what model files need",
  },
  PICKLE_UNRESOLVED_IMPORT: { severity: "high", verdict: "suspicious", summary: "a pickle imports something whose name cannot be known without running it" },
  PICKLE_EMBEDDED_PAYLOAD: { severity: "high", verdict: "suspicious", summary: "a pickle keeps another pickle (raw, base64 or hex) as data: a staged payload" },
  PICKLE_EMBEDDED_CODE: { severity: "high", verdict: "suspicious", summary: "a pickle keeps Python code as data: a staged payload" },
  PICKLE_BROKEN: { severity: "high", verdict: "invalid", summary: "a pickle stream is truncated or malformed" },
  PICKLE_STATE_ON_IMPORT: {
    severity: "critical",
    verdict: "malicious",
    summary: "a pickle sets state on an imported class, function or module itself (BUILD, SETITEM(S), APPEND(S)): it monkey-patches it",
  },
  PICKLE_UNMODELLED: {
    severity: "high",
    verdict: "unscannable",
    summary: "a pickle is read by its loader in a way the scanner cannot follow exactly (joblib array bytes it cannot place)",
  },
  TORCH_STORAGE_NOT_DATA: {
    severity: "high",
    verdict: "suspicious",
    summary: "a PyTorch tensor storage member parses as a .npy file or as a pickle that imports or calls something",
  },
  PICKLE_TRAILING_DATA: { severity: "medium", verdict: "suspicious", summary: "bytes follow the last pickle that no loader of this format reads" },
  NPY_OBJECT_ARRAY: { severity: "info", verdict: "clean", summary: "a NumPy object array carries a pickle (loaded only with allow_pickle=True)" },
  NPY_TOLERATED: { severity: "low", verdict: "clean", summary: "a NumPy header oddity that numpy.load tolerates" },
  NPY_INVALID: { severity: "high", verdict: "invalid", summary: "a NumPy array header is malformed" },
  ARCHIVE_ENCRYPTED: { severity: "high", verdict: "unscannable", summary: "an archive member is encrypted and cannot be inspected" },
  ARCHIVE_UNSUPPORTED: { severity: "high", verdict: "unscannable", summary: "an archive or compression format that cannot be opened and inspected" },
  ARCHIVE_TOO_DEEP: { severity: "high", verdict: "unscannable", summary: "archives nested deeper than the scanner follows" },
  ARCHIVE_TOO_LARGE: { severity: "high", verdict: "unscannable", summary: "a member is larger than the scanner inflates" },
  ARCHIVE_PATH_TRAVERSAL: { severity: "high", verdict: "suspicious", summary: "an archive member's name escapes the extraction directory" },
  ARCHIVE_HIDDEN_MEMBER: { severity: "high", verdict: "suspicious", summary: "an archive holds data that its central directory does not list" },
  ARCHIVE_INCONSISTENT: { severity: "low", verdict: "clean", summary: "an archive has an oddity its loader tolerates (name mismatch, flags, CRC)" },
  ARCHIVE_INVALID: { severity: "high", verdict: "invalid", summary: "an archive is malformed" },
  SAFETENSORS_INVALID: { severity: "high", verdict: "invalid", summary: "a safetensors header is malformed or its tensors do not tile the data" },
  SAFETENSORS_METADATA: {
    severity: "low",
    verdict: "clean",
    summary: "safetensors metadata holds text that looks like code, commands or URLs (it cannot execute)",
  },
  GGUF_INVALID: { severity: "high", verdict: "invalid", summary: "a GGUF header is malformed" },
  TEMPLATE_UNSAFE: { severity: "critical", verdict: "malicious", summary: "a chat template reaches attributes or names only a sandbox escape needs" },
  TEMPLATE_INVALID: { severity: "high", verdict: "invalid", summary: "a chat template does not parse, so what it does cannot be known" },
  TF_DANGEROUS_OP: { severity: "critical", verdict: "malicious", summary: "a TensorFlow graph holds an op that runs Python or touches files" },
  TF_OP_NOT_ALLOWED: {
    severity: "high",
    verdict: "suspicious",
    summary: "a TensorFlow graph holds an op that is not on the allow-list of ops real models use",
  },
  KERAS_CODE: { severity: "high", verdict: "suspicious", summary: "a Keras model carries code: a Lambda layer, a serialized function or a custom object" },
  KERAS_CONFIG_MISSING: { severity: "high", verdict: "unscannable", summary: "a Keras model whose configuration cannot be found or read" },
  JSON_UNSCANNABLE: {
    severity: "high",
    verdict: "unscannable",
    summary: "a JSON file a loader reads cannot be parsed as Python's json reads it, or is too large to analyse",
  },
  EXECUTABLE_CODE: { severity: "high", verdict: "suspicious", summary: "source code that a loader can run (e.g. with trust_remote_code)" },
  SYMLINK: { severity: "high", verdict: "suspicious", summary: "a symbolic link in a model directory can point anywhere" },
  SECRET_IN_FILE: {
    severity: "high",
    verdict: "suspicious",
    summary: "a credential (a cloud or hub token, a private key) lies beside the weights, where everyone who gets the model gets it",
  },
  FORMAT_UNKNOWN: { severity: "high", verdict: "unscannable", summary: "a binary format the scanner does not recognise cannot be proven safe" },
  READ_FAILED: { severity: "high", verdict: "unscannable", summary: "the file could not be read" },
  SCAN_ERROR: { severity: "high", verdict: "unscannable", summary: "the scanner failed on this file; fail closed" },
} as const satisfies Record<string, RuleSpec>;

export type RuleId = keyof typeof RULES;

export function finding(rule: RuleId, message: string, location: string): Finding {
  return { rule, severity: RULES[rule].severity, message, location };
}

/** The file's verdict: the worst verdict any finding forces. */
const PRECEDENCE: readonly Verdict[] = ["malicious", "suspicious", "unscannable", "invalid", "clean"];

export function verdictOf(findings: readonly Finding[]): Verdict {
  let best = PRECEDENCE.length - 1;
  for (const f of findings) best = Math.min(best, PRECEDENCE.indexOf(RULES[f.rule].verdict));
  return PRECEDENCE[best] as Verdict;
}
