// The control API's answers as the dashboard reads them. The server's zod schemas are the source of truth
// (/control/openapi.json is generated from them and a contract test checks every answer against it); these
// name only the fields the pages show.

export const ADMIN_ROLES = ["viewer", "auditor", "operator", "approver", "admin"] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface SessionView {
  readonly actor: string;
  readonly identity: { readonly id: string; readonly name: string; readonly kind: string; readonly owner: string };
  readonly roles: readonly AdminRole[];
  readonly method: "api-key" | "jwt" | "link";
  readonly abilities: {
    readonly control_read: boolean;
    readonly control_audit: boolean;
    readonly control_kill: boolean;
    readonly control_approve: boolean;
    readonly control_identities: boolean;
    readonly control_lifecycle: boolean;
    readonly control_policies: boolean;
    readonly grantRoles: boolean;
  };
  readonly csrf: string;
  readonly expiresAt: string;
}

export interface Finding {
  readonly rule: string;
  readonly severity: string;
  readonly message: string;
  readonly location?: string;
}

export interface Overview {
  readonly models: { readonly total: number; readonly byState: Readonly<Record<string, number>>; readonly waitingForApproval: number };
  readonly drift: { readonly drift: boolean; readonly findings: number; readonly checkedAt: string };
  readonly findings: readonly (Finding & {
    readonly source: "inventory" | "scan" | "drift";
    readonly version: string | null;
    readonly runtime: string | null;
  })[];
  readonly kills: number;
  readonly audit: {
    readonly events: number;
    readonly lastCheckpoint: { readonly size: number; readonly time: string } | null;
    readonly uncheckpointed: number;
  };
  readonly tools: { readonly pendingApprovals: number };
}

export interface VersionSummary {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly kind: string;
  readonly parents: readonly string[];
  readonly digest: string;
  readonly size: number;
  readonly formats: readonly string[];
  readonly license: { readonly expression: string | null; readonly tier: string; readonly source: string; readonly detail: string };
  readonly owner: string | null;
  readonly environments: readonly string[];
  readonly registeredAt: string;
  readonly registeredBy: string;
  readonly state: string;
  readonly stateChangedAt: string | null;
}

