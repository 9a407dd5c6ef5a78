import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ControlConfig } from "../config/schema.js";
import type { AuthResult, Principal } from "../identity/types.js";
import type { Store } from "../store/store.js";

// Dashboard sessions: a random token in an HttpOnly cookie, only its SHA-256 in the store, a CSRF token per
// session, an absolute and an idle expiry, and on every request the key it signed in with checked again, so
// revoking the key (or the identity) ends the session at once. One-time sign-in links work the same way.

export type SignInMethod = "api-key" | "jwt" | "link";

export interface ControlSession {
  /** The stored id: the SHA-256 of the token (hex). Its first 12 characters name the session in audit events. */
  readonly id: string;
  readonly principal: Principal;
  /** The person behind the requests, as audit events and the lifecycle's separation of duties name them. */
  readonly actor: string;
  readonly method: SignInMethod;
  readonly csrf: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export type SessionCheck =
  | { readonly ok: true; readonly session: ControlSession }
  | { readonly ok: false; readonly code: "AUTH_SESSION_INVALID" | "AUTH_SESSION_EXPIRED" | AuthFailureCodeOf<AuthResult>; readonly message: string };

type AuthFailureCodeOf<T> = T extends { readonly ok: false; readonly code: infer C } ? C : never;

export interface SessionDeps {
  readonly store: Store;
  readonly config: ControlConfig;
  /** Checks again, without the key, a key that signed in (src/identity/service.ts). */
  authenticateKeyId(keyId: string): Promise<AuthResult>;
}

/** last_seen_at is written at most this often per session: idle expiry is to the minute. */
const TOUCH_INTERVAL_MS = 60_000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The person behind a principal: a JWT's subject, else the identity's owner. */
export function actorOf(principal: Principal): string {
  return principal.via.method === "jwt" ? principal.via.subject : principal.owner;
}

export class ControlSessions {
  constructor(private readonly deps: SessionDeps) {}

