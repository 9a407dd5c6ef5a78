import type { Severity } from "../decision.js";

// The credential formats the secrets detector knows, as RE2 sources. Every kind secretlint's recommended preset
// reports is here (the coverage test proves it on a generated corpus), plus what it leaves out: JWTs, Google API
// keys, Azure, Twilio, more database schemes, LLM providers' keys, and generic high-entropy assignments.
//
// A rule's `anchor` is a short necessary part of every match: the prefilter looks for all anchors in one pass,
// and a rule's full pattern runs only when its anchor is in the text. RE2 has no lookaround, so a pattern
// consumes the character before and after the credential ("not a letter", "not a token character") and the
// span is taken from a capture group.

/** How sure a rule is about one match; 0 drops the match (a placeholder, too little entropy). */
export type Judgement = { readonly confidence: number; readonly type?: string } | null;

export interface SecretRule {
  /** The stable kebab-case finding type. */
  readonly type: string;
  readonly severity: Severity;
  /** RE2 source, no capture groups: every match of `pattern` contains a match of it. */
  readonly anchor: string;
  /** RE2 source; group `spanGroup` (by default the first group that took part) is the finding's span. */
  readonly pattern: string;
  readonly spanGroup?: number;
  /** Decides on the captured groups (index 0 is the whole match); absent means a prefixed format, confidence 1. */
  readonly judge?: (groups: readonly (string | undefined)[]) => Judgement;
  /** When two findings overlap, the higher priority wins: specific formats over generic assignments. */
  readonly priority: number;
}

const NOT_LETTER = String.raw`(?:^|[^\p{L}])`;
const NOT_WORD = "(?:^|[^A-Za-z0-9_])";
const end = (tokenChars: string): string => `(?:[^${tokenChars}]|$)`;

const ALNUM = "A-Za-z0-9";
const WORD = "A-Za-z0-9_";
const URLSAFE = "A-Za-z0-9_\\-";

/** A prefixed token: `lead` boundary, the token in group 1, then no further token character. */
function prefixed(type: string, anchor: string, body: string, tail: string, lead = NOT_LETTER): SecretRule {
  return { type, severity: "high", anchor, pattern: `${lead}(${body})${end(tail)}`, judge: notPlaceholderToken, priority: 3 };
}

// ---- value checks (plain code, no regex: the values are user text) ----

/** Shannon entropy of a string in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const PLACEHOLDER_WORDS = [
  "xxxx",
  "****",
  "....",
  "changeme",
  "change_me",
  "change-me",
  "changethis",
  "example",
  "placeholder",
  "redacted",
  "dummy",
  "your_",
  "your-",
  "yourkey",
  "yourtoken",
  "yoursecret",
  "yourpassword",
  "insert",
  "replace",
  "todo",
  "fixme",
  "notasecret",
  "secret_here",
  "key_here",
  "token_here",
];

/** `${VAR}`, `{{var}}`, `<your-key>`, `%VAR%`, `$VAR`, `process.env.X`: a reference to a secret, not one. */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  if (PLACEHOLDER_WORDS.some((w) => lower.includes(w))) return true;
  if (lower.includes("${") || lower.includes("$(") || lower.includes("{{") || lower.startsWith("process.env") || lower.startsWith("os.environ")) return true;
  // %VAR%, <your-key>, {key}, [token]: a template's slot; $API_KEY: a shell variable
  const first = value[0];
  const last = value[value.length - 1];
  if ((first === "%" && last === "%") || (first === "<" && last === ">") || (first === "{" && last === "}") || (first === "[" && last === "]")) return true;
  return first === "$" && isShellName(value.slice(1));
}

function isShellName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!(isUpper(c) || isDigit(c) || c === 95)) return false;
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function hasDigit(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (isDigit(value.charCodeAt(i))) return true;
  return false;
}

/** How many of lower, upper, digit, other a value mixes. */
function characterClasses(value: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isLower(c)) lower = 1;
    else if (isUpper(c)) upper = 1;
    else if (isDigit(c)) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

/**
 * `config.apiKey`, `self.token`, `get_token`, `API_TOKEN`: a name in code, not a value. Names have no digits and
 * are lower case with a capital now and then, or all capitals; random letters are about half capitals.
 */
