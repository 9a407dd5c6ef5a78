import RE2 from "re2";
import type { Severity } from "../decision.js";
import {
  IBAN_LENGTHS,
  aadhaarValid,
  bsnValid,
  codiceFiscaleValid,
  cpfValid,
  dniValid,
  ibanValid,
  luhnValid,
  nieValid,
  nirValid,
  steuerIdValid,
} from "./checksums.js";
import type { Detector, GuardFinding } from "./types.js";
import { toUtf16Offsets } from "./utf8.js";

// Personal data in prompts and answers: e-mail addresses, phone numbers, payment cards, IBANs, IP addresses
// and the national ids of several countries. Numbers are most of it, and most numbers are not personal data,
// so digits are read by one plain-code pass that cuts the text into runs of digit groups (`+44 (0)20 7946
// 0958`, `4111-1111-…`, `192.168.1.20`) and judges each run by its shape, its check digits and the words
// before it. What has letters in it (IBAN, codice fiscale, NINO, DNI/NIE, IPv6, e-mail) is found by RE2 over
// one UTF-8 copy, behind one prefilter pass. A checksummed format whose check fails is not reported.

const DETECTOR = "pii";
const CATEGORY = "pii";

export const PII_TYPES = [
  "email",
  "phone",
  "payment-card",
  "iban",
  "ip-address",
  "us-ssn",
  "uk-nino",
  "fr-nir",
  "es-dni",
  "es-nie",
  "it-codice-fiscale",
  "nl-bsn",
  "de-tax-id",
  "br-cpf",
  "in-aadhaar",
] as const;
export type PiiType = (typeof PII_TYPES)[number];

const SEVERITY: Readonly<Record<PiiType, Severity>> = {
  email: "medium",
  phone: "medium",
  "payment-card": "high",
  iban: "high",
  "ip-address": "low",
  "us-ssn": "high",
  "uk-nino": "high",
  "fr-nir": "high",
  "es-dni": "high",
  "es-nie": "high",
  "it-codice-fiscale": "high",
  "nl-bsn": "high",
  "de-tax-id": "high",
  "br-cpf": "high",
  "in-aadhaar": "high",
};

interface Candidate {
  readonly type: PiiType;
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
}

/** Creates the PII detector; its compiled regexes are shared, so creating more than one is cheap. */
export function piiDetector(): Detector {
  return { name: DETECTOR, categories: [CATEGORY], detect: detectPii };
}

function detectPii(text: string): GuardFinding[] {
  if (text.length === 0) return [];
  const candidates: Candidate[] = [];
  const letters = scanNumbers(text, candidates);
  if (text.includes("@")) scanEmails(text, candidates);
  if (letters) scanWithRegexes(text, candidates);
  return resolveOverlaps(candidates).map(toFinding);
}

// ---------------------------------------------------------------------------------------------------------
// Context: the words just before a value. Plain code over a short slice, never a regex.

const CONTEXT_BEFORE = 48;

function before(text: string, start: number): string {
  return text.slice(Math.max(0, start - CONTEXT_BEFORE), start).toLowerCase();
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000);
}

/** Context words as phrases of lower-case letter-words: `steuer-id` is "steuer id", `tel.` is "tel". */
class Phrases {
  private readonly set: Set<string>;
  constructor(list: string) {
    this.set = new Set(list.split("|").map((phrase) => words(phrase).join(" ")));
  }
  /** One of the phrases occurs in `slice` as whole words. */
  in(slice: string): boolean {
    const ws = words(slice);
    for (let i = 0; i < ws.length; i++) {
      const one = ws[i]!;
      if (this.set.has(one)) return true;
      const two = i + 1 < ws.length ? `${one} ${ws[i + 1]}` : "";
      if (two && this.set.has(two)) return true;
      if (i + 2 < ws.length && this.set.has(`${two} ${ws[i + 2]}`)) return true;
    }
    return false;
  }
}

/** The runs of letters in a short, lower-cased slice. */
function words(slice: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= slice.length; i++) {
    const letter = i < slice.length && isLetter(slice.charCodeAt(i));
    if (letter && start < 0) start = i;
    else if (!letter && start >= 0) {
      out.push(slice.slice(start, i));
      start = -1;
    }
  }
  return out;
}

function hasWord(slice: string, phrases: Phrases): boolean {
  return phrases.in(slice);
}

const PHONE_WORDS = new Phrases(
  "phone|tel|tel.|telephone|call|mobile|cell|fax|whatsapp|sms|text me|ring|contact|reach me|dial|telefon|telefonnummer|handy|mobil|rufnummer|anrufen|téléphone|portable|appelez|appeler|numéro|teléfono|móvil|movil|llámame|llamar|telefono|cellulare|chiama|chiamare|telefoon|telefoonnummer|mobiel|bel|bellen|telemóvel|telemovel|telefone|celular|ligue|телефон|тел|звоните|позвоните|номер|número|numero|nummer",
);
const SSN_WORDS = new Phrases("ssn|social security|soc. sec|ss#|ss no|ssn#");
const NINO_WORDS = new Phrases("national insurance|ni number|nino|ni no|ni no.");
const AADHAAR_WORDS = new Phrases("aadhaar|aadhar|uidai|uid|आधार");
const CPF_WORDS = new Phrases("cpf|cadastro de pessoas");
const STEUER_WORDS = new Phrases(
  "steuer-id|steuerid|steuer|steuernummer|idnr|identifikationsnummer|steueridentifikationsnummer|tax id|tax-id|tax identification|tin|steuer-identifikationsnummer",
);
const BSN_WORDS = new Phrases("bsn|burgerservicenummer|sofinummer|sofi|citizen service number|persoonsnummer|bsn-nummer");
const VERSION_WORDS = "version|ver|ver.|v|release|build|firmware|driver|rev|revision|update|patch|sdk|versión|versione|versie|versão|версия|oid".split("|");

