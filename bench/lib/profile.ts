// A V8 CPU profile (.cpuprofile) summarised as the benches print it: self time by area (package, file), by
// function, and inclusive time of Perimeter's own functions, in % of busy time and µs per request.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { int, table } from "./load.js";

interface CpuProfile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Print the summary of the profile in `file` over `requests` units of work. `own` picks Perimeter's functions for the
 * inclusive table: the compiled dist/ (a gateway process) by default, or src/ (code run through tsx).
 */
export function summariseProfile(file: string, requests: number, own = " dist/"): void {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const where = (url: string): string => {
    const path = url.startsWith("file://") ? fileURLToPath(url) : url;
    const nm = path.lastIndexOf("node_modules/");
    if (nm !== -1) return path.slice(nm + "node_modules/".length);
    return path.startsWith(root) ? path.slice(root.length) : path;
  };
  const area = (url: string, fn: string): string => {
    if (url === "") return fn.startsWith("(") ? fn : "(native/builtin)";
    const w = where(url);
    if (url.includes("node_modules/")) return `pkg ${w.startsWith("@") ? w.split("/").slice(0, 2).join("/") : w.split("/")[0]}`;
    if (w.startsWith("dist/")) return w;
    if (w.startsWith("node:")) return w.split("/").slice(0, 2).join("/");
    return w;
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (id: number) => {
    const f = byId.get(id)?.callFrame;
    return f === undefined ? "?" : `${f.functionName || "(anonymous)"}  ${f.url === "" ? "" : `${where(f.url)}:${f.lineNumber + 1}`}`;
  };
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000; // µs → ms
    const f = byId.get(id)?.callFrame;
    if (f === undefined) continue;
    if (f.functionName === "(idle)") {
      idle += dt;
      continue;
    }
    total += dt;
    const k = keyOf(id);
    self.set(k, (self.get(k) ?? 0) + dt);
    const a = area(f.url, f.functionName);
    areas.set(a, (areas.get(a) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const kk = keyOf(n);
      if (seen.has(kk)) continue;
      seen.add(kk);
      inclusive.set(kk, (inclusive.get(kk) ?? 0) + dt);
    }
  }
  const pct = (ms: number) => `${((ms / total) * 100).toFixed(1)}%`;
  const perReq = (ms: number) => ((ms * 1000) / Math.max(1, requests)).toFixed(1);
  console.log(
    `  busy ${total.toFixed(0)} ms, idle ${idle.toFixed(0)} ms of main-thread samples; ${int(requests)} requests answered: ${perReq(total)} µs of main-thread CPU per request`,
  );
  const top = (m: Map<string, number>, n: number, filter: (k: string) => boolean = () => true) =>
    [...m.entries()]
      .filter(([k]) => filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => [k, pct(ms), perReq(ms)]);
  console.log("\n  self time by area");
  table(["area", "% busy", "µs/req"], top(areas, 20));
  console.log("\n  self time by function");
  table(["function", "% busy", "µs/req"], top(self, 30));
  console.log(`\n  inclusive time, Perimeter's own functions (${own.trim()})`);
  table(
    ["function", "% busy", "µs/req"],
    top(inclusive, 25, (k) => k.includes(own)),
  );
}

/** How much of a profile's busy time was spent inside some functions (a sample counts once, however deep). */
export interface ProfileShare {
  readonly busyMs: number;
  readonly insideMs: number;
  /** Inclusive ms of each function inside, "name file:line", largest first. */
  readonly functions: ReadonlyArray<readonly [string, number]>;
}

/** The share of busy time whose stack holds a frame `inside` picks (by the frame's script URL and function name). */
export function profileShare(file: string, inside: (url: string, functionName: string) => boolean): ProfileShare {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const functions = new Map<string, number>();
  let busyMs = 0;
  let insideMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const f = byId.get(id)?.callFrame;
    if (f === undefined || f.functionName === "(idle)") continue;
    busyMs += dt;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const c = byId.get(n)?.callFrame;
      if (c === undefined || !inside(c.url, c.functionName)) continue;
      const path = c.url.startsWith("file://") ? fileURLToPath(c.url) : c.url;
      const key = `${c.functionName || "(anonymous)"}  ${path.startsWith(root) ? path.slice(root.length) : path}:${c.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      functions.set(key, (functions.get(key) ?? 0) + dt);
    }
    if (seen.size > 0) insideMs += dt;
  }
  return { busyMs, insideMs, functions: [...functions].sort((a, b) => b[1] - a[1]) };
}
