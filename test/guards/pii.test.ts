import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PII_TYPES, piiDetector } from "../../src/guards/pii.js";
import type { GuardFinding } from "../../src/guards/types.js";
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
} from "../fixtures/guards/values.js";

// The PII detector flags personal data on its way to a model or back to a client. Every value here is
// random, made at test time with valid check digits by code apart from the detector's: nothing in this
// file belongs to a real person. A user notices three things: each value is found where it is, look-alikes
// (versions, dates, order numbers, hashes) are left alone, and no input makes the detector slow.

const detector = piiDetector();

interface Sample {
  readonly type: string;
  readonly value: string;
  /** The sentence, with `{}` where the value goes. */
  readonly sentence: string;
}

const SAMPLES: readonly (() => Sample)[] = [
  () => ({ type: "email", value: personalEmail(), sentence: "Please write to {} before Friday." }),
  () => ({ type: "email", value: personalEmail(), sentence: "Kontakt: <{}>" }),
  () => ({ type: "payment-card", value: cardNumber("visa", "spaces"), sentence: "My card is {} exp 04/29" }),
  () => ({ type: "payment-card", value: cardNumber("mastercard", "plain"), sentence: "Karte {}, bitte belasten" }),
  () => ({ type: "payment-card", value: cardNumber("mastercard2", "dashes"), sentence: "card={}" }),
  () => ({ type: "payment-card", value: cardNumber("amex", "spaces"), sentence: "Amex {}." }),
  () => ({ type: "payment-card", value: cardNumber("discover", "plain"), sentence: "numéro de carte {}" }),
  ...IBAN_COUNTRIES.map((country) => () => ({ type: "iban", value: ibanOf(country, randomInt(2) === 0), sentence: "IBAN: {} (Girokonto)" })),
  () => ({ type: "ip-address", value: ipv4(), sentence: "the request came from {} at noon" }),
  () => ({ type: "ip-address", value: ipv6(true), sentence: "client [{}] connected" }),
  () => ({ type: "ip-address", value: ipv6(false), sentence: "IPv6 {}." }),
  () => ({ type: "us-ssn", value: usSsn(), sentence: "SSN {} on file" }),
  () => ({ type: "us-ssn", value: usSsn().replaceAll("-", ""), sentence: "her social security number is {}" }),
  () => ({ type: "uk-nino", value: ukNino(false), sentence: "NI number {}" }),
  () => ({ type: "uk-nino", value: ukNino(true), sentence: "National Insurance: {}" }),
  () => ({ type: "fr-nir", value: frNir(true), sentence: "Mon numéro de sécurité sociale est le {}." }),
  () => ({ type: "fr-nir", value: frNir(false), sentence: "NIR {}" }),
  () => ({ type: "fr-nir", value: frNir(true, true), sentence: "né en Corse : {}" }),
  () => ({ type: "es-dni", value: esDni(), sentence: "Mi DNI es {}." }),
  () => ({ type: "es-nie", value: esNie(), sentence: "NIE {}, residente" }),
  () => ({ type: "it-codice-fiscale", value: itCodiceFiscale(), sentence: "Il mio codice fiscale è {}" }),
  () => ({ type: "nl-bsn", value: nlBsn(), sentence: "Mijn BSN is {}." }),
  () => ({ type: "de-tax-id", value: deTaxId(), sentence: "Meine Steuer-ID lautet {}." }),
  () => {
    const v = deTaxId();
    return { type: "de-tax-id", value: `${v.slice(0, 2)} ${v.slice(2, 5)} ${v.slice(5, 8)} ${v.slice(8)}`, sentence: "IdNr. {}" };
  },
  () => ({ type: "br-cpf", value: brCpf(true), sentence: "Meu CPF: {}" }),
  () => ({ type: "br-cpf", value: brCpf(false), sentence: "CPF {} (titular)" }),
  () => ({ type: "in-aadhaar", value: inAadhaar(true), sentence: "Aadhaar {} linked" }),
  () => ({ type: "in-aadhaar", value: inAadhaar(false), sentence: "my aadhaar number is {}" }),
  ...Object.entries(PHONE_FORMS).map(([, form]) => () => ({ type: "phone", value: form(), sentence: "Call me on {} tomorrow." })),
];

function place(sample: Sample, prefix = ""): { text: string; start: number; end: number } {
  const [head, tail] = sample.sentence.split("{}") as [string, string];
  const text = `${prefix}${head}${sample.value}${tail}`;
  const start = prefix.length + head.length;
  return { text, start, end: start + sample.value.length };
}

