import type { TLSSocket } from "node:tls";
import { z } from "zod";
import type { AuditEventInput } from "../audit/index.js";
import { PerimeterError } from "../errors.js";
import type { Route } from "../http/server.js";
import { parseModelRef } from "../inventory/models.js";
import type { Admitter, ModelReference } from "./admission-types.js";
import { clip } from "../clip.js";

// The Kubernetes ValidatingAdmissionWebhook (AdmissionReview v1): a Pod runs only if every model it says it
// loads is admitted for its namespace's environment. It fails closed: whatever cannot be read, checked in
// time or recorded is a deny that says why, because the API server shows that message to whoever applied
// the Pod. It is served on its own HTTPS listener (see serveWebhook in src/cli/serve.ts), never on the
// gateway's port, and answers only a caller with a client certificate from the configured CA: the API server.
// Only then is the user name in a review trusted enough to be an audit event's actor.

export const WEBHOOK_PATH = "/k8s/admission/validate";
export const ANNOTATION_MODEL = "perimeter.dev/model";
export const ANNOTATION_MODEL_DIGEST = "perimeter.dev/model-digest";
export const ANNOTATION_MODEL_CAR = "perimeter.dev/model-car";
/** Below the webhook's timeoutSeconds (5 in deploy/kubernetes/base/webhook.yaml), so the API server gets our reason, not its own timeout. */
export const DEFAULT_ADMISSION_TIMEOUT_MS = 4000;
/** A Pod naming more is refused: the audit event lists every reference and must stay bounded. */
export const MAX_MODEL_REFERENCES = 32;
/** Recording a deny that came from a timeout still gets this long, so it is not lost to a deadline already spent. */
const RECORD_FLOOR_MS = 500;

const SHA256_ANNOTATION = /^sha256:([0-9a-f]{64})$/;
const PINNED_IMAGE = /@sha256:([0-9a-f]{64})$/;

const containerSchema = z.looseObject({ name: z.string().min(1), image: z.string().nullish() });
const containersSchema = z.array(containerSchema).nullish();

export const podSchema = z.looseObject({
  kind: z.literal("Pod").optional(),
  metadata: z.looseObject({
    name: z.string().nullish(),
    generateName: z.string().nullish(),
    annotations: z.record(z.string(), z.string()).nullish(),
    deletionTimestamp: z.string().nullish(),
  }),
  spec: z.looseObject({ containers: z.array(containerSchema), initContainers: containersSchema, ephemeralContainers: containersSchema }),
});
export type Pod = z.infer<typeof podSchema>;

const groupVersionKind = z.looseObject({ group: z.string(), version: z.string(), kind: z.string() });
const reviewSchema = z.looseObject({
  apiVersion: z.literal("admission.k8s.io/v1"),
  kind: z.literal("AdmissionReview"),
  request: z.looseObject({
    uid: z.string().min(1),
    kind: groupVersionKind,
    subResource: z.string().nullish(),
    name: z.string().nullish(),
    namespace: z.string().nullish(),
    operation: z.string(),
    userInfo: z.looseObject({ username: z.string().nullish() }).nullish(),
    object: z.unknown(),
    oldObject: z.unknown().optional(),
    dryRun: z.boolean().nullish(),
  }),
});

/** The AdmissionReview v1 the API server expects back. */
export interface AdmissionReviewResponse {
  readonly apiVersion: "admission.k8s.io/v1";
  readonly kind: "AdmissionReview";
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: { readonly code: number; readonly message: string };
    readonly warnings?: readonly string[];
  };
}

/** One model reference found in a Pod; a problem means it is refused without asking the admitter. */
export interface PodModelReference {
  /** Where it was found, e.g. `annotation perimeter.dev/model` or `container "modelcar" (image ...)`. */
  readonly source: string;
  readonly reference: ModelReference;
  readonly problem: string | null;
}

export interface CheckedReference extends PodModelReference {
  readonly allow: boolean;
  readonly reason: string;
}

/** Everything the webhook decided about one request: what the audit event records. */
export interface WebhookDecision {
  readonly uid: string;
  readonly allowed: boolean;
  readonly reason: string;
  readonly dryRun: boolean;
  readonly operation: string | null;
  /**
   * k8s:<username> (k8s:unknown when the review did not say) when the caller proved with a client certificate
   * that it is the API server; k8s-unverified:<username> otherwise, since anyone could have written that name.
   */
  readonly actor: string;
  /** The subject (CN) of the client certificate the caller presented, or null when it presented none. */
  readonly client: string | null;
  /** pod:<namespace>/<name or generateName> */
  readonly resource: string;
  readonly namespace: string | null;
  readonly environment: string | null;
  readonly references: readonly CheckedReference[];
}

