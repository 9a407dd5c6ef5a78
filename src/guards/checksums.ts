// Check digits of the identifiers the PII detector reports. A number that fails its check is not that
// identifier, whatever it looks like: these are what keep an order number from being reported as a card.
// Plain code over the characters: every function here is linear in a short candidate and allocates nothing.

function digitAt(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const d = digitAt(s, i);
    if (d < 0 || d > 9) return false;
  }
  return s.length > 0;
}

/** Luhn (ISO/IEC 7812): payment cards. */
export function luhnValid(digits: string): boolean {
  if (!allDigits(digits) || digits.length < 2) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digitAt(digits, digits.length - 1 - i);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBAN lengths by country (the SWIFT IBAN registry); a country not here has no IBAN. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** ISO 13616: the country's length, then mod 97 of the rearranged number is 1. `iban` is upper-case, no spaces. */
export function ibanValid(iban: string): boolean {
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  if (length === undefined || iban.length !== length || !allDigits(iban.slice(2, 4))) return false;
  let rem = 0;
  for (let k = 0; k < iban.length; k++) {
    const c = iban.charCodeAt((k + 4) % iban.length);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * French NIR (numéro de sécurité sociale), 15 characters without spaces: the key is 97 minus the first 13
 * mod 97, with Corsica's departments 2A and 2B read as 19 and 18.
 */
export function nirValid(nir: string): boolean {
  if (nir.length !== 15) return false;
  const department = nir.slice(5, 7);
  const corsica = department === "2A" ? "19" : department === "2B" ? "18" : department;
  const body = `${nir.slice(0, 5)}${corsica}${nir.slice(7, 13)}`;
  if (!allDigits(body) || !allDigits(nir.slice(13))) return false;
  let rem = 0;
  for (let i = 0; i < 13; i++) rem = (rem * 10 + digitAt(body, i)) % 97;
  return 97 - rem === Number(nir.slice(13));
}

const DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";

/** Spanish DNI: eight digits and the letter of their value mod 23. */
export function dniValid(dni: string): boolean {
  if (dni.length !== 9 || !allDigits(dni.slice(0, 8))) return false;
  return DNI_LETTERS[Number(dni.slice(0, 8)) % 23] === dni[8];
}

/** Spanish NIE: X, Y or Z (read as 0, 1, 2), seven digits, and the DNI letter of that number. */
export function nieValid(nie: string): boolean {
  const lead = "XYZ".indexOf(nie[0] ?? "");
  if (nie.length !== 9 || lead < 0) return false;
  return dniValid(`${lead}${nie.slice(1)}`);
}

// the codice fiscale's values of a character in an odd (1st, 3rd, …) position; digits count as A..J
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

function cfIndex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 65;
  return -1;
}

/** Italian codice fiscale, 16 upper-case characters: the last is the check character of the first 15. */
export function codiceFiscaleValid(cf: string): boolean {
  if (cf.length !== 16) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const index = cfIndex(cf.charCodeAt(i));
    if (index < 0) return false;
    sum += i % 2 === 0 ? (CF_ODD[index] ?? 0) : index;
  }
  return String.fromCharCode(65 + (sum % 26)) === cf[15];
}

/** Dutch BSN: nine digits passing the 11-test (weights 9..2, the last digit −1). */
export function bsnValid(bsn: string): boolean {
  if (bsn.length !== 9 || !allDigits(bsn) || bsn === "000000000") return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += digitAt(bsn, i) * (9 - i);
  sum -= digitAt(bsn, 8);
  return sum % 11 === 0;
}

/**
 * German Steuer-ID (steuerliche Identifikationsnummer): eleven digits, no leading zero; in the first ten
 * exactly one digit occurs twice or three times (three never in a row) and the rest at most once; the last is
 * the ISO 7064 MOD 11,10 check digit.
 */
export function steuerIdValid(id: string): boolean {
  if (id.length !== 11 || !allDigits(id) || id[0] === "0") return false;
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 10; i++) counts[digitAt(id, i)]! += 1;
  let repeated = -1;
  for (let d = 0; d < 10; d++) {
    const n = counts[d] ?? 0;
    if (n > 3) return false;
    if (n >= 2) {
      if (repeated >= 0) return false;
      repeated = d;
    }
  }
  if (repeated < 0) return false;
  if (counts[repeated] === 3) {
    for (let i = 0; i + 2 < 10; i++) if (digitAt(id, i) === repeated && digitAt(id, i + 1) === repeated && digitAt(id, i + 2) === repeated) return false;
  }
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (digitAt(id, i) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = (11 - product) % 10;
  return check === digitAt(id, 10);
}

/** Brazilian CPF: eleven digits, not all the same, two mod-11 check digits. */
export function cpfValid(cpf: string): boolean {
  if (cpf.length !== 11 || !allDigits(cpf) || cpf === cpf[0]!.repeat(11)) return false;
  for (const n of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += digitAt(cpf, i) * (n + 1 - i);
    const check = ((sum * 10) % 11) % 10;
    if (check !== digitAt(cpf, n)) return false;
  }
  return true;
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Verhoeff's dihedral check: the whole number, check digit included, reduces to 0. */
export function verhoeffValid(digits: string): boolean {
  if (!allDigits(digits)) return false;
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    c = VERHOEFF_D[c]![VERHOEFF_P[i % 8]![digitAt(digits, digits.length - 1 - i)]!]!;
  }
  return c === 0;
}

/** Indian Aadhaar: twelve digits, the first 2–9, Verhoeff-valid. */
export function aadhaarValid(aadhaar: string): boolean {
  return aadhaar.length === 12 && aadhaar[0] !== "0" && aadhaar[0] !== "1" && verhoeffValid(aadhaar);
}