function looksLikeIdentifier(value: string): boolean {
  let upper = 0;
  let lower = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isUpper(c)) upper++;
    else if (isLower(c)) lower++;
    else if (!(c === 95 || c === 46 || c === 45 || c === 36)) return false;
  }
  return lower === 0 || upper <= (upper + lower) * 0.3;
}

/** A URL, a file path or a sentence beside a key-like name is a reference or a description, not a secret. */
function looksLikeUrlPathOrProse(value: string): boolean {
  if (value.includes("://")) return true;
  if (value.startsWith("/") || value.startsWith("./") || value.startsWith("../") || value.startsWith("~/")) return true;
  let spaces = 0;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) === 32) spaces++;
  return spaces > 2;
}

function notPlaceholderToken(groups: readonly (string | undefined)[]): Judgement {
  const token = groups[1] ?? "";
  if (isPlaceholderToken(token) || shannonEntropy(token) < 2.5) return null;
  return { confidence: 1 };
}

/**
 * A prefixed token's body is random mixed-case text, which holds `TodO` or `xXxX` about once in 30,000 keys:
 * there a placeholder word counts only written in one case (`ghp_xxxx…`, `sk-REPLACE_ME`, `hf_example…`).
 */
function isPlaceholderToken(token: string): boolean {
  const lower = token.toLowerCase();
  for (const word of PLACEHOLDER_WORDS) {
    for (let at = lower.indexOf(word); at !== -1; at = lower.indexOf(word, at + 1)) {
      const written = token.slice(at, at + word.length);
      // `xxxx` by chance is one key in ~100,000; a placeholder's run of x is longer
      if (word === "xxxx" && lower.slice(at, at + 8) !== "xxxxxxxx") continue;
      if (written === word || written === word.toUpperCase()) return true;
    }
  }
  // a template's slot (`${…}`, `<…>`, `%…%`) cannot be inside a prefixed token: its characters are the format's
  return false;
}

/** The generic rule's judge: a value beside a key-like name counts when it looks random, not like a word or a name. */
export function judgeGenericValue(value: string): Judgement {
  // past a few hundred characters a value is data (a blob, a document), not a credential
  if (value.length < 8 || value.length > 512 || isPlaceholder(value) || looksLikeIdentifier(value) || looksLikeUrlPathOrProse(value)) return null;
  const bits = shannonEntropy(value);
  const classes = characterClasses(value);
  if (classes < 2) return null;
  // short values cannot reach high entropy per character; ask for more character classes instead
  const threshold = value.length >= 16 ? 3.2 : 2.8;
  if (bits < threshold) return null;
  // a short value is a password only with a digit among three kinds of character: `ChatGPT:` is a word
  if (value.length < 16 && (classes < 3 || !hasDigit(value))) return null;
  const confidence = Math.min(0.9, 0.4 + (bits - threshold) * 0.25 + (value.length >= 20 ? 0.2 : 0));
  return { confidence: Math.round(confidence * 100) / 100 };
}

// ---- URLs with credentials ----

const DATABASE_SCHEMES = new Set([
  "postgres",
  "postgresql",
  "mysql",
  "mysqlx",
  "mariadb",
  "mongodb",
  "mongodb+srv",
  "redis",
  "rediss",
  "amqp",
  "amqps",
  "mssql",
  "sqlserver",
  "oracle",
  "db2",
  "cockroachdb",
  "clickhouse",
  "couchdb",
  "cassandra",
  "neo4j",
  "neo4j+s",
  "bolt",
  "memcached",
  "nats",
  "kafka",
  "snowflake",
]);

function judgeUrlCredential(groups: readonly (string | undefined)[]): Judgement {
  const scheme = (groups[1] ?? "").toLowerCase();
  const user = groups[2] ?? "";
  const password = groups[3] ?? "";
  // a GitHub token as the user with this fixed password is the github-token rule's
  if (password === "x-oauth-basic") return null;
  if (password.length < 4 || password === user || isPlaceholder(password) || isPlaceholder(user)) return null;
  const lower = password.toLowerCase();
  if (lower === "password" || lower === "pass" || lower === "secret" || lower === "mypassword") return null;
  if (shannonEntropy(password) < 1.5) return null;
  const bare = scheme.startsWith("jdbc:") ? scheme.slice(5) : scheme;
  if (DATABASE_SCHEMES.has(bare)) return { confidence: 0.95, type: "database-connection-string" };
  return { confidence: 0.9, type: "basic-auth-url" };
}

