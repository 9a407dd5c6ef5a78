import type { Control, Finding, Severity } from "../decision.js";
import type { PostureConfig } from "../config/schema.js";
import { environmentUse } from "../identity/environment-use.js";
import { scopeUse } from "../identity/scope-use.js";
import { policyUse } from "../policy/use.js";
import { ownerKey } from "../identity/owner.js";
import { IdentityRepository } from "../identity/repository.js";
import { identityStatus, liveKeys } from "../identity/service.js";
import type { IdentityRecord } from "../identity/types.js";
import type { Store } from "../store/store.js";

// The access review of non-human identities, from the store as it is: identities nobody owns or that never
// expire, keys past their rotation age, identities and scopes not used for a long time (privilege to take
// back, read from when each scope last made a difference to a decision), identities whose credentials turned up
// in another environment, permits no call has needed, and more admins than configured.

export type AccessFindingRule =
  | "IDENTITY_NO_OWNER"
  | "IDENTITY_NO_EXPIRY"
  | "KEY_ROTATION_DUE"
  | "IDENTITY_UNUSED"
  | "SCOPE_UNUSED"
  | "ADMINS_EXCESS"
  | "IDENTITY_SPANS_ENVIRONMENTS"
  | "POLICY_UNUSED";

export interface AccessFinding extends Finding<AccessFindingRule> {
  /** The identity it is about (none for ADMINS_EXCESS, which names them in its message). */
  readonly identity: { readonly id: string; readonly name: string } | null;
}

const CONTROLS: Record<AccessFindingRule, readonly Control[]> = {
  IDENTITY_NO_OWNER: ["OWASP-NHI:NHI1", "NIST-CSF:PR.AA-01"],
  IDENTITY_NO_EXPIRY: ["OWASP-NHI:NHI7", "NIST-CSF:PR.AA-01"],
  KEY_ROTATION_DUE: ["OWASP-NHI:NHI7", "NIST-CSF:PR.AA-01"],
  IDENTITY_UNUSED: ["OWASP-NHI:NHI1", "NIST-CSF:PR.AA-05"],
  SCOPE_UNUSED: ["OWASP-NHI:NHI5", "NIST-CSF:PR.AA-05"],
  ADMINS_EXCESS: ["OWASP-NHI:NHI5", "NIST-CSF:PR.AA-05"],
  IDENTITY_SPANS_ENVIRONMENTS: ["OWASP-NHI:NHI9", "NIST-CSF:PR.AA-05"],
  POLICY_UNUSED: ["OWASP-NHI:NHI5", "NIST-CSF:PR.AA-05"],
};

/** Owners that name nobody: the identity has no person to answer for it. */
const NOBODY = new Set(["", "-", "unknown", "none", "n/a", "na", "tbd", "nobody", "owner"]);

const DAY = 86_400_000;

export interface AccessReviewOptions {
  /** The ids of the permit policies in force for model and tool calls (gatewayPoliciesInForce); unknown: not judged. */
  readonly permits?: readonly string[] | undefined;
}