function raised(base: number, text: string, start: number, words: Phrases): number {
  return hasWord(before(text, start), words) ? Math.min(0.95, base + 0.15) : base;
}

// ---------------------------------------------------------------------------------------------------------
// Numbers: one plain-code pass, linear, that cuts the text into runs of digit groups.

const PLUS = 43;
const OPEN = 40;
const CLOSE = 41;
const DOT = 46;
const DASH = 45;
const SLASH = 47;
const SPACE = 32;
const NBSP = 0xa0;
/** A run of groups longer than this is a table of numbers, not one value: judged in windows of this many groups. */
const MAX_WINDOW = 7;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlnum(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === 95;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === NBSP || c === 0x202f;
}

/** A run of digit groups: `+44 (0)20 7946 0958` is groups 44, 0, 20, 7946, 0958. */
interface Run {
  plus: boolean;
  /** Where the run starts: its `+` or `(`, else its first digit. */
  start: number;
  /** How many groups; the arrays are reused and may be longer. */
  count: number;
  /** Per group: where its digits start and end. */
  readonly starts: number[];
  readonly ends: number[];
  /** Per group: the separator before it, normalised (`" "`, `"-"`, `"."`, `"/"`, `"("`, `")"`, `") "`, `" ("`…); "" for the first. */
  readonly seps: string[];
}

/** The separator at `i` between two digit groups, normalised (its length is the source's), or "" when there is none. */
function separatorAt(text: string, i: number): string {
  const a = text.charCodeAt(i);
  const b = text.charCodeAt(i + 1);
  if (isDigit(b)) {
    if (isSpace(a)) return " ";
    if (a === DOT) return ".";
    if (a === DASH) return "-";
    if (a === SLASH) return "/";
    if (a === CLOSE) return ")";
    if (a === OPEN) return "(";
    return "";
  }
  const c = text.charCodeAt(i + 2);
  if (!isDigit(c)) return "";
  if (a === CLOSE && (isSpace(b) || b === DASH)) return isSpace(b) ? ") " : ")-";
  if ((isSpace(a) || a === DASH) && b === OPEN) return " (";
  return "";
}

/** Characters that, right before a number, make it part of something else: a price, an id, a version. */
function attachedBefore(text: string, start: number): boolean {
  if (start === 0) return false;
  const c = text.charCodeAt(start - 1);
  if (isAlnum(c)) return true;
  // $ € £ ¥ # @ % \ and a `.`/`-`/`/`/`_` glued to a word or number
  if (c === 36 || c === 0x20ac || c === 0xa3 || c === 0xa5 || c === 35 || c === 64 || c === 92) return true;
  if ((c === DOT || c === DASH || c === SLASH || c === 95 || c === 58) && start >= 2 && isAlnum(text.charCodeAt(start - 2))) {
    // `Tel.+49…`, `tel:+1…`: a `+` or `(` begins a phone number whatever comes before it
    const first = text.charCodeAt(start);
    return c === 58 ? false : first !== PLUS && first !== OPEN;
  }
  return false;
}

function attachedAfter(text: string, end: number): boolean {
  if (end >= text.length) return false;
  const c = text.charCodeAt(end);
  if (isAlnum(c) || c === 64 || c === 37 || c === 0x20ac || c === 95) return true;
  if (c === DOT || c === DASH || c === SLASH || c === 58) {
    const next = text.charCodeAt(end + 1);
    // `1.2.3.4.5`, `1.2.3.4-beta`, `12:30` carry on; a full stop before a space does not
    return c === 58 ? isDigit(next) : isAlnum(next);
  }
  return false;
}

/** The run being judged: one, reused, as the scan is synchronous and most runs are a number or two. */
const scratch: Run = { plus: false, start: 0, count: 0, starts: [], ends: [], seps: [] };

/** The next place a run may start (a digit, `+` or `(`): a tight loop, as most of a prose text is not digits. */
function nextRunStart(text: string, from: number): number {
  const n = text.length;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c <= 57 && (c >= 48 || c === PLUS || c === OPEN)) return i;
  }
  return n;
}

function isUpperAscii(c: number): boolean {
  return c >= 65 && c <= 90;
}

/**
 * Whether letters near a run's digits could make it an id with letters (IBAN, NINO, DNI/NIE, codice fiscale,
 * a Corsican NIR, IPv6): a letter or `:` right against the digits, or a capital one space away. Text without
 * such a run needs no regex at all.
 */
function lettersNear(text: string, start: number, end: number): boolean {
  const b1 = start > 0 ? text.charCodeAt(start - 1) : SPACE;
  const a1 = end < text.length ? text.charCodeAt(end) : SPACE;
  if (isLetter(b1) || isLetter(a1) || b1 === 58 || a1 === 58) return true;
  const b2 = start > 1 ? text.charCodeAt(start - 2) : SPACE;
  const a2 = end + 1 < text.length ? text.charCodeAt(end + 1) : SPACE;
  return ((isSpace(b1) || b1 === DASH) && isUpperAscii(b2)) || ((isSpace(a1) || a1 === DASH) && isUpperAscii(a2));
}

