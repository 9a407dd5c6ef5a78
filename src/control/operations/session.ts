import { decodeJwt } from "jose";
import { z } from "zod";
import { ERROR_CODES, PerimeterError } from "../../errors.js";
import type { AuthResult, Principal } from "../../identity/types.js";
import { ADMIN_ROLES, CONTROL_ACTIONS, type ControlAction } from "../../policy/control-policies.js";
import { type PolicyEngine, rolesOf } from "../../policy/engine.js";
import { operation, reply, sessionCookieHeader, type AnyOperation } from "../api.js";
import type { ControlServices } from "../services.js";
import { actorOf, type ControlSession, type SignInMethod } from "../sessions.js";

// Sign in (an admin identity's API key, a JWT from a configured issuer, or a one-time link from
// `perimeter up`), see the session, sign out. Only identities that hold an admin role get a session.

const signInBody = z.union([
  z.strictObject({ key: z.string().min(1).max(512).describe("an API key of an identity that holds an admin role") }),
  z.strictObject({ token: z.string().min(1).max(16_384).describe("a JWT from an issuer in identity.jwtIssuers, with an admin role in its scope") }),
  z.strictObject({ link: z.string().min(1).max(128).describe("the one-time token of a sign-in link printed by perimeter up") }),
]);

export const sessionView = z.strictObject({
  actor: z.string().describe("the person behind the session, as audit events name them"),
  identity: z.strictObject({ id: z.string(), name: z.string(), kind: z.string(), owner: z.string() }),
  roles: z.array(z.enum(ADMIN_ROLES)),
  method: z.enum(["api-key", "jwt", "link"]),
  abilities: z
    .strictObject({
      ...(Object.fromEntries(CONTROL_ACTIONS.map((a) => [a, z.boolean()])) as Record<ControlAction, z.ZodBoolean>),
      grantRoles: z.boolean().describe("may create or rotate the key of an identity that holds an admin role"),
    })
    .describe("what the control policies in force let this session do (Cedar decides each request again; the dashboard only hides what would be refused)"),
  csrf: z.string().describe("send it in X-CSRF-Token with every change made with the session cookie"),
  expiresAt: z.string(),
});

type Abilities = z.infer<typeof sessionView>["abilities"];

/** Each control action asked of the policy set in force, as the session's principal, with no roles handed over. */
function abilitiesOf(engine: PolicyEngine | undefined, principal: Principal): Abilities {
  const ask = (action: ControlAction, grants: readonly string[] = []): boolean =>
    engine?.authorizeControl({ principal, action, route: "/control/session", method: "GET", grants }).allow ?? false;
  const each = Object.fromEntries(CONTROL_ACTIONS.map((a) => [a, ask(a)])) as Record<ControlAction, boolean>;
  return { ...each, grantRoles: ask("control_identities", ADMIN_ROLES) };
}

async function view(s: ControlServices, session: ControlSession): Promise<z.infer<typeof sessionView>> {
  const p = session.principal;
  await s.controlPolicies?.refresh();
  return {
    actor: session.actor,
    identity: { id: p.id, name: p.name, kind: p.kind, owner: p.owner },
    roles: rolesOf(p),
    method: session.method,
    abilities: abilitiesOf(s.controlPolicies?.engine, p),
    csrf: session.csrf,
    expiresAt: session.expiresAt,
  };
}

