// Non-human identities: who calls models and tools through the gateway.

export const IDENTITY_KINDS = ["service-account", "agent", "pipeline"] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export interface Identity {
  /** Stable id, e.g. id_3f9c2a7d1b4e: what `perimeter kill identity` and policies name. */
  readonly id: string;
  readonly name: string;
  readonly kind: IdentityKind | "jwt";
  readonly owner: string;
  readonly environment: string;
  readonly scopes: readonly string[];
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

/** Who is calling, once authenticated: an API key's identity, or a workload's JWT. */
export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly kind: Identity["kind"];
  readonly owner: string;
  readonly environment: string;
  readonly scopes: readonly string[];
  /** How it proved who it is. */
  readonly via: { readonly method: "api-key"; readonly keyId: string } | { readonly method: "jwt"; readonly issuer: string; readonly subject: string };
}

/** Why authentication failed; each maps to an error code and a 401. */
export type AuthFailureCode =
  | "AUTH_MISSING"
  | "AUTH_KEY_INVALID"
  | "AUTH_KEY_EXPIRED"
  | "AUTH_KEY_REVOKED"
  | "AUTH_IDENTITY_EXPIRED"
  | "AUTH_IDENTITY_REVOKED"
  | "AUTH_TOKEN_INVALID"
  | "AUTH_WRONG_ENVIRONMENT";

export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly code: AuthFailureCode; readonly message: string };

/** An API key as listed: everything but the key itself, which is never stored and never shown again. */
export interface ApiKeyRecord {
  /** The key id, visible in the key (`prm_<id>_...`). */
  readonly id: string;
  readonly identityId: string;
  readonly createdAt: string;
  /** Set when the key was rotated out: the end of its overlap window. */
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

/** An identity with its keys and revocation reason, as `identity list` and `identity show` print it. */
export interface IdentityRecord extends Identity {
  readonly revokedReason: string | null;
  readonly keys: readonly ApiKeyRecord[];
}

export type IdentityStatus = "active" | "expired" | "revoked";
