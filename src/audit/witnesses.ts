import { dirname, join, resolve } from "node:path";
import { configPath, type LoadedConfig } from "../config/load.js";
import { remoteWitnessSchema, type RemoteWitnessConfig } from "../config/schema.js";
import { PerimeterError } from "../errors.js";
import type { Store } from "../store/store.js";
import { verifyCheckpointNote, type AuditVerifierKey } from "./checkpoint.js";
import { createRemoteWitness } from "./remote-witness.js";
import { FileWitness, checkWitnessed, witnessStep, type AuditWitness, type WitnessedCheckpoint } from "./witness.js";

// The configured witnesses as one list, a witness named on the command line, and the two things an operator
// does with them by hand: push the current signed head to each now, and see what each holds against the log.

type Env = Readonly<Record<string, string | undefined>>;

/** audit.witnessFile, else audit-witness.json beside the audit signing key. */
export function auditWitnessFile(loaded: LoadedConfig): string {
  const audit = loaded.config.audit;
  return audit.witnessFile !== undefined ? configPath(loaded, audit.witnessFile) : join(dirname(configPath(loaded, audit.signingKey)), "audit-witness.json");
}

/** Every configured witness: the file, then audit.witnesses in order. */
export function auditWitnesses(loaded: LoadedConfig, env: Env = process.env): AuditWitness[] {
  return [new FileWitness(auditWitnessFile(loaded)), ...loaded.config.audit.witnesses.map((c) => createRemoteWitness(c, env))];
}

/**
 * A witness named on the command line: a file path, an http(s):// URL, or s3://BUCKET[/PREFIX]. A URL or bucket
 * that is configured in audit.witnesses is reached as configured (its token, endpoint, region, credentials);
 * another bucket through the AWS CLI's environment (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...),
 * so an auditor on another host can check the log against the bucket directly.
 */
export function witnessFromTarget(loaded: LoadedConfig, target: string, env: Env = process.env): AuditWitness {
  const configured = loaded.config.audit.witnesses;
  let config: unknown;
  if (/^s3:\/\//i.test(target)) {
    const m = /^s3:\/\/([^/]+)(?:\/(.*?))?\/?$/i.exec(target);
    if (m === null) throw new PerimeterError("USAGE", `--witness ${target}: an S3 witness is named s3://BUCKET or s3://BUCKET/PREFIX`);
    const bucket = m[1] as string;
    const prefix = m[2] === "" ? undefined : m[2];
    const same = configured.filter((c): c is Extract<RemoteWitnessConfig, { type: "s3" }> => c.type === "s3" && c.bucket === bucket);
    const known = same.find((c) => prefix === undefined || c.prefix === prefix) ?? same[0];
    if (known !== undefined) config = { ...known, ...(prefix === undefined ? {} : { prefix }) };
    else {
      const region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1";
      config = {
        type: "s3",
        endpoint: env["AWS_ENDPOINT_URL_S3"] ?? env["AWS_ENDPOINT_URL"] ?? `https://s3.${region}.amazonaws.com`,
        bucket,
        ...(prefix === undefined ? {} : { prefix }),
        region,
        accessKeyIdEnv: "AWS_ACCESS_KEY_ID",
        secretAccessKeyEnv: "AWS_SECRET_ACCESS_KEY",
        ...(env["AWS_SESSION_TOKEN"] === undefined ? {} : { sessionTokenEnv: "AWS_SESSION_TOKEN" }),
      };
    }
  } else if (/^https?:\/\//i.test(target)) {
    const href = URL.canParse(target) ? new URL(target).href : target;
    const known = configured.find((c) => c.type === "http" && new URL(c.url).href === href);
    config = { type: "http", url: target, ...(known?.type === "http" && known.tokenEnv !== undefined ? { tokenEnv: known.tokenEnv } : {}) };
  } else {
    return new FileWitness(resolve(target));
  }
  const parsed = remoteWitnessSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PerimeterError("USAGE", `--witness ${target}: ${issue === undefined ? "not a witness" : `${issue.path.join(".")}: ${issue.message}`}`);
  }
  return createRemoteWitness(parsed.data, env);
}

/** What a witness holds, in short. */
export interface WitnessHolding {
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly recordedAt: string;
}

/**
 * A witness against the local log. consistent: the log reaches it and holds the event it saw at its size;
 * empty: it holds nothing yet; ahead: it holds more than the log (rolled back?); differs: the log has another
 * event at its size (rewritten?); untrusted: what it holds is not a checkpoint of this log signed by a trusted
 * key, or was edited; unreadable: it could not be read.
 */
export type WitnessState = "consistent" | "empty" | "ahead" | "differs" | "untrusted" | "unreadable";

export interface WitnessStatus {
  readonly name: string;
  readonly state: WitnessState;
  /** Whether this witness, as it is, lets the log pass: consistent, or empty while the log is. */
  readonly ok: boolean;
  readonly message: string;
  readonly holds?: WitnessHolding;
}

function holding(held: WitnessedCheckpoint): WitnessHolding {
  return { origin: held.origin, size: held.size, root: held.root, recordedAt: held.recordedAt };
}

