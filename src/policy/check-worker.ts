import { parentPort, workerData } from "node:worker_threads";
import { PerimeterError } from "../errors.js";
import { PolicyEngine, type PolicyInfo } from "./engine.js";
import { schemaOf, type PolicyTarget } from "./targets.js";

// Parsing and validating a submitted Cedar set on a worker thread: Cedar takes seconds for 256 KB of
// policies, and the gateway's event loop must not stop for a dry run anyone with a dashboard role can ask for.

export interface PolicyCheckTask {
  readonly target: PolicyTarget;
  readonly file: string;
  readonly text: string;
}

export type PolicyCheckOutcome =
  | { readonly ok: true; readonly policies: readonly PolicyInfo[] }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly details?: Record<string, unknown> | undefined };

export const POLICY_CHECK_WORKER = "perimeter.policy-check";

function run(port: NonNullable<typeof parentPort>): void {
  port.on("message", (msg: { type: "task"; id: number; task: PolicyCheckTask }) => {
    let result: PolicyCheckOutcome;
    try {
      result = { ok: true, policies: PolicyEngine.check([{ file: msg.task.file, text: msg.task.text }], { schema: schemaOf(msg.task.target) }) };
    } catch (err) {
      result =
        err instanceof PerimeterError
          ? { ok: false, code: err.code, message: err.message, details: err.details }
          : { ok: false, code: "INTERNAL", message: (err as Error).message };
    }
    port.postMessage({ type: "result", id: msg.id, result });
  });
  port.postMessage({ type: "ready" });
}

if (parentPort !== null && (workerData as { kind?: unknown } | null)?.kind === POLICY_CHECK_WORKER) run(parentPort);