export interface WebhookDeps {
  readonly admit: Admitter;
  /** The environment a namespace deploys to, or undefined when it has none (the Pod is then denied). */
  readonly environmentOf: (namespace: string) => string | undefined;
  /** How long the admitter may take for all of a Pod's references together. */
  readonly timeoutMs?: number;
  /**
   * Called with every decision before it is answered. If it fails on an allow, the Pod is denied:
   * nothing is admitted that cannot be recorded. Not called when the review has no uid.
   */
  readonly onDecision?: (decision: WebhookDecision) => Promise<void> | void;
  /**
   * Refuse (403) a request that did not come over TLS with a client certificate the server verified. The
   * listener already fails such a handshake when it has a client CA; this holds even if it was started without.
   */
  readonly requireClientCert?: boolean;
}

/** Who called the webhook, as TLS proved it. */
export interface WebhookCaller {
  /** The verified client certificate's subject CN, or null when the caller presented no verified certificate. */
  readonly certificate: string | null;
}

/** The POST route that serves the webhook. */
export function admissionWebhookRoute(deps: WebhookDeps): Route {
  return {
    method: "POST",
    path: WEBHOOK_PATH,
    async handle(req, body) {
      const caller = callerOf(req.socket as Partial<TLSSocket>);
      if (deps.requireClientCert === true && caller.certificate === null) {
        throw new PerimeterError(
          "PERMISSION_DENIED",
          "the admission webhook answers only the Kubernetes API server: connect over HTTPS with a client certificate issued by lifecycle.webhook.clientCa",
        );
      }
      let review: unknown;
      try {
        review = JSON.parse(body.toString("utf8"));
      } catch {
        throw new PerimeterError("USAGE", "the body is not JSON: send an AdmissionReview v1");
      }
      return { status: 200, json: await reviewAdmission(review, deps, caller) };
    },
  };
}

/** A socket's verified client certificate, if any (a plain HTTP socket has none). */
function callerOf(socket: Partial<TLSSocket>): WebhookCaller {
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== "function") return { certificate: null };
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.["CN"];
  return { certificate: typeof cn === "string" && cn !== "" ? cn : Array.isArray(cn) ? cn.join(",") : "(no CN)" };
}

/**
 * Answer one AdmissionReview v1. Throws (USAGE, HTTP 400) only when the review has no request.uid, since
 * without it there is no way to answer; every other problem is a deny in the answer.
 */