async function logHead(store: Store): Promise<{ size: number; lastHash: string; note: string; updatedAt: string }> {
  const head = await store.db.selectFrom("audit_head").select(["size", "last_hash", "note", "updated_at"]).where("id", "=", 1).executeTakeFirst();
  return head === undefined
    ? { size: 0, lastHash: "", note: "", updatedAt: "" }
    : { size: head.size, lastHash: head.last_hash, note: head.note, updatedAt: head.updated_at };
}

function hashAt(store: Store): (seq: number) => Promise<string | undefined> {
  return async (seq) => (await store.db.selectFrom("audit_events").select("hash").where("seq", "=", seq).executeTakeFirst())?.hash;
}

/**
 * What each witness holds, compared with the log's head and the event at the witness's size. A quick look,
 * not a verification: `audit verify` recomputes the log and checks the witnessed root.
 */
export async function witnessStatuses(store: Store, keys: readonly AuditVerifierKey[], witnesses: readonly AuditWitness[]): Promise<WitnessStatus[]> {
  // The witnesses first, then the head: a commit landing between the two then finds the log ahead of the
  // witness (fine), never a witness ahead of the log it was read after (which reads as a rollback).
  const read = await Promise.all(
    witnesses.map(async (w) => {
      try {
        return { w, held: await w.latest() };
      } catch (err) {
        return { w, failed: err as Error };
      }
    }),
  );
  const head = await logHead(store);
  const at = hashAt(store);
  return Promise.all(
    read.map(async ({ w, held, failed }): Promise<WitnessStatus> => {
      if (failed !== undefined) return { name: w.name, state: "unreadable", ok: false, message: failed.message };
      if (held === undefined) {
        return {
          name: w.name,
          state: "empty",
          ok: head.size === 0,
          message:
            head.size === 0
              ? "holds nothing yet, and the log is empty"
              : `holds nothing, yet the log holds ${head.size} events: run \`perimeter audit witness push\` if it is new, else find out why it is empty`,
        };
      }
      const check = checkWitnessed(w.name, held, keys);
      if (!check.ok) return { name: w.name, state: "untrusted", ok: false, message: check.message, holds: holding(held) };
      if (held.size > head.size) {
        return {
          name: w.name,
          state: "ahead",
          ok: false,
          message: `the log holds ${head.size} events, fewer than the ${held.size} the witness saw: it was rolled back or wiped; run \`perimeter audit verify\``,
          holds: holding(held),
        };
      }
      if ((await at(held.size)) !== held.lastHash) {
        return {
          name: w.name,
          state: "differs",
          ok: false,
          message: `the log's event ${held.size} is not the one the witness saw: history was rewritten; run \`perimeter audit verify\``,
          holds: holding(held),
        };
      }
      const behind = head.size - held.size;
      return {
        name: w.name,
        state: "consistent",
        ok: true,
        message: `the log (${head.size} events) extends it${behind === 0 ? "" : `; the ${behind} events since are not witnessed yet`}`,
        holds: holding(held),
      };
    }),
  );
}

export type PushOutcome = "recorded" | "unchanged" | "refused" | "failed";

export interface WitnessPush {
  readonly name: string;
  readonly outcome: PushOutcome;
  readonly message: string;
  readonly holds?: WitnessHolding;
}

/**
 * Write the log's current signed head to each witness now, each on its own, by the same rule the writer
 * follows: only forward along the history the witness saw. A witness ahead of the log or on another history
 * is left as it is (refused): it is the evidence `audit verify` reports. Undefined when the log is empty.
 */
export async function pushWitnesses(
  store: Store,
  keys: readonly AuditVerifierKey[],
  witnesses: readonly AuditWitness[],
): Promise<{ readonly size: number; readonly root: string; readonly results: readonly WitnessPush[] } | undefined> {
  const head = await logHead(store);
  if (head.size === 0) return undefined;
  const check = verifyCheckpointNote(head.note, keys);
  if (!check.ok || check.checkpoint.size !== head.size) {
    throw new PerimeterError(
      "AUDIT_TAMPERED",
      `the log's signed head does not verify (${check.ok ? `it signs ${check.checkpoint.size} events, the head says ${head.size}` : check.reason}), so it was not handed to any witness: run \`perimeter audit verify\``,
    );
  }
  const signed: WitnessedCheckpoint = {
    origin: check.checkpoint.origin,
    size: head.size,
    root: check.checkpoint.root.toString("hex"),
    lastHash: head.lastHash,
    note: head.note,
    recordedAt: head.updatedAt,
  };
  const at = hashAt(store);
  const results = await Promise.all(
    witnesses.map(async (w): Promise<WitnessPush> => {
      try {
        const held = await w.latest();
        const step = await witnessStep(held, signed, at);
        if (step.record) {
          await w.record(signed);
          return { name: w.name, outcome: "recorded", message: `now holds the head of ${signed.size} events`, holds: holding(signed) };
        }
        const holds = held === undefined ? {} : { holds: holding(held) };
        if (step.why === "already witnessed") return { name: w.name, outcome: "unchanged", message: "already holds this head", ...holds };
        return { name: w.name, outcome: "refused", message: `left as it is: ${step.why}; run \`perimeter audit verify\``, ...holds };
      } catch (err) {
        return { name: w.name, outcome: "failed", message: (err as Error).message };
      }
    }),
  );
  return { size: signed.size, root: signed.root, results };
}
