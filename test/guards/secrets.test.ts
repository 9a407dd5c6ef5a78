import { randomInt } from "node:crypto";
import { lintSource } from "@secretlint/core";
import { creator as recommendedPreset, rules as presetRules } from "@secretlint/secretlint-rule-preset-recommend";
import { describe, expect, it } from "vitest";
import { secretsDetector } from "../../src/guards/secrets.js";
import type { GuardFinding } from "../../src/guards/types.js";

// The secrets detector stands between a prompt and a model, and between an answer and a client. It must find
// every credential secretlint's recommended preset finds (and more), leave look-alikes alone, say where each
// one is without repeating it, and stay linear on 1 MB of hostile input. Every secret here is random, made
// at test time: nothing in this file is a real credential.

const detector = secretsDetector();

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = "0123456789abcdef";
const URLSAFE = `${ALNUM}_-`;
const BASE64 = `${ALNUM}+/`;

function random(length: number, alphabet = ALNUM): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A generated password or API secret: random, with the digit such tools put in (the generic rule wants one in short values). */
function secretValue(length: number, alphabet = ALNUM): string {
  const digitAt = randomInt(length);
  return `${random(digitAt, alphabet)}${random(1, DIGITS)}${random(length - digitAt - 1, alphabet)}`;
}

/** One credential in context: `text` holds `secret`, and the finding must span exactly `secret`. */
interface Sample {
  readonly type: string;
  readonly text: string;
  readonly secret: string;
  /** What secretlint is told the file is: some of its rules look only at `.npmrc`, `package.json` or `.json`. */
  readonly filePath?: string;
}

function pem(label: string): string {
  const body = `MII${random(1200, BASE64)}`.match(/.{1,64}/g)?.join("\n") ?? "";
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}

function base64Json(value: object): string {
  let json = JSON.stringify(value);
  // secretlint's 1Password rule wants the base64 to end in `fQ`, i.e. the JSON's length one more than a multiple of 3
  while (json.length % 3 !== 1) json = `${json.slice(0, -1)} }`;
  return Buffer.from(json).toString("base64");
}

function sample(type: string, secret: string, before = "", after = "", filePath?: string): Sample {
  return { type, text: `${before}${secret}${after}`, secret, ...(filePath ? { filePath } : {}) };
}

