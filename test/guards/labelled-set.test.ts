import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate, HERE, OBFUSCATIONS, rot13 } from "../fixtures/guards/labelled/generate.js";
import { type LabelledItem, loadLabelledSet } from "../fixtures/guards/labelled/index.js";

// The held-out labelled set's shape: a detector measured on it is measured on what the issue asks for —
// enough attacks in every language and obfuscation, look-alikes that must pass, and secrets and personal
// data whose spans and checksums are right. Checksums are re-checked here by independent code.

const set = loadLabelledSet();
const of = (name: LabelledItem["set"]) => set.filter((x) => x.set === name);
const count = (items: readonly LabelledItem[], key: (x: LabelledItem) => string | undefined) => {
  const m = new Map<string, number>();
  for (const x of items) m.set(key(x) ?? "", (m.get(key(x) ?? "") ?? 0) + 1);
  return m;
};
const NON_ENGLISH = ["de", "fr", "es", "it", "pt", "ru", "zh", "ja"];
const TECHNIQUES = ["override", "persona", "fake-marker", "prompt-leak", "indirect", "fiction"];

const attacks = of("injection");
const plainAttacks = attacks.filter((x) => x.obfuscation === "none");
const byId = new Map(set.map((x) => [x.id, x]));

describe("the labelled set's size", () => {
  it("holds at least 320 attacks, 200 of them written plainly, and 20 of every obfuscation", () => {
    expect(attacks.length).toBeGreaterThanOrEqual(320);
    expect(plainAttacks.length).toBeGreaterThanOrEqual(200);
    const kinds = count(attacks, (x) => x.obfuscation);
    for (const kind of OBFUSCATIONS) expect(kinds.get(kind) ?? 0, kind).toBeGreaterThanOrEqual(20);
  });

  it("writes at least 25 plain attacks in every non-English language and covers every technique", () => {
    const langs = count(plainAttacks, (x) => x.lang);
    for (const lang of NON_ENGLISH) expect(langs.get(lang) ?? 0, lang).toBeGreaterThanOrEqual(25);
    expect(langs.get("en") ?? 0).toBeGreaterThanOrEqual(60);
    const techniques = count(plainAttacks, (x) => x.technique);
    for (const t of TECHNIQUES) expect(techniques.get(t) ?? 0, t).toBeGreaterThanOrEqual(15);
    expect([...techniques.keys()].sort()).toEqual([...TECHNIQUES].sort());
  });

  it("holds at least 320 benign look-alikes, 20 in every non-English language", () => {
    const benign = of("benign");
    expect(benign.length).toBeGreaterThanOrEqual(320);
    const langs = count(benign, (x) => x.lang);
    for (const lang of NON_ENGLISH) expect(langs.get(lang) ?? 0, lang).toBeGreaterThanOrEqual(20);
    expect(benign.every((x) => x.category === "benign" && typeof x.lookalike === "string")).toBe(true);
  });

  it("holds at least 110 secrets, 110 secret look-alikes, 110 pieces of personal data and 110 of their look-alikes", () => {
    for (const name of ["secrets", "secrets-benign", "pii", "pii-benign"] as const) expect(of(name).length, name).toBeGreaterThanOrEqual(110);
    expect(new Set(of("secrets").map((x) => x.type)).size).toBeGreaterThanOrEqual(25);
    expect(new Set(of("pii").map((x) => x.type)).size).toBeGreaterThanOrEqual(16);
  });
});