// ---- the rules ----

const GENERIC_NAMES =
  "(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|client[_.-]?secret|credentials?|authorization)s?";

/** After the name: `_prod`, `.value`, a closing quote; `tokenizer` and `max_tokens_used` are other words. */
const GENERIC_SUFFIX = "(?:[_.\\-][A-Za-z0-9_.\\-]{0,30})?[\"'`]?";
// A value worth judging is 8 characters or more with one that is not a lower-case letter or `._-`: this keeps
// `changeme`, `os.environ.get` and `max_tokens: 4096` out of the judge, which costs an exec call (~3 us) each.
const STRONG_CHARS = "A-Z0-9+/=!@#^&*~?";
const STRONG = `[${STRONG_CHARS}]`;
const MIN_VALUE = 8;

/**
 * A run of `[^excluded]` at least MIN_VALUE long holding a strong character, its first character not in
 * `notFirst` either; a union over where the first strong character is, as RE2 has no lookahead.
 */
function strongValue(excluded: string, notFirst = ""): string {
  const any = `[^${excluded}]`;
  const weak = `[^${excluded}${STRONG_CHARS}]`;
  const firstWeak = `[^${excluded}${notFirst}${STRONG_CHARS}]`;
  const alternatives = [`${STRONG}${any}{${MIN_VALUE - 1},}`];
  for (let k = 1; k < MIN_VALUE - 1; k++) alternatives.push(`${firstWeak}${weak}{${k - 1}}${STRONG}${any}{${MIN_VALUE - 1 - k},}`);
  alternatives.push(`${firstWeak}${weak}{${MIN_VALUE - 2},}${STRONG}${any}*`);
  return `(?:${alternatives.join("|")})`;
}
const UNQUOTED_VALUE = strongValue("\\s\"'`,;(){}\\[\\]<>", "$%");