/** Judges every run of digit groups in the text; returns whether one of them has letters near it. */
function scanNumbers(text: string, out: Candidate[]): boolean {
  const n = text.length;
  let letters = false;
  let i = nextRunStart(text, 0);
  while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    let plus = false;
    if (c === PLUS) {
      plus = true;
      i++;
    }
    if (text.charCodeAt(i) === OPEN) i++;
    if (!isDigit(text.charCodeAt(i))) {
      i = nextRunStart(text, Math.max(i, start + 1));
      continue;
    }
    const run = scratch;
    run.plus = plus;
    run.start = start;
    run.count = 0;
    let sep = "";
    for (;;) {
      const groupStart = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      run.starts[run.count] = groupStart;
      run.ends[run.count] = i;
      run.seps[run.count] = sep;
      run.count++;
      sep = separatorAt(text, i);
      if (sep === "") break;
      i += sep.length;
    }
    const end = run.ends[run.count - 1] ?? i;
    if (!letters) letters = lettersNear(text, run.starts[0]!, end) || (run.count > 1 && hasLetterInside(text, run));
    // a run glued to a word is skipped whole; the scan goes on after it
    if (!attachedBefore(text, start) && !attachedAfter(text, end) && !afterCapitalGroup(text, start)) judgeRun(text, run, out);
    i = nextRunStart(text, Math.max(i, start + 1));
  }
  return letters;
}

/**
 * `GB71 BFOP 0535 6929…`: digits that go on from groups of four capitals and digits, back to one that opens
 * like an IBAN (two capitals, two digits), are the rest of that IBAN, judged (or rejected) as one by RE2.
 */
function afterCapitalGroup(text: string, start: number): boolean {
  let end = start - 1;
  for (let group = 0; group < 8; group++) {
    if (end < 4 || !isSpace(text.charCodeAt(end))) return false;
    const from = end - 4;
    let capitals = 0;
    for (let i = from; i < end; i++) {
      const c = text.charCodeAt(i);
      if (isUpperAscii(c)) capitals++;
      else if (!isDigit(c)) return false;
    }
    if (from > 0 && isAlnum(text.charCodeAt(from - 1))) return false;
    const opensIban =
      isUpperAscii(text.charCodeAt(from)) &&
      isUpperAscii(text.charCodeAt(from + 1)) &&
      isDigit(text.charCodeAt(from + 2)) &&
      isDigit(text.charCodeAt(from + 3));
    if (opensIban) return true;
    if (capitals === 0) return false;
    end = from - 1;
  }
  return false;
}

/** `1 85 05 2A 006…` and `AB 12 34 56 C`: a capital between the groups of a run (the run stops at it). */
function hasLetterInside(text: string, run: Run): boolean {
  for (let g = 0; g < run.count; g++) if (lettersNear(text, run.starts[g]!, run.ends[g]!)) return true;
  return false;
}

/** Tries windows of the run's groups, longest first from each start, and keeps the first value found. */
function judgeRun(text: string, run: Run, out: Candidate[]): void {
  const count = run.count;
  // one group of fewer than nine digits is no value here (IPv4 has dots, every bare id has nine or more)
  if (count === 1 && !run.plus && run.ends[0]! - run.starts[0]! < 9) return;
  let total = 0;
  for (let g = 0; g < count; g++) total += run.ends[g]! - run.starts[g]!;
  if (total < 4) return;
  let a = 0;
  while (a < count) {
    if (!windowMayStart(run, a)) {
      a++;
      continue;
    }
    let found = false;
    const last = Math.min(count - 1, a + MAX_WINDOW - 1);
    let digits = 0;
    for (let g = a; g <= last; g++) digits += run.ends[g]! - run.starts[g]!;
    for (let b = last; b >= a; b--) {
      if (b < last) digits -= run.ends[b + 1]! - run.starts[b + 1]!;
      // cheap tests first: under eight digits only an IPv4 address (four groups joined by dots) is possible
      if (digits < 4 || digits > 19 || !windowMayEnd(run, b)) continue;
      if (digits < 9 && !(b - a === 3 && dotted(run, a, b)) && !(digits === 8 && a === 0 && run.plus)) continue;
      if (!plausibleCount(text, run, a, b, digits)) continue;
      const candidate = judgeWindow(text, run, a, b);
      if (candidate !== null) {
        out.push(candidate);
        a = b + 1;
        found = true;
        break;
      }
    }
    if (!found) a++;
  }
}

/** Five groups or more: only a French or Russian phone, a card in fours, a NIR, or an international number. */
function plausibleCount(text: string, run: Run, a: number, b: number, digits: number): boolean {
  const groups = b - a + 1;
  if (groups < 5 || (a === 0 && run.plus)) return true;
  const first = run.ends[a]! - run.starts[a]!;
  if (groups === 5) return (digits === 10 && text.charCodeAt(run.starts[a]!) === 48) || (digits === 11 && first === 1) || (digits >= 17 && first === 4);
  return groups === 7 && digits === 15 && first === 1;
}

function dotted(run: Run, a: number, b: number): boolean {
  for (let g = a + 1; g <= b; g++) if (run.seps[g] !== ".") return false;
  return true;
}

/** A value inside a run starts and ends at a space: `1.2.3.4` inside `1.2.3.4.5` is not an address. */
function windowMayStart(run: Run, a: number): boolean {
  if (a === 0) return true;
  const sep = run.seps[a]!;
  return sep === " " || sep === " (";
}

function windowMayEnd(run: Run, b: number): boolean {
  if (b === run.count - 1) return true;
  const sep = run.seps[b + 1]!;
  return sep === " " || sep === " (" || sep === ") ";
}

interface Window {
  readonly plus: boolean;
  /** The window opened with `(`: `(555) 123-4567`, `(030) 1234567`. */
  readonly paren: boolean;
  readonly groups: readonly string[];
  /** Separators between the groups (one fewer than groups). */
  readonly seps: readonly string[];
  readonly digits: string;
  /** The groups' lengths: `3-3-4`. */
  readonly shape: string;
  /** A group of four digits sits right beside the window, a space away: `4111 1111 1111` is part of something longer. */
  readonly besideFour: boolean;
  readonly start: number;
  readonly end: number;
}