export async function accessReview(
  store: Store,
  config: PostureConfig["accessReview"],
  now = new Date(),
  options: AccessReviewOptions = {},
): Promise<AccessFinding[]> {
  const identities = (await new IdentityRepository(store).list()).filter((i) => identityStatus(i, now) === "active");
  const use = await scopeUse(store, identities);
  const out: AccessFinding[] = [];
  const add = (rule: AccessFindingRule, severity: Severity, identity: IdentityRecord | null, message: string) =>
    out.push({ rule, severity, message, controls: CONTROLS[rule], identity: identity === null ? null : { id: identity.id, name: identity.name } });
  const olderThan = (iso: string | null, days: number) => iso === null || now.getTime() - Date.parse(iso) > days * DAY;
  const who = (i: IdentityRecord) => `${i.name} (${i.id})`;

  for (const i of identities) {
    if (NOBODY.has(ownerKey(i.owner)))
      add("IDENTITY_NO_OWNER", "high", i, `${who(i)} has no owner ("${i.owner}"): nobody answers for it; recreate it with --owner naming a person or team`);
    if (i.expiresAt === null)
      add("IDENTITY_NO_EXPIRY", "medium", i, `${who(i)} never expires: give it an expiry (perimeter identity create --expires-in), so a forgotten one ends`);
    for (const k of liveKeys(i, now))
      if (olderThan(k.createdAt, config.keyMaxAgeDays))
        add(
          "KEY_ROTATION_DUE",
          "medium",
          i,
          `key ${k.id} of ${who(i)} is older than ${config.keyMaxAgeDays} days (made ${k.createdAt}): rotate it (perimeter identity rotate ${i.name})`,
        );
    // A new identity has had no chance to be used: only one older than the window is judged.
    if (!olderThan(i.createdAt, config.unusedDays)) continue;
    if (olderThan(i.lastUsedAt, config.unusedDays)) {
      add(
        "IDENTITY_UNUSED",
        "medium",
        i,
        `${who(i)} has not been used for ${config.unusedDays} days (last ${i.lastUsedAt ?? "never"}): revoke it if nothing needs it (perimeter identity revoke ${i.name})`,
      );
      continue;
    }
    for (const s of use.get(i.id) ?? [])
      if (olderThan(s.lastUsedAt, config.unusedDays))
        add(
          "SCOPE_UNUSED",
          "low",
          i,
          `${who(i)} holds scope ${s.scope}, which no decision has needed for ${config.unusedDays} days (last ${s.lastUsedAt ?? "never"}): take it back`,
        );
  }
  // Credentials presented where they do not belong (a gateway pinned to another environment refused them) in
  // the review window: one identity serving two environments, so a staging compromise reaches production.
  const since = new Date(now.getTime() - config.unusedDays * DAY).toISOString();
  const foreign = new Map<string, Set<string>>();
  for (const u of await environmentUse(store, since)) foreign.set(u.identityId, (foreign.get(u.identityId) ?? new Set()).add(u.environment));
  for (const i of identities) {
    const elsewhere = foreign.get(i.id);
    if (elsewhere === undefined) continue;
    add(
      "IDENTITY_SPANS_ENVIRONMENTS",
      "high",
      i,
      `${who(i)} belongs to ${i.environment} and its credentials were also presented in ${[...elsewhere].sort().join(", ")} within ${config.unusedDays} days (refused there): give each environment an identity of its own and rotate this one's keys (perimeter identity rotate ${i.name})`,
    );
  }
  // Permits that decided no call in the window, judged once a gateway has had them in force that long.
  if (options.permits !== undefined) {
    const use = await policyUse(store, "gateway");
    for (const id of options.permits) {
      const u = use.get(id);
      if (u === undefined || !olderThan(u.firstSeenAt, config.unusedDays) || !olderThan(u.lastUsedAt, config.unusedDays)) continue;
      add(
        "POLICY_UNUSED",
        "low",
        null,
        `policy ${id} permits calls and has allowed none for ${config.unusedDays} days (in force since ${u.firstSeenAt}, last ${u.lastUsedAt ?? "never"}): remove or narrow it (perimeter policy apply)`,
      );
    }
  }
  // Workload tokens are not stored identities: one presented where its issuer's environment is not served is
  // named by its issuer and subject (a token trusted by two clusters).
  for (const [id, elsewhere] of foreign) {
    if (!id.startsWith("jwt:")) continue;
    const name = id.slice(id.indexOf("#") + 1);
    out.push({
      rule: "IDENTITY_SPANS_ENVIRONMENTS",
      severity: "high",
      message: `workload token ${id} was presented in ${[...elsewhere].sort().join(", ")} within ${config.unusedDays} days, where its issuer's environment is not served (refused there): give each environment an issuer or audience of its own (identity.jwtIssuers)`,
      controls: CONTROLS.IDENTITY_SPANS_ENVIRONMENTS,
      identity: { id, name },
    });
  }
  const admins = identities.filter((i) => i.scopes.includes("admin"));
  if (admins.length > config.maxAdmins)
    add(
      "ADMINS_EXCESS",
      "high",
      null,
      `${admins.length} identities hold the admin role (posture.accessReview.maxAdmins is ${config.maxAdmins}): ${admins.map(who).join(", ")}; give the others the narrower role they need`,
    );
  return out;
}