/** Several random instances of every kind: secretlint's preset's kinds first, then the ones it does not cover. */
const GENERATORS: Record<string, () => Sample> = {
  "aws-secret-key": () => sample("aws-secret-key", random(40), "aws_secret_access_key = "),
  "gcp-service-account": () => {
    const id = random(40, HEX);
    const json = JSON.stringify({
      type: "service_account",
      project_id: `p-${random(8, LOWER)}`,
      private_key_id: id,
      private_key: `${pem("PRIVATE KEY")}\n`,
      client_email: `svc@p-${random(6, LOWER)}.iam.gserviceaccount.com`,
    });
    return { type: "gcp-service-account", text: json, secret: id, filePath: "service-account.json" };
  },
  "private-key": () => sample("private-key", pem(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"][randomInt(4)] ?? "")),
  "npm-token": () => sample("npm-token", `npm_${random(36)}`),
  "npm-token-npmrc": () =>
    sample("npm-token", `${random(8, HEX)}-${random(4, HEX)}-${random(4, HEX)}-${random(12, HEX)}`, "//registry.npmjs.org/:_authToken=", "", ".npmrc"),
  "github-token-x-oauth": () => sample("github-token", random(40, HEX), "https://", ":x-oauth-basic@github.com/acme/app.git", "package.json"),
  "basic-auth-url": () => sample("basic-auth-url", random(14), `https://${random(6, LOWER)}:`, `@files.${random(6, LOWER)}.io/export`),
  "slack-token": () => sample("slack-token", `xox${"bpa"[randomInt(3)]}-${random(12, DIGITS)}-${random(12, DIGITS)}-${random(24)}`),
  "slack-webhook": () => sample("slack-webhook", `https://hooks.slack.com/services/T${random(8, UPPER)}/B${random(8, UPPER)}/${random(24)}`),
  "sendgrid-key": () => sample("sendgrid-key", `SG.${random(22)}.${random(43)}`),
  "shopify-token": () => sample("shopify-token", `shp${["at", "ca", "pa", "ss"][randomInt(4)]}_${random(32, HEX)}`),
  "stripe-key": () => sample("stripe-key", `${["sk", "rk"][randomInt(2)]}_${["live", "test"][randomInt(2)]}_${random(24 + randomInt(75))}`),
  "github-token": () => sample("github-token", `gh${"pousr"[randomInt(5)]}_${random(36)}`),
  "github-token-fine-grained": () => sample("github-token", `github_pat_${random(82, `${ALNUM}_`)}`),
  "github-token-app": () => sample("github-token", `ghs_${random(7, DIGITS)}_eyJ${random(40, URLSAFE)}.eyJ${random(120, URLSAFE)}.${random(43, URLSAFE)}`),
  "gitlab-token": () => sample("gitlab-token", `glpat-${random(20, URLSAFE)}`),
  "grafana-token": () => sample("grafana-token", `glc_eyJ${random(60, BASE64)}`),
  "grafana-service-account": () => sample("grafana-token", `glsa_${random(32)}_${random(8, HEX)}`),
  "openai-key": () => {
    const n = [58, 74][randomInt(2)] ?? 58;
    return sample("openai-key", `sk-${["proj", "svcacct", "admin"][randomInt(3)]}-${random(n, URLSAFE)}T3BlbkFJ${random(n, URLSAFE)}`);
  },
  "openai-key-legacy": () => sample("openai-key", `sk-${random(20)}T3BlbkFJ${random(20)}`),
  "anthropic-key": () => sample("anthropic-key", `sk-ant-api03-${random(93, URLSAFE)}AA`),
  "groq-key": () => sample("groq-key", `gsk_${random(52)}`),
  "huggingface-token": () => sample("huggingface-token", `hf_${random(34, UPPER + LOWER)}`),
  "linear-key": () => sample("linear-key", `lin_api_${random(40)}`),
  "notion-token": () => sample("notion-token", `ntn_${random(11, DIGITS)}${random(35)}`),
  "onepassword-token": () =>
    sample(
      "onepassword-token",
      `ops_${base64Json({ email: `${random(12, LOWER)}@1passwordserviceaccounts.lcl`, secretKey: random(40), srpX: random(64, HEX) })}`,
    ),
  "database-postgres": () => sample("database-connection-string", random(18), `postgres://app_${random(4, LOWER)}:`, `@db.internal:5432/orders`),
  "database-mysql": () => sample("database-connection-string", random(18), `mysql://svc${random(3, DIGITS)}:`, `@10.0.0.${randomInt(250)}:3306/app`),
  "database-mongodb": () =>
    sample(
      "database-connection-string",
      random(18),
      `mongodb+srv://reader${random(3, DIGITS)}:`,
      `@cluster0.${random(5, LOWER)}.mongodb.net/?retryWrites=true`,
    ),
  "vault-token": () => sample("vault-token", `hvs.${random(95, URLSAFE)}`),
  "vault-batch-token": () => sample("vault-token", `hvb.${random(150, URLSAFE)}`),
  "vault-recovery-token": () => sample("vault-token", `hvr.${random(100, URLSAFE)}`),
  "vercel-token": () => sample("vercel-token", `vc${"pciark"[randomInt(6)]}_${random(24)}`),
  "databricks-token": () => sample("databricks-token", `dapi${random(32, HEX)}`),
  "docker-token": () => sample("docker-token", `dckr_pat_${random(27, URLSAFE)}`),
  "figma-token": () => sample("figma-token", `figd_${random(40, URLSAFE)}`),
  "cloudflare-token": () => sample("cloudflare-token", `${["cfk", "cfut", "cfat"][randomInt(3)]}_${random(40)}${random(8, HEX)}`),
  "tailscale-key": () => sample("tailscale-key", `tskey-${["api", "auth", "client"][randomInt(3)]}-${random(12)}-${random(30)}`),
  // beyond secretlint's preset
  "aws-access-key": () => sample("aws-access-key", `AKIA${random(16, UPPER + DIGITS)}`),
  jwt: () => {
    const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ sub: random(10), iat: randomInt(1e9) })).toString("base64url");
    return sample("jwt", `${header}.${payload}.${random(43, URLSAFE)}`);
  },
  "google-api-key": () => sample("google-api-key", `AIza${random(35, URLSAFE)}`),
  "azure-storage-key": () =>
    sample(
      "azure-storage-key",
      `${random(86, BASE64)}==`,
      `DefaultEndpointsProtocol=https;AccountName=${random(10, LOWER)};AccountKey=`,
      ";EndpointSuffix=core.windows.net",
    ),
  twilio: () => sample("twilio", `SK${random(32, HEX)}`),
  "database-redis": () => sample("database-connection-string", random(20), "redis://default:", "@cache.internal:6379/0"),
  "database-amqp": () => sample("database-connection-string", random(20), "amqp://worker:", "@mq.internal:5672/jobs"),
  "generic-secret-env": () => sample("generic-secret", secretValue(24), "DB_PASSWORD="),
  "generic-secret-json": () => sample("generic-secret", secretValue(32), '{"client_secret": "', '"}'),
  "generic-secret-yaml": () => sample("generic-secret", secretValue(28), "api_key: "),
  "generic-secret-assign": () => sample("generic-secret", secretValue(30, `${ALNUM}!#%&*+-`), 'token = "', '"'),
};

