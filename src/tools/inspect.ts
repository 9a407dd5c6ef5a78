import type { Control } from "../decision.js";
import type { GuardsConfig, ToolsConfig } from "../config/schema.js";
import { detector, placeholder, type Detector, type GuardAction, type GuardFinding } from "../guards/index.js";
import { redact } from "../guards/stream.js";
import { definitionTexts, type ToolDefinition } from "./definition.js";

// The guards on tool traffic. A tool's result is text the model reads next: injection in it is the indirect
// prompt injection path (OWASP LLM01, ASI01), so results are inspected with tools.guards.results before the
// agent sees them. A tool's description is read by the model as instructions about the tool: instructions
// hidden there (tool poisoning) keep the tool from being approved. Arguments are inspected for the audit log,
// which records them (when asked to) only redacted.

/** What a finding in a tool's result or description is evidence for. */
export const TOOL_GUARD_CONTROLS: readonly Control[] = ["OWASP-LLM:LLM01", "OWASP-ASI:ASI01", "OWASP-ASI:ASI02"];

/** A finding, what the configured action does with it, and where it was (content[0].text, description). */
export interface ToolFinding {
  readonly detector: string;
  readonly category: string;
  readonly type: string;
  readonly severity: GuardFinding["severity"];
  readonly action: GuardAction;
  readonly location: string;
}

export interface InspectedResult {
  /** block when some finding's action is block: the result is withheld. */
  readonly blocked: boolean;
  readonly findings: readonly ToolFinding[];
  /** The result with redacted texts (the same object when nothing was redacted). */
  readonly result: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** Injection and jailbreak findings make a description unfit to approve, whatever the action for results. */
const POISON_CATEGORIES = new Set(["injection", "jailbreak"]);

export class ToolGuards {
  private readonly detectors: readonly Detector[];

  constructor(
    private readonly config: ToolsConfig["guards"],
    guards: Pick<GuardsConfig, "enabled">,
  ) {
    // Every built-in detector runs on tool traffic when the guards are on: the secrets and PII detectors for
    // results and arguments, the injection detector for results and descriptions.
    this.detectors = guards.enabled ? (["secrets", "pii", "injection"] as const).map(detector) : [];
  }

  get enabled(): boolean {
    return this.detectors.length > 0;
  }

  private actionOf(category: string): GuardAction {
    return (this.config.results[category] as GuardAction | undefined) ?? this.config.other;
  }

  /** Injection or jailbreak findings in the texts of a definition a model reads (description, title, schema). */
  poisoning(d: ToolDefinition): ToolFinding[] {
    const found: ToolFinding[] = [];
    const injection = this.detectors.find((x) => x.name === "injection");
    if (injection === undefined) return found;
    for (const [i, text] of definitionTexts(d).entries())
      for (const f of injection.detect(text))
        if (POISON_CATEGORIES.has(f.category)) found.push(toolFinding(f, "block", i === 0 && d.title === undefined ? "description" : `text ${i}`));
    return found;
  }

  /** Inspect what reaches the model from a tool server: a tools/call result, a resources/read, a prompts/get. */
  result(result: Json): InspectedResult {
    if (!this.enabled) return { blocked: false, findings: [], result };
    const findings: ToolFinding[] = [];
    let blocked = false;
    let changed = false;
    const inspect = (text: string, location: string): string => {
      const acted: GuardFinding[] = [];
      for (const d of this.detectors)
        for (const f of d.detect(text)) {
          const action = this.actionOf(f.category);
          if (action === "allow") continue;
          findings.push(toolFinding(f, action, location));
          if (action === "block") blocked = true;
          if (action === "redact") acted.push(f);
        }
      if (acted.length === 0) return text;
      changed = true;
      return redact(text, acted, placeholder);
    };
    // A tool result's content blocks and structured content; a resource read's contents; a prompt's messages.
    const out: Json = { ...result };
    if (Array.isArray(result["content"])) out["content"] = (result["content"] as unknown[]).map((block, i) => inspectBlock(block, `content[${i}]`, inspect));
    if (result["structuredContent"] !== undefined) out["structuredContent"] = mapStrings(result["structuredContent"], "structuredContent", inspect, 0);
    if (Array.isArray(result["contents"]))
      out["contents"] = (result["contents"] as unknown[]).map((c, i) => inspectBlock({ type: "resource", resource: c }, `contents[${i}]`, inspect, true));
    if (Array.isArray(result["messages"]))
      out["messages"] = (result["messages"] as unknown[]).map((m, i) => {
        if (m === null || typeof m !== "object") return m;
        const content = inspectBlock((m as Json)["content"], `messages[${i}].content`, inspect);
        return content === (m as Json)["content"] ? m : { ...(m as Json), content };
      });
    return { blocked, findings, result: changed ? out : result };
  }

  /** Arguments as the audit log and an approver see them: every string with its findings redacted. */
  redactArguments(args: unknown): unknown {
    if (!this.enabled) return args;
    return mapStrings(
      args,
      "arguments",
      (text) => {
        const found: GuardFinding[] = [];
        for (const d of this.detectors) if (d.name !== "injection") found.push(...d.detect(text));
        return found.length === 0 ? text : redact(text, found, placeholder);
      },
      0,
    );
  }
}

/** What made the guards withhold something, for the refusal: each blocking category and type once. */
export function blockedBy(findings: readonly ToolFinding[]): string {
  return [...new Set(findings.filter((f) => f.action === "block").map((f) => `${f.category} (${f.type})`))].join(", ");
}

/** A content block with its texts inspected; `unwrap` gives back the resource itself (a resource read's contents). */
function inspectBlock(block: unknown, location: string, inspect: (text: string, location: string) => string, unwrap = false): unknown {
  const inspected = inspectOne(block, location, inspect);
  return unwrap ? (inspected as Json)["resource"] : inspected;
}

function inspectOne(block: unknown, location: string, inspect: (text: string, location: string) => string): unknown {
  if (block === null || typeof block !== "object") return block;
  const b = block as Json;
  if (b["type"] === "text" && typeof b["text"] === "string") {
    const text = inspect(b["text"], `${location}.text`);
    return text === b["text"] ? block : { ...b, text };
  }
  if (b["type"] === "resource" && b["resource"] !== null && typeof b["resource"] === "object") {
    const r = b["resource"] as Json;
    if (typeof r["text"] !== "string") return block;
    const text = inspect(r["text"], `${location}.resource.text`);
    return text === r["text"] ? block : { ...b, resource: { ...r, text } };
  }
  return block;
}

/** Apply `f` to every string in a JSON value (depth-bounded: deeper values are replaced, never passed unseen). */
function mapStrings(value: unknown, location: string, f: (text: string, location: string) => string, depth: number): unknown {
  if (typeof value === "string") return f(value, location);
  if (value === null || typeof value !== "object") return value;
  if (depth > 32) return "[nested too deep to inspect]";
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, `${location}[${i}]`, f, depth + 1));
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, `${location}.${k}`, f, depth + 1);
  return out;
}

function toolFinding(f: GuardFinding, action: GuardAction, location: string): ToolFinding {
  return { detector: f.detector, category: f.category, type: f.type, severity: f.severity, action, location };
}
