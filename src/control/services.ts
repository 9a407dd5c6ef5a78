import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { Context } from "../app/context.js";
import type { GuardCount } from "../gateway/ops.js";
import type { TrafficView } from "../gateway/traffic.js";
import type { GuardEngine } from "../guards/engine.js";
import type { ScopeUseRecorder } from "../identity/scope-use.js";
import type { IdentityService } from "../identity/service.js";
import type { AuthResult } from "../identity/types.js";
import type { KillSwitch } from "../killswitch/index.js";
import type { LivePolicies } from "../policy/applied.js";
import type { LifecycleDeps } from "../lifecycle/service.js";
import type { ToolApproval } from "../tools/repository.js";
import type { ToolsService } from "../tools/service.js";
import type { ControlRefusal } from "./api.js";
import type { ControlSessions } from "./sessions.js";

// What the control API's operations call: the same services the CLI calls, assembled once per server.

export interface ControlServices {
  readonly ctx: Context;
  readonly sessions: ControlSessions;
  readonly identities: IdentityService;
  readonly killswitch: KillSwitch;
  readonly lifecycle: LifecycleDeps;
  /** The gateway's bearer authentication (API key or JWT), also used to sign in. */
  authenticate(authorization: string | undefined): Promise<AuthResult>;
  /** Re-read the kill switch in this process's gateway now, so a kill cuts its calls without waiting for a poll. */
  onKillChange(): Promise<void>;
  /** The control policies in force (made from control.policyFiles when not given). */
  readonly controlPolicies?: LivePolicies | undefined;
  /** Re-read the gateway's policies in this process now, after an apply. */
  onPolicyChange?(): Promise<void>;
  /** Notes which roles (scopes) an allowed request needed: the identities page's unused scopes. */
  readonly scopeUse?: ScopeUseRecorder | undefined;
  /** This gateway's live traffic, when the server runs one. */
  readonly traffic?: (() => Promise<TrafficView>) | undefined;
  /** This gateway's guards: the engine in force (for a dry run) and what they found since it started. */
  readonly guards?: ControlGuards | undefined;
  /** The tool gateway's operator side, when tool servers are configured. */
  readonly tools?: ControlTools | undefined;
  readonly logger?: Logger | undefined;
  /**
   * Refusals of callers who did not authenticate (failed sign-ins too), counted per source address and
   * summarised as the gateway's are, so anyone who can reach the port cannot fill the audit log. Without it,
   * each is an audit event.
   */
  readonly refusedAnonymous?: ((req: IncomingMessage, refusal: ControlRefusal) => void) | undefined;
  /** Whether an authenticated caller's refusal is audited as itself (false: counted into its identity's summary). */
  readonly admitRefusal?: ((identityId: string, refusal: ControlRefusal) => boolean) | undefined;
}

export interface ControlGuards {
  readonly engine: GuardEngine | undefined;
  findings(): Promise<GuardCount[]>;
}

export interface ControlTools {
  readonly service: ToolsService;
  /** A decision made here reaches the call waiting in this process at once. */
  notify(approval: ToolApproval): void;
  /** Pins changed: this gateway re-reads them now. */
  refresh(): Promise<void>;
}
