import type { ColumnType } from "kysely";

// Table types for the whole database. Each folder owns its table family; this file only declares shapes
// so that one Kysely instance can be typed. Repositories live beside the folder that owns the tables.

/** Integers that are BIGINT in PostgreSQL: parsed to number (all our counters stay below 2^53). */
type BigIntColumn = ColumnType<number, number, number>;

export interface AuditEventTable {
  seq: BigIntColumn;
  time: string;
  actor: string;
  action: string;
  resource: string;
  decision: string;
  reason: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  size: BigIntColumn;
  last_hash: string;
  frontier: string;
  note: string;
  checkpointed_size: BigIntColumn;
  checkpointed_at: string;
  updated_at: string;
}

export interface AuditCheckpointTable {
  tree_size: BigIntColumn;
  root_hash: string;
  time: string;
  note: string;
}

export interface ModelVersionTable {
  id: string;
  name: string;
  version: string;
  kind: string;
  digest: string;
  size: BigIntColumn;
  /** JSON array of strings. */
  formats: string;
  license_expression: string | null;
  license_tier: string;
  license_source: string;
  license_detail: string;
  owner: string | null;
  source: string | null;
  /** JSON array of strings. */
  environments: string;
  general_purpose: number;
  /** JSON EuAiActRecord. */
  eu_ai_act: string;
  /** JSON ModelCardFields. */
  model_card: string;
  registered_at: string;
  registered_by: string;
  /** Absolute path the files were registered from. */
  location: string | null;
}

export interface ModelFileTable {
  version_id: string;
  path: string;
  size: BigIntColumn;
  sha256: string;
  format: string;
}

export interface ModelParentTable {
  child_id: string;
  parent_id: string;
  ordinal: number;
}

export interface RuntimeTable {
  name: string;
  type: string;
  url: string;
  environment: string;
  api_key_env: string | null;
  registered_at: string;
  registered_by: string;
  discovered_at: string | null;
  /** As the runtime reported it at its last discovery; null when it would not say. */
  version: string | null;
  /** ollama | vllm | sglang | llamacpp: whose version scheme `version` is in. */
  version_kind: string | null;
  /** Where the version came from, or why there is none. */
  version_note: string | null;
}

export interface ServedModelTable {
  runtime: string;
  served_name: string;
  digest: string | null;
  digest_source: string;
  /** JSON array of sha256 hex. */
  adapter_digests: string;
  /** JSON object. */
  details: string;
  discovered_at: string;
}

export interface LifecycleStateTable {
  version_id: string;
  state: string;
  changed_at: string;
  changed_by: string;
  reason: string;
}

export interface EvidenceTable {
  id: string;
  version_id: string;
  /** scan | signature | eval | approval | oci-image */
  kind: string;
  /** pass | fail */
  verdict: string;
  /** The artifact digest (or OCI image digest) the evidence is about. */
  digest: string;
  created_at: string;
  created_by: string;
  /** JSON. */
  body: string;
}

export interface DeploymentTable {
  version_id: string;
  environment: string;
  deployed_at: string;
  deployed_by: string;
}

export interface IdentityTable {
  id: string;
  name: string;
  /** service-account | agent | pipeline | jwt */
  kind: string;
  owner: string;
  environment: string;
  /** JSON array of strings. */
  scopes: string;
  expires_at: string | null;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  last_used_at: string | null;
}