const PER_KIND = 5;
const corpus: readonly (Sample & { readonly kind: string })[] = Object.entries(GENERATORS).flatMap(([kind, make]) =>
  Array.from({ length: PER_KIND }, () => ({ kind, ...make() })),
);

function inSentence(s: Sample): { text: string; start: number } {
  const before = "Please deploy with ";
  const start = before.length + s.text.indexOf(s.secret);
  return { text: `${before}${s.text} before Friday.`, start };
}

function spansOf(findings: readonly GuardFinding[]): [string, number, number][] {
  return findings.map((f) => [f.type, f.span.start, f.span.end]);
}

describe("secrets detector: what it finds", () => {
  for (const kind of Object.keys(GENERATORS)) {
    it(`finds a ${kind} in a sentence, with its type and exact span`, () => {
      for (const s of corpus.filter((c) => c.kind === kind)) {
        const { text, start } = inSentence(s);
        const findings = detector.detect(text);
        expect(spansOf(findings), s.kind).toContainEqual([s.type, start, start + s.secret.length]);
        const finding = findings.find((f) => f.span.start === start);
        expect(finding?.detector).toBe("secrets");
        expect(finding?.category).toBe("secret");
      }
    });
  }

  it("rates prefixed credentials and private keys high and certain, generic assignments medium and less certain", () => {
    const [github] = detector.detect(inSentence(GENERATORS["github-token"]?.() ?? sample("", "")).text);
    expect(github).toMatchObject({ severity: "high", confidence: 1 });
    const [key] = detector.detect(pem("PRIVATE KEY"));
    expect(key).toMatchObject({ type: "private-key", severity: "high", confidence: 1 });
    const [generic] = detector.detect(`password=${secretValue(24)}`);
    expect(generic?.severity).toBe("medium");
    expect(generic?.confidence).toBeGreaterThan(0);
    expect(generic?.confidence).toBeLessThan(1);
  });

  it("finds a secret at the very start and at the very end of the text", () => {
    const token = `ghp_${random(36)}`;
    expect(spansOf(detector.detect(`${token} is the token`))).toEqual([["github-token", 0, 40]]);
    const key = `AKIA${random(16, UPPER + DIGITS)}`;
    const text = `the key is ${key}`;
    expect(spansOf(detector.detect(text))).toEqual([["aws-access-key", text.length - 20, text.length]]);
    expect(spansOf(detector.detect(token))).toEqual([["github-token", 0, 40]]);
  });

  it("finds several secrets in one text, in order, each with its own span", () => {
    const github = `ghp_${random(36)}`;
    const stripe = `sk_live_${random(30)}`;
    const key = pem("RSA PRIVATE KEY");
    const password = secretValue(20);
    const parts = ["Config:\n", "GITHUB=", github, "\nSTRIPE=", stripe, "\n", key, "\nand db_password: ", password, "\n"];
    const text = parts.join("");
    const at = (value: string): [number, number] => [text.indexOf(value), text.indexOf(value) + value.length];
    expect(spansOf(detector.detect(text))).toEqual([
      ["github-token", ...at(github)],
      ["stripe-key", ...at(stripe)],
      ["private-key", ...at(key)],
      ["generic-secret", ...at(password)],
    ]);
  });

  it("reports spans as UTF-16 offsets in text beyond ASCII", () => {
    const github = `ghp_${random(36)}`;
    const password = secretValue(20);
    const key = pem("PRIVATE KEY");
    const text = `Café 🚀 naïve — ${github} 日本語 😀😀 pass: ${password}\n${key}\n¿fin?`;
    const found = detector.detect(text).map((f) => [f.type, text.slice(f.span.start, f.span.end)]);
    expect(found).toEqual([
      ["github-token", github],
      ["generic-secret", password],
      ["private-key", key],
    ]);
  });

  it("finds two tokens separated by a single character", () => {
    const a = `ghp_${random(36)}`;
    const b = `ghp_${random(36)}`;
    expect(spansOf(detector.detect(`${a},${b}`))).toEqual([
      ["github-token", 0, 40],
      ["github-token", 41, 81],
    ]);
  });

  it("reports a token inside a key-like assignment as its own kind, not as a generic secret", () => {
    const token = `glpat-${random(20)}`;
    const text = `GITLAB_TOKEN="${token}"`;
    expect(spansOf(detector.detect(text))).toEqual([["gitlab-token", 14, 14 + token.length]]);
  });

  it("finds a private key whose END line never comes, from BEGIN to the end of the text", () => {
    const text = `here: ${pem("OPENSSH PRIVATE KEY").split("-----END")[0]}`;
    expect(spansOf(detector.detect(text))).toEqual([["private-key", 6, text.length]]);
  });

  it("finds a private key escaped inside a JSON string", () => {
    const text = JSON.stringify({ key: pem("PRIVATE KEY") });
    const [finding] = detector.detect(text);
    expect(finding).toMatchObject({ type: "private-key", confidence: 1 });
  });
});

