import type { KeyObject } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { PerimeterError } from "../errors.js";
import { openStore, type OpenStoreOptions } from "../store/store.js";
import { createSigner } from "./checkpoint.js";
import { InlineAuditCommitter, type AuditCommitterOptions } from "./committer.js";
import type { RemoteWitnessConfig } from "../config/schema.js";
import { createRemoteWitness } from "./remote-witness.js";
import { FileWitness } from "./witness.js";
import type { WriterReply, WriterRequest } from "./writer-thread.js";

// The audit log's writer thread: its own connection to the store, the signing key, and the commit loop.
// Requests are handled as they arrive; each commit takes the log's write lock, so they serialise there.

export interface WriterData {
  readonly store: OpenStoreOptions;
  readonly key: KeyObject;
  readonly options: AuditCommitterOptions;
  /** The witness file each checkpoint is written to (written from this thread, after the commit). */
  readonly witnessFile?: string | undefined;
  /** Remote witnesses (audit.witnesses); their credentials are read from this thread's process.env, a copy of the parent's. */
  readonly remoteWitnesses?: readonly RemoteWitnessConfig[] | undefined;
}

const port = parentPort;
if (port === null) throw new Error("the audit writer runs only as a worker thread");
const data = workerData as WriterData;
const opening = openStore({ ...data.store, migrate: false, poolSize: 1 });
// Closing the store also closes the repository's own connection to it.
const witnesses = [
  ...(data.witnessFile === undefined ? [] : [new FileWitness(data.witnessFile)]),
  ...(data.remoteWitnesses ?? []).map((c) => createRemoteWitness(c)),
];
const committer = opening.then(
  (store) => new InlineAuditCommitter(() => store.auditRepository(), createSigner(data.options.origin, data.key), data.options, witnesses),
);

port.on("message", (msg: WriterRequest) => {
  committer
    .then((c) => (msg.flush === true ? c.flushWitness().then(() => ({ placed: [], size: 0, root: "", note: "" })) : c.commit(msg.batch, msg.force)))
    .then(
      (c): WriterReply => ({ type: "done", id: msg.id, placed: c.placed, size: c.size, root: c.root, note: c.note }),
      (err: unknown): WriterReply => ({
        type: "error",
        id: msg.id,
        code: err instanceof PerimeterError ? err.code : undefined,
        message: (err as Error).message ?? String(err),
      }),
    )
    .then((reply) => port.postMessage(reply));
});