export interface ApiKeyTable {
  /** The key id, visible in the key itself. */
  id: string;
  identity_id: string;
  /** sha256 hex of the whole key. */
  hash: string;
  created_at: string;
  /** Set when the key is rotated out (the end of the overlap window) or created with an expiry. */
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface RuntimeAttestationTable {
  runtime: string;
  served_name: string;
  digest: string;
  attested_at: string;
  attested_by: string;
}

export interface KillTable {
  /** model | identity | runtime */
  target_kind: string;
  target: string;
  reason: string;
  killed_at: string;
  killed_by: string;
}

export interface ToolPinTable {
  server: string;
  /** The tool's name on its server. */
  tool: string;
  /** sha256 hex of the canonical JSON of the pinned definition. */
  digest: string;
  /** The definition as approved (JSON): name, title, description, input and output schemas, annotations. */
  definition: string;
  approved_by: string;
  approved_at: string;
}

export interface ToolApprovalTable {
  id: string;
  identity_id: string;
  identity_name: string;
  /** The calling identity's owner when the call was held; null on rows held before it was recorded. */
  identity_owner: string | null;
  server: string;
  tool: string;
  arguments_digest: string;
  /** The arguments as the approver sees them, redacted by the guards (JSON). */
  arguments: string;
  /** pending | allowed | denied | expired */
  state: string;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
}

export interface EvalRunTable {
  id: string;
  version_id: string;
  digest: string;
  runtime: string;
  /** EvalSettings (JSON): suites, limit, seed, sampling, judges, the digest of the cases. */
  settings: string;
  /** running | complete | interrupted */
  status: string;
  planned: number;
  started_at: string;
  started_by: string;
  finished_at: string | null;
  /** The evaluation as stored when complete (JSON): summary, baseline, comparisons, gate. */
  result: string | null;
}

export interface EvalResultTable {
  run_id: string;
  case_id: string;
  /** done | error */
  status: string;
  /** CaseResult (JSON), answer redacted and clipped. */
  result: string;
  created_at: string;
}

export interface ControlSessionTable {
  /** SHA-256 (hex) of the session token the cookie carries; the token itself is never stored. */
  id: string;
  /** The identity signed in (for a JWT, the principal's id). */
  identity_id: string;
  /** The person behind it, as audit events and the lifecycle name them. */
  actor: string;
  /** How it signed in: api-key, jwt or link. */
  method: string;
  /** The API key it signed in with (re-checked on every request), or null. */
  key_id: string | null;
  /** The principal at sign-in (JSON): a JWT's is not in the store. */
  principal: string;
  csrf: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  ended_at: string | null;
}

export interface ControlSignInLinkTable {
  /** SHA-256 (hex) of the one-time token. */
  id: string;
  identity_id: string;
  key_id: string;
  actor: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface PolicySetTable {
  /** gateway (the calls' policies) or control (the control API's). */
  target: string;
  /** 1, 2, 3… per target: the newest is in force. */
  seq: number;
  /** The Cedar text; null to go back to the configured files (policy.files, control.policyFiles). */
  text: string | null;
  /** SHA-256 (hex) of the text; "" for a return to the files. */
  digest: string;
  applied_by: string;
  applied_at: string;
  reason: string;
}

export interface ScopeUseTable {
  identity_id: string;
  scope: string;
  /** The last time a decision allowed something it would have refused without this scope. */
  last_used_at: string;
}

export interface EnvironmentUseTable {
  identity_id: string;
  /** An environment other than the identity's own in which its credentials were presented. */
  environment: string;
  first_seen_at: string;
  last_seen_at: string;
}

export interface PolicyUseTable {
  /** The policy target (gateway: model and tool calls). */
  target: string;
  policy_id: string;
  /** When a gateway first had it in force. */
  first_seen_at: string;
  /** When it last decided a call (a permit that allowed, a forbid that denied); null: never. */
  last_used_at: string | null;
}

export interface Database {
  audit_events: AuditEventTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointTable;
  model_versions: ModelVersionTable;
  model_files: ModelFileTable;
  model_parents: ModelParentTable;
  runtimes: RuntimeTable;
  served_models: ServedModelTable;
  lifecycle_states: LifecycleStateTable;
  evidence: EvidenceTable;
  deployments: DeploymentTable;
  identities: IdentityTable;
  api_keys: ApiKeyTable;
  runtime_attestations: RuntimeAttestationTable;
  kills: KillTable;
  tool_pins: ToolPinTable;
  tool_approvals: ToolApprovalTable;
  eval_runs: EvalRunTable;
  eval_results: EvalResultTable;
  control_sessions: ControlSessionTable;
  control_signin_links: ControlSignInLinkTable;
  policy_sets: PolicySetTable;
  scope_use: ScopeUseTable;
  environment_use: EnvironmentUseTable;
  policy_use: PolicyUseTable;
}
