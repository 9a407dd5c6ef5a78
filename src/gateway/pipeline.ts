import type { Decision, Finding } from "../decision.js";
import type { ErrorCode } from "../errors.js";
import type { Principal } from "../identity/types.js";
import type { GuardContext, PolicyDecision } from "../policy/engine.js";
import type { ModelRoute } from "./catalog.js";
import type { ParsedCall } from "./request.js";

type Json = Record<string, unknown>;

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
//   guard-input   secrets, PII, prompt injection, guard models: redact the request's text in place, flag, or refuse
//   dispatch      the runtime's call, cancelled when the client leaves or the kill switch cuts it
//   relay         the answer back in the client's dialect, whole or chunk by chunk
//   guard-output  the same over the answer: a stream is held back as far as needed to redact or cut it in time
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
export type Refusal = Extract<Decision, { allow: false }> & {
  readonly retryAfterSeconds?: number;
  /** Already audited under the caller's identity where it was decided (not counted again as anonymous). */
  readonly attributed?: true;
};

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

/** Judge a call's findings under Cedar: the call's own authorization request, with context.guards filled in. */
export type JudgeFindings = (guards: GuardContext) => PolicyDecision;

/**
 * The guards (src/guards/): opened once per call, after limit. Undefined when guards are off. The stages
 * guard-input and guard-output call what it returns.
 */
export interface Guards {
  open(call: GuardedCall, judge: JudgeFindings): CallGuardStages | undefined;
}

/** One call's guard stages. */
export interface CallGuardStages {
  /** guard-input: may rewrite the body's text in place (redaction), or refuse. */
  input(body: Json): Promise<Refusal | undefined>;
  /** guard-output's filter for the answer, or undefined when nothing on output is acted on. */
  output(): OutputGuardStage | undefined;
  /** What the guards found, counted by kind, for the call's audit event (never the text). */
  summary(): Json[] | undefined;
}

/**
 * guard-output: a whole answer inspected (and redacted in place) at once; a stream chunk by chunk, each
 * chunk rewritten in place to carry only what may be sent now, and the held rest at the end. A refusal
 * refuses the answer, or cuts the stream with an error event in the client's dialect.
 */
export interface OutputGuardStage {
  answer(body: Json, request: Json): Promise<Refusal | undefined>;
  chunk(chunk: Json): Refusal | undefined;
  end(last: Json | undefined, request: Json): Promise<Refusal | Json[]>;
  /**
   * A runtime's error message, on its way to the client and the audit log: what the guards would redact or
   * block in an answer is a placeholder there too (a runtime's error may quote the prompt or the output).
   */
  message(text: string): string;
}

/**
 * The live monitor (src/evals/monitor.ts), seen from the serve pipeline: asked at dispatch whether to sample a
 * call (cheap: it is on every call), handed the sampled call's text after its audit event is written. It
 * judges off the hot path and never makes a call wait.
 */
export interface TrafficMonitor {
  wants(principal: Principal, route: ModelRoute): boolean;
  offer(sample: TrafficSample): void;
  /** Its counts for /metrics. */
  counts?(): Readonly<Record<string, number>>;
}

/** A sampled call: who, which version, the request's last user text and the answer the runtime generated. */
export interface TrafficSample {
  readonly id: string;
  readonly identityId: string;
  readonly modelId: string;
  readonly runtime: string;
  /** The call's audit event, when it was written. */
  readonly seq: number | undefined;
  readonly prompt: string;
  /** What the runtime generated, before an output guard redacted or cut it. */
  readonly answer: string;
  readonly at: number;
}