describe("secrets detector: what it leaves alone", () => {
  const nearMisses: Record<string, string> = {
    "a 40-character hex git SHA": `Fixed in commit ${random(40, HEX)} last week.`,
    "a UUID": `Request id ${random(8, HEX)}-${random(4, HEX)}-4${random(3, HEX)}-a${random(3, HEX)}-${random(12, HEX)} failed.`,
    "sk- in prose": "We trained it with sk-learn and the sk-ant community guide; see the sk- prefix docs.",
    "password=changeme": "Set password=changeme in the sample config.",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style variable reference is the point
    "api_key=${API_KEY}": "Use api_key=${API_KEY} in your .env file.",
    "a placeholder key": 'Put "api_key": "<your-key>" and token = xxxxxxxxxxxxxxxx in the file.',
    "base64 of an ordinary sentence": `The header was ${Buffer.from("The quick brown fox jumps over the lazy dog, again and again.").toString("base64")} in the log.`,
    "code that reads a secret": "token = os.environ.get('TOKEN')\npassword: process.env.DB_PASSWORD\nsecret = config.clientSecret",
    "model settings": "tokenizer: gpt-4o-mini\nmax_tokens: 4096\ntoken_limit: 128000",
    "a URL without credentials": "See https://docs.example.com:8443/path?user=me for details, or postgres://localhost/app.",
    "a PEM public key and certificate":
      "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----",
    "the AWS documentation's example key": "AWS documents AKIAIOSFODNN7EXAMPLE as its example.",
    "a capitalised word after a colon in prose": "That would get you 5 tokens:  ChatGPT: How do I start?",
    "ordinary English about passwords": "Your password must be at least 12 characters; the secret is to use a passphrase and a token from your authenticator.",
  };
  for (const [name, text] of Object.entries(nearMisses)) {
    it(`does not flag ${name}`, () => {
      expect(spansOf(detector.detect(text))).toEqual([]);
    });
  }

  it("finds nothing in empty text", () => {
    expect(detector.detect("")).toEqual([]);
  });
});

