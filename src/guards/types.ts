import type { Severity } from "../decision.js";

// The guards' shared vocabulary. A detector reads text and returns findings that say what and where, never
// the matched text itself: findings travel to the audit log, the Cedar context and the client's error, and
// none of those may carry a secret or a person's data out of the process.

/** The categories the built-in detectors report; a guard model reports its own (Llama Guard's `S1`…`S14`). */
export const GUARD_CATEGORIES = ["secret", "pii", "injection", "jailbreak"] as const;
export type BuiltInCategory = (typeof GUARD_CATEGORIES)[number];

/** Which way the text goes: the request to the model, or the model's answer. */
export type GuardDirection = "input" | "output";

/** Where a finding is in the text inspected: UTF-16 offsets, end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** One thing a detector found. */
export interface GuardFinding {
  /** The detector that found it: `secrets`, `pii`, `injection`, or a guard model's configured name. */
  readonly detector: string;
  /** `secret`, `pii`, `injection`, `jailbreak`, or a guard model's category. */
  readonly category: string;
  /** What exactly, stable and lower-case: `aws-access-key`, `email`, `iban`, `instruction-override`, `S10`… */
  readonly type: string;
  readonly severity: Severity;
  readonly span: Span;
  /** 0..1: how sure the detector is. Checksummed and prefixed formats are 1. */
  readonly confidence: number;
}

/**
 * A detector over plain text: synchronous, pure, and linear in the text's length (every regex it runs on the
 * text is RE2). Findings come in the order of their spans' starts.
 */
export interface Detector {
  readonly name: string;
  /** The categories its findings can carry. */
  readonly categories: readonly string[];
  detect(text: string): GuardFinding[];
  /**
   * For streams: the offset in `text` from which a match may still be open at its end (a PEM block's BEGIN
   * line without its END line yet), so the stream holds from there; -1 when none. Matches that lie within
   * one word or within the hold-back window need nothing here: the stream filter holds those by itself.
   */
  openAt?(text: string): number;
}

/** What a guard model judges: the conversation so far, and which side of it is being judged. */
export interface GuardModelInput {
  readonly direction: GuardDirection;
  /** The conversation as role and text; for output, the last message is the assistant's answer. */
  readonly messages: readonly { readonly role: "system" | "user" | "assistant" | "tool"; readonly content: string }[];
}

/** A guard model's verdict, parsed from its exact output format. */
export interface GuardModelVerdict {
  readonly safe: boolean;
  /** The categories it named (Llama Guard's `S1`…, a classifier's label); empty when safe. */
  readonly categories: readonly string[];
  /** 0..1 when the model gives a probability (a classifier); undefined for generative guards. */
  readonly score?: number;
}

/**
 * A guard model run in-house (Llama Guard, gpt-oss-safeguard, a Prompt Guard-style classifier). `judge`
 * throws on anything it cannot parse as a verdict; the caller's timeout and concurrency bound wrap it, and a
 * throw, a timeout or a full queue is a deny unless the operator chose otherwise.
 */
export interface GuardModel {
  readonly name: string;
  readonly kind: "llama-guard" | "gpt-oss-safeguard" | "classifier";
  judge(input: GuardModelInput, signal: AbortSignal): Promise<GuardModelVerdict>;
  close?(): Promise<void>;
}