function judgeWindow(text: string, run: Run, a: number, b: number): Candidate | null {
  const groups: string[] = [];
  const seps: string[] = [];
  for (let g = a; g <= b; g++) {
    groups.push(text.slice(run.starts[g], run.ends[g]));
    if (g > a) seps.push(run.seps[g]!);
  }
  const digits = groups.join("");
  if (digits.length < 4 || digits.length > 19) return null;
  let start = run.starts[a]!;
  let paren = false;
  if (a === 0) {
    paren = text.charCodeAt(run.plus ? run.start + 1 : run.start) === OPEN;
    start = run.start;
  } else if (run.seps[a] === " (") {
    paren = true;
    start = run.starts[a]! - 1;
  }
  const plus = a === 0 && run.plus;
  let end = run.ends[b]!;
  // `(555)` at the end of a run: the closing parenthesis belongs to the value
  if (paren && groups.length === 1 && text.charCodeAt(end) === CLOSE) end++;
  const besideFour = (a > 0 && fourBeside(run, a - 1, a)) || (b + 1 < run.count && fourBeside(run, b + 1, b + 1));
  // `4853 0663 4537 9634` holds no 12-digit number in fours: a run of fours is one number or none
  if (besideFour && groups.every((g) => g.length === 4)) return null;
  const w: Window = { plus, paren, groups, seps, digits, shape: groups.map((g) => g.length).join("-"), besideFour, start, end };
  return plus ? internationalPhone(w) : judgeNational(text, w);
}

function fourBeside(run: Run, group: number, sep: number): boolean {
  return run.ends[group]! - run.starts[group]! === 4 && run.seps[sep] === " ";
}

function candidate(type: PiiType, w: Window, confidence: number): Candidate {
  return { type, start: w.start, end: w.end, confidence };
}

function uniform(seps: readonly string[], allowed: string): boolean {
  const first = seps[0];
  if (first === undefined) return true;
  if (!allowed.includes(first)) return false;
  for (const s of seps) if (s !== first) return false;
  return true;
}

function judgeNational(text: string, w: Window): Candidate | null {
  const len = w.digits.length;
  return (
    ipv4(text, w) ??
    (len >= 13 ? paymentCard(w) : null) ??
    (len === 15 ? frNir(w) : null) ??
    (len === 12 ? aadhaar(text, w) : null) ??
    (len === 11 ? elevenDigits(text, w) : null) ??
    (len === 9 ? nineDigits(text, w) : null) ??
    nationalPhone(text, w)
  );
}

// IPv4: four groups of 1-3 digits joined by dots, public, not a version number.
function ipv4(text: string, w: Window): Candidate | null {
  if (w.groups.length !== 4 || w.paren || !uniform(w.seps, ".")) return null;
  const octets: number[] = [];
  for (const g of w.groups) {
    if (g.length > 3 || (g.length > 1 && g[0] === "0")) return null;
    const v = Number(g);
    if (v > 255) return null;
    octets.push(v);
  }
  const [o1, o2, o3] = octets as [number, number, number, number];
  // unspecified, loopback, multicast and reserved, RFC 5737 documentation
  if (o1 === 0 || o1 === 127 || o1 >= 224) return null;
  if ((o1 === 192 && o2 === 0 && o3 === 2) || (o1 === 198 && o2 === 51 && o3 === 100) || (o1 === 203 && o2 === 0 && o3 === 113)) return null;
  if (lastWordIn(text, w.start, VERSION_WORDS)) return null;
  return candidate("ip-address", w, 0.85);
}

/** The word right before `start` (skipping spaces, `:` and `=`) is one of `words`. */
function lastWordIn(text: string, start: number, words: readonly string[]): boolean {
  let i = start - 1;
  while (i >= 0 && start - i < 8) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 58 || c === 61 || c === 9) i--;
    else break;
  }
  const end = i + 1;
  while (i >= 0 && end - i <= 24 && (isLetter(text.charCodeAt(i)) || text.charCodeAt(i) === DOT)) i--;
  const word = text.slice(i + 1, end).toLowerCase();
  const bare = word.endsWith(".") ? word.slice(0, -1) : word;
  return word.length > 0 && (words.includes(word) || words.includes(bare));
}

/** Issuer prefixes (IIN) of the card networks, with the lengths they issue. */
function cardIssuer(d: string): boolean {
  const len = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === "4") return len === 13 || len === 16 || len === 19; // Visa
  if (p2 >= 51 && p2 <= 55) return len === 16; // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return len === 16; // Mastercard 2-series
  if (p2 === 34 || p2 === 37) return len === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return len >= 16 && len <= 19; // Discover
  if (p2 === 62) return len >= 16 && len <= 19; // UnionPay
  if (p4 >= 3528 && p4 <= 3589) return len >= 16 && len <= 19; // JCB
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305)) return len >= 14 && len <= 19; // Diners Club
  if (p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67) return len >= 12 && len <= 19; // Maestro
  return false;
}

function paymentCard(w: Window): Candidate | null {
  if (w.paren || !uniform(w.seps, " -")) return null;
  const shape = w.shape;
  const grouped = w.groups.length === 1 || shape === "4-6-5" || shape === "4-6-4" || w.groups.slice(0, -1).every((g) => g.length === 4);
  if (!grouped || (w.groups.length > 1 && w.besideFour) || !cardIssuer(w.digits) || !luhnValid(w.digits)) return null;
  return candidate("payment-card", w, 1);
}

// NIR: sex (1, 2; 7, 8 for provisional numbers), year, month (01-12, 20-42 or 50-99 when unknown), …
function frNir(w: Window): Candidate | null {
  if (w.paren || !uniform(w.seps, " .")) return null;
  const shape = w.shape;
  if (w.groups.length !== 1 && shape !== "1-2-2-2-3-3-2" && shape !== "13-2") return null;
  const d = w.digits;
  if (!"1278".includes(d[0]!)) return null;
  const month = Number(d.slice(3, 5));
  if (month === 0 || (month > 12 && month < 20) || (month > 42 && month < 50)) return null;
  return nirValid(d) ? candidate("fr-nir", w, 1) : null;
}

