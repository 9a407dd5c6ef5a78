// A literal prefilter for the injection rules. For each rule it derives, from the pattern, literal strings
// that every match must contain: a few groups of alternatives, each group required ("ignore" or "disregard",
// and "previous"). One Aho–Corasick pass over a view's UTF-8 bytes finds every literal of every rule, and
// only the rules whose groups all appeared run. It replaces one RE2 set of all the rules, whose lazy DFA blew
// up on long jailbreak text (tens of µs a byte) where each rule alone costs a few µs a kilobyte.
//
// The analysis must over-approximate: a literal required where some match lacks it is a missed detection. It
// reads the RE2 syntax the rules use (alternation, groups, ?, *, +, {m,n}, classes, escapes, assertions) and
// gives up (the rule always runs) on anything else. Small positive classes (['’]) stand for their characters,
// whitespace for one space (see WHITESPACE); every other class, `.`, `\S` and the like break a literal. Where a
// pattern has no literal of 3 bytes, shorter ones ("ai", ":") still filter it.
//
// The pass is a DFA on byte classes for the shallow states (a table read a byte) and the trie's own edges with
// failure links for the deep ones, which keeps the table to a few MB; literals are cut to 10 bytes for the same
// reason (a prefix of a required literal is required too).

/** A pattern's syntax tree, reduced to what the analysis needs (whitespace already read as a space). */
export type PatternNode = Node;
type Node =
  | { readonly t: "lit"; readonly ch: string } // one or more characters
  | { readonly t: "class"; readonly chars: readonly string[] | null } // null: too many, or unknown, to list
  | { readonly t: "empty" } // a zero-width assertion: ^ $ \b \B \A \z
  | { readonly t: "cat"; readonly xs: readonly Node[] }
  | { readonly t: "alt"; readonly xs: readonly Node[] }
  | { readonly t: "rep"; readonly x: Node; readonly min: number; readonly max: number }; // max -1: unbounded

/** A class with more characters than this is not a literal. */
const MAX_CLASS = 8;
/** An exact set (all strings a node can match) larger than this is turned into a requirement. */
const MAX_EXACT = 64;
/** A literal shorter than this many UTF-8 bytes says too little to be worth requiring. */
const MIN_LITERAL_BYTES = 3;
/** Groups kept per rule, the cheapest to fail first; more filter better but add literals to the pass. */
const MAX_GROUPS = 4;

/** States (shallowest first) given a full row of the DFA table; deeper ones step by their trie edges. */
const FULL_TABLE_STATES = 16384;
/** Literals are cut to this many UTF-8 bytes. */
const MAX_LITERAL_BYTES = 10;
/** Groups a node passes up to its parent. */
const KEEP_GROUPS = 6;

class Unsupported extends Error {}

// Whitespace: the literals and the text the pass reads are both seen with RE2's whitespace (\s: tab, newline,
// form feed, return, space) as a space and each run of it as one. A match's whitespace runs are runs of the
// text's, so what a match contains, so mapped, the text so mapped contains too; and `ignore\s+previous`
// gives the one literal "ignore previous".
const WHITESPACE = "\t\n\f\r ";
const space = (ch: string) => (WHITESPACE.includes(ch) ? " " : ch);
export const collapse = (s: string) => (s.includes("  ") ? s.replace(/ {2,}/g, " ") : s);