describe("the labelled set's items", () => {
  it("have unique ids", () => {
    expect(new Set(set.map((x) => x.id)).size).toBe(set.length);
  });

  it("label attacks with a known category, technique, obfuscation and language", () => {
    for (const x of attacks) {
      expect(["injection", "jailbreak"], x.id).toContain(x.category);
      expect(TECHNIQUES, x.id).toContain(x.technique);
      expect(["none", ...OBFUSCATIONS], x.id).toContain(x.obfuscation);
      expect(["en", ...NON_ENGLISH], x.id).toContain(x.lang);
      expect(x.text.trim().length, x.id).toBeGreaterThan(10);
    }
  });

  it("derive every obfuscated attack from a plain one, label it alike, and change its text recoverably", () => {
    const ZW = /\u200b|\u200c|\u200d|\u2060|\ufeff/g;
    for (const x of attacks.filter((a) => a.obfuscation !== "none")) {
      const src = byId.get(x.source ?? "");
      expect(src?.obfuscation, x.id).toBe("none");
      if (src === undefined) continue;
      expect([x.category, x.technique, x.lang], x.id).toEqual([src.category, src.technique, src.lang]);
      expect(x.text, x.id).not.toBe(src.text);
      const bytes = Buffer.from(src.text, "utf8");
      switch (x.obfuscation) {
        case "base64":
          expect(x.text, x.id).toContain(bytes.toString("base64"));
          break;
        case "hex": {
          const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0"));
          expect(
            [hex.join(" "), hex.join(""), hex.map((h) => `\\x${h}`).join("")].some((h) => x.text.includes(h)),
            x.id,
          ).toBe(true);
          break;
        }
        case "rot13":
          expect(x.text, x.id).toContain(rot13(src.text));
          break;
        case "zero-width":
          expect(x.text.replace(ZW, ""), x.id).toBe(src.text);
          break;
        case "tag": {
          const hidden = [...x.text]
            .map((c) => c.codePointAt(0)!)
            .filter((cp) => cp > 0xe0001 && cp < 0xe007f)
            .map((cp) => String.fromCharCode(cp - 0xe0000))
            .join("");
          expect(hidden, x.id).toBe(src.text);
          break;
        }
        case "homoglyph":
          expect(x.text, x.id).toMatch(/[\u0400-\u04ff\u0370-\u03ff]/);
          expect(x.text.length, x.id).toBe(src.text.length);
          break;
        case "split":
          expect(x.text.replace(/[.\-_* ]/g, ""), x.id).toBe(src.text.replace(/[.\-_* ]/g, ""));
          break;
        case "leet":
          expect(x.text, x.id).toMatch(/[0-9@$!]/);
          expect(x.text.length, x.id).toBe(src.text.length);
          break;
      }
    }
  });

  it("point every secret's and every piece of personal data's span at the generated value, once", () => {
    for (const x of [...of("secrets"), ...of("pii")]) {
      expect(x.span, x.id).not.toBeNull();
      const [start, end] = x.span!;
      expect(x.text.slice(start, end), x.id).toBe(x.value);
      expect(x.text.indexOf(x.value!, start + 1), x.id).toBe(-1);
    }
    for (const x of [...of("secrets-benign"), ...of("pii-benign")]) expect(x.span, x.id).toBeNull();
  });
});

const SECRET_FORMATS: Record<string, RegExp> = {
  "aws-access-key-id": /^AKIA[A-Z2-7]{16}$/,
  "aws-secret-access-key": /^[A-Za-z0-9+/]{40}$/,
  "github-pat": /^ghp_[A-Za-z0-9]{36}$/,
  "github-fine-grained-pat": /^github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}$/,
  "github-oauth-token": /^gho_[A-Za-z0-9]{36}$/,
  "gitlab-pat": /^glpat-[A-Za-z0-9_-]{20}$/,
  "slack-bot-token": /^xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24}$/,
  "slack-user-token": /^xoxp-\d+-\d+-\d+-[a-f0-9]{32}$/,
  "slack-webhook": /^https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{24}$/,
  "openai-api-key": /^sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}$/,
  "openai-project-key": /^sk-proj-[A-Za-z0-9_-]+T3BlbkFJ[A-Za-z0-9_-]+$/,
  "anthropic-api-key": /^sk-ant-api03-[A-Za-z0-9_-]{93}AA$/,
  "huggingface-token": /^hf_[A-Za-z]{34}$/,
  "stripe-secret-key": /^sk_live_[A-Za-z0-9]{24,99}$/,
  "stripe-restricted-key": /^rk_live_[A-Za-z0-9]{24,99}$/,
  "google-api-key": /^AIza[A-Za-z0-9_-]{35}$/,
  jwt: /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/,
  "private-key-rsa": /^-----BEGIN RSA PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END RSA PRIVATE KEY-----$/,
  "private-key-ec": /^-----BEGIN EC PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END EC PRIVATE KEY-----$/,
  "private-key-openssh": /^-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----$/,
  "npm-token": /^npm_[A-Za-z0-9]{36}$/,
  "sendgrid-api-key": /^SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/,
  "twilio-api-key": /^SK[a-f0-9]{32}$/,
  "azure-storage-key": /^[A-Za-z0-9+/]{86}==$/,
  "database-password": /^[A-Za-z0-9]{14,25}$/,
  "generic-password": /^[A-Za-z0-9!#%^*_-]{16,27}$/,
};

