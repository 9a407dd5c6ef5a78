import type { ActionSubject } from "./actions.js";
import { stricter, type GuardAction } from "./actions.js";
import { placeholder, type ActedFinding, type GuardEngine } from "./engine.js";
import { redact } from "./stream.js";
import type { GuardDirection, GuardModelInput } from "./types.js";

// `perimeter guard check`: the configured guards over lines of text, each judged as one request (or one
// answer) would be, so an operator can try a policy before turning it on.

export interface CheckedLine {
  readonly line: number;
  readonly action: GuardAction;
  readonly findings: readonly Pick<ActedFinding, "detector" | "category" | "type" | "severity" | "span" | "action" | "confidence">[];
  /** The text as it would go on after redaction (only when something was redacted). */
  readonly redacted?: string;
}

/** Who the lines are judged as coming from (identity) and going to (model), for the action rules. */
export const CHECK_SUBJECT: ActionSubject = { identityId: "", identityName: "", modelName: "", modelId: "" };

/** A line of input: a JSON object with a string `text`, or the line itself. */
export function lineText(line: string): string {
  if (line.startsWith("{")) {
    try {
      const v: unknown = JSON.parse(line);
      if (v !== null && typeof v === "object" && typeof (v as { text?: unknown }).text === "string") return (v as { text: string }).text;
    } catch {
      // not JSON: the line is the text
    }
  }
  return line;
}

export interface CheckOptions {
  readonly direction: GuardDirection;
  readonly subject?: ActionSubject;
  /** Run the guard models too (they need their runtimes). */
  readonly models?: boolean;
}

export async function checkLines(engine: GuardEngine, input: string, options: CheckOptions): Promise<CheckedLine[]> {
  const lines = input.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const subject = options.subject ?? CHECK_SUBJECT;
  const out: CheckedLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lineText(lines[i] as string);
    const findings: ActedFinding[] = engine.inspect(text, options.direction, subject);
    if (options.models === true) for (const f of await judgeLine(engine, text, options.direction, subject)) findings.push(f);
    let action: GuardAction = "allow";
    for (const f of findings) action = stricter(action, f.action);
    const redacting = findings.filter((f) => f.action === "redact");
    out.push({
      line: i + 1,
      action,
      findings: findings.map((f) => ({
        detector: f.detector,
        category: f.category,
        type: f.type,
        severity: f.severity,
        span: f.span,
        action: f.action,
        confidence: f.confidence,
      })),
      ...(redacting.length > 0 && action === "redact" ? { redacted: redact(text, redacting, placeholder) } : {}),
    });
  }
  return out;
}

async function judgeLine(engine: GuardEngine, text: string, direction: GuardDirection, subject: ActionSubject): Promise<ActedFinding[]> {
  const input: GuardModelInput =
    direction === "input" ? { direction, messages: [{ role: "user", content: text }] } : { direction, messages: [{ role: "assistant", content: text }] };
  return engine.judgeModels(input, subject);
}