export async function reviewAdmission(body: unknown, deps: WebhookDeps, caller: WebhookCaller = { certificate: null }): Promise<AdmissionReviewResponse> {
  const uid = uidOf(body);
  const started = Date.now();
  const timeoutMs = deps.timeoutMs ?? DEFAULT_ADMISSION_TIMEOUT_MS;
  let outcome: Outcome;
  try {
    outcome = await decide(body, uid, deps, timeoutMs);
  } catch (err) {
    outcome = { ...describeLoosely(body, uid), allowed: false, code: 500, reason: `the admission check failed: ${messageOf(err)}`, references: [] };
  }

  const warnings: string[] = [];
  if (deps.onDecision !== undefined) {
    const decision = toDecision(outcome, caller);
    const budget = Math.max(timeoutMs - (Date.now() - started), RECORD_FLOOR_MS);
    const recorded = await settleWithin(
      Promise.resolve().then(() => deps.onDecision?.(decision)),
      budget,
    );
    const failure =
      recorded.state === "timeout" ? `it was not recorded within ${budget} ms` : recorded.state === "failed" ? messageOf(recorded.error) : undefined;
    if (failure !== undefined && outcome.allowed) {
      outcome = {
        ...outcome,
        allowed: false,
        code: 500,
        reason: `${outcome.reason}; but the decision could not be recorded in the audit log (${failure}), and nothing is admitted unrecorded`,
      };
    } else if (failure !== undefined) {
      warnings.push(`Perimeter could not record this denial in its audit log: ${failure}`);
    }
  }

  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: {
      uid,
      allowed: outcome.allowed,
      ...(outcome.allowed ? {} : { status: { code: outcome.code, message: outcome.reason } }),
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}

/** The audit event for one webhook decision. */
export function admissionAuditEvent(decision: WebhookDecision): AuditEventInput {
  return {
    actor: decision.actor,
    action: "admission.webhook",
    resource: decision.resource,
    decision: decision.allowed ? "allow" : "deny",
    // The audit log bounds a reason; details carry every reference in full.
    reason: decision.reason.length > 4000 ? `${decision.reason.slice(0, 3999)}…` : decision.reason,
    details: {
      uid: decision.uid,
      client: decision.client,
      operation: decision.operation,
      environment: decision.environment,
      references: decision.references.map((r) => ({ source: r.source, ...r.reference, allow: r.allow, reason: r.reason })),
    },
  };
}

/**
 * Every model reference a Pod makes: the perimeter.dev/model and perimeter.dev/model-digest annotations
 * together as one reference (so the admitter can check the digest is that model's), and one per container
 * named in perimeter.dev/model-car, by the digest its image is pinned to.
 */
export function modelReferencesOf(pod: Pod): PodModelReference[] {
  const annotations = pod.metadata.annotations ?? {};
  const found: PodModelReference[] = [];

  const model = own(annotations, ANNOTATION_MODEL);
  const digest = own(annotations, ANNOTATION_MODEL_DIGEST);
  if (model !== undefined || digest !== undefined) {
    const problems: string[] = [];
    let reference: { model?: string; digest?: string } = {};
    if (model !== undefined) {
      try {
        reference = { model: parseModelRef(model.trim()).id };
      } catch {
        problems.push(`annotation ${ANNOTATION_MODEL} must be name@version (e.g. llama-3.1-8b@2024-07), not "${clip(model)}"`);
      }
    }
    if (digest !== undefined) {
      const hex = SHA256_ANNOTATION.exec(digest.trim())?.[1];
      if (hex === undefined) problems.push(`annotation ${ANNOTATION_MODEL_DIGEST} must be sha256:<64 lower-case hex digits>, not "${clip(digest)}"`);
      else reference = { ...reference, digest: hex };
    }
    const source = [model === undefined ? "" : ANNOTATION_MODEL, digest === undefined ? "" : ANNOTATION_MODEL_DIGEST].filter((a) => a !== "").join(" and ");
    found.push({ source: `annotation ${source}`, reference, problem: problems.length > 0 ? problems.join("; ") : null });
  }

  const cars = own(annotations, ANNOTATION_MODEL_CAR);
  if (cars !== undefined) {
    const names = [
      ...new Set(
        cars
          .split(",")
          .map((n) => n.trim())
          .filter((n) => n !== ""),
      ),
    ];
    if (names.length === 0) {
      found.push({
        source: `annotation ${ANNOTATION_MODEL_CAR}`,
        reference: {},
        problem: `annotation ${ANNOTATION_MODEL_CAR} names no container: list the modelcar containers, comma-separated`,
      });
    }
    const containers = [
      ...pod.spec.containers.map((c) => ({ kind: "container", c })),
      ...(pod.spec.initContainers ?? []).map((c) => ({ kind: "initContainer", c })),
      ...(pod.spec.ephemeralContainers ?? []).map((c) => ({ kind: "ephemeralContainer", c })),
    ];
    for (const name of names) {
      const hit = containers.find((x) => x.c.name === name);
      if (hit === undefined) {
        found.push({
          source: `annotation ${ANNOTATION_MODEL_CAR}`,
          reference: {},
          problem: `annotation ${ANNOTATION_MODEL_CAR} names container "${clip(name)}", which the Pod does not have`,
        });
        continue;
      }
      const image = hit.c.image ?? "";
      const source = `${hit.kind} "${name}" (image ${image === "" ? "none" : clip(image)})`;
      const hex = PINNED_IMAGE.exec(image)?.[1];
      if (hex === undefined) {
        const bare = clip(image.split("@")[0] ?? "") || "IMAGE";
        found.push({
          source,
          reference: {},
          problem: `the modelcar image is not pinned by digest: write it as ${bare}@sha256:<digest>, so the image checked is the image that runs`,
        });
      } else {
        found.push({ source, reference: { ociDigest: hex }, problem: null });
      }
    }
  }
  return found;
}

interface Outcome {
  readonly uid: string;
  readonly allowed: boolean;
  /** HTTP status code the API server reports with a deny. */
  readonly code: number;
  readonly reason: string;
  readonly dryRun: boolean;
  readonly operation: string | null;
  readonly username: string | null;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly kind: string;
  readonly environment?: string | null;
  readonly references: readonly CheckedReference[];
}

async function decide(body: unknown, uid: string, deps: WebhookDeps, timeoutMs: number): Promise<Outcome> {
  const loose = describeLoosely(body, uid);
  const deny = (code: number, reason: string, extra: Partial<Outcome> = {}): Outcome => ({ ...loose, allowed: false, code, reason, references: [], ...extra });

  const parsed = reviewSchema.safeParse(body);
  if (!parsed.success)
    return deny(400, `the AdmissionReview is malformed (${issuesOf(parsed.error)}); Perimeter reads admission.k8s.io/v1 AdmissionReview only`);
  const request = parsed.data.request;
  const { group, version, kind } = request.kind;
  if (group !== "" || version !== "v1" || kind !== "Pod") {
    return deny(400, `Perimeter reviews Pods only, not ${group === "" ? "" : `${group}/`}${version} ${kind}: the webhook's rules must select only pods`);
  }
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") {
    return deny(400, `Perimeter reviews CREATE and UPDATE only, not ${request.operation}: the webhook's rules must select only those operations`);
  }
  const namespace = request.namespace ?? "";
  if (namespace === "") return deny(400, "the AdmissionReview has no request.namespace; a Pod always has one");
  const pod = podSchema.safeParse(request.object);
  if (!pod.success) return deny(400, `request.object is not a Pod (${issuesOf(pod.error)})`);

  const where = `Pod ${namespace}/${loose.name ?? "(unnamed)"}`;
  const references = modelReferencesOf(pod.data);
  const environment = deps.environmentOf(namespace);

  // Removing a finalizer is an UPDATE: a Pod on its way out must not get stuck because its model was
  // revoked or its namespace unmapped since. Only when nothing it loads changed, so no model is swapped in.
  if (request.operation === "UPDATE") {
    const old = podSchema.safeParse(request.oldObject);
    if (old.success && nonEmpty(old.data.metadata.deletionTimestamp) && sameReferences(modelReferencesOf(old.data), references)) {
      const unchanged = references.map((r) => ({ ...r, allow: true, reason: "unchanged on a Pod being deleted" }));
      return {
        ...loose,
        environment: environment ?? null,
        allowed: true,
        code: 200,
        reason: `${where} is being deleted and its model references did not change`,
        references: unchanged,
      };
    }
  }

  if (environment === undefined || environment === "") {
    return deny(403, `namespace "${namespace}" has no environment, so no model is approved for it: map it to one under lifecycle.namespaces in perimeter.yaml`);
  }
  const withEnv = { environment };
  if (references.length === 0) {
    return deny(
      403,
      `${where} declares no model: only Pods labelled perimeter.dev/model-serving=true reach this webhook, and they must say what they load with annotation ${ANNOTATION_MODEL} (name@version), ${ANNOTATION_MODEL_DIGEST} (sha256:<hex>) or ${ANNOTATION_MODEL_CAR} (modelcar container names)`,
      withEnv,
    );
  }
  if (references.length > MAX_MODEL_REFERENCES) {
    return deny(403, `${where} makes ${references.length} model references; Perimeter checks at most ${MAX_MODEL_REFERENCES} per Pod`, withEnv);
  }

  const checked = await checkAll(references, environment, deps.admit, timeoutMs);
  const refused = checked.filter((r) => !r.allow);
  if (refused.length === 0) {
    return {
      ...loose,
      ...withEnv,
      allowed: true,
      code: 200,
      reason: `${where} may run in environment "${environment}": ${checked.map((r) => `${label(r)}: ${r.reason}`).join("; ")}`,
      references: checked,
    };
  }
  // A check that broke is the server's failure (500), not a refusal of the Pod (403): it tells the operator where to look.
  const failedInternally = refused.some((r) => failedChecks.has(r));
  return deny(
    failedInternally ? 500 : 403,
    `${where} may not run in environment "${environment}": ${refused.length} of ${checked.length} model reference${checked.length === 1 ? "" : "s"} refused — ${refused.map((r) => `${label(r)}: ${r.reason}`).join("; ")}`,
    { ...withEnv, references: checked },
  );
}