function summary(findings: readonly GuardFinding[], text: string): string[] {
  return findings.map((f) => `${f.type} ${JSON.stringify(text.slice(f.span.start, f.span.end))}`);
}

describe("the PII detector", () => {
  it("says it is the pii detector, of category pii", () => {
    expect(detector.name).toBe("pii");
    expect(detector.categories).toEqual(["pii"]);
  });

  it("finds each kind of personal data, with its exact span", () => {
    const seen = new Set<string>();
    for (let round = 0; round < 20; round++) {
      for (const make of SAMPLES) {
        const sample = make();
        const { text, start, end } = place(sample);
        const findings = detector.detect(text);
        expect(summary(findings, text), text).toEqual([`${sample.type} ${JSON.stringify(sample.value)}`]);
        expect(findings[0]?.span, text).toEqual({ start, end });
        seen.add(sample.type);
      }
    }
    expect([...seen].sort()).toEqual([...PII_TYPES].sort());
  });

  it("keeps spans right after multi-byte text (accents, CJK, emoji)", () => {
    const prefixes = ["Grüße aus Köln — ", "请联系我们：", "🙂🙂 note 👉 ", "Ελληνικά και русский текст. "];
    for (const make of SAMPLES) {
      const sample = make();
      const prefix = prefixes[randomInt(prefixes.length)]!;
      const { text, start, end } = place(sample, prefix);
      const findings = detector.detect(text);
      expect(
        findings.map((f) => f.span),
        text,
      ).toEqual([{ start, end }]);
      expect(text.slice(findings[0]!.span.start, findings[0]!.span.end)).toBe(sample.value);
    }
  });

  it("finds several values in one text, in order", () => {
    const email = personalEmail();
    const card = cardNumber("visa", "spaces");
    const phone = PHONE_FORMS["uk +44 (0)"]!();
    const text = `From ${email}: charge ${card} and call ${phone}; 日本 ${inAadhaar(true)}`;
    expect(detector.detect(text).map((f) => f.type)).toEqual(["email", "payment-card", "phone", "in-aadhaar"]);
  });

  it("never carries the matched text in a finding", () => {
    const card = cardNumber("visa", "plain");
    const email = personalEmail();
    const findings = detector.detect(`pay with ${card}, receipt to ${email}`);
    expect(findings).toHaveLength(2);
    const serialised = JSON.stringify(findings);
    expect(serialised).not.toContain(card);
    expect(serialised).not.toContain(email.split("@")[0]!);
  });

  it("is sure of checksummed values, less of phones, e-mail and IPs, and more of a phone after the word", () => {
    const byType = (text: string): GuardFinding => detector.detect(text)[0]!;
    expect(byType(`card ${cardNumber("visa")}`).confidence).toBe(1);
    expect(byType(`IBAN ${ibanOf("FR")}`).confidence).toBe(1);
    expect(byType(`write ${personalEmail()}`).confidence).toBeLessThan(1);
    expect(byType(`from ${ipv4()}`).confidence).toBeLessThan(1);
    const number = PHONE_FORMS["fr national"]!();
    const bare = byType(`voilà ${number}`).confidence;
    const withWord = byType(`téléphone ${number}`).confidence;
    expect(bare).toBeLessThan(1);
    expect(withWord).toBeGreaterThan(bare);
  });

  it("does not report numbers whose check digits fail", () => {
    const failing = [
      `card ${breakLastDigit(cardNumber("visa", "spaces"))}`,
      `card ${breakLastDigit(cardNumber("amex", "plain"))}`,
      `IBAN ${breakLastDigit(ibanOf("DE", false))}`,
      `IBAN ${breakLastDigit(ibanOf("GB", true))}`,
      `CPF ${breakLastDigit(brCpf(true))}`,
      `Mijn BSN is ${breakLastDigit(nlBsn())}`,
      `Aadhaar ${breakLastDigit(inAadhaar(true))}`,
      `Steuer-ID ${breakLastDigit(deTaxId())}`,
      `NIR ${breakLastDigit(frNir(false))}`,
    ];
    for (const text of failing) expect(summary(detector.detect(text), text), text).toEqual([]);
    const dni = esDni();
    const wrongLetter = `${dni.slice(0, 8)}${dni[8] === "A" ? "B" : "A"}`;
    expect(detector.detect(`DNI ${wrongLetter}`)).toEqual([]);
    const cf = itCodiceFiscale();
    expect(detector.detect(`CF ${cf.slice(0, 15)}${cf[15] === "A" ? "B" : "A"}`)).toEqual([]);
  });

  it("leaves look-alikes alone", () => {
    const hex = (n: number): string => Array.from({ length: n }, () => "0123456789abcdef"[randomInt(16)]).join("");
    const notLuhn = (): string => {
      for (;;) {
        const n = digits(16, "123456789");
        let sum = 0;
        for (let i = 0; i < 16; i++) {
          let d = Number(n[15 - i]);
          if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
          sum += d;
        }
        if (sum % 10 !== 0) return n;
      }
    };
    const lookalikes = [
      "retina icon: logo@2x.png and logo@3x.webp",
      "npm i -D @types/node@20 typescript@5.4.5 lodash@4.17.21",
      "git clone git@github.com:acme/widgets.git",
      "ssh deploy@buildhost and user@localhost",
      `write to ${"jane.doe"}@example.com, bob@mail.example.org, ops@ci.test, x@y.invalid or me@printer.local`,
      "pip install requests==2.31.0; see https://user@docs.python.org/3/",
      "version 1.2.3.4 shipped; build 10.0.19041.1; Chrome/120.0.6099.109; firmware v2.1.0.7",
      "loopback 127.0.0.1, unspecified 0.0.0.0, docs 192.0.2.10 198.51.100.7 203.0.113.99, multicast 224.0.0.251",
      "IPv6 ::1 and :: and 2001:db8::8a2e:370:7334 and ff02::1 are not anyone's",
      "std::vector<int> and a::b::c and 12:30:45 and 00:1a:2b:3c:4d:5e",
      "on 2024-03-15, 15/03/2024, 03.15.2024 and 15.03.2024 at 14:30:00",
      "ISBN 978-3-16-148410-0 and 9783161484100",
      "timestamp 1718031234567 ms and 1718031234 s",
      "total $1,234.56 or €1.234,56 or 4 999,00 zł",
      "order #4111111111111111 and order no. 2024-000123-45 and ORD-123456789",
      "tracking 1Z999AA10123456784 and 9400111899223100012345",
      `txn ${notLuhn()} and id ${notLuhn()}`,
      "SSNs never issued: 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567, 123-45-0000",
      `uuid ${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      `commit ${hex(40)} sha256:${hex(64)} md5 ${hex(32)}`,
      "coordinates 48.8566, 2.3522 and 40.7128 -74.0060 and 51.5074° N, 0.1278° W",
      "page 123 of 456, 1 234 567 inhabitants, 10 20 30 40 50",
      "call the function 3 times with 255 255 255 0",
      "OID 1.3.6.1.4.1.311 and the mask 255.255.255.0",
    ];
    for (const text of lookalikes) expect(summary(detector.detect(text), text), text).toEqual([]);
  });

  it("does not read a phone number into a bare run of digits", () => {
    for (let i = 0; i < 50; i++) {
      const text = `row ${digits(10, "123456789")} qty ${digits(9, "123456789")} ref ${digits(12, "123456789")}`;
      const phones = detector.detect(text).filter((f) => f.type === "phone");
      expect(phones, text).toEqual([]);
    }
  });

  it("finds a phone number after a word in capitals, but not inside an IBAN's groups", () => {
    const phone = PHONE_FORMS["de mobile slash"]!();
    expect(summary(detector.detect(`CALL ${phone} NOW`), `CALL ${phone} NOW`)).toEqual([`phone ${JSON.stringify(phone)}`]);
    const broken = breakLastDigit(ibanOf("GB", true));
    expect(detector.detect(`IBAN ${broken}`)).toEqual([]);
  });

  it("finds a phone number after the word that says so, even as a bare run", () => {
    const text = `Telefon: ${digits(11, "0")}`;
    expect(detector.detect(text).map((f) => f.type)).toEqual(["phone"]);
  });

  it("inspects 1 MB of hostile text in well under a second", () => {
    const floods = [
      "1 ".repeat(500_000),
      "1.".repeat(500_000),
      "+1 (2) 3-4/5 ".repeat(80_000),
      "@".repeat(1_000_000),
      "a@".repeat(500_000),
      "a@b.".repeat(250_000),
      "x.y@a.b".repeat(140_000),
      ":".repeat(1_000_000),
      "1:".repeat(500_000),
      "DE00 ".repeat(200_000),
      "AB12 ".repeat(200_000),
      "4111 1111 1111 1111 ".repeat(50_000),
      Array.from({ length: 60_000 }, () => `${digits(12)} `).join(""),
    ];
    for (const text of floods) {
      const started = performance.now();
      detector.detect(text);
      const elapsed = performance.now() - started;
      expect(elapsed, `${JSON.stringify(text.slice(0, 20))}…`).toBeLessThan(1000);
    }
  });
});