/** Parses the RE2 subset the rules use; throws on anything else. Exported for the tests' match generator. */
export function parsePattern(src: string): Node {
  let i = 0;
  const cps = Array.from(src);
  const peek = () => cps[i];
  const fail = (what: string): never => {
    throw new Unsupported(`${what} at ${i}`);
  };

  function parseAlt(): Node {
    const xs: Node[] = [parseCat()];
    while (peek() === "|") {
      i++;
      xs.push(parseCat());
    }
    return xs.length === 1 ? xs[0]! : { t: "alt", xs };
  }

  function parseCat(): Node {
    const xs: Node[] = [];
    while (i < cps.length && peek() !== "|" && peek() !== ")") {
      const x = parseRepeat(parseAtom());
      const last = xs[xs.length - 1];
      // a run of literal characters is one literal string
      if (x.t === "lit" && last?.t === "lit") xs[xs.length - 1] = { t: "lit", ch: last.ch + x.ch };
      else xs.push(x);
    }
    return xs.length === 1 ? xs[0]! : { t: "cat", xs };
  }

  function parseRepeat(atom: Node): Node {
    let x = atom;
    for (;;) {
      const c = peek();
      let min: number;
      let max: number;
      if (c === "*") [min, max] = [0, -1];
      else if (c === "+") [min, max] = [1, -1];
      else if (c === "?") [min, max] = [0, 1];
      else if (c === "{") {
        const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(cps.slice(i, i + 24).join(""));
        if (m === null) return x; // RE2 reads a brace that opens no repeat as a literal; parseAtom takes it next
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
        i += m[0].length - 1;
      } else return x;
      i++;
      if (peek() === "?") i++; // lazy: the same strings match
      if (x.t === "empty") fail("repeated assertion");
      x = { t: "rep", x, min, max };
    }
  }

  function parseAtom(): Node {
    const c = cps[i++];
    switch (c) {
      case undefined:
        return fail("end of pattern");
      case "(": {
        if (peek() === "?") {
          if (cps[i + 1] === ":") i += 2;
          else if (cps[i + 1] === "P" && cps[i + 2] === "<") {
            while (i < cps.length && peek() !== ">") i++;
            i++;
          } else fail("group flags");
        }
        const inner = parseAlt();
        if (cps[i++] !== ")") fail("unclosed group");
        return inner;
      }
      case "[":
        return parseClass();
      case ".":
        return { t: "class", chars: null };
      case "^":
      case "$":
        return { t: "empty" };
      case "\\":
        return parseEscape(false) as Node;
      case "*":
      case "+":
      case "?":
      case ")":
        return fail(`stray ${c}`);
      default:
        return { t: "lit", ch: space(c) };
    }
  }

  /** After a backslash: a literal, a class, or (outside a class) an assertion. Returns a string for a literal in a class. */
  function parseEscape(inClass: boolean): Node | string {
    const c = cps[i++];
    if (c === undefined) return fail("trailing backslash");
    if (c === "s") return { t: "class", chars: [" "] };
    if ("SdDwW".includes(c)) return { t: "class", chars: null };
    if ("pP".includes(c)) {
      if (peek() === "{") while (i < cps.length && cps[i++] !== "}");
      else i++;
      return { t: "class", chars: null };
    }
    if (!inClass && "bBAz".includes(c)) return { t: "empty" };
    const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", f: "\f", v: "\v", a: "\x07" };
    let ch: string | undefined = simple[c];
    if (c === "x") {
      const m = /^(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{2}))/.exec(cps.slice(i, i + 9).join(""));
      if (m === null) return fail("bad \\x");
      ch = String.fromCodePoint(Number.parseInt(m[1] ?? m[2] ?? "", 16));
      i += m[0].length;
    } else if (ch === undefined) {
      // an escaped punctuation character is itself; letters and digits mean something we do not read
      if (/[\p{L}\p{N}]/u.test(c)) return fail(`escape \\${c}`);
      ch = c;
    }
    return inClass ? space(ch) : { t: "lit", ch: space(ch) };
  }

  function parseClass(): Node {
    let negated = false;
    if (peek() === "^") {
      negated = true;
      i++;
    }
    let chars: string[] | null = [];
    let first = true;
    while (i < cps.length && (peek() !== "]" || first)) {
      first = false;
      let lo: string;
      const c = cps[i++]!;
      if (c === "[" && peek() === ":") {
        const end = cps.indexOf("]", i);
        if (end < 0 || cps[end - 1] !== ":") fail("bad POSIX class");
        i = end + 1;
        chars = null;
        continue;
      }
      if (c === "\\") {
        const e = parseEscape(true);
        if (typeof e !== "string") {
          if (e.t === "class" && e.chars !== null) chars?.push(...e.chars);
          else chars = null;
          continue;
        }
        lo = e;
      } else lo = c;
      if (peek() === "-" && cps[i + 1] !== "]" && cps[i + 1] !== undefined) {
        i++;
        let hi = cps[i++]!;
        if (hi === "\\") {
          const e = parseEscape(true);
          if (typeof e !== "string") return fail("class range to a class");
          hi = e;
        }
        const a = lo.codePointAt(0)!;
        const b = hi.codePointAt(0)!;
        if (b < a) fail("reversed range");
        if (chars !== null && b - a < MAX_CLASS) for (let k = a; k <= b; k++) chars.push(space(String.fromCodePoint(k)));
        else chars = null;
      } else chars?.push(space(lo));
    }
    if (cps[i++] !== "]") fail("unclosed class");
    if (negated || chars === null || chars.length > MAX_CLASS || chars.length === 0) return { t: "class", chars: null };
    return { t: "class", chars: [...new Set(chars)] };
  }

  const tree = parseAlt();
  if (i !== cps.length) fail("unbalanced )");
  return tree;
}