/** References whose check threw or timed out, as opposed to being refused. */
const failedChecks = new WeakSet<CheckedReference>();

async function checkAll(references: readonly PodModelReference[], environment: string, admit: Admitter, timeoutMs: number): Promise<CheckedReference[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    return await Promise.all(
      references.map(async (r): Promise<CheckedReference> => {
        if (r.problem !== null) return { ...r, allow: false, reason: r.problem };
        const asked = Promise.resolve().then(() => admit(r.reference, environment));
        const answer = await Promise.race([
          asked.then(
            (d) => ({ d }),
            (error: unknown) => ({ error }),
          ),
          deadline,
        ]);
        if (answer === "timeout")
          return failed({
            ...r,
            allow: false,
            reason: `the model check did not answer within ${timeoutMs} ms; try again, and if it persists check that Perimeter's store is reachable`,
          });
        if ("error" in answer) return failed({ ...r, allow: false, reason: `the model check failed: ${messageOf(answer.error)}` });
        // Strictly true: an admitter that returns something else has not said yes.
        const allow = answer.d.allow === true;
        const reason = typeof answer.d.reason === "string" && answer.d.reason !== "" ? answer.d.reason : allow ? "approved" : "not approved (no reason given)";
        return { ...r, allow, reason };
      }),
    );
  } finally {
    clearTimeout(timer);
  }
}