export const SECRET_RULES: readonly SecretRule[] = [
  // AWS
  prefixed(
    "aws-access-key",
    "A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA",
    "(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}",
    ALNUM,
    NOT_WORD,
  ),
  {
    type: "aws-secret-key",
    severity: "high",
    anchor: "(?i:secret_?access_?key)",
    pattern: String.raw`(?i:aws)?_?(?i:secret)_?(?i:access)_?(?i:key)["']?\s*(?::|=>|=)\s*["']?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)`,
    judge: notPlaceholderToken,
    priority: 3,
  },
  // Google
  prefixed("google-api-key", "AIza", "AIza[0-9A-Za-z_\\-]{35}", URLSAFE),
  prefixed("google-oauth-secret", "GOCSPX-", "GOCSPX-[A-Za-z0-9_\\-]{28}", URLSAFE),
  prefixed("google-oauth-token", "ya29\\.", "ya29\\.[0-9A-Za-z_\\-]{20,}", URLSAFE),
  {
    type: "gcp-service-account",
    severity: "high",
    anchor: '"private_key_id"',
    pattern: String.raw`"private_key_id"\s*:\s*"([a-f0-9]{40})"`,
    priority: 3,
  },
  // Azure
  {
    type: "azure-storage-key",
    severity: "high",
    anchor: "(?i:accountkey|sharedaccesskey)",
    pattern: String.raw`(?i:AccountKey|SharedAccessKey)\s*=\s*([A-Za-z0-9+/]{40,86}={0,2})(?:[^A-Za-z0-9+/=]|$)`,
    judge: notPlaceholderToken,
    priority: 3,
  },
  {
    type: "azure-sas-token",
    severity: "high",
    anchor: "sig=",
    pattern: String.raw`[?&]sv=\d{4}-\d{2}-\d{2}[^\s"'<>]{0,300}?[?&]sig=([A-Za-z0-9%+/]{30,}={0,2})`,
    judge: notPlaceholderToken,
    priority: 3,
  },
  prefixed("azure-client-secret", "\\dQ~", "[A-Za-z0-9_~.\\-]{3}\\dQ~[A-Za-z0-9_~.\\-]{31,34}", "A-Za-z0-9_~.\\-", NOT_WORD),
  // source control and registries
  prefixed("github-token", "gh[pousr]_", "gh[pousr]_[A-Za-z0-9_]{36}", WORD),
  prefixed("github-token", "github_pat_", "github_pat_[A-Za-z0-9_]{82}", WORD),
  prefixed("github-token", "ghs_[0-9]", "ghs_[0-9]{1,20}_[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+", URLSAFE),
  {
    type: "github-token",
    severity: "high",
    anchor: ":x-oauth-basic@",
    pattern: String.raw`https?://([^\s:/@]{1,256}):x-oauth-basic@github\.com`,
    judge: notPlaceholderToken,
    priority: 3,
  },
  prefixed("gitlab-token", "gl(?:pat|dt|rt|ptt|ft|imt|oas|cbt|soat|agent)-", "gl(?:pat|dt|rt|ptt|ft|imt|oas|cbt|soat|agent)-[A-Za-z0-9_\\-]{20,}", URLSAFE),
  prefixed("npm-token", "npm_", "npm_[A-Za-z0-9_]{36}", WORD),
  {
    type: "npm-token",
    severity: "high",
    anchor: "_authToken",
    pattern: String.raw`_authToken\s*=\s*["']?([^\s"'$][^\s"']*)`,
    judge: (g) => (isPlaceholder(g[1] ?? "") || (g[1] ?? "").length < 8 ? null : { confidence: 1 }),
    priority: 3,
  },
  prefixed("pypi-token", "pypi-AgE", "pypi-AgE[A-Za-z0-9_\\-]{50,}", URLSAFE),
  prefixed("docker-token", "dckr_", "dckr_(?:pat|oat)_[A-Za-z0-9_\\-]{27}", URLSAFE),
  // chat and mail
  prefixed("slack-token", "xox[abposr]-|xapp-", "(?:xox[abposr]|xapp)-(?:\\d-)?(?:[A-Za-z0-9]{1,40}-)+[A-Za-z0-9]{1,40}", ALNUM, NOT_WORD),
  {
    type: "slack-webhook",
    severity: "high",
    anchor: "(?i:hooks\\.slack\\.com/)",
    pattern: String.raw`((?i:https://hooks\.slack\.com/)(?:services|workflows|triggers)/[A-Za-z0-9_]{1,40}/[A-Za-z0-9_]{1,40}/[A-Za-z0-9_]{1,64})`,
    priority: 3,
  },
  prefixed("sendgrid-key", "SG\\.", "SG\\.[A-Za-z0-9_\\-]{16,64}\\.[A-Za-z0-9_\\-]{16,64}", URLSAFE),
  prefixed("twilio", "SK[0-9a-fA-F]{32}", "SK[0-9a-fA-F]{32}", ALNUM, NOT_WORD),
  // payments and commerce
  prefixed("stripe-key", "[sr]k_(?:live|test)_", "[sr]k_(?:live|test)_[A-Za-z0-9]{24,}", ALNUM),
  prefixed("stripe-key", "whsec_", "whsec_[A-Za-z0-9]{32,}", ALNUM),
  prefixed("shopify-token", "shp(?:at|ca|pa|ss)_", "shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,}", ALNUM),
  // AI providers
  prefixed("openai-key", "T3BlbkFJ", "sk-(?:[A-Za-z0-9]+-)?[A-Za-z0-9_\\-]{20,}T3BlbkFJ[A-Za-z0-9_\\-]{20,}", URLSAFE),
  prefixed("openai-key", "sk-(?:proj|svcacct|admin)-", "sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\\-]{40,}", URLSAFE),
  prefixed("anthropic-key", "sk-ant-", "sk-ant-[a-z]{2,10}0\\d-[A-Za-z0-9_\\-]{40,}", URLSAFE),
  prefixed("openrouter-key", "sk-or-v1-", "sk-or-v1-[a-f0-9]{64}", ALNUM),
  prefixed("groq-key", "gsk_", "gsk_[A-Za-z0-9]{52}", ALNUM),
  prefixed("xai-key", "xai-", "xai-[A-Za-z0-9]{70,90}", ALNUM),
  prefixed("perplexity-key", "pplx-", "pplx-[A-Za-z0-9]{48}", ALNUM),
  prefixed("replicate-token", "r8_", "r8_[A-Za-z0-9]{37}", ALNUM),
  prefixed("huggingface-token", "hf_|api_org_", "(?:hf_|api_org_)[A-Za-z0-9]{34}", ALNUM),
  prefixed("langsmith-key", "lsv2_", "lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", ALNUM),
  // other SaaS
  prefixed("grafana-token", "glc_", "glc_[A-Za-z0-9+/]{32,}={0,2}", "A-Za-z0-9+/="),
  prefixed("grafana-token", "glsa_", "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}", "A-Fa-f0-9"),
  prefixed("linear-key", "lin_api_", "lin_api_[A-Za-z0-9_]{32,}", WORD),
  prefixed("notion-token", "ntn_", "ntn_[0-9]{11}[A-Za-z0-9]{35}", ALNUM),
  prefixed("onepassword-token", "ops_ey", "ops_ey[A-Za-z0-9+/=_\\-]{100,}", "A-Za-z0-9+/=_\\-"),
  prefixed("vault-token", "hv[sbr]\\.", "hv[sbr]\\.[A-Za-z0-9_\\-]{90,}", URLSAFE),
  prefixed("vercel-token", "vc[pciark]_", "vc[pciark]_[A-Za-z0-9]{20,}", ALNUM),
  prefixed("databricks-token", "dapi", "dapi[a-fA-F0-9]{32}(?:-[0-9])?", "A-Fa-f0-9"),
  prefixed("figma-token", "figd_", "figd_[A-Za-z0-9_\\-]{40,}", URLSAFE),
  prefixed("cloudflare-token", "cf(?:k|ut|at)_", "cf(?:k|ut|at)_[A-Za-z0-9]{40}[0-9a-f]{8}", ALNUM),
  prefixed("tailscale-key", "tskey-", "tskey-[a-z]{2,20}-[0-9A-Za-z_]{8,}-[0-9A-Za-z_]{16,}", WORD),
  prefixed("digitalocean-token", "do[opr]_v1_", "do[opr]_v1_[a-f0-9]{64}", ALNUM),
  prefixed("age-secret-key", "AGE-SECRET-KEY-1", "AGE-SECRET-KEY-1[0-9A-Z]{58}", ALNUM),
  // structured tokens
  {
    type: "jwt",
    severity: "high",
    anchor: String.raw`eyJ[A-Za-z0-9_\-]+\.eyJ`,
    pattern: String.raw`${NOT_WORD}(eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)${end(`${URLSAFE}.`)}`,
    judge: judgeJwt,
    priority: 2,
  },
  // credentials inside URLs: the scheme decides between a database and any other service
  {
    type: "basic-auth-url",
    severity: "high",
    anchor: String.raw`://[^\s:/@]+:[^\s/@]+@`,
    pattern: String.raw`((?i:jdbc:)?[A-Za-z][A-Za-z0-9+.\-]{1,30})://([^\s:/@]{1,256}):([^\s/@]{1,256})@`,
    spanGroup: 3,
    judge: judgeUrlCredential,
    priority: 2,
  },
  // a random-looking value assigned to a key-like name: `password=`, `api_key:`, `"secret": "…"`, `token = …`
  {
    type: "generic-secret",
    severity: "medium",
    anchor: `(?i:${GENERIC_NAMES})${GENERIC_SUFFIX}\\s*(?::=|=>|=|:)`,
    pattern: `(?i:${GENERIC_NAMES})${GENERIC_SUFFIX}\\s*(?::=|=>|=|:)\\s*(?i:(?:bearer|basic|token)\\s+)?(?:"(${strongValue('"\\\\\\r\\n')})"|'(${strongValue("'\\\\\\r\\n")})'|(${UNQUOTED_VALUE}))`,
    judge: (g) => judgeGenericValue(g[1] ?? g[2] ?? g[3] ?? ""),
    priority: 1,
  },
];

function judgeJwt(groups: readonly (string | undefined)[]): Judgement {
  const token = groups[1] ?? "";
  const header = token.slice(0, token.indexOf("."));
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    if (typeof decoded === "object" && decoded !== null && ("alg" in decoded || "typ" in decoded)) return { confidence: 1 };
  } catch {
    // a header that is not JSON still has the JWT's shape
  }
  return { confidence: 0.7 };
}

/** PEM private keys are matched by their BEGIN and END lines, not by one pattern: the block may be unterminated. */
export const PEM_MARKER = "-----(BEGIN|END)[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----";
export const PEM_ANCHOR = "-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY";