/**
 * What a node says about the text it matches: either `exact`, every string it can match (few and short), or
 * `groups`, each a set of strings one of which every match contains; all groups hold at once.
 */
interface Info {
  readonly exact: readonly string[] | null;
  readonly groups: readonly (readonly string[])[];
}

const ANY: Info = { exact: null, groups: [] };

function analyse(n: Node): Info {
  switch (n.t) {
    case "lit":
      return { exact: [collapse(n.ch)], groups: [] };
    case "class":
      return n.chars === null ? ANY : { exact: n.chars, groups: [] };
    case "empty":
      return { exact: [""], groups: [] };
    case "alt": {
      const infos = n.xs.map(analyse);
      if (infos.every((x) => x.exact !== null)) {
        const all = dedupe(infos.flatMap((x) => x.exact!));
        if (all.length <= MAX_EXACT) return { exact: all, groups: [] };
      }
      // one match goes through one branch: a group from each, joined, is required of the whole; the k-th
      // cheapest of each branch joined make the k-th group, so what all branches require stays required
      const ranked = infos.map((x) => cheapest(groupsOf(x)));
      if (ranked.some((r) => r.length === 0)) return ANY;
      const depth = Math.max(...ranked.map((r) => r.length));
      const groups: string[][] = [];
      for (let k = 0; k < depth; k++) groups.push(minimal(ranked.flatMap((r) => r[Math.min(k, r.length - 1)]!)));
      return { exact: null, groups };
    }
    case "cat": {
      const groups: (readonly string[])[] = [];
      let exact: string[] | null = [""];
      let whole = true;
      for (const child of n.xs) {
        const x = analyse(child);
        groups.push(...x.groups);
        if (exact !== null && x.exact !== null && exact.length === 1 && x.exact.length === 1) {
          exact = [collapse(exact[0]! + x.exact[0]!)];
          continue;
        }
        if (exact !== null && x.exact !== null && exact.length * x.exact.length <= MAX_EXACT) {
          exact = dedupe(exact.flatMap((a) => x.exact!.map((b) => collapse(a + b))));
          continue;
        }
        whole = false;
        if (exact !== null) groups.push(exact);
        exact = x.exact === null ? null : [...x.exact];
      }
      if (whole) return { exact, groups: [] };
      if (exact !== null) groups.push(exact);
      return { exact: null, groups: cheapest(groups.filter(usable)) };
    }
    case "rep": {
      const x = analyse(n.x);
      if (n.min === 0) {
        if (n.max === 1 && x.exact !== null) return { exact: dedupe(["", ...x.exact]), groups: [] };
        if (x.exact?.length === 1 && x.exact[0] === " ") return { exact: ["", " "], groups: [] };
        return ANY;
      }
      if (x.exact !== null && n.max === n.min && x.exact.length ** n.min <= MAX_EXACT) {
        let exact = [""];
        for (let k = 0; k < n.min; k++) exact = dedupe(exact.flatMap((a) => x.exact!.map((b) => collapse(a + b))));
        return { exact, groups: [] };
      }
      // any run of whitespace is one space once collapsed
      if (x.exact?.length === 1 && x.exact[0] === " ") return { exact: [" "], groups: [] };
      // the first repetition is all that is certain
      return { exact: null, groups: groupsOf(x) };
    }
  }
}

function groupsOf(x: Info): (readonly string[])[] {
  return (x.exact !== null ? [x.exact, ...x.groups] : [...x.groups]).filter(usable);
}

/** The few cheapest groups: all that the callers above can use, and it keeps the work linear in the pattern. */
function cheapest(groups: readonly (readonly string[])[]): (readonly string[])[] {
  if (groups.length <= 1) return [...groups];
  return groups
    .map((g) => [groupCost(g), g] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(0, KEEP_GROUPS)
    .map(([, g]) => g);
}

/** A group says something only when none of its strings is empty. */
function usable(group: readonly string[]): boolean {
  return group.length > 0 && group.every((s) => s.length > 0);
}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Drops the strings that contain another of the group: finding the shorter one is implied. */
function minimal(group: readonly string[]): string[] {
  const sorted = dedupe(group).sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const s of sorted) if (!kept.some((k) => s.includes(k))) kept.push(s);
  return kept;
}

