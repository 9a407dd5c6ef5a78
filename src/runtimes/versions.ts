import { PerimeterError } from "../errors.js";
import type { RuntimeKind } from "./types.js";

export { isRuntimeKind, RUNTIME_KINDS, type RuntimeKind } from "./types.js";

// Runtime versions as each runtime writes them, compared in its own scheme: Ollama's semver (0.1.34,
// 0.6.2-rc0), vLLM's and SGLang's PEP 440 (0.8.5, 0.10.1.1, 0.4.6.post1, 0.9.0rc2) and llama.cpp's build
// numbers (b5662). An advisory's range ("<0.1.34", ">=0.6.5 <0.8.0") is read in the same scheme.

/** A version as comparable parts: release numbers, then where it sits around that release. */
interface Parsed {
  readonly release: readonly number[];
  /** Pre-releases sort before the release, post-releases after: [phase, number]; phase -3 dev, -2 a, -1 b/rc, 0 final, 1 post. */
  readonly phase: readonly [number, number];
}

const PEP440 =
  /^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|rc|c|pre|preview)[-_.]?(\d*))?(?:[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+[a-z0-9.]+)?$/i;
const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const BUILD = /^b?(\d{1,7})(?:[-+].*)?$/;

function parse(kind: RuntimeKind, version: string): Parsed | undefined {
  const v = version.trim();
  if (v.length === 0 || v.length > 100) return undefined;
  if (kind === "llamacpp") {
    const m = BUILD.exec(v);
    return m === null ? undefined : { release: [Number(m[1])], phase: [0, 0] };
  }
  if (kind === "ollama") {
    const m = SEMVER.exec(v);
    if (m === null) return undefined;
    const release = [Number(m[1]), Number(m[2]), Number(m[3])];
    // Any semver pre-release (0.6.2-rc0) sorts before its release; its number is the last digits in it.
    return { release, phase: m[4] === undefined ? [0, 0] : [-1, Number(/(\d+)$/.exec(m[4])?.[1] ?? 0)] };
  }
  const m = PEP440.exec(v);
  if (m === null) return undefined;
  const release = (m[1] as string).split(".").map(Number);
  if (m[6] !== undefined) return { release, phase: [-3, Number(m[7] || 0)] };
  if (m[2] !== undefined) {
    const pre = (m[2] as string).toLowerCase();
    return { release, phase: [pre.startsWith("a") ? -2 : -1, Number(m[3] || 0)] };
  }
  if (m[4] !== undefined) return { release, phase: [1, Number(m[5] || 0)] };
  return { release, phase: [0, 0] };
}

function compareParsed(a: Parsed, b: Parsed): number {
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(a.phase[0] - b.phase[0]) || Math.sign(a.phase[1] - b.phase[1]);
}

/** Whether a version string reads as a version of this runtime. */
export function isVersion(kind: RuntimeKind, version: string): boolean {
  return parse(kind, version) !== undefined;
}

/** -1, 0 or 1; a version that does not parse is a usage error naming it. */
export function compareVersions(kind: RuntimeKind, a: string, b: string): number {
  const pa = parse(kind, a);
  const pb = parse(kind, b);
  if (pa === undefined || pb === undefined) throw new PerimeterError("USAGE", `"${pa === undefined ? a : b}" is not a ${kind} version (${EXAMPLES[kind]})`);
  return compareParsed(pa, pb);
}

const EXAMPLES: Record<RuntimeKind, string> = {
  ollama: "like 0.6.2",
  vllm: "like 0.8.5 or 0.10.1.1",
  sglang: "like 0.4.6.post1",
  llamacpp: "a build like b5662",
};

type Bound = { readonly op: "<" | "<=" | ">" | ">=" | "="; readonly version: string };

/** A range as advisories write it: bounds separated by spaces or commas, all of which must hold ("" is every version). */
export function parseRange(kind: RuntimeKind, range: string): readonly Bound[] {
  const bounds: Bound[] = [];
  for (const part of range.split(/[\s,]+/).filter((p) => p !== "")) {
    const m = /^(<=|>=|<|>|==?)?(.+)$/.exec(part);
    const version = m?.[2] ?? "";
    if (!isVersion(kind, version))
      throw new PerimeterError("CONFIG_INVALID", `the range "${range}" has "${part}", which is not a ${kind} bound (${EXAMPLES[kind]})`);
    const op = (m?.[1] ?? "=").replace("==", "=") as Bound["op"];
    bounds.push({ op, version });
  }
  return bounds;
}

/** Whether `version` is inside `range`. */
export function inRange(kind: RuntimeKind, version: string, range: string): boolean {
  return parseRange(kind, range).every((b) => HOLDS[b.op](compareVersions(kind, version, b.version)));
}

const HOLDS: Record<Bound["op"], (c: number) => boolean> = {
  "<": (c) => c < 0,
  "<=": (c) => c <= 0,
  ">": (c) => c > 0,
  ">=": (c) => c >= 0,
  "=": (c) => c === 0,
};