// Independent checksum code: the generator's own helpers are not used, so a bug there cannot hide here.
const digitsOf = (s: string) => s.replace(/\D/g, "");
function luhnValid(s: string): boolean {
  const ds = digitsOf(s);
  let sum = 0;
  for (let i = 0; i < ds.length; i++) {
    let d = Number(ds[ds.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
function ibanValid(s: string): boolean {
  const raw = s.replace(/ /g, "");
  const moved = raw.slice(4) + raw.slice(0, 4);
  return BigInt([...moved].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join("")) % 97n === 1n;
}
function verhoeffOk(s: string): boolean {
  const d = (a: number, b: number) => {
    if (a < 5 && b < 5) return (a + b) % 5;
    if (a < 5) return ((a + (b - 5)) % 5) + 5;
    if (b < 5) return ((a - 5 - b + 5) % 5) + 5;
    return (a - 5 - (b - 5) + 5) % 5;
  };
  const perm = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4];
  const p = (i: number, n: number) => {
    let v = n;
    for (let k = 0; k < i % 8; k++) v = perm[v]!;
    return v;
  };
  let c = 0;
  [...digitsOf(s)].reverse().forEach((ch, i) => {
    c = d(c, p(i, Number(ch)));
  });
  return c === 0;
}
function cpfValid(s: string): boolean {
  const ds = [...digitsOf(s)].map(Number);
  const dv = (n: number) => {
    const sum = ds.slice(0, n).reduce((acc, d, i) => acc + d * (n + 1 - i), 0);
    const rest = sum % 11;
    return rest < 2 ? 0 : 11 - rest;
  };
  return ds.length === 11 && dv(9) === ds[9] && dv(10) === ds[10];
}
function bsnOk(s: string): boolean {
  const ds = [...s].map(Number);
  return ds.length === 9 && ds.slice(0, 8).reduce((acc, d, i) => acc + d * (9 - i), 0) % 11 === ds[8];
}
function nirValid(s: string): boolean {
  const ds = digitsOf(s);
  return ds.length === 15 && 97 - Number(BigInt(ds.slice(0, 13)) % 97n) === Number(ds.slice(13));
}
const dniValid = (s: string) => "TRWAGMYFPDXBNJZSQVHLCKE"[Number(s.slice(0, 8)) % 23] === s[8];
const nieValid = (s: string) => "TRWAGMYFPDXBNJZSQVHLCKE"[Number("XYZ".indexOf(s[0]!) + s.slice(1, 8)) % 23] === s[8];
function codiceFiscaleValid(s: string): boolean {
  const odd = "BAKPLCQDREVOSFTGUHMINJWZYX"; // the odd-position table: a character's value is its index here
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = s[i]!;
    const n = /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 65;
    sum += i % 2 === 0 ? odd.indexOf(String.fromCharCode(65 + n)) : n;
  }
  return String.fromCharCode(65 + (sum % 26)) === s[15];
}
function steuerIdValid(s: string): boolean {
  const ds = digitsOf(s);
  if (ds.length !== 11 || ds[0] === "0") return false;
  const counts = [...ds.slice(0, 10)].reduce((m, d) => m.set(d, (m.get(d) ?? 0) + 1), new Map<string, number>());
  if ([...counts.values()].filter((n) => n >= 2).length !== 1) return false;
  let product = 10;
  for (const c of ds.slice(0, 10)) {
    const sum = (Number(c) + product) % 10 || 10;
    product = (sum * 2) % 11;
  }
  return (11 - product) % 10 === Number(ds[10]);
}

const PII_CHECKS: Record<string, (v: string) => boolean> = {
  email: (v) => /^[a-z._0-9]+@[a-z.]+\.[a-z]{2,}$/.test(v),
  phone: (v) => digitsOf(v).length >= 10 && digitsOf(v).length <= 13,
  "credit-card": (v) => luhnValid(v) && [15, 16].includes(digitsOf(v).length),
  iban: ibanValid,
  ipv4: (v) => v.split(".").every((p) => Number(p) <= 255) && v.split(".").length === 4,
  ipv6: (v) => /^[0-9a-f:]+$/.test(v) && v.includes("::"),
  "us-ssn": (v) => /^(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/.test(v),
  "uk-nino": (v) => /^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]$/.test(v),
  "fr-nir": nirValid,
  "es-dni": dniValid,
  "es-nie": nieValid,
  "it-codice-fiscale": codiceFiscaleValid,
  "nl-bsn": bsnOk,
  "de-tax-id": steuerIdValid,
  "br-cpf": cpfValid,
  "in-aadhaar": (v) => verhoeffOk(v) && /^[2-9]/.test(v) && digitsOf(v).length === 12,
};

describe("the generated values", () => {
  it("checks its own checksum code on published examples", () => {
    expect([luhnValid("4539 1488 0343 6467"), luhnValid("4539 1488 0343 6468")]).toEqual([true, false]);
    expect([ibanValid("DE89 3704 0044 0532 0130 00"), ibanValid("GB82 WEST 1234 5698 7654 32"), ibanValid("DE89 3704 0044 0532 0130 01")]).toEqual([
      true,
      true,
      false,
    ]);
    expect([verhoeffOk("2363"), verhoeffOk("2364")]).toEqual([true, false]);
    expect([cpfValid("529.982.247-25"), cpfValid("529.982.247-26")]).toEqual([true, false]);
    expect([bsnOk("111222333"), bsnOk("111222334")]).toEqual([true, false]);
    expect([dniValid("12345678Z"), nieValid("X1234567L")]).toEqual([true, true]);
    expect(codiceFiscaleValid("RSSMRA85T10A562S")).toBe(true);
  });

  it("give every secret the format of its kind", () => {
    for (const x of of("secrets")) {
      const format = SECRET_FORMATS[x.type ?? ""];
      expect(format, x.type).toBeDefined();
      expect(x.value, `${x.id} ${x.type}`).toMatch(format!);
    }
  });

  it("give every piece of personal data a valid checksum or format", () => {
    for (const x of of("pii")) {
      const check = PII_CHECKS[x.type ?? ""];
      expect(check, x.type).toBeDefined();
      expect(check!(x.value!), `${x.id} ${x.type} ${x.value}`).toBe(true);
    }
  });

  it("make the checksum look-alikes fail their checksum", () => {
    const run = (type: string, re: RegExp, valid: (v: string) => boolean) => {
      const items = of("pii-benign").filter((x) => x.type === type);
      expect(items.length, type).toBeGreaterThanOrEqual(5);
      for (const x of items) expect(valid(x.text.match(re)![0]), `${x.id} ${x.text}`).toBe(false);
    };
    run("card-failing-luhn", /\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}/, luhnValid);
    run("iban-bad-checksum", /[A-Z]{2}\d{2}[A-Z0-9 ]+[A-Z0-9]/, ibanValid);
    run("cpf-bad-checksum", /\d{3}\.\d{3}\.\d{3}-\d{2}/, cpfValid);
    run("aadhaar-bad-checksum", /\d{4} \d{4} \d{4}/, verhoeffOk);
    run("bsn-bad-checksum", /\d{9}/, bsnOk);
  });
});

describe("the generator", () => {
  it("gives the same files on every run", () => {
    expect(generate()).toEqual(generate());
  });

  it("has written the committed prompt files: editing a line without regenerating fails here", () => {
    const g = generate();
    expect(readFileSync(join(HERE, "injection.jsonl"), "utf8")).toBe(g.injection);
    expect(readFileSync(join(HERE, "benign.jsonl"), "utf8")).toBe(g.benign);
  });
});
