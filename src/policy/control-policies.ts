// The policies that decide who may use the control API and the dashboard: a policy set of its own
// (control.policyFiles), so the gateway's policies (policy.files) can be replaced without locking operators
// out, and a permissive gateway policy never opens the control API.

/** The admin roles, each held by an identity whose scopes name it. */
export const ADMIN_ROLES = ["viewer", "auditor", "operator", "approver", "admin"] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** The control API's Cedar actions (Perimeter::Action::"control_…"). */
export const CONTROL_ACTIONS = [
  "control_read",
  "control_audit",
  "control_kill",
  "control_approve",
  "control_identities",
  "control_lifecycle",
  "control_policies",
] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export const DEFAULT_CONTROL_POLICY_FILE = "(default control policy set)";

/**
 * The schema control policies are validated against: a schema of its own, so the gateway's policies (which
 * may name no action and read context.guards) stay valid whatever the control API adds.
 */
export const CONTROL_SCHEMA = `// Perimeter's Cedar schema for the control API's policies (control.policyFiles).
namespace Perimeter {
  // An admin role: viewer, auditor, operator, approver or admin. An identity is a member of each role its
  // scopes name (for a JWT, its scope or scp claim).
  entity Role;

  // The identity behind the request: an API key's, a JWT's, or a dashboard session's.
  entity Identity in [Role] = {
    name: String,
    kind: String,
    owner: String,
    environment: String,
    scopes: Set<String>,
  };

  // The control API and the dashboard: one resource, Perimeter::ControlApi::"perimeter".
  entity ControlApi;

  type ControlContext = {
    // the route as documented in /control/openapi.json, e.g. /control/versions/{ref}/approve
    route: String,
    method: String,
    // the scopes a change would put in someone's hands: those of an identity created, or of one whose
    // key is rotated (the new key is shown to the caller); empty for every other route
    grants: Set<String>,
  };

  // Every action of the control API: policies say \`action in Perimeter::Action::"control"\`.
  action "control";
  // read the inventory, runtimes, evidence, evaluations, identities, policies, tools, kills and metrics
  action control_read in ["control"] appliesTo { principal: [Identity], resource: [ControlApi], context: ControlContext };
  // read, verify and prove the audit log
  action control_audit in ["control"] appliesTo { principal: [Identity], resource: [ControlApi], context: ControlContext };
  // trip and lift the kill switch
  action control_kill in ["control"] appliesTo { principal: [Identity], resource: [ControlApi], context: ControlContext };
  // approve or reject model versions, held tool calls and tool servers' definitions
  action control_approve in ["control"] appliesTo { principal: [Identity], resource: [ControlApi], context: ControlContext };
  // create identities, rotate and revoke their keys
  action control_identities in ["control"] appliesTo { principal: [Identity], resource: [ControlApi], context: ControlContext };
  // deploy, deprecate, revoke and roll back model versions
  action control_lifecycle in ["control"] appliesTo { principal: [Identity], resource: [ControlApi], context: ControlContext };
  // apply a change to the policies
  action control_policies in ["control"] appliesTo { principal: [Identity], resource: [ControlApi], context: ControlContext };
}
`;

export const DEFAULT_CONTROL_POLICIES = `// Perimeter's default control policy set: what each admin role may do in the control API and the dashboard.
//
//   viewer    sees the inventory, runtimes, evidence, evaluations, identities, policies, tools and kills
//   auditor   a viewer who also reads, verifies and proves the audit log
//   operator  a viewer who trips and lifts kills, manages identities and keys, deploys and retires, reads the audit log
//   approver  a viewer who approves or rejects model versions, held tool calls and tool servers
//   admin     all of it, and applies policy changes and grants roles
//
// Approving a model version also takes lifecycle.roles.approver (the person, not only the role), and the
// approver must not be the submitter: the lifecycle checks that itself, for the CLI and the dashboard alike.

@id("control-read")
permit (principal, action == Perimeter::Action::"control_read", resource is Perimeter::ControlApi)
when {
  principal in [Perimeter::Role::"viewer", Perimeter::Role::"auditor", Perimeter::Role::"operator",
                Perimeter::Role::"approver", Perimeter::Role::"admin"]
};

@id("control-audit")
permit (principal, action == Perimeter::Action::"control_audit", resource is Perimeter::ControlApi)
when { principal in [Perimeter::Role::"auditor", Perimeter::Role::"operator", Perimeter::Role::"admin"] };

@id("control-operate")
permit (
  principal,
  action in [Perimeter::Action::"control_kill", Perimeter::Action::"control_identities", Perimeter::Action::"control_lifecycle"],
  resource is Perimeter::ControlApi
)
when { principal in [Perimeter::Role::"operator", Perimeter::Role::"admin"] };

@id("control-approve")
permit (principal, action == Perimeter::Action::"control_approve", resource is Perimeter::ControlApi)
when { principal in [Perimeter::Role::"approver", Perimeter::Role::"admin"] };

@id("control-policies")
permit (principal, action == Perimeter::Action::"control_policies", resource is Perimeter::ControlApi)
when { principal in Perimeter::Role::"admin" };

// Creating an identity that holds a role, or rotating the key of one (the new key is shown to whoever
// rotates it), hands that role over: only an admin may.
@id("control-roles-by-admin-only")
forbid (principal, action == Perimeter::Action::"control_identities", resource is Perimeter::ControlApi)
when { context.grants.containsAny(["viewer", "auditor", "operator", "approver", "admin"]) }
unless { principal in Perimeter::Role::"admin" };
`;
