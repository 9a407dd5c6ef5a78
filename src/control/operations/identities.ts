import { z } from "zod";
import { scopeUse } from "../../identity/scope-use.js";
import { identityStatus } from "../../identity/service.js";
import { IDENTITY_KINDS, type IdentityRecord } from "../../identity/types.js";
import { operation, who, type AnyOperation } from "../api.js";
import { reason } from "../schemas.js";
import type { ControlServices } from "../services.js";

// Identities and their keys, as `perimeter identity` manages them. A key is shown once, in the answer that
// made it. Creating an identity that holds an admin role, or rotating the key of one, hands that role to
// whoever sees the key: the control policies let only admins do it (context.grants).

const keyView = z.object({
  id: z.string(),
  identityId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

const identityView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  owner: z.string(),
  environment: z.string(),
  scopes: z.array(z.string()),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
  revokedReason: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  status: z.enum(["active", "expired", "revoked"]),
  keys: z.array(keyView),
  scopeUse: z
    .array(z.object({ scope: z.string(), lastUsedAt: z.string().nullable() }))
    .describe("when each scope last made a difference to a decision; null: never (a grant to review)"),
});

const idParam = z.strictObject({ id: z.string().min(1).max(100).describe("the identity's id or name") });

export function identityOperations(s: ControlServices): AnyOperation[] {
  const views = async (records: readonly IdentityRecord[]) => {
    await s.scopeUse?.flush();
    const use = await scopeUse(s.ctx.store, records);
    return records.map((r) => ({ ...r, scopes: [...r.scopes], keys: [...r.keys], status: identityStatus(r), scopeUse: use.get(r.id) ?? [] }));
  };
  const view = async (r: IdentityRecord) => (await views([r]))[0] as Awaited<ReturnType<typeof views>>[number];
  return [
    operation({
      id: "listIdentities",
      method: "GET",
      path: "/control/identities",
      summary: "Identities with their keys, expiry and last use (all=true: revoked ones too)",
      tag: "identities",
      action: "control_read",
      query: z.strictObject({ all: z.enum(["true", "false"]).default("false") }),
      response: z.strictObject({ identities: z.array(identityView) }),
      handle: async ({ query }) => ({ identities: await views(await s.identities.list({ all: query.all === "true" })) }),
    }),
    operation({
      id: "getIdentity",
      method: "GET",
      path: "/control/identities/{id}",
      summary: "One identity and its keys",
      tag: "identities",
      action: "control_read",
      params: idParam,
      response: z.strictObject({ identity: identityView }),
      handle: async ({ params }) => ({ identity: await view(await s.identities.get(params.id)) }),
    }),
    operation({
      id: "createIdentity",
      method: "POST",
      path: "/control/identities",
      summary: "Create an identity and its first API key (shown once, in this answer)",
      tag: "identities",
      action: "control_identities",
      status: 201,
      body: z.strictObject({
        name: z.string().min(1).max(100),
        kind: z.enum(IDENTITY_KINDS),
        owner: z.string().min(1).max(200),
        environment: z.string().min(1).max(63).default("default"),
        scopes: z.array(z.string().min(1).max(128)).max(100).default([]),
        expiresAt: z.iso.datetime({ offset: true }).optional(),
      }),
      grants: async ({ body }) => body.scopes,
      response: z.strictObject({ identity: identityView, key: z.string().describe("the API key: shown once, never stored") }),
      async handle({ body }, caller) {
        const issued = await s.identities.create({
          ...body,
          expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt),
          actor: who(caller).actor,
        });
        return { identity: await view(issued.identity), key: issued.key };
      },
    }),
    operation({
      id: "rotateIdentityKey",
      method: "POST",
      path: "/control/identities/{id}/rotate",
      summary: "Issue a new API key (shown once); the old keys keep working for the overlap, then are refused",
      tag: "identities",
      action: "control_identities",
      params: idParam,
      body: z.strictObject({
        overlapSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 86_400)
          .optional(),
      }),
      grants: async ({ params }) => (await s.identities.get(params.id)).scopes,
      response: z.strictObject({
        identity: identityView,
        key: z.string().describe("the new API key: shown once, never stored"),
        previousKeys: z.array(z.string()),
        previousKeysExpireAt: z.string(),
      }),
      async handle({ params, body }, caller) {
        const r = await s.identities.rotate(params.id, { actor: who(caller).actor, overlapSeconds: body.overlapSeconds });
        return { identity: await view(r.identity), key: r.key, previousKeys: [...r.previousKeys], previousKeysExpireAt: r.previousKeysExpireAt };
      },
    }),
    operation({
      id: "revokeIdentity",
      method: "POST",
      path: "/control/identities/{id}/revoke",
      summary: "Revoke an identity: every key it holds is refused from now on, and its dashboard sessions end",
      tag: "identities",
      action: "control_identities",
      params: idParam,
      body: z.strictObject({ reason }),
      response: z.strictObject({ identity: identityView }),
      handle: async ({ params, body }, caller) => ({
        identity: await view(await s.identities.revoke(params.id, { actor: who(caller).actor, reason: body.reason })),
      }),
    }),
    operation({
      id: "revokeKey",
      method: "POST",
      path: "/control/keys/{keyId}/revoke",
      summary: "Revoke one API key (one that leaked), leaving the identity's other keys working",
      tag: "identities",
      action: "control_identities",
      params: z.strictObject({ keyId: z.string().min(1).max(100) }),
      body: z.strictObject({ reason }),
      response: z.strictObject({ key: keyView }),
      handle: async ({ params, body }, caller) => ({ key: await s.identities.revokeKey(params.keyId, { actor: who(caller).actor, reason: body.reason }) }),
    }),
  ];
}