  /** Start a session for a principal that just proved who it is; signing in past the cap ends its oldest session. */
  async start(input: {
    readonly principal: Principal;
    readonly method: SignInMethod;
    readonly keyId: string | null;
    /** A JWT's expiry: the session ends no later. */
    readonly notAfter?: Date | undefined;
  }): Promise<{ readonly token: string; readonly session: ControlSession }> {
    const now = Date.now();
    let expires = now + this.deps.config.sessionMinutes * 60_000;
    if (input.notAfter !== undefined) expires = Math.min(expires, input.notAfter.getTime());
    const token = randomBytes(32).toString("base64url");
    const session: ControlSession = {
      id: digest(token),
      principal: input.principal,
      actor: actorOf(input.principal),
      method: input.method,
      csrf: randomBytes(32).toString("base64url"),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expires).toISOString(),
    };
    const db = this.deps.store.db;
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto("control_sessions")
        .values({
          id: session.id,
          identity_id: input.principal.id,
          actor: session.actor,
          method: input.method,
          key_id: input.keyId,
          principal: JSON.stringify(input.principal),
          csrf: session.csrf,
          created_at: session.createdAt,
          expires_at: session.expiresAt,
          last_seen_at: session.createdAt,
          ended_at: null,
        })
        .execute();
      const live = await trx
        .selectFrom("control_sessions")
        .select("id")
        .where("identity_id", "=", input.principal.id)
        .where("ended_at", "is", null)
        .where("expires_at", ">", session.createdAt)
        .orderBy("created_at", "desc")
        .orderBy("id")
        .execute();
      const over = live.slice(this.deps.config.maxSessionsPerIdentity).map((r) => r.id);
      if (over.length > 0) await trx.updateTable("control_sessions").set({ ended_at: session.createdAt }).where("id", "in", over).execute();
      // Ended and expired sessions are of no further use (each sign-in and sign-out is an audit event): without
      // this, signing in over and over would grow the table without bound.
      await trx
        .deleteFrom("control_sessions")
        .where("identity_id", "=", input.principal.id)
        .where((eb) => eb.or([eb("ended_at", "is not", null), eb("expires_at", "<=", session.createdAt)]))
        .execute();
    });
    return { token, session };
  }

  /** The session a cookie's token names, if it is live and the key it signed in with still is. */
  async resume(token: string, now: Date = new Date()): Promise<SessionCheck> {
    if (!TOKEN.test(token)) return { ok: false, code: "AUTH_SESSION_INVALID", message: "the session cookie is malformed: sign in again" };
    const row = await this.deps.store.db.selectFrom("control_sessions").selectAll().where("id", "=", digest(token)).executeTakeFirst();
    if (row === undefined || row.ended_at !== null)
      return { ok: false, code: "AUTH_SESSION_INVALID", message: "the session has ended (signed out, or replaced by newer sign-ins): sign in again" };
    const nowIso = now.toISOString();
    if (row.expires_at <= nowIso) return { ok: false, code: "AUTH_SESSION_EXPIRED", message: "the session expired: sign in again" };
    const idleSince = Date.parse(row.last_seen_at);
    if (now.getTime() - idleSince > this.deps.config.idleMinutes * 60_000)
      return { ok: false, code: "AUTH_SESSION_EXPIRED", message: `the session was idle for more than ${this.deps.config.idleMinutes} minutes: sign in again` };
    let principal = JSON.parse(row.principal) as Principal;
    if (row.key_id !== null) {
      // A key revoked or expired since sign-in, or its identity's, ends the session now.
      const auth = await this.deps.authenticateKeyId(row.key_id);
      if (!auth.ok) {
        await this.endById(row.id, nowIso);
        return { ok: false, code: auth.code, message: `${auth.message} (the session it signed in is ended)` };
      }
      principal = auth.principal;
    }
    if (now.getTime() - idleSince >= TOUCH_INTERVAL_MS) {
      await this.deps.store.db.updateTable("control_sessions").set({ last_seen_at: nowIso }).where("id", "=", row.id).execute();
    }
    return {
      ok: true,
      session: {
        id: row.id,
        principal,
        actor: row.actor,
        method: row.method as SignInMethod,
        csrf: row.csrf,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      },
    };
  }

  async end(sessionId: string): Promise<void> {
    await this.endById(sessionId, new Date().toISOString());
  }

  /** A one-time sign-in link's token for an identity's key, usable once within control.signInLinkMinutes. */
  async createLink(input: { readonly identityId: string; readonly keyId: string; readonly actor: string }): Promise<{ token: string; expiresAt: string }> {
    const token = randomBytes(32).toString("base64url");
    const now = Date.now();
    const expiresAt = new Date(now + this.deps.config.signInLinkMinutes * 60_000).toISOString();
    await this.deps.store.db
      .insertInto("control_signin_links")
      .values({
        id: digest(token),
        identity_id: input.identityId,
        key_id: input.keyId,
        actor: input.actor,
        created_at: new Date(now).toISOString(),
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
    return { token, expiresAt };
  }

  /** The key a link signs in with, once: a second use, an unknown or an expired link is undefined. */
  async redeemLink(token: string, now: Date = new Date()): Promise<{ readonly keyId: string } | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const id = digest(token);
    const nowIso = now.toISOString();
    // One conditional update decides: two tabs racing with the same link get one session between them.
    const updated = await this.deps.store.db
      .updateTable("control_signin_links")
      .set({ used_at: nowIso })
      .where("id", "=", id)
      .where("used_at", "is", null)
      .where("expires_at", ">", nowIso)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return undefined;
    const row = await this.deps.store.db.selectFrom("control_signin_links").select("key_id").where("id", "=", id).executeTakeFirstOrThrow();
    return { keyId: row.key_id };
  }

  private async endById(id: string, at: string): Promise<void> {
    await this.deps.store.db.updateTable("control_sessions").set({ ended_at: at }).where("id", "=", id).where("ended_at", "is", null).execute();
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
