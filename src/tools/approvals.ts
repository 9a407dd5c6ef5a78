import { randomUUID } from "node:crypto";
import type { Store } from "../store/store.js";
import { ToolRepository, type ToolApproval } from "./repository.js";

// Tool calls that wait for a person (approval: required). The call is written to the store as pending; an
// approver decides it from the CLI or the control API (`perimeter tools decide ID allow|deny`), from any
// process; the gateway holding the call reads the decision (at once when the decision came through its own
// control API, else within pollMs). No decision before the timeout is a refusal, and the row says expired.

/** A call to hold: who, which tool, and its arguments as the approver sees them (redacted). */
export type ApprovalRequest = Pick<ToolApproval, "identityId" | "identityName" | "identityOwner" | "server" | "tool" | "argumentsDigest" | "arguments">;

export interface ApprovalOutcome {
  readonly allow: boolean;
  readonly id: string;
  readonly reason: string;
  readonly decidedBy: string | null;
}

interface Waiting {
  resolve(outcome: ApprovalOutcome): void;
}

export class ApprovalQueue {
  private readonly waiting = new Map<string, Waiting>();
  private readonly repo: ToolRepository;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    store: Store,
    private readonly timeoutMs: number,
    private readonly pollMs = 250,
  ) {
    this.repo = new ToolRepository(store);
  }

  get pending(): number {
    return this.waiting.size;
  }

  /** Hold the call until an approver decides, the timeout passes, or `signal` aborts (the call is cut or cancelled). */
  async wait(request: ApprovalRequest, signal: AbortSignal, onPending?: (id: string) => void): Promise<ApprovalOutcome> {
    const id = `apr_${randomUUID().replaceAll("-", "")}`;
    const now = Date.now();
    await this.repo.addApproval({
      id,
      ...request,
      state: "pending",
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.timeoutMs).toISOString(),
      decidedBy: null,
      decidedAt: null,
      reason: null,
    });
    onPending?.(id);
    return new Promise<ApprovalOutcome>((resolve) => {
      const finish = (outcome: ApprovalOutcome): void => {
        if (!this.waiting.delete(id)) return;
        clearTimeout(timeout);
        signal.removeEventListener("abort", onAbort);
        if (this.waiting.size === 0) this.stopPolling();
        resolve(outcome);
      };
      // A decision may race the end: whatever the store holds is the outcome, so the row and the call agree.
      const end = (state: "expired" | "denied", reason: string): void => {
        void this.repo
          .decide(id, state, "perimeter", reason)
          .then(async (changed) => (changed ? { allow: false, id, reason, decidedBy: null } : outcomeOf(await this.repo.approval(id), id)))
          .catch(() => ({ allow: false, id, reason: `${reason} (and the store could not be updated)`, decidedBy: null }))
          .then(finish);
      };
      const timeout = setTimeout(() => end("expired", `no approver decided within ${Math.round(this.timeoutMs / 1000)} s`), this.timeoutMs);
      const onAbort = (): void => end("denied", `the call ended before a decision: ${String(signal.reason ?? "cancelled")}`);
      this.waiting.set(id, { resolve: finish });
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
      this.startPolling();
    });
  }

  /** A decision made in this process: the waiting call learns it now rather than at the next poll. */
  notify(approval: ToolApproval): void {
    const w = this.waiting.get(approval.id);
    if (w !== undefined && approval.state !== "pending") w.resolve(outcomeOf(approval, approval.id));
  }

  close(): void {
    this.stopPolling();
    for (const [id, w] of this.waiting) w.resolve({ allow: false, id, reason: "the gateway is shutting down", decidedBy: null });
    this.waiting.clear();
  }

  private startPolling(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  private stopPolling(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.waiting.size === 0) return;
    try {
      for (const a of await this.repo.approvals([...this.waiting.keys()])) this.notify(a);
    } catch {
      // The store is unreachable: calls keep waiting, and time out (refused) if it stays so.
    }
  }
}

function outcomeOf(a: ToolApproval | undefined, id: string): ApprovalOutcome {
  if (a === undefined) return { allow: false, id, reason: "the approval request is gone from the store", decidedBy: null };
  const by = a.decidedBy ?? "nobody";
  if (a.state === "allowed") return { allow: true, id, reason: `approved by ${by}${a.reason ? `: ${a.reason}` : ""}`, decidedBy: a.decidedBy };
  if (a.state === "denied") return { allow: false, id, reason: `denied by ${by}${a.reason ? `: ${a.reason}` : ""}`, decidedBy: a.decidedBy };
  return { allow: false, id, reason: a.reason ?? "the approval request expired", decidedBy: a.decidedBy };
}
