import { parentPort, workerData } from "node:worker_threads";
import { openStore, type OpenStoreOptions } from "../store/store.js";
import { verifySegment, type SegmentTask } from "./segment.js";

// Worker thread for verifyAuditLog: opens its own connection and verifies the slices it is handed.

const port = parentPort;
if (port === null) throw new Error("verify-worker runs only as a worker thread");
const store = await openStore({ ...(workerData as OpenStoreOptions), migrate: false, poolSize: 1 });
const repo = store.auditRepository();
port.on("message", (msg: { type: "task"; id: number; task: SegmentTask }) => {
  verifySegment((from, limit) => repo.scan(from, limit), msg.task).then(
    (result) => port.postMessage({ type: "result", id: msg.id, result }),
    (err: unknown) => port.postMessage({ type: "error", id: msg.id, message: (err as Error).message }),
  );
});
port.postMessage({ type: "ready" });