/** About how likely a literal is to occur in a view: rarer per character for scripts with more characters. */
function literalCost(s: string): number {
  const known = costs.get(s);
  if (known !== undefined) return known;
  let p = 1;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    p *= c < 0x80 ? (/[a-z]/.test(ch) ? 0.08 : 0.2) : c < 0x800 ? 0.08 : c < 0x10000 ? 0.003 : 0.001;
  }
  costs.set(s, p);
  return p;
}
const costs = new Map<string, number>();

function groupCost(group: readonly string[]): number {
  return group.reduce((sum, s) => sum + literalCost(s), 0);
}

const utf8Length = (s: string) => Buffer.byteLength(s, "utf8");

/** A literal's first characters are as required as all of it, and make fewer automaton states. */
function truncate(s: string): string {
  if (s.length <= MAX_LITERAL_BYTES / 3) return s;
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    bytes += utf8Length(ch);
    if (bytes > MAX_LITERAL_BYTES) break;
    end += ch.length;
  }
  return s.slice(0, end);
}

/**
 * The groups of literals a pattern's every match contains, cheapest to fail first; empty when the pattern
 * gives none long enough to be worth a pass (the rule then always runs).
 */
export function requiredLiterals(pattern: string): { readonly groups: string[][]; readonly short: boolean } {
  let info: Info;
  try {
    info = analyse(parsePattern(pattern));
  } catch (e) {
    if (e instanceof Unsupported) return { groups: [], short: false };
    throw e;
  }
  const seen = new Set<string>();
  const groups = groupsOf(info)
    .map((g) => minimal(g.map(truncate)))
    .filter((g) => {
      const key = [...g].sort().join("\u0000");
      return !seen.has(key) && seen.add(key);
    })
    .sort((a, b) => groupCost(a) - groupCost(b));
  const shortest = (g: readonly string[]) => Math.min(...g.map(utf8Length));
  // the first group is what the rule is filtered on; it needs long literals unless the pattern has none
  let first = groups.find((g) => shortest(g) >= MIN_LITERAL_BYTES);
  const short = first === undefined;
  first ??= groups[0];
  if (first === undefined) return { groups: [], short: false };
  // more groups, even of short literals (":"), only narrow the rules that run, at the cost of literals in the pass
  const more = groups.filter((g) => g !== first);
  return { groups: [first, ...more.slice(0, MAX_GROUPS - 1)], short };
}

/**
 * Finds, in one pass over a buffer, which of a fixed list of patterns' required literals occur, and so which
 * patterns can match. Aho–Corasick over UTF-8 bytes as a full DFA on byte classes: one table read a byte.
 */
export class LiteralPrefilter {
  /** Patterns with no usable literal: they run on every view. */
  readonly alwaysRun: readonly number[];
  /** Patterns filtered on literals shorter than 3 bytes only, having no longer ones. */
  readonly shortOnly: readonly number[];
  /** Per pattern, its groups of literals (for tests and reports). */
  readonly groups: readonly (readonly string[])[][];
  private readonly byteClass = new Uint8Array(256);
  private readonly classes: number;
  private readonly states: number;
  /** States below this have a full row in `delta`: next = delta[state * classes + byteClass[byte]]. */
  private readonly full: number;
  private readonly delta: Uint16Array | Int32Array;
  /** The deeper states keep their trie edges only, and their failure links. */
  private readonly fail: Int32Array;
  private readonly edgeStart: Int32Array;
  private readonly edgeClass: Uint8Array;
  private readonly edgeTo: Int32Array;
  /** Per state, the literals that end there: own[ownStart[s] .. ownStart[s + 1]). */
  private readonly ownStart: Int32Array;
  private readonly own: Int32Array;
  /** Per state, the nearest proper suffix state where a literal ends, or -1. */
  private readonly outLink: Int32Array;
  /** Per state: 1 where entering it finds a literal. */
  private readonly emits: Uint8Array;
  /** Per state: the scan that last found its literals. */
  private readonly stateStamp: Int32Array;
  /** Per deep state: 1 where it was entered on whitespace, and so stays put on more. */
  private readonly spaceLoops: Uint8Array;
  private readonly spaceClass: number;
  /** Per literal, the (pattern, group bit) pairs it satisfies, flattened. */
  private readonly litUseStart: Int32Array;
  private readonly litUses: Int32Array;
  private readonly fullMask: Int32Array;
  private readonly seenMask: Int32Array;
  private readonly litStamp: Int32Array;
  private stamp = 0;

