// How deep Cedar would recurse on policy text, over-estimated from its tokens before Cedar sees it. Cedar
// runs in one WebAssembly instance per process, whose stack an expression nested a few hundred levels deep
// overflows (parsing nested brackets; evaluating a chain of a few hundred operators): the instance is then
// unusable and every decision after it fails, the gateway's and the control API's alike. Policy text comes
// from people (policy files, `policy apply`, the control API, where a viewer may validate it), so it is bounded
// here, without recursion, the way the binary parsers in formats/ bound what they read.

/** The bound on a policy's estimated depth: about a third of what Cedar 4.x overflows at, for every construct. */
export const MAX_POLICY_DEPTH = 128;

/** A bracket ( [ { costs Cedar about three times the stack an operator does. */
const GROUP = 3;

/** Operators by how loosely they bind: || && (== != < <= > >= in has like is) (+ -) * (! unary) (. member). */
const OPERATORS: readonly (readonly [string, number])[] = [
  ["||", 0],
  ["&&", 1],
  ["==", 2],
  ["!=", 2],
  ["<=", 2],
  [">=", 2],
  ["<", 2],
  [">", 2],
  ["+", 3],
  ["-", 3],
  ["*", 4],
  ["!", 5],
  [".", 6],
];
const KEYWORD_OPERATORS: ReadonlyMap<string, number> = new Map([
  ["in", 2],
  ["has", 2],
  ["like", 2],
  ["is", 2],
]);
const LEVELS = 7;

/**
 * An open bracket and its current element (what lies between commas). Within an element, an expression is no
 * deeper than its `if`s plus, for each binding strength, the longest run of such operators not broken by a
 * looser one, plus the deepest bracket in it.
 */
interface Group {
  runs: number[];
  longest: number[];
  ifs: number;
  child: number;
  /** The deepest element before this one. */
  best: number;
}

const open = (): Group => ({ runs: Array<number>(LEVELS).fill(0), longest: Array<number>(LEVELS).fill(0), ifs: 0, child: 0, best: 0 });
const estimate = (g: Group): number => g.ifs + g.longest.reduce((a, b) => a + b, 0);
const restart = (g: Group): void => {
  g.runs.fill(0);
};

/**
 * Where a policy in `text` first exceeds MAX_POLICY_DEPTH, and the depth estimated there; undefined when none
 * does. The estimate only ever errs high: a long list is cheap as a set (its elements are siblings) and dearer
 * as a chain of `||`.
 */
export function policyTooDeep(text: string): { readonly index: number; readonly depth: number } | undefined {
  const stack: Group[] = [open()];
  // GROUP per open bracket and each one's current estimate: a bound that holds before a bracket closes.
  let path = 0;
  let i = 0;
  const over = (depth: number) => (depth > MAX_POLICY_DEPTH ? { index: i, depth } : undefined);
  const operator = (g: Group, level: number) => {
    const before = estimate(g);
    g.runs[level] = (g.runs[level] as number) + 1;
    g.longest[level] = Math.max(g.longest[level] as number, g.runs[level] as number);
    for (let tighter = level + 1; tighter < LEVELS; tighter++) g.runs[tighter] = 0;
    path += estimate(g) - before;
    return over(path + g.child);
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    const top = stack[stack.length - 1] as Group;
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) i++;
      const word = text.slice(start, i);
      const level = KEYWORD_OPERATORS.get(word);
      if (level !== undefined) {
        const bad = operator(top, level);
        if (bad !== undefined) return bad;
      } else if (word === "if") {
        // if c then a else b: each if nests what follows it; c, a and b are expressions of their own.
        top.ifs++;
        path++;
        restart(top);
        const bad = over(path + top.child);
        if (bad !== undefined) return bad;
      } else if (word === "then" || word === "else") restart(top);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") {
      stack.push(open());
      path += GROUP;
      i++;
      const bad = over(path);
      if (bad !== undefined) return bad;
      continue;
    }
    if (c === ")" || c === "]" || c === "}") {
      i++;
      if (stack.length === 1) continue; // unbalanced: Cedar's parser says so
      const g = stack.pop() as Group;
      path -= GROUP + estimate(g);
      const depth = GROUP + Math.max(g.best, estimate(g) + g.child);
      const parent = stack[stack.length - 1] as Group;
      parent.child = Math.max(parent.child, depth);
      const bad = over(path + depth);
      if (bad !== undefined) return bad;
      continue;
    }
    if (c === ",") {
      top.best = Math.max(top.best, estimate(top) + top.child);
      path -= estimate(top);
      Object.assign(top, { ...open(), best: top.best });
      i++;
      continue;
    }
    if (c === ";" && stack.length === 1) {
      // One policy ends: the next is parsed, checked and evaluated on its own.
      stack[0] = open();
      path = 0;
      i++;
      continue;
    }
    if (c === ":" && text[i + 1] === ":") {
      i += 2;
      continue;
    }
    const op = OPERATORS.find(([o]) => text.startsWith(o, i));
    if (op !== undefined) {
      i += op[0].length;
      const bad = operator(top, op[1]);
      if (bad !== undefined) return bad;
      continue;
    }
    i++;
  }
  return undefined;
}