function aadhaar(text: string, w: Window): Candidate | null {
  if (w.paren || !uniform(w.seps, " -")) return null;
  const shape = w.shape;
  const known = (shape === "4-4-4" && !w.besideFour) || (w.groups.length === 1 && hasWord(before(text, w.start), AADHAAR_WORDS));
  return known && aadhaarValid(w.digits) ? candidate("in-aadhaar", w, 1) : null;
}

function elevenDigits(text: string, w: Window): Candidate | null {
  if (w.paren) return null;
  const shape = w.shape;
  const context = before(text, w.start);
  const bare = w.groups.length === 1;
  // CPF: 123.456.789-09, 123456789-09, or eleven digits after the word
  const cpfShape = (shape === "3-3-3-2" && w.seps.join("") === "..-") || (shape === "9-2" && w.seps[0] === "-");
  if ((cpfShape || (bare && hasWord(context, CPF_WORDS))) && cpfValid(w.digits)) return candidate("br-cpf", w, 1);
  // Steuer-ID: 12 345 678 901, 12/345/678/901, or eleven digits after the word
  const steuerShape = shape === "2-3-3-3" && uniform(w.seps, " /.");
  if ((steuerShape || (bare && hasWord(context, STEUER_WORDS))) && steuerIdValid(w.digits)) return candidate("de-tax-id", w, 1);
  return null;
}