describe("secrets detector: covers secretlint's recommended preset", () => {
  it("finds, at an overlapping span, every secret secretlint reports in the generated corpus", async () => {
    const missed: string[] = [];
    const reportedBy = new Set<string>();
    for (const s of corpus) {
      const { text } = inSentence(s);
      const content = s.filePath?.endsWith(".json") ? s.text : text;
      const result = await lintSource({
        source: { content, filePath: s.filePath ?? "prompt.txt", contentType: "text", ...(s.filePath?.endsWith(".json") ? { ext: ".json" } : {}) },
        options: { config: { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommendedPreset }] } },
      });
      const ours = detector.detect(content);
      for (const message of result.messages) {
        reportedBy.add(message.ruleId);
        const [start, end] = message.range;
        if (!ours.some((f) => f.span.start < end && start < f.span.end)) missed.push(`${s.kind}: ${message.ruleId} ${message.messageId}`);
      }
    }
    // every scanning rule of the preset reported something: a corpus it ignored would prove nothing
    const scanners = presetRules.map((rule) => rule.meta.id).filter((id) => id !== "@secretlint/secretlint-rule-filter-comments");
    expect([...reportedBy].sort()).toEqual(scanners.sort());
    expect(missed).toEqual([]);
  });
});

describe("secrets detector: findings never carry the secret", () => {
  it("serialises every finding without the secret's text", () => {
    for (const s of corpus) {
      const { text } = inSentence(s);
      const findings = detector.detect(text);
      expect(findings.length).toBeGreaterThan(0);
      expect(JSON.stringify(findings)).not.toContain(s.secret);
    }
  });
});

describe("secrets detector: open private keys in a stream", () => {
  it("points at a BEGIN line whose END has not come yet", () => {
    const head = "Here is the key:\n";
    const partial = `${head}${pem("RSA PRIVATE KEY").slice(0, 200)}`;
    expect(detector.openAt?.(partial)).toBe(head.length);
  });

  it("says nothing is open once the END line has come, or when there is no key", () => {
    expect(detector.openAt?.(`a ${pem("PRIVATE KEY")} b`)).toBe(-1);
    expect(detector.openAt?.("no keys here")).toBe(-1);
  });

  it("points at the second key when the first is complete and the second is not", () => {
    const first = pem("PRIVATE KEY");
    const second = pem("EC PRIVATE KEY").slice(0, 120);
    const text = `${first}\n${second}`;
    expect(detector.openAt?.(text)).toBe(first.length + 1);
  });
});

describe("secrets detector: linear time on hostile input", () => {
  const MB = 1_000_000;
  const hostile: Record<string, (size: number) => string> = {
    "one repeated letter": (n) => "a".repeat(n),
    "repeated token prefixes": (n) => "ghp_".repeat(n / 4),
    "a key-like name and a huge value": (n) => `password=${"A".repeat(n)}`,
    "repeated BEGIN lines": (n) => "-----BEGIN PRIVATE KEY-----".repeat(n / 27),
    "repeated assignments": (n) => "token=aB3$".repeat(n / 10),
    "repeated URL credentials": (n) => "postgres://u:p@".repeat(n / 15),
    "a long base64 run": (n) => random(n, BASE64),
    "repeated JWT starts": (n) => "eyJa.eyJb.".repeat(n / 10),
  };
  for (const [name, make] of Object.entries(hostile)) {
    it(`inspects 1 MB of ${name} in well under 2 s, growing linearly`, () => {
      const time = (text: string): number => {
        const started = performance.now();
        detector.detect(text);
        detector.openAt?.(text);
        return performance.now() - started;
      };
      const quarter = time(make(MB / 4));
      const full = time(make(MB));
      expect(full).toBeLessThan(2000);
      // 4x the input may cost a bit more than 4x the time; quadratic would be 16x
      expect(full).toBeLessThan(quarter * 10 + 100);
    });
  }
});