function failed(r: CheckedReference): CheckedReference {
  failedChecks.add(r);
  return r;
}

function uidOf(body: unknown): string {
  const request = isRecord(body) ? body["request"] : undefined;
  const uid = isRecord(request) ? request["uid"] : undefined;
  // A uid is a UUID; anything long is not one and is not echoed back.
  if (typeof uid !== "string" || uid === "" || uid.length > 256) {
    throw new PerimeterError("USAGE", "not an AdmissionReview: request.uid is missing, so there is no request to answer");
  }
  return uid;
}

/** What can be said about a request that may not parse: enough to name it in a deny and an audit event. */
function describeLoosely(body: unknown, uid: string): Omit<Outcome, "allowed" | "code" | "reason" | "references"> {
  const request = isRecord(body) && isRecord(body["request"]) ? body["request"] : {};
  const object = isRecord(request["object"]) ? request["object"] : {};
  const metadata = isRecord(object["metadata"]) ? object["metadata"] : {};
  const kind = isRecord(request["kind"]) ? text(request["kind"]["kind"]) : null;
  const userInfo = isRecord(request["userInfo"]) ? request["userInfo"] : {};
  return {
    uid,
    dryRun: request["dryRun"] === true,
    operation: text(request["operation"]),
    username: text(userInfo["username"]),
    namespace: text(request["namespace"]),
    name: text(request["name"]) ?? text(metadata["name"]) ?? text(metadata["generateName"]),
    kind: kind === null ? "pod" : kind.toLowerCase(),
  };
}

function toDecision(o: Outcome, caller: WebhookCaller): WebhookDecision {
  return {
    client: caller.certificate,
    uid: o.uid,
    allowed: o.allowed,
    reason: o.reason,
    dryRun: o.dryRun,
    operation: o.operation,
    actor: `${caller.certificate === null ? "k8s-unverified" : "k8s"}:${o.username ?? "unknown"}`,
    resource: `${o.kind}:${o.namespace ?? "unknown"}/${o.name ?? "unknown"}`,
    namespace: o.namespace,
    environment: o.environment ?? null,
    references: o.references,
  };
}

type Settled = { state: "done" } | { state: "failed"; error: unknown } | { state: "timeout" };

async function settleWithin(work: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ state: "timeout" }), ms);
  });
  try {
    return await Promise.race([
      work.then(
        (): Settled => ({ state: "done" }),
        (error: unknown): Settled => ({ state: "failed", error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function label(r: PodModelReference): string {
  const { model, digest } = r.reference;
  const what = [model, digest === undefined ? undefined : `sha256:${digest}`].filter((x) => x !== undefined).join(" ");
  return what === "" ? r.source : `${r.source} (${what})`;
}

function sameReferences(a: readonly PodModelReference[], b: readonly PodModelReference[]): boolean {
  return a.length === b.length && a.every((r, i) => r.source === b[i]?.source && r.problem === b[i]?.problem && sameReference(r.reference, b[i]?.reference));
}

function sameReference(a: ModelReference, b: ModelReference | undefined): boolean {
  return b !== undefined && a.model === b.model && a.digest === b.digest && a.ociDigest === b.ociDigest;
}

function issuesOf(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${i.path.length === 0 ? "(root)" : i.path.join(".")}: ${i.message}`);
  return error.issues.length > 3 ? `${shown.join("; ")}; and ${error.issues.length - 3} more` : shown.join("; ");
}

function own(record: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function nonEmpty(value: string | null | undefined): boolean {
  return typeof value === "string" && value !== "";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