function nineDigits(text: string, w: Window): Candidate | null {
  if (w.paren) return null;
  const shape = w.shape;
  const context = before(text, w.start);
  const bare = w.groups.length === 1;
  const bsnWord = hasWord(context, BSN_WORDS);
  // SSN: 123-45-6789 (or spaced, dotted); nine digits in one run only after the word
  const ssnShape = shape === "3-2-4" && uniform(w.seps, "- .");
  if (ssnShape || (bare && !bsnWord && hasWord(context, SSN_WORDS))) {
    const area = Number(w.digits.slice(0, 3));
    const issued = area !== 0 && area !== 666 && area < 900 && w.digits.slice(3, 5) !== "00" && w.digits.slice(5) !== "0000";
    return issued ? candidate("us-ssn", w, raised(0.85, text, w.start, SSN_WORDS)) : null;
  }
  // BSN: after the word, or written 1234.56.789
  const bsnShape = shape === "4-2-3" && uniform(w.seps, ". ");
  if ((bsnShape || (bsnWord && uniform(w.seps, " ."))) && bsnValid(w.digits)) return candidate("nl-bsn", w, 1);
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Phone numbers. International: `+CC` and a national number of that country's length. National: the forms
// of the US, UK, DE, FR, ES, IT, NL, PT and RU with their usual grouping; a bare run of digits only after a
// word that says phone.

const CC_TWO = new Set([
  20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91,
  92, 93, 94, 95, 98,
]);
/** The first two digits of three-digit calling codes. */
const CC_THREE_LEAD = new Set([21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42, 50, 59, 67, 68, 69, 85, 87, 88, 96, 97, 99]);

/** The calling code that `digits` starts with, or "" when it starts with none. */
function callingCode(digits: string, firstGroup: string, grouped: boolean): string {
  const known = (cc: string): boolean =>
    cc === "1" || cc === "7" || (cc.length === 2 && CC_TWO.has(Number(cc))) || (cc.length === 3 && CC_THREE_LEAD.has(Number(cc.slice(0, 2))));
  if (grouped && firstGroup.length <= 3 && known(firstGroup)) return firstGroup;
  for (const n of [1, 2, 3]) {
    const cc = digits.slice(0, n);
    if (known(cc)) return cc;
  }
  return "";
}

/** National significant numbers by calling code: their lengths and what they may start with. */
const NSN: Readonly<Record<string, { min: number; max: number; lead: string }>> = {
  "1": { min: 10, max: 10, lead: "23456789" },
  "7": { min: 10, max: 10, lead: "3489" },
  "44": { min: 9, max: 10, lead: "123579" },
  "49": { min: 6, max: 13, lead: "123456789" },
  "33": { min: 9, max: 9, lead: "123456789" },
  "34": { min: 9, max: 9, lead: "6789" },
  "39": { min: 6, max: 11, lead: "0389" },
  "31": { min: 9, max: 9, lead: "123456789" },
  "351": { min: 9, max: 9, lead: "2389" },
};

function internationalPhone(w: Window): Candidate | null {
  if (w.digits.length < 8 || w.digits.length > 16) return null;
  const cc = callingCode(w.digits, w.groups[0]!, w.groups.length > 1);
  if (cc === "") return null;
  let nsn = w.digits.slice(cc.length);
  // `+44 (0)20 …`: the national trunk prefix in parentheses is not dialled from abroad
  if (w.groups[1] === "0" && w.seps[0]?.includes("(")) nsn = nsn.slice(1);
  else if (nsn[0] === "0" && cc !== "39") nsn = nsn.slice(1);
  const rule = NSN[cc] ?? { min: 6, max: 12, lead: "123456789" };
  if (nsn.length < rule.min || nsn.length > rule.max || !rule.lead.includes(nsn[0] ?? "")) return null;
  if (cc === "1" && !"23456789".includes(nsn[3] ?? "")) return null;
  if (cc.length + nsn.length > 15) return null;
  return candidate("phone", w, 0.9);
}

function nationalPhone(text: string, w: Window): Candidate | null {
  const d = w.digits;
  const len = d.length;
  if (len < 9 || len > 12) return null;
  const shape = w.shape;
  const count = w.groups.length;
  // the words before are read only once a shape has matched (`phoneWord(memo)`): most runs of digits are not phones
  const memo: PhoneContext = { text, start: w.start, said: undefined };
  const seps = w.seps.join("");
  const sameSeps = uniform(w.seps, " -./");
  // US: (555) 123-4567, 555-123-4567, 555.123.4567, 1-555-123-4567
  const us = d.length === 11 && d[0] === "1" && w.groups[0] === "1" ? d.slice(1) : d;
  const usShape = w.groups[0] === "1" && count > 1 ? shape.slice(2) : shape;
  if (us.length === 10 && usShape === "3-3-4" && "23456789".includes(us[0]!) && "23456789".includes(us[3]!)) {
    const parenForm = w.paren || seps.includes(")");
    if (parenForm || sameSeps || uniform(w.seps.slice(w.groups[0] === "1" ? 1 : 0), " -.")) return candidate("phone", w, phoneWord(memo) ? 0.9 : 0.7);
  }
  // RU: 8 (912) 345-67-89, 8 912 345 67 89, (912) 345-67-89
  if ((shape === "1-3-3-2-2" && d[0] === "8") || (shape === "3-3-2-2" && (w.paren || phoneWord(memo)))) {
    const nsn = shape === "1-3-3-2-2" ? d.slice(1) : d;
    if ("3489".includes(nsn[0]!)) return candidate("phone", w, phoneWord(memo) ? 0.9 : 0.7);
  }
  // trunk prefix 0 (UK, DE, FR, IT, NL): an area code of 2-5 digits, then the subscriber number in 1-3 groups
  if (d[0] === "0" && d[1] !== "0" && (len >= 10 || phoneWord(memo))) {
    const pairs = count === 5 && shape === "2-2-2-2-2" && len === 10;
    const area = w.groups[0]!.length;
    const split = count >= 2 && count <= 4 && area >= 2 && area <= 5 && w.groups.slice(1).every((g) => g.length >= 2);
    if ((pairs || split) && (sameSeps || w.paren)) return candidate("phone", w, phoneWord(memo) ? 0.9 : 0.7);
  }
  // nine digits without a trunk prefix (ES, PT, IT mobiles): 612 345 678, 91 123 45 67, 912 345 678
  if (len === 9 && count >= 3 && sameSeps && (shape === "3-3-3" || shape === "3-2-2-2" || shape === "2-3-2-2" || shape === "2-3-4")) {
    // 612 345 678 is also 612 million written with spaces: in groups of three only after a word that says phone
    const thousands = shape === "3-3-3";
    const lead = "6789".includes(d[0]!) || (d[0] === "2" && shape === "2-3-4");
    if (lead && (!thousands || phoneWord(memo))) return candidate("phone", w, phoneWord(memo) ? 0.9 : 0.7);
  }
  // IT mobiles: 333 1234567, 333 123 4567 (the latter is also US-shaped)
  if (
    d[0] === "3" &&
    (len === 10 || len === 9) &&
    (shape === "3-7" || shape === "3-6" || shape === "3-3-4" || (shape === "3-3-3" && phoneWord(memo))) &&
    sameSeps
  ) {
    return candidate("phone", w, phoneWord(memo) ? 0.9 : 0.7);
  }
  // any country, no shape: digits only after a word that says phone
  if (count === 1 && phoneWord(memo)) return candidate("phone", w, 0.75);
  return null;
}

interface PhoneContext {
  readonly text: string;
  readonly start: number;
  said: boolean | undefined;
}

function phoneWord(memo: PhoneContext): boolean {
  memo.said ??= hasWord(before(memo.text, memo.start), PHONE_WORDS);
  return memo.said;
}

// ---------------------------------------------------------------------------------------------------------
// What has letters in it: RE2 over one UTF-8 copy, behind one pass of a prefilter of every pattern.

interface Judged {
  readonly type: PiiType;
  readonly confidence: number;
  /** Where the value starts in the match, and its length in bytes, when it is not the whole match. */
  readonly offset?: number;
  readonly length?: number;
}

/** Nothing here; look again from this offset in the match. */
interface Resume {
  readonly resume: number;
}

interface LetterRule {
  readonly pattern: string;
  /** After a rejected match, look again from its next character (a value may start inside it) or after it. */
  readonly retryInside: boolean;
  readonly judge: (value: string, bytes: Buffer, start: number) => Judged | Resume | null;
}

const LETTER_RULES: readonly LetterRule[] = [
  // IBAN: country, check digits, BBAN in groups of four or unspaced
  { pattern: String.raw`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b`, retryInside: false, judge: judgeIban },
  // UK NINO: two prefix letters (not D, F, I, Q, U, V; second not O), six digits, suffix A-D
  {
    pattern: String.raw`\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b`,
    retryInside: false,
    judge: (value, bytes, start) => {
      if (["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].includes(value.slice(0, 2))) return null;
      const context = bytesBefore(bytes, start);
      return { type: "uk-nino", confidence: hasWord(context, NINO_WORDS) ? 0.95 : 0.85 };
    },
  },
  {
    pattern: String.raw`\b\d{8}[ -]?[A-Z]\b`,
    retryInside: false,
    judge: (value) => (dniValid(compact(value)) ? { type: "es-dni", confidence: 1 } : null),
  },
  {
    pattern: String.raw`\b[XYZ][ -]?\d{7}[ -]?[A-Z]\b`,
    retryInside: false,
    judge: (value) => (nieValid(compact(value)) ? { type: "es-nie", confidence: 1 } : null),
  },
  {
    pattern: String.raw`\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b`,
    retryInside: false,
    judge: (value) => (codiceFiscaleValid(value) ? { type: "it-codice-fiscale", confidence: 1 } : null),
  },
  // NIR of someone born in Corsica: département 2A or 2B
  {
    pattern: String.raw`\b[1278] ?\d{2} ?\d{2} ?2[AB] ?\d{3} ?\d{3} ?\d{2}\b`,
    retryInside: false,
    judge: (value) => (nirValid(compact(value)) ? { type: "fr-nir", confidence: 1 } : null),
  },
  // IPv6: eight groups, or fewer around one `::` (a time, `12:30:45`, is neither and costs no call)
  {
    pattern: "(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?",
    retryInside: false,
    judge: judgeIpv6,
  },
];

const letterPrefilter = new RE2(LETTER_RULES.map((r) => `(?:${r.pattern})`).join("|"));
const letterSet = new RE2.Set(
  LETTER_RULES.map((r) => r.pattern),
  { maxMem: 16 << 20 },
);
const letterRegexes = LETTER_RULES.map((r) => new RE2(r.pattern, "g"));

/** What RE2 returns for a match in a buffer: offsets in bytes. */
type ByteMatch = { readonly index: number } & ArrayLike<Buffer | undefined>;

function execBytes(regex: RE2, bytes: Buffer): ByteMatch | null {
  return regex.exec(bytes) as unknown as ByteMatch | null;
}

function compact(value: string): string {
  let out = "";
  for (const ch of value) if (ch !== " " && ch !== "-") out += ch;
  return out;
}

/** The words before a byte offset, lower-cased, for context. */
function bytesBefore(bytes: Buffer, start: number): string {
  return bytes
    .subarray(Math.max(0, start - CONTEXT_BEFORE * 2), start)
    .toString("utf8")
    .toLowerCase();
}

function scanWithRegexes(text: string, out: Candidate[]): void {
  // one UTF-8 copy for every regex: given a string, each RE2 object would make its own
  const bytes = Buffer.from(text, "utf8");
  const found: Candidate[] = [];
  if (letterPrefilter.test(bytes)) {
    for (const index of rulesPresent(bytes)) {
      const rule = LETTER_RULES[index];
      const regex = letterRegexes[index];
      if (rule && regex) scanRule(rule, regex, bytes, found);
    }
  }
  if (found.length === 0) return;
  for (const c of bytes.length === text.length ? found : toUtf16Offsets(found, bytes)) out.push(c);
}

function rulesPresent(bytes: Buffer): readonly number[] {
  try {
    return letterSet.match(bytes);
  } catch {
    return LETTER_RULES.map((_, index) => index);
  }
}

function scanRule(rule: LetterRule, regex: RE2, bytes: Buffer, out: Candidate[]): void {
  regex.lastIndex = 0;
  for (let match = execBytes(regex, bytes); match !== null; match = execBytes(regex, bytes)) {
    const whole = match[0];
    if (whole === undefined || whole.length === 0) {
      regex.lastIndex = match.index + 1;
      continue;
    }
    const judged = rule.judge(whole.toString("latin1"), bytes, match.index);
    if (judged === null) {
      regex.lastIndex = match.index + (rule.retryInside ? 1 : whole.length);
      continue;
    }
    if ("resume" in judged) {
      regex.lastIndex = match.index + Math.max(1, judged.resume);
      continue;
    }
    const start = match.index + (judged.offset ?? 0);
    const end = start + (judged.length ?? whole.length);
    out.push({ type: judged.type, start, end, confidence: judged.confidence });
    regex.lastIndex = end;
  }
  regex.lastIndex = 0;
}

/**
 * An IBAN may start at the match or after any space in it (`AB12 DE89 3704…`): each start is tried in plain
 * code, so a run of look-alike groups costs one regex match, not one per group.
 */
function judgeIban(value: string): Judged | Resume {
  for (let p = 0; p + 4 <= value.length; p++) {
    if (p > 0 && value[p - 1] !== " ") continue;
    const length = IBAN_LENGTHS[value.slice(p, p + 2)];
    if (length === undefined || !isDigit(value.charCodeAt(p + 2)) || !isDigit(value.charCodeAt(p + 3))) continue;
    // take the country's length, which must end at a boundary: the match may run on into a following group
    let taken = 0;
    let i = p;
    let iban = "";
    while (i < value.length && taken < length) {
      const ch = value[i]!;
      if (ch !== " ") {
        iban += ch;
        taken++;
      }
      i++;
    }
    if (taken < length) return { resume: p };
    if (i < value.length && value[i] !== " ") continue;
    if (ibanValid(iban)) return { type: "iban", confidence: 1, offset: p, length: i - p };
  }
  return { resume: value.length };
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function judgeIpv6(value: string, bytes: Buffer, start: number): Judged | null {
  const before = start > 0 ? (bytes[start - 1] ?? SPACE) : SPACE;
  const after = bytes[start + value.length] ?? SPACE;
  const afterNext = bytes[start + value.length + 1] ?? SPACE;
  // part of something longer: `a::b::c`, `std::x`, `…::1.2.3.4`; a full stop ending a sentence is fine
  if (isAsciiAlnum(before) || before === 58 || before === DOT || isAsciiAlnum(after) || after === 58) return null;
  if (after === DOT && isAsciiAlnum(afterNext)) return null;
  const halves = value.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 && halves[1] !== "" ? halves[1]!.split(":") : [];
  const groups = [...head, ...tail];
  // a time (`12:30:45`) or a MAC address has neither eight groups nor `::`
  if (halves.length === 1 ? groups.length !== 8 : groups.length > 7) return null;
  if (groups.some((g) => g.length === 0 || g.length > 4)) return null;
  const words = [...head, ...new Array<string>(8 - groups.length).fill("0"), ...tail].map((g) => Number.parseInt(g, 16));
  const [w0, w1] = words as [number, number];
  if (words.every((x) => x === 0)) return null; // unspecified
  if (words.slice(0, 7).every((x) => x === 0) && words[7] === 1) return null; // loopback
  if (w0 === 0x2001 && w1 === 0x0db8) return null; // RFC 3849 documentation
  if (w0 >= 0xff00) return null; // multicast
  return { type: "ip-address", confidence: 0.85 };
}

const FILE_EXTENSIONS = new Set([
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "ico",
  "bmp",
  "tif",
  "tiff",
  "avif",
  "heic",
  "js",
  "mjs",
  "cjs",
  "ts",
  "tsx",
  "jsx",
  "json",
  "css",
  "scss",
  "less",
  "html",
  "htm",
  "md",
  "txt",
  "pdf",
  "zip",
  "gz",
  "tgz",
  "tar",
  "py",
  "rb",
  "go",
  "rs",
  "java",
  "kt",
  "swift",
  "cpp",
  "hpp",
  "yml",
  "yaml",
  "toml",
  "xml",
  "lock",
  "log",
  "sh",
  "vue",
  "wasm",
  "map",
  "mp3",
  "mp4",
  "wav",
  "mov",
  "csv",
  "exe",
  "dll",
  "so",
  "bin",
  "min",
]);
/** Reserved for examples and tests (RFC 2606, RFC 6761) or never public. */
const RESERVED_TLDS = new Set(["example", "test", "invalid", "localhost", "local", "internal", "localdomain", "lan", "arpa"]);
const RESERVED_DOMAINS = new Set(["example.com", "example.org", "example.net", "example.edu"]);
const CODE_RECEIVERS = new Set(["self", "this", "super", "cls", "np", "torch"]);

// E-mail addresses, in plain code from each `@`: the local part to its left (64 characters at most), the
// domain to its right (253 at most, and never past the next `@`), so a flood of `@` stays linear and a
// flood of addresses costs no regex call per address.

const LOCAL_MAX = 64;
const DOMAIN_MAX = 253;

function isLocalChar(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === DOT || c === 95 || c === 37 || c === PLUS || c === DASH;
}

function isLabelChar(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === DASH;
}

function scanEmails(text: string, out: Candidate[]): void {
  let floor = 0;
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > floor && at - start < LOCAL_MAX && isLocalChar(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === DOT) start++;
    if (start === at || text.charCodeAt(at - 1) === DOT) continue;
    // the domain: labels of letters, digits and `-`, joined by single dots; it ends at the last letter of its TLD
    let end = at + 1;
    let tldStart = -1;
    while (end < text.length && end - at <= DOMAIN_MAX) {
      const c = text.charCodeAt(end);
      if (isLabelChar(c)) end++;
      else if (c === DOT && end > at + 1 && isLabelChar(text.charCodeAt(end + 1)) && text.charCodeAt(end - 1) !== DASH) {
        tldStart = end + 1;
        end++;
      } else break;
    }
    if (tldStart < 0 || end - tldStart < 2 || end - tldStart > 24) continue;
    let letters = true;
    for (let i = tldStart; i < end && letters; i++) letters = isLetter(text.charCodeAt(i));
    if (!letters || !isAddress(text, start, at, end)) continue;
    out.push({ type: "email", start, end, confidence: 0.9 });
    floor = end;
    at = end - 1;
  }
}

function isAddress(text: string, start: number, at: number, end: number): boolean {
  const domain = text.slice(at + 1, end).toLowerCase();
  const labels = domain.split(".");
  const tld = labels[labels.length - 1] ?? "";
  // `icon@2x.png`, `admin@db.local`, `x@self.weight`
  if (FILE_EXTENSIONS.has(tld) || RESERVED_TLDS.has(tld) || CODE_RECEIVERS.has(labels[0] ?? "")) return false;
  for (const reserved of RESERVED_DOMAINS) if (domain === reserved || domain.endsWith(`.${reserved}`)) return false;
  const before = start > 0 ? text.charCodeAt(start - 1) : SPACE;
  // `@scope/pkg@1.0`, `a@b@c.com`, `dir/file@host.com`: not an address
  if (before === 64 || before === SLASH) return false;
  // `https://user:pass@host`: a URL's credentials, the secrets detector's business
  if (before === 58 && inUrl(text, start)) return false;
  const after = end < text.length ? text.charCodeAt(end) : SPACE;
  const afterNext = end + 1 < text.length ? text.charCodeAt(end + 1) : SPACE;
  // `git@github.com:org/repo`, `user@host.com/path`: a remote, not an address
  if ((after === 58 || after === SLASH) && !isSpace(afterNext) && afterNext !== 10 && afterNext !== 13) return false;
  return after !== 64;
}

function inUrl(text: string, start: number): boolean {
  for (let i = start - 1; i > 0 && start - i < 256; i--) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 10 || c === 13 || c === 9 || c === 34 || c === 39 || c === 60) return false;
    if (c === SLASH && text.charCodeAt(i - 1) === SLASH) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------

/**
 * One finding per stretch of text: in order of starts, a candidate overlapping the one kept before it replaces
 * it when it is more certain, or as certain and longer. Linear after the sort.
 */
function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  if (candidates.length <= 1) return candidates;
  const sorted = candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    const last = kept[kept.length - 1];
    if (last === undefined || c.start >= last.end) kept.push(c);
    else if (c.confidence > last.confidence || (c.confidence === last.confidence && c.end - c.start > last.end - last.start)) kept[kept.length - 1] = c;
  }
  return kept;
}

function toFinding(c: Candidate): GuardFinding {
  return { detector: DETECTOR, category: CATEGORY, type: c.type, severity: SEVERITY[c.type], span: { start: c.start, end: c.end }, confidence: c.confidence };
}