  constructor(patterns: readonly string[]) {
    // a pattern with no literal of 3 bytes is still filtered on shorter ones ("ai", ":") rather than run on every view
    const short: number[] = [];
    this.groups = patterns.map((p, index) => {
      const found = requiredLiterals(p);
      if (found.short) short.push(index);
      return found.groups;
    });
    this.shortOnly = short;
    const always: number[] = [];
    const literalIds = new Map<string, number>();
    const uses: [number, number][][] = [];
    this.fullMask = new Int32Array(patterns.length);
    this.seenMask = new Int32Array(patterns.length);
    this.groups.forEach((groups, p) => {
      if (groups.length === 0) always.push(p);
      groups.forEach((group, g) => {
        this.fullMask[p]! |= 1 << g;
        for (const lit of group) {
          let id = literalIds.get(lit);
          if (id === undefined) {
            id = literalIds.size;
            literalIds.set(lit, id);
            uses.push([]);
          }
          uses[id]!.push([p, 1 << g]);
        }
      });
    });
    this.alwaysRun = always;
    const literals = [...literalIds.keys()].map((s) => Buffer.from(s, "utf8"));
    this.litStamp = new Int32Array(literals.length);
    this.litUseStart = new Int32Array(literals.length + 1);
    const flatUses: number[] = [];
    uses.forEach((u, id) => {
      this.litUseStart[id] = flatUses.length / 2;
      for (const [p, bit] of u) flatUses.push(p, bit);
    });
    this.litUseStart[literals.length] = flatUses.length / 2;
    this.litUses = Int32Array.from(flatUses);

    // bytes that occur in no literal share one class; each other byte is its own
    let classes = 1;
    for (const lit of literals) for (const b of lit) if (this.byteClass[b] === 0) this.byteClass[b] = classes++;
    for (const ch of WHITESPACE) {
      const b = ch.charCodeAt(0);
      this.byteClass[b] = this.byteClass[0x20]!;
    }
    this.classes = classes;

    // the trie, its edges keyed by state * 256 + byte class
    const edges = new Map<number, number>();
    let states = 1;
    const ends: number[] = [];
    literals.forEach((lit, id) => {
      let s = 0;
      for (const b of lit) {
        const key = s * 256 + this.byteClass[b]!;
        let next = edges.get(key);
        if (next === undefined) {
          next = states++;
          edges.set(key, next);
        }
        s = next;
      }
      ends.push(s, id);
    });
    const childrenOf: number[][] = Array.from({ length: states }, () => []);
    for (const [key, to] of edges) childrenOf[Math.floor(key / 256)]!.push(key % 256, to);

    // states renumbered breadth first, so that the shallow ones, where the scan spends its time, come first
    const order = new Int32Array(states);
    const rank = new Int32Array(states);
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const kids = childrenOf[order[head]!]!;
      for (let k = 1; k < kids.length; k += 2) {
        rank[kids[k]!] = tail;
        order[tail++] = kids[k]!;
      }
    }
    const edgeStart = new Int32Array(states + 1);
    const edgeClass = new Uint8Array(states - 1);
    const edgeTo = new Int32Array(states - 1);
    for (let s = 0, e = 0; s < states; s++) {
      edgeStart[s] = e;
      const kids = childrenOf[order[s]!]!;
      for (let k = 0; k < kids.length; k += 2, e++) {
        edgeClass[e] = kids[k]!;
        edgeTo[e] = rank[kids[k + 1]!]!;
      }
    }
    edgeStart[states] = states - 1;

