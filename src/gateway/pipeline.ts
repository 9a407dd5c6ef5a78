import type { Decision, Finding } from "../decision.js";
import type { ErrorCode } from "../errors.js";
import type { Principal } from "../identity/types.js";
import type { ModelRoute } from "./catalog.js";
import type { ParsedCall } from "./request.js";

// The serve pipeline: named stages in one declared order, as fastify's lib/hooks.js declares its lifecycle.
// Every inference route runs them in this order (Gateway.infer is written as this list, one stage a line);
// each stage returns the next stage's input or a refusal, and nothing after a refusal runs.
//
//   parse         the gateway can take calls; the body is a valid call for its route (zod), cut to the allow-list
//   authenticate  API key or JWT → principal
//   resolve       the model name → what may serve it in the principal's environment (lifecycle's servable rule)
//   kill-check    the kill switch: identity, model version, runtime
//   authorize     Cedar policies on the version actually dispatched (max tokens × n, tools, stream)
//   limit         requests, token reservation, concurrent calls and streams
//   guard-input   input guards (none yet: the extension point guards plug into)
//   dispatch      the runtime's call, cancelled when the client leaves or the kill switch cuts it
//   relay         the answer back in the client's dialect, whole or chunk by chunk
//   guard-output  output guards, which see each streamed chunk and may cut the stream
//   account       settle the token reservation to the real usage; metrics; trace
//   audit         one audit event per call (refusals of callers without credentials: one per source per interval)

export const SERVE_STAGES = [
  "parse",
  "authenticate",
  "resolve",
  "kill-check",
  "authorize",
  "limit",
  "guard-input",
  "dispatch",
  "relay",
  "guard-output",
  "account",
  "audit",
] as const;
export type ServeStage = (typeof SERVE_STAGES)[number];

/** A stage's refusal: the one decision shape, plus when a retry may succeed (429's Retry-After). */
export type Refusal = Extract<Decision, { allow: false }> & { readonly retryAfterSeconds?: number };

/** A stage's refusal: a denying decision with its registered code. */
export function refusal(code: ErrorCode, reason: string, findings: readonly Finding[] = []): Refusal {
  return { allow: false, reason, code, findings };
}

export function isRefusal(x: object): x is Refusal {
  return (x as { allow?: unknown }).allow === false;
}

/** What the input and output guards see of a call. */
export interface GuardedCall {
  readonly principal: Principal;
  readonly route: ModelRoute;
  readonly call: ParsedCall;
}

/**
 * An input guard (secrets, PII, prompt injection…): judges the call before it reaches the runtime. A deny
 * refuses the call with the decision's code and reason.
 */
export interface InputGuard {
  readonly name: string;
  inspect(call: GuardedCall): Decision | Promise<Decision>;
}

/**
 * An output guard: sees the generated text as it comes, chunk by chunk for a stream (`done` false) and once
 * more at the end (`text` empty, `done` true); a whole answer is one call with `done` true. A deny cuts the
 * stream there (the client gets an error event naming the code) or refuses a whole answer. Sync on the
 * streaming path: a guard that needs I/O buffers and decides at `done`.
 */
export interface OutputGuard {
  readonly name: string;
  open(call: GuardedCall): OutputInspection;
}

export interface OutputInspection {
  inspect(text: string, done: boolean): Decision;
}

export interface Guards {
  readonly input: readonly InputGuard[];
  readonly output: readonly OutputGuard[];
}

export const NO_GUARDS: Guards = { input: [], output: [] };
