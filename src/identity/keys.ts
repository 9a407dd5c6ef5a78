import { hash, randomBytes, timingSafeEqual } from "node:crypto";

// API keys: `<prefix>_<keyid>_<secret>`. The prefix makes a leaked key recognisable to secret scanners,
// the key id finds the row without revealing anything, and only the sha256 of the whole key is stored.

/** Lower-case base32: 12 characters carry 60 bits, so key ids do not collide at any realistic count. */
const KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
export const KEY_ID_LENGTH = 12;
/** 32 random bytes, base64url without padding. */
export const SECRET_LENGTH = 43;
const SECRET_BYTES = 32;
/** Longest prefix (config allows 2-10 characters) + separators + key id + secret. */
export const MAX_API_KEY_LENGTH = 10 + 1 + KEY_ID_LENGTH + 1 + SECRET_LENGTH;

const API_KEY_PATTERN = /^([a-z][a-z0-9]{1,9})_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;
const IDENTITY_ID_PATTERN = /^id_[0-9a-f]{12}$/;

export interface IssuedApiKey {
  /** The whole key: shown to its holder once, never stored. */
  readonly key: string;
  readonly keyId: string;
  /** sha256 hex of the whole key: what the store keeps. */
  readonly hash: string;
}

export type ParsedApiKey =
  | { readonly ok: true; readonly keyId: string; readonly hash: string }
  | { readonly ok: false; readonly reason: "malformed" | "unknown-prefix" };

export function generateApiKey(prefix: string): IssuedApiKey {
  const keyId = newKeyId();
  const key = `${prefix}_${keyId}_${randomBytes(SECRET_BYTES).toString("base64url")}`;
  return { key, keyId, hash: hashApiKey(key) };
}

export function newKeyId(): string {
  // 256 is a multiple of 32, so masking each byte to 5 bits is unbiased.
  const bytes = randomBytes(KEY_ID_LENGTH);
  let id = "";
  for (const b of bytes) id += KEY_ID_ALPHABET[b & 31];
  return id;
}

export function newIdentityId(): string {
  return `id_${randomBytes(6).toString("hex")}`;
}

export function isIdentityId(value: string): boolean {
  return IDENTITY_ID_PATTERN.test(value);
}

export function hashApiKey(key: string): string {
  // One-shot crypto.hash: this runs on every authenticated call, and costs a fifth of createHash here.
  return hash("sha256", key, "hex");
}

/**
 * Check a presented key's shape before anything touches the store: the length is bounded before the
 * pattern runs, and only the configured prefix is accepted.
 */
export function parseApiKey(presented: string, prefix: string): ParsedApiKey {
  if (presented.length > MAX_API_KEY_LENGTH) return { ok: false, reason: "malformed" };
  const match = API_KEY_PATTERN.exec(presented);
  if (match === null) return { ok: false, reason: "malformed" };
  if (match[1] !== prefix) return { ok: false, reason: "unknown-prefix" };
  return { ok: true, keyId: match[2] as string, hash: hashApiKey(presented) };
}

/** Whether two sha256 hex digests are equal, in time that does not depend on where they differ. */
export function hashesEqual(storedHex: string, presentedHex: string): boolean {
  const a = Buffer.from(storedHex, "hex");
  const b = Buffer.from(presentedHex, "hex");
  // A stored value that is not 32 bytes of hex is corrupt: it matches nothing.
  if (a.length !== 32 || b.length !== 32) return false;
  return timingSafeEqual(a, b);
}