export interface Evidence {
  readonly id: string;
  readonly kind: "scan" | "signature" | "eval" | "approval" | "oci-image";
  readonly verdict: "pass" | "fail";
  readonly digest: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface Served {
  readonly runtime: string;
  readonly name: string;
  readonly digest: string | null;
  readonly discoveredAt: string;
}

export interface VersionDetail {
  readonly version: VersionSummary & {
    readonly source: string | null;
    readonly files: readonly { readonly path: string; readonly size: number; readonly sha256: string; readonly format: string }[];
    readonly location: string | null;
  };
  readonly evidence: readonly Evidence[];
  readonly served: readonly Served[];
  readonly children: readonly string[];
  readonly signature: SignatureView;
}

export interface ApprovalView {
  readonly evidence: string;
  readonly approvedAt: string;
  readonly approver: string;
  readonly submitter: string | null;
  readonly signer: string | null;
  readonly note: string | null;
  readonly keyId: string | null;
  readonly verified: boolean;
  readonly problem: string | null;
}

export interface SignatureView {
  readonly signer: string | null;
  readonly file: string | null;
  readonly approvals: readonly ApprovalView[];
}

export interface Lineage {
  readonly nodes: readonly { readonly id: string; readonly kind: string; readonly state: string; readonly license: string | null }[];
  readonly edges: readonly { readonly from: string; readonly to: string }[];
}

export interface Rate {
  readonly count: number;
  readonly n: number;
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

export interface EvaluationListing {
  readonly id: string;
  readonly status: "running" | "complete" | "interrupted";
  readonly startedAt: string;
  readonly startedBy: string;
  readonly finishedAt: string | null;
  readonly runtime: string;
  readonly suites: readonly string[];
  readonly planned: number;
  readonly gate: boolean | null;
  readonly asr: number | null;
}

export interface Evaluation {
  readonly id: string;
  readonly version: string;
  readonly status: string;
  readonly summary: {
    readonly asr: Rate;
    readonly asrByCategory: Readonly<Record<string, Rate>>;
    readonly refusalRate: Rate;
    readonly overRefusal: Rate;
    readonly judged: number;
    readonly errors: number;
  };
  readonly baseline?: { readonly version: string; readonly summary: { readonly asrByCategory: Readonly<Record<string, Rate>> } };
  readonly gate?: { readonly pass: boolean; readonly reasons: readonly string[] };
}

export interface Runtime {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly environment: string;
  readonly registeredAt: string;
  readonly discoveredAt: string | null;
  readonly served: readonly (Served & { readonly versions: readonly string[] })[];
}

export interface Drift {
  readonly checkedAt: string;
  readonly live: boolean;
  readonly drift: boolean;
  readonly findings: readonly {
    readonly kind: string;
    readonly severity: string;
    readonly runtime: string;
    readonly servedName: string | null;
    readonly modelVersions: readonly string[];
    readonly message: string;
  }[];
}

export interface KeyView {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface Identity {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly owner: string;
  readonly environment: string;
  readonly scopes: readonly string[];
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  readonly lastUsedAt: string | null;
  readonly status: "active" | "expired" | "revoked";
  readonly keys: readonly KeyView[];
  readonly scopeUse: readonly { readonly scope: string; readonly lastUsedAt: string | null }[];
}

export interface Traffic {
  readonly intervalSeconds: number;
  readonly points: readonly { readonly at: string; readonly allowed: number; readonly refused: number; readonly failed: number }[];
  readonly refusals: Readonly<Record<string, number>>;
  readonly refusalsSinceStart: Readonly<Record<string, number>>;
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  readonly limited: number;
  readonly inFlight: number;
  readonly since: string;
}

export interface AuditEvent {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly reason: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditPage {
  readonly events: readonly AuditEvent[];
  readonly next: number | null;
  readonly size: number;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly events: number;
  readonly checkpoints: number;
  readonly root: string;
  readonly firstBadSeq: number | null;
  readonly problems: readonly { readonly seq: number | null; readonly message: string }[];
}

export interface AuditProof {
  readonly verified: boolean;
  readonly reason?: string;
  readonly proof?: {
    readonly leafIndex: number;
    readonly leafHash: string;
    readonly treeSize: number;
    readonly rootHash: string;
    readonly proof: readonly string[];
    readonly checkpoint: string;
  };
}

export const KILL_KINDS = ["model", "identity", "runtime", "tool"] as const;
export type KillKind = (typeof KILL_KINDS)[number];

export interface Kill {
  readonly kind: KillKind;
  readonly target: string;
  readonly covers: string;
  readonly reason: string;
  readonly killedAt: string;
  readonly killedBy: string;
}

export interface ToolApproval {
  readonly id: string;
  readonly identityName: string;
  readonly server: string;
  readonly tool: string;
  readonly arguments: unknown;
  readonly state: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedBy: string | null;
}

export interface ToolPin {
  readonly server: string;
  readonly tool: string;
  readonly digest: string;
  readonly approvedBy: string;
  readonly approvedAt: string;
}

export interface ToolReview {
  readonly server: string;
  readonly tool: string;
  readonly status: string;
  readonly digest: string;
  readonly description?: string;
  readonly findings: readonly { readonly category: string; readonly severity: string }[];
}

export interface ToolServer {
  readonly name: string;
  readonly transport: "http" | "stdio";
  readonly url: string | null;
  readonly namespace: string;
  readonly approval: "required" | "none";
  readonly pinned: number;
  readonly approvedAt: string | null;
  readonly approvedBy: string | null;
}

export interface PolicyInfo {
  readonly id: string;
  readonly effect: "permit" | "forbid";
  readonly file: string;
  readonly line: number;
}

export interface PolicyApplied {
  readonly seq: number;
  readonly digest: string;
  readonly appliedBy: string;
  readonly appliedAt: string;
  readonly reason: string;
}

export interface PolicySet {
  readonly source: "default" | "files" | "applied";
  readonly applied: PolicyApplied | null;
  readonly files: readonly { readonly file: string; readonly text: string }[];
  readonly policies: readonly PolicyInfo[];
  readonly history: readonly PolicyApplied[];
}

export interface PolicyValidation {
  readonly valid: boolean;
  readonly policies: readonly PolicyInfo[];
  readonly issues: readonly { readonly file: string; readonly line?: number; readonly policy?: string; readonly message: string }[];
}

export type GuardActionName = "allow" | "flag" | "redact" | "block";

export interface GuardsView {
  readonly enabled: boolean;
  readonly detectors: readonly string[];
  readonly actions: {
    readonly input: Readonly<Record<string, GuardActionName>>;
    readonly output: Readonly<Record<string, GuardActionName>>;
    readonly other: GuardActionName;
  };
  readonly rules: readonly {
    readonly identities: readonly string[] | null;
    readonly models: readonly string[] | null;
    readonly direction: "input" | "output" | null;
    readonly actions: Readonly<Record<string, GuardActionName>>;
  }[];
  readonly holdBackTokens: number;
  readonly models: readonly {
    readonly name: string;
    readonly kind: string;
    readonly directions: readonly string[];
    readonly model: string | null;
    readonly onError: "block" | "allow";
    readonly timeoutMs: number;
  }[];
  readonly findings: readonly { readonly direction: string; readonly category: string; readonly action: string; readonly count: number }[];
}

export interface GuardCheck {
  readonly action: GuardActionName;
  readonly findings: readonly {
    readonly detector: string;
    readonly category: string;
    readonly type: string;
    readonly severity: string;
    readonly span: readonly [number, number];
    readonly action: GuardActionName;
  }[];
  readonly redacted: string | null;
}
