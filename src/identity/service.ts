import type { Logger } from "pino";
import type { AuditLog } from "../audit/index.js";
import type { IdentityConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import type { Store } from "../store/store.js";
import { generateApiKey, hashesEqual, isIdentityId, newIdentityId, parseApiKey } from "./keys.js";
import { IdentityRepository, identityNotFound, type KeyAuthRow } from "./repository.js";
import {
  IDENTITY_KINDS,
  type ApiKeyRecord,
  type AuthFailureCode,
  type AuthResult,
  type Identity,
  type IdentityKind,
  type IdentityRecord,
  type IdentityStatus,
  type Principal,
} from "./types.js";

// Non-human identities and their API keys: create, rotate, revoke (each an audit event), and the
// authentication every gateway request goes through. That path reads the store at most once per key per
// cache TTL and writes last-used at most once per key per minute, off the request's path.

export interface IdentityDeps {
  readonly store: Store;
  readonly audit: () => AuditLog;
  readonly config: IdentityConfig;
  /** Where failed background writes (last-used) are reported; process warnings when absent. */
  readonly logger?: Pick<Logger, "warn"> | undefined;
}

export interface AuthCacheOptions {
  /** How long a key read from the store is trusted: the longest a revocation made elsewhere takes to bite. */
  readonly ttlMs?: number;
  /** How long a key the store does not hold is remembered as unknown, so repeated garbage does not reach the store. */
  readonly negativeTtlMs?: number;
  /** Entries each cache holds at most; the oldest are dropped first. */
  readonly maxEntries?: number;
  /** A key's last use is written at most this often. */
  readonly lastUsedIntervalMs?: number;
}

export const DEFAULT_AUTH_CACHE = { ttlMs: 1000, negativeTtlMs: 500, maxEntries: 10_000, lastUsedIntervalMs: 60_000 } as const;

export interface CreateIdentityInput {
  readonly name: string;
  readonly kind: IdentityKind;
  readonly owner: string;
  readonly environment: string;
  readonly expiresAt?: Date | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly actor: string;
}

export interface IssuedKey {
  readonly identity: IdentityRecord;
  /** The whole API key: shown once, never stored. */
  readonly key: string;
  readonly keyId: string;
}

export interface RotatedKey extends IssuedKey {
  /** Keys that were live and now end at `previousKeysExpireAt`. */
  readonly previousKeys: readonly string[];
  readonly previousKeysExpireAt: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const ENVIRONMENT = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const SCOPE = /^[A-Za-z0-9][A-Za-z0-9:._/*-]{0,127}$/;
const MAX_SCOPES = 100;
const MAX_OVERLAP_SECONDS = 30 * 86_400;

/** What authentication knows about one key between store reads. */
interface KeyState {
  readonly principal: Principal;
  readonly identity: Identity;
  readonly keyId: string;
  readonly keyExpiresAt: number | null;
  readonly keyRevoked: boolean;
  readonly keyLastUsedAt: number | null;
}

export class IdentityService {
  private readonly repo: IdentityRepository;
  private readonly cache: Required<AuthCacheOptions>;
  private readonly found = new Map<string, { readonly state: KeyState; readonly at: number }>();
  private readonly unknown = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<KeyState | null>>();
  private readonly lastUseWritten = new Map<string, number>();
  private readonly pendingWrites = new Set<Promise<void>>();
  /** Bumped by every local rotation or revocation, so a read that raced the change is not cached. */
  private generation = 0;

  constructor(
    private readonly deps: IdentityDeps,
    cache: AuthCacheOptions = {},
  ) {
    this.repo = new IdentityRepository(deps.store);
    this.cache = { ...DEFAULT_AUTH_CACHE, ...cache };
  }

  async create(input: CreateIdentityInput): Promise<IssuedKey> {
    const now = new Date();
    if (!NAME.test(input.name) || isIdentityId(input.name)) {
      throw new PerimeterError(
        "USAGE",
        `identity name "${input.name}" must be 1-100 letters, digits, dots, dashes or underscores, start with a letter or digit, and not look like an id (id_...)`,
      );
    }
    if (!(IDENTITY_KINDS as readonly string[]).includes(input.kind))
      throw new PerimeterError("USAGE", `kind must be one of ${IDENTITY_KINDS.join(", ")}, not "${input.kind}"`);
    if (input.owner.trim() === "" || input.owner.length > 200 || /\p{Cc}/u.test(input.owner)) {
      throw new PerimeterError("USAGE", "owner must name the team or person accountable for the identity (1-200 printable characters)");
    }
    if (!ENVIRONMENT.test(input.environment)) throw new PerimeterError("USAGE", `environment "${input.environment}" must be a lower-case name such as prod`);
    const scopes = [...new Set(input.scopes ?? [])];
    if (scopes.length > MAX_SCOPES) throw new PerimeterError("USAGE", `an identity holds at most ${MAX_SCOPES} scopes, not ${scopes.length}`);
    for (const s of scopes) {
      if (!SCOPE.test(s))
        throw new PerimeterError("USAGE", `scope "${s}" must be 1-128 letters, digits and : . _ / * -, e.g. models:llama-3.1 or tools:search`);
    }
    let expiresAt: string | null = null;
    if (input.expiresAt !== undefined) {
      if (Number.isNaN(input.expiresAt.getTime()) || input.expiresAt.getTime() <= now.getTime()) {
        throw new PerimeterError("USAGE", "the expiry must be a valid time in the future");
      }
      expiresAt = input.expiresAt.toISOString();
    }
    const identity: Identity = {
      id: newIdentityId(),
      name: input.name,
      kind: input.kind,
      owner: input.owner,
      environment: input.environment,
      scopes,
      expiresAt,
      createdAt: now.toISOString(),
      createdBy: input.actor,
      revokedAt: null,
      lastUsedAt: null,
    };
    const issued = generateApiKey(this.deps.config.keyPrefix);
    await this.repo.insertIdentity(identity, { id: issued.keyId, hash: issued.hash, createdAt: identity.createdAt });
    await this.deps.audit().append({
      actor: input.actor,
      action: "identity.create",
      resource: `identity:${identity.id}`,
      decision: "allow",
      details: { name: identity.name, kind: identity.kind, owner: identity.owner, environment: identity.environment, scopes, expiresAt, keyId: issued.keyId },
    });
    return { identity: await this.get(identity.id), key: issued.key, keyId: issued.keyId };
  }

  /** Identities not revoked; with `all`, revoked ones too (a reused name then appears once per identity). */
  list(options: { readonly all?: boolean } = {}): Promise<IdentityRecord[]> {
    return this.repo.list({ includeRevoked: options.all === true });
  }

  async get(idOrName: string): Promise<IdentityRecord> {
    const record = await this.repo.find(idOrName);
    if (record === undefined) throw identityNotFound(idOrName);
    return record;
  }

  /**
   * Issue a new key; every older live key keeps working until now + overlap (keys already ending sooner
   * keep their end), so callers can switch without an outage.
   */
  async rotate(idOrName: string, options: { readonly actor: string; readonly overlapSeconds?: number | undefined }): Promise<RotatedKey> {
    const overlap = options.overlapSeconds ?? this.deps.config.rotationOverlapSeconds;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_OVERLAP_SECONDS) {
      throw new PerimeterError("USAGE", `the overlap must be between 0 seconds and 30 days, not ${overlap} seconds`);
    }
    const record = await this.get(idOrName);
    const now = new Date();
    refuseChange(record, now, "gets no new keys");
    const issued = generateApiKey(this.deps.config.keyPrefix);
    const previousKeysExpireAt = new Date(now.getTime() + overlap * 1000).toISOString();
    const previousKeys = await this.repo.rotate(record.id, { id: issued.keyId, hash: issued.hash, createdAt: now.toISOString() }, previousKeysExpireAt);
    this.forget(record.id);
    await this.deps.audit().append({
      actor: options.actor,
      action: "identity.rotate",
      resource: `identity:${record.id}`,
      decision: "allow",
      details: { name: record.name, keyId: issued.keyId, overlapSeconds: overlap, previousKeys, previousKeysExpireAt },
    });
    return { identity: await this.get(record.id), key: issued.key, keyId: issued.keyId, previousKeys, previousKeysExpireAt };
  }

  /** Revoke an identity: every key it holds is refused from now on (within the cache TTL in other processes). */
  async revoke(idOrName: string, options: { readonly actor: string; readonly reason: string }): Promise<IdentityRecord> {
    const reason = requireReason(options.reason);
    const record = await this.get(idOrName);
    const at = new Date().toISOString();
    if (!(await this.repo.revokeIdentity(record.id, at, reason))) {
      throw new PerimeterError("USAGE", `identity ${record.name} (${record.id}) is already revoked`);
    }
    this.forget(record.id);
    await this.deps.audit().append({
      actor: options.actor,
      action: "identity.revoke",
      resource: `identity:${record.id}`,
      decision: "allow",
      reason,
      details: { name: record.name, keys: record.keys.filter((k) => k.revokedAt === null).map((k) => k.id) },
    });
    return this.get(record.id);
  }

  /** Revoke one key, e.g. one that leaked, leaving the identity's other keys working. */
  async revokeKey(keyId: string, options: { readonly actor: string; readonly reason: string }): Promise<ApiKeyRecord> {
    const reason = requireReason(options.reason);
    const key = await this.repo.getKey(keyId);
    if (key === undefined) throw new PerimeterError("IDENTITY_NOT_FOUND", `no API key with id "${keyId}" (see perimeter identity show NAME)`);
    if (!(await this.repo.revokeKey(keyId, new Date().toISOString()))) {
      throw new PerimeterError("USAGE", `API key ${keyId} is already revoked`);
    }
    this.forget(key.identityId);
    await this.deps
      .audit()
      .append({ actor: options.actor, action: "identity.revoke-key", resource: `identity:${key.identityId}`, decision: "allow", reason, details: { keyId } });
    return (await this.repo.getKey(keyId)) ?? key;
  }

  /**
   * Authenticate a presented API key. Refusals carry a precise code and a message that says what to do and
   * never repeats the key. A store that does not answer throws (STORE_UNAVAILABLE): the caller denies.
   */
  async authenticateApiKey(presented: string, now: Date = new Date()): Promise<AuthResult> {
    const prefix = this.deps.config.keyPrefix;
    const parsed = parseApiKey(presented, prefix);
    if (!parsed.ok) {
      return refuse(
        "AUTH_KEY_INVALID",
        parsed.reason === "unknown-prefix"
          ? `the API key was not issued by this Perimeter (its keys start with "${prefix}_"): use a key from perimeter identity create or rotate`
          : `the API key is malformed: Perimeter keys look like ${prefix}_<12 characters>_<43 characters>; send the whole key as the bearer token`,
      );
    }
    const nowMs = now.getTime();
    const state = await this.lookup(parsed.keyId, parsed.hash, nowMs);
    if (state === null) {
      return refuse(
        "AUTH_KEY_INVALID",
        "the API key is not one Perimeter issued: check that the whole key was sent, or ask the identity's owner for a current key",
      );
    }
    const result = judge(state, nowMs);
    if (result.ok) this.noteUse(state, nowMs);
    return result;
  }

  /** Resolves when every background last-used write started so far has finished: call before closing the store. */
  async flush(): Promise<void> {
    while (this.pendingWrites.size > 0) await Promise.all([...this.pendingWrites]);
  }

  private async lookup(keyId: string, hash: string, nowMs: number): Promise<KeyState | null> {
    const hit = this.found.get(hash);
    if (hit !== undefined && nowMs >= hit.at && nowMs - hit.at < this.cache.ttlMs) return hit.state;
    const miss = this.unknown.get(hash);
    if (miss !== undefined && nowMs >= miss && nowMs - miss < this.cache.negativeTtlMs) return null;
    // Concurrent requests with the same key share one store read.
    let pending = this.inflight.get(hash);
    if (pending === undefined) {
      const generation = this.generation;
      const read: Promise<KeyState | null> = this.read(keyId, hash)
        .then((state) => {
          if (generation === this.generation) {
            if (state === null) remember(this.unknown, hash, nowMs, this.cache.maxEntries);
            else remember(this.found, hash, { state, at: nowMs }, this.cache.maxEntries);
          }
          return state;
        })
        .finally(() => {
          // A change may have replaced this read with a newer one meanwhile: leave that one.
          if (this.inflight.get(hash) === read) this.inflight.delete(hash);
        });
      pending = read;
      this.inflight.set(hash, read);
    }
    return pending;
  }

  /**
   * Check again, from the store and without the key itself, a key that authenticated earlier (a dashboard
   * session's): a key or identity revoked or expired since is refused like the key would be.
   */
  async authenticateKeyId(keyId: string, now: Date = new Date()): Promise<AuthResult> {
    const row = await this.keyRow(keyId);
    if (row === undefined) return refuse("AUTH_KEY_INVALID", `the API key ${keyId} no longer exists: sign in again with a current key`);
    return judge(keyState(row), now.getTime());
  }

  private async keyRow(keyId: string): Promise<KeyAuthRow | undefined> {
    try {
      return await this.repo.keyForAuth(keyId);
    } catch (err) {
      throw new PerimeterError("STORE_UNAVAILABLE", `cannot check the API key: the store did not answer (${(err as Error).message})`, { cause: err });
    }
  }

  private async read(keyId: string, hash: string): Promise<KeyState | null> {
    const row = await this.keyRow(keyId);
    if (row === undefined || !hashesEqual(row.hash, hash)) return null;
    return keyState(row);
  }

  /** Write last-used off the request's path, at most once per interval per key; a failure is logged, never raised. */
  private noteUse(state: KeyState, nowMs: number): void {
    const last = Math.max(this.lastUseWritten.get(state.keyId) ?? -Infinity, state.keyLastUsedAt ?? -Infinity);
    if (nowMs - last < this.cache.lastUsedIntervalMs) return;
    remember(this.lastUseWritten, state.keyId, nowMs, this.cache.maxEntries);
    const write: Promise<void> = this.repo
      .recordUse(state.identity.id, state.keyId, new Date(nowMs).toISOString())
      .catch((err: unknown) => this.warn(err, state))
      .finally(() => this.pendingWrites.delete(write));
    this.pendingWrites.add(write);
  }

  private warn(err: unknown, state: KeyState): void {
    const message = `could not record the last use of API key ${state.keyId} (identity ${state.identity.id}): ${(err as Error).message}`;
    if (this.deps.logger !== undefined) this.deps.logger.warn({ err, identity: state.identity.id, keyId: state.keyId }, message);
    else process.emitWarning(message, { code: "PERIMETER_LAST_USED" });
  }

  /** Drop what this process remembers about an identity's keys after changing them here. */
  /**
   * Another process changed identities or keys (a change notification): read every key from the store again
   * on its next use, not after the cache TTL. Unknown keys stay remembered: a new key is not among them.
   */
  forgetAll(): void {
    this.generation++;
    this.found.clear();
    // A read begun before the change may not see it: requests from now on start their own.
    this.inflight.clear();
  }

  private forget(identityId: string): void {
    this.generation++;
    this.inflight.clear();
    for (const [hash, entry] of this.found) if (entry.state.identity.id === identityId) this.found.delete(hash);
  }
}

export function identityStatus(identity: Identity, now: Date = new Date()): IdentityStatus {
  if (identity.revokedAt !== null) return "revoked";
  if (identity.expiresAt !== null && Date.parse(identity.expiresAt) <= now.getTime()) return "expired";
  return "active";
}

/** Keys that would authenticate now (the identity's own status aside). */
export function liveKeys(record: IdentityRecord, now: Date = new Date()): ApiKeyRecord[] {
  return record.keys.filter((k) => k.revokedAt === null && (k.expiresAt === null || Date.parse(k.expiresAt) > now.getTime()));
}

function judge(state: KeyState, nowMs: number): AuthResult {
  const { identity, keyId } = state;
  const who = `identity ${identity.name} (${identity.id})`;
  // Revocation before expiry and the identity before its key: the reason reported is the one that fixes it.
  if (identity.revokedAt !== null) {
    return refuse("AUTH_IDENTITY_REVOKED", `${who} was revoked: none of its keys work any more; its owner (${identity.owner}) must create a new identity`);
  }
  if (state.keyRevoked) {
    return refuse(
      "AUTH_KEY_REVOKED",
      `API key ${keyId} of ${who} was revoked: ask its owner (${identity.owner}) for a current key (perimeter identity rotate ${identity.name})`,
    );
  }
  const identityExpiresAt = parseTime(identity.expiresAt);
  if (identityExpiresAt !== null && nowMs >= identityExpiresAt) {
    return refuse("AUTH_IDENTITY_EXPIRED", `${who} expired at ${identity.expiresAt}: its owner (${identity.owner}) must create a new identity`);
  }
  if (state.keyExpiresAt !== null && nowMs >= state.keyExpiresAt) {
    return refuse(
      "AUTH_KEY_EXPIRED",
      `API key ${keyId} of ${who} was rotated out and expired at ${new Date(state.keyExpiresAt).toISOString()}: use the identity's current key`,
    );
  }
  return { ok: true, principal: state.principal };
}

function refuse(code: AuthFailureCode, message: string): AuthResult {
  return { ok: false, code, message };
}

function refuseChange(record: IdentityRecord, now: Date, what: string): void {
  const status = identityStatus(record, now);
  // The advice ends in a command that works: create takes a revoked identity's name, and an expired one is revoked first.
  if (status === "revoked") {
    throw new PerimeterError(
      "USAGE",
      `identity ${record.name} (${record.id}) was revoked at ${record.revokedAt}: a revoked identity ${what}; create a new one (perimeter identity create ${record.name}: a revoked identity's name can be used again)`,
    );
  }
  if (status === "expired") {
    throw new PerimeterError(
      "USAGE",
      `identity ${record.name} (${record.id}) expired at ${record.expiresAt}: an expired identity ${what}; revoke it (perimeter identity revoke ${record.id} --reason expired), then create a new one with the same name`,
    );
  }
}

function requireReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === "" || trimmed.length > 1000) throw new PerimeterError("USAGE", "--reason must say why (1-1000 characters): it goes to the audit log");
  return trimmed;
}

function parseTime(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  // An unreadable time in the store must not read as "never expires".
  return Number.isNaN(ms) ? -Infinity : ms;
}

/** Insert into a size-bounded map, dropping the oldest entry when full. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
  map.set(key, value);
}

function keyState(row: KeyAuthRow): KeyState {
  const identity = row.identity;
  return {
    identity,
    keyId: row.keyId,
    keyExpiresAt: parseTime(row.keyExpiresAt),
    keyRevoked: row.keyRevokedAt !== null,
    keyLastUsedAt: parseTime(row.keyLastUsedAt),
    principal: {
      id: identity.id,
      name: identity.name,
      kind: identity.kind,
      owner: identity.owner,
      environment: identity.environment,
      scopes: identity.scopes,
      via: { method: "api-key", keyId: row.keyId },
    },
  };
}