    // failure links, and a full DFA table for the first states: each missing edge there takes its failure
    // link's, which is shallower and so already filled
    const full = Math.min(states, FULL_TABLE_STATES);
    const delta = states <= 0x10000 ? new Uint16Array(full * classes) : new Int32Array(full * classes);
    const fail = new Int32Array(states);
    const step = (from: number, cls: number): number => {
      for (let t = from; ; t = fail[t]!) {
        if (t < full) return delta[t * classes + cls]!;
        for (let e = edgeStart[t]!; e < edgeStart[t + 1]!; e++) if (edgeClass[e] === cls) return edgeTo[e]!;
      }
    };
    for (let s = 0; s < states; s++) {
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) fail[edgeTo[e]!] = s === 0 ? 0 : step(fail[s]!, edgeClass[e]!);
      if (s < full) {
        for (let c = 0; c < classes; c++) delta[s * classes + c] = s === 0 ? 0 : delta[fail[s]! * classes + c]!;
        for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) delta[s * classes + edgeClass[e]!] = edgeTo[e]!;
      }
    }

    // a state entered on whitespace stays put on more of it: the text is read as if each run were one space
    const spaceClass = this.byteClass[0x20]!;
    const incoming = new Uint8Array(states);
    for (let e = 0; e < states - 1; e++) incoming[edgeTo[e]!] = edgeClass[e]!;
    const spaceLoops = new Uint8Array(states);
    for (let s = 1; s < states; s++) {
      if (spaceClass === 0 || incoming[s] !== spaceClass) continue;
      if (s < full) delta[s * classes + spaceClass] = s;
      else spaceLoops[s] = 1;
    }

    // each state links to the nearest state down its failure chain where a literal ends
    const ownStart = new Int32Array(states + 1);
    for (let k = 0; k < ends.length; k += 2) ownStart[rank[ends[k]!]! + 1]!++;
    for (let s = 0; s < states; s++) ownStart[s + 1]! += ownStart[s]!;
    const own = new Int32Array(ends.length / 2);
    const fill = ownStart.slice(0, states);
    for (let k = 0; k < ends.length; k += 2) own[fill[rank[ends[k]!]!]!++] = ends[k + 1]!;
    const outLink = new Int32Array(states).fill(-1);
    for (let s = 1; s < states; s++) {
      const f = fail[s]!;
      outLink[s] = ownStart[f + 1]! > ownStart[f]! ? f : outLink[f]!;
    }
    this.states = states;
    this.full = full;
    this.delta = delta;
    this.fail = fail;
    this.edgeStart = edgeStart;
    this.edgeClass = edgeClass;
    this.edgeTo = edgeTo;
    this.ownStart = ownStart;
    this.own = own;
    this.outLink = outLink;
    this.spaceLoops = spaceLoops;
    this.spaceClass = spaceClass;
    this.emits = new Uint8Array(states);
    this.stateStamp = new Int32Array(states);
    for (let s = 1; s < states; s++) this.emits[s] = ownStart[s + 1]! > ownStart[s]! || outLink[s]! > 0 ? 1 : 0;
  }

  /** Size of the automaton, for reports. */
  get stats(): { literals: number; states: number; classes: number } {
    return { literals: this.litStamp.length, states: this.states, classes: this.classes };
  }

  /** The patterns that can match `bytes`, in ascending order: those whose every group has a literal in it, and the always-run ones. */
  candidates(bytes: Uint8Array): number[] {
    const stamp = ++this.stamp;
    const { byteClass, delta, classes, full, fail, edgeStart, edgeClass, edgeTo, ownStart, own, outLink, emits, litStamp } = this;
    const { spaceLoops, spaceClass, stateStamp } = this;
    const found: number[] = [];
    let s = 0;
    for (let i = 0; i < bytes.length; i++) {
      const cls = byteClass[bytes[i]!]!;
      if (s < full) s = delta[s * classes + cls]!;
      else if (cls === spaceClass && spaceLoops[s] === 1) continue;
      else {
        // a deep state: its own edge, else down the failure chain to one that has it or has a full row
        let t = s;
        for (;;) {
          if (t < full) {
            s = delta[t * classes + cls]!;
            break;
          }
          let to = -1;
          for (let e = edgeStart[t]!; e < edgeStart[t + 1]!; e++) {
            if (edgeClass[e] === cls) {
              to = edgeTo[e]!;
              break;
            }
          }
          if (to >= 0) {
            s = to;
            break;
          }
          t = fail[t]!;
        }
      }
      // a state's literals are found the first time it is entered; later visits have nothing new
      if (emits[s] === 0 || stateStamp[s] === stamp) continue;
      stateStamp[s] = stamp;
      for (let o = ownStart[s + 1]! > ownStart[s]! ? s : outLink[s]!; o > 0; o = outLink[o]!) {
        for (let k = ownStart[o]!; k < ownStart[o + 1]!; k++) {
          const lit = own[k]!;
          if (litStamp[lit] === stamp) continue;
          litStamp[lit] = stamp;
          found.push(lit);
        }
      }
    }
    const { litUseStart, litUses, seenMask, fullMask } = this;
    const touched: number[] = [];
    for (const lit of found) {
      for (let u = litUseStart[lit]!; u < litUseStart[lit + 1]!; u++) {
        const p = litUses[2 * u]!;
        if (seenMask[p] === 0) touched.push(p);
        seenMask[p]! |= litUses[2 * u + 1]!;
      }
    }
    const result = [...this.alwaysRun];
    for (const p of touched) {
      if (seenMask[p] === fullMask[p]) result.push(p);
      seenMask[p] = 0;
    }
    return result.sort((a, b) => a - b);
  }
}
