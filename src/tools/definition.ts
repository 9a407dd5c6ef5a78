import { createHash } from "node:crypto";
import { canonicalJson } from "../audit/canonical.js";

// A tool's definition as it is pinned: everything in it that tells a model what the tool does or takes. A
// server that changes any of it after approval (a rug pull) offers a different tool, which stays hidden until
// an operator approves it again. `_meta` and icons are not pinned: they change nothing a model reads.

export interface ToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: unknown;
  readonly outputSchema?: unknown;
  readonly annotations?: unknown;
}

/** Between namespace and tool name in an offered name: MCP and every agent framework accept it. */
export const NAMESPACE_SEPARATOR = "__";

/** The parts of a tools/list entry that are pinned (unknown or ill-typed fields are left out, not trusted). */
export function definitionOf(tool: Record<string, unknown>): ToolDefinition {
  const d: { -readonly [K in keyof ToolDefinition]: ToolDefinition[K] } = { name: String(tool["name"]), inputSchema: tool["inputSchema"] ?? null };
  if (typeof tool["title"] === "string") d.title = tool["title"];
  if (typeof tool["description"] === "string") d.description = tool["description"];
  if (tool["outputSchema"] !== undefined) d.outputSchema = tool["outputSchema"];
  if (tool["annotations"] !== undefined) d.annotations = tool["annotations"];
  return d;
}

/** sha256 hex of the definition's canonical JSON (RFC 8785): key order and whitespace do not change it. */
export function definitionDigest(d: ToolDefinition): string {
  return createHash("sha256").update(canonicalJson(d)).digest("hex");
}

/** The name agents see: `namespace__tool`, or the tool's own name for a server with an empty namespace. */
export function offeredName(namespace: string, tool: string): string {
  return namespace === "" ? tool : `${namespace}${NAMESPACE_SEPARATOR}${tool}`;
}

/**
 * The texts of a definition a model reads as prose, for the guards (tool poisoning hides instructions in any of
 * them): title, description, and the schema's descriptions, titles, defaults, examples and enum values. Keywords
 * and type names are left out: a lone word like "text" is not prose, and scoring it only makes noise.
 */
export function definitionTexts(d: ToolDefinition): string[] {
  const texts: string[] = [];
  if (d.title !== undefined) texts.push(d.title);
  if (d.description !== undefined) texts.push(d.description);
  collectProse(d.inputSchema, texts, 0);
  return texts.filter((t) => t.trim() !== "");
}

const PROSE_KEYS = new Set(["description", "title", "default", "examples", "enum", "const", "$comment"]);

function collectProse(value: unknown, into: string[], depth: number, prose = false): void {
  if (depth > 32) return;
  if (typeof value === "string") {
    if (prose) into.push(value);
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value) collectProse(v, into, depth + 1, prose);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    // Property names are read too ("ignore_previous_instructions": …): as words, all of one object's together.
    if (k === "properties" && v !== null && typeof v === "object" && !Array.isArray(v)) {
      const names = Object.keys(v).join(" ").replace(/[_-]+/g, " ");
      if (names.includes(" ") || names.length > 30) into.push(names);
    }
    collectProse(v, into, depth + 1, PROSE_KEYS.has(k));
  }
}
