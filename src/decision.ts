import type { ErrorCode } from "./errors.js";

// The two shapes every security decision speaks, whichever part of Perimeter makes it: a scan, a signature
// check, an approval, an admission, a gateway call, a kill. One Finding type and one Decision type, so a
// report, the audit log and the dashboard read them all the same way.

export type Severity = "critical" | "high" | "medium" | "low" | "info";

/**
 * A framework control a finding is evidence for, as `FRAMEWORK:ID`: `OWASP-LLM:LLM03`, `OWASP-ASI:ASI02`,
 * `OWASP-NHI:NHI7`, `NIST-AI-RMF:MEASURE-2.7`, `NIST-CSF:PR.AA-05`, `EU-AI-ACT:Art.15`, `ISO-42001:A.6.2.6`.
 */
export type Control = `${"OWASP-LLM" | "OWASP-ASI" | "OWASP-NHI" | "NIST-AI-RMF" | "NIST-CSF" | "EU-AI-ACT" | "ISO-42001"}:${string}`;

/** One thing a scan, a check, a guard or a monitor found. */
export interface Finding<Rule extends string = string> {
  readonly rule: Rule;
  readonly severity: Severity;
  readonly message: string;
  /** Where: a file or archive member, a byte offset, a request field, a tensor or template name. */
  readonly location?: string;
  /** The framework controls this finding is evidence for. */
  readonly controls?: readonly Control[];
}

/** What every security decision returns: allowed or not, why in words, a stable code when refused, and what was found. */
export type Decision<Rule extends string = string> =
  | { readonly allow: true; readonly reason: string; readonly code?: undefined; readonly findings: readonly Finding<Rule>[] }
  | { readonly allow: false; readonly reason: string; readonly code: ErrorCode; readonly findings: readonly Finding<Rule>[] };

export function allow<Rule extends string = string>(reason: string, findings: readonly Finding<Rule>[] = []): Decision<Rule> {
  return { allow: true, reason, findings };
}

export function deny<Rule extends string = string>(code: ErrorCode, reason: string, findings: readonly Finding<Rule>[] = []): Decision<Rule> {
  return { allow: false, reason, code, findings };
}