export function sessionOperations(s: ControlServices): AnyOperation[] {
  return [
    operation({
      id: "signIn",
      method: "POST",
      path: "/control/session",
      summary: "Sign in with an admin identity's API key, a JWT, or a one-time link; sets the session cookie",
      tag: "session",
      action: "public",
      body: signInBody,
      response: sessionView,
      async handle({ body }, _caller, req) {
        const signed = await signIn(s, body);
        const audit = s.ctx.audit();
        if (!signed.ok) {
          // Anyone can send these: counted per source like other refusals without credentials, not one event each.
          if (s.refusedAnonymous !== undefined)
            s.refusedAnonymous(req, { route: "/control/session", code: signed.code, reason: signed.message, status: ERROR_CODES[signed.code].status });
          else
            await audit.append({
              actor: "anonymous",
              action: "control.signIn",
              resource: "control",
              decision: "deny",
              reason: signed.message,
              details: { method: signed.method, code: signed.code },
            });
          throw new PerimeterError(signed.code, signed.message);
        }
        const principal = signed.principal;
        const refuse = async (code: "PERMISSION_DENIED" | "KILLED", message: string): Promise<never> => {
          const admitted = s.admitRefusal?.(principal.id, { route: "/control/session", code, reason: message, status: ERROR_CODES[code].status }) ?? true;
          if (admitted)
            await audit.append({
              actor: actorOf(principal),
              action: "control.signIn",
              resource: `identity:${principal.id}`,
              decision: "deny",
              reason: message,
              details: { method: signed.method, code },
            });
          throw new PerimeterError(code, message);
        };
        const roles = rolesOf(principal);
        if (roles.length === 0)
          return refuse(
            "PERMISSION_DENIED",
            `identity ${principal.name} (${principal.id}) holds no admin role (${ADMIN_ROLES.join(", ")}): the dashboard is for identities whose scopes name one`,
          );
        // A killed identity could use no session it got (the kill-check refuses every request), so it gets none.
        const killed = (await s.killswitch.current()).covers(principal.id, "", "");
        if (killed !== null) return refuse("KILLED", `identity ${principal.name} (${principal.id}) is killed and may not sign in: ${killed}`);
        const { token, session } = await s.sessions.start({
          principal: signed.principal,
          method: signed.method,
          keyId: signed.keyId,
          notAfter: signed.notAfter,
        });
        await audit.append({
          actor: session.actor,
          action: "control.signIn",
          resource: `identity:${signed.principal.id}`,
          decision: "allow",
          details: { method: signed.method, roles, session: session.id.slice(0, 12), expiresAt: session.expiresAt },
        });
        const seconds = (Date.parse(session.expiresAt) - Date.now()) / 1000;
        return reply(await view(s, session), { headers: { "set-cookie": sessionCookieHeader(req, token, seconds) } });
      },
    }),
    operation({
      id: "getSession",
      method: "GET",
      path: "/control/session",
      summary: "The session of the cookie: who, which roles, its CSRF token and expiry",
      tag: "session",
      action: "control_read",
      response: sessionView,
      async handle(_input, caller) {
        if (caller?.session === undefined)
          throw new PerimeterError("AUTH_SESSION_INVALID", "no dashboard session: this request came with a bearer token, not the session cookie");
        return view(s, caller.session);
      },
    }),
    operation({
      id: "signOut",
      method: "DELETE",
      path: "/control/session",
      summary: "Sign out: the session ends everywhere and the cookie is cleared",
      tag: "session",
      action: "control_read",
      response: z.strictObject({ signedOut: z.boolean() }),
      async handle(_input, caller, req) {
        if (caller?.session === undefined)
          throw new PerimeterError("AUTH_SESSION_INVALID", "no dashboard session to end: this request came with a bearer token");
        await s.sessions.end(caller.session.id);
        return reply({ signedOut: true }, { headers: { "set-cookie": sessionCookieHeader(req, "", 0) } });
      },
    }),
  ];
}

type SignedIn =
  | { readonly ok: true; readonly principal: Principal; readonly method: SignInMethod; readonly keyId: string | null; readonly notAfter?: Date | undefined }
  | {
      readonly ok: false;
      readonly method: SignInMethod;
      readonly code: Extract<AuthResult, { ok: false }>["code"] | "AUTH_SESSION_INVALID";
      readonly message: string;
    };

async function signIn(s: ControlServices, body: z.infer<typeof signInBody>): Promise<SignedIn> {
  if ("link" in body) {
    const redeemed = await s.sessions.redeemLink(body.link);
    if (redeemed === undefined)
      return {
        ok: false,
        method: "link",
        code: "AUTH_SESSION_INVALID",
        message: "the sign-in link is unknown, used or expired: run perimeter up again, or sign in with a key",
      };
    const auth = await s.identities.authenticateKeyId(redeemed.keyId);
    if (!auth.ok) return { ok: false, method: "link", code: auth.code, message: auth.message };
    return { ok: true, principal: auth.principal, method: "link", keyId: redeemed.keyId };
  }
  if ("key" in body) {
    if (body.key.split(".").length === 3)
      return { ok: false, method: "api-key", code: "AUTH_KEY_INVALID", message: "that is a JWT: send it as token, not key" };
    const auth = await s.authenticate(`Bearer ${body.key}`);
    if (!auth.ok) return { ok: false, method: "api-key", code: auth.code, message: auth.message };
    if (auth.principal.via.method !== "api-key") return { ok: false, method: "api-key", code: "AUTH_KEY_INVALID", message: "not an API key" };
    return { ok: true, principal: auth.principal, method: "api-key", keyId: auth.principal.via.keyId };
  }
  if (body.token.split(".").length !== 3)
    return { ok: false, method: "jwt", code: "AUTH_TOKEN_INVALID", message: "the token is not a JWT: send an API key as key" };
  const auth = await s.authenticate(`Bearer ${body.token}`);
  if (!auth.ok) return { ok: false, method: "jwt", code: auth.code, message: auth.message };
  const exp = decodeJwt(body.token).exp;
  return { ok: true, principal: auth.principal, method: "jwt", keyId: null, notAfter: typeof exp === "number" ? new Date(exp * 1000) : new Date() };
}
