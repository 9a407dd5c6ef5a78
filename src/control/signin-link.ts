import type { Context } from "../app/context.js";
import { PerimeterError } from "../errors.js";
import type { IdentityService } from "../identity/service.js";
import { ADMIN_ROLES } from "../policy/control-policies.js";
import { rolesOf } from "../policy/engine.js";
import { ControlSessions } from "./sessions.js";

// One-time sign-in links for the dashboard: `perimeter up` prints one, `perimeter dashboard link` makes
// another. A link signs in as an identity that holds an admin role, through one of its live keys (a key
// revoked later ends the session as it would a session signed in with the key itself); the key is never shown.

/** The identity `perimeter up` makes for the person at the terminal. */
export const DASHBOARD_IDENTITY = "dashboard-admin";

export interface SignInLink {
  readonly url: string;
  readonly expiresAt: string;
  readonly identity: string;
}

export async function signInLink(
  ctx: Context,
  identities: IdentityService,
  input: { readonly identity: string; readonly baseUrl: string; readonly actor: string },
): Promise<SignInLink> {
  const identity = await identities.get(input.identity);
  if (identity.revokedAt !== null) throw new PerimeterError("USAGE", `identity ${identity.name} is revoked: a sign-in link needs a live identity`);
  if (identity.expiresAt !== null && Date.parse(identity.expiresAt) <= Date.now())
    throw new PerimeterError("USAGE", `identity ${identity.name} expired at ${identity.expiresAt}: a sign-in link needs a live identity`);
  if (rolesOf(identity).length === 0)
    throw new PerimeterError("USAGE", `identity ${identity.name} holds no admin role (${ADMIN_ROLES.join(", ")}): the dashboard would refuse it`);
  const now = Date.now();
  const live = identity.keys
    .filter((k) => k.revokedAt === null && (k.expiresAt === null || Date.parse(k.expiresAt) > now))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  // No live key (all rotated out or revoked): issue one that nobody is shown.
  const keyId = live[0]?.id ?? (await identities.rotate(identity.id, { actor: input.actor, overlapSeconds: 0 })).keyId;
  const sessions = new ControlSessions({ store: ctx.store, config: ctx.loaded.config.control, authenticateKeyId: (k) => identities.authenticateKeyId(k) });
  const link = await sessions.createLink({ identityId: identity.id, keyId, actor: input.actor });
  await ctx.audit().append({
    actor: input.actor,
    action: "control.signInLink",
    resource: `identity:${identity.id}`,
    decision: "allow",
    details: { name: identity.name, keyId, expiresAt: link.expiresAt },
  });
  return { url: `${input.baseUrl.replace(/\/+$/, "")}/ui/#signin=${link.token}`, expiresAt: link.expiresAt, identity: identity.name };
}
