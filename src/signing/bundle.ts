// The OMS v1.0 signature format (OpenSSF Model Signing): a Sigstore bundle whose DSSE envelope carries an
// in-toto v1 statement with predicate https://model_signing/signature/v1.0. This module parses and
// validates the format (no cryptography); key-method.ts checks signatures.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type AnySchemaObject, type ValidateFunction } from "ajv/dist/2020.js";
import { bundleSchema, problemsOf, statementSchema } from "./oms-schema.js";
import { PerimeterError, type ErrorCode } from "../errors.js";
import { IN_TOTO_PAYLOAD_TYPE, decodeBase64, type DsseEnvelope } from "./dsse.js";

export const SIGSTORE_BUNDLE_V03_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const OMS_PREDICATE_TYPE = "https://model_signing/signature/v1.0";

/** A model.sig listing every file of a large model is big, but not this big. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Errors. errors.ts has no signing codes yet; each failed check names itself in `check` (a closed union a
// caller can switch on) and the code it should carry. Until the codes exist they ride on USAGE.

/** Every check a signature can fail, in the order they run. */
export type SignatureCheck =
  | "bundle-json"
  | "bundle-schema"
  | "bundle-media-type"
  | "bundle-key-material"
  | "key-missing"
  | "key-unreadable"
  | "key-type"
  | "key-curve"
  | "key-mismatch"
  | "signature-count"
  | "signature-encoding"
  | "signature"
  | "statement-encoding"
  | "statement-schema"
  | "predicate-type"
  | "resource-algorithm"
  | "resource-duplicate"
  | "subject-digest";

/** The codes errors.ts should gain for the signing checks (proposed; see the report). */
export type ProposedSigningCode = "BUNDLE_INVALID" | "KEY_INVALID" | "SIGNATURE_INVALID";

const PROPOSED_CODE: Record<SignatureCheck, ProposedSigningCode> = {
  "bundle-json": "BUNDLE_INVALID",
  "bundle-schema": "BUNDLE_INVALID",
  "bundle-media-type": "BUNDLE_INVALID",
  "bundle-key-material": "BUNDLE_INVALID",
  "key-missing": "KEY_INVALID",
  "key-unreadable": "KEY_INVALID",
  "key-type": "KEY_INVALID",
  "key-curve": "KEY_INVALID",
  "key-mismatch": "SIGNATURE_INVALID",
  "signature-count": "SIGNATURE_INVALID",
  "signature-encoding": "SIGNATURE_INVALID",
  signature: "SIGNATURE_INVALID",
  "statement-encoding": "BUNDLE_INVALID",
  "statement-schema": "BUNDLE_INVALID",
  "predicate-type": "BUNDLE_INVALID",
  "resource-algorithm": "BUNDLE_INVALID",
  "resource-duplicate": "BUNDLE_INVALID",
  "subject-digest": "BUNDLE_INVALID",
};

// The one line to change when errors.ts gains the proposed codes.
const EXISTING_CODE: Record<ProposedSigningCode, ErrorCode> = {
  BUNDLE_INVALID: "SIGNATURE_BUNDLE_INVALID",
  KEY_INVALID: "SIGNING_KEY_INVALID",
  SIGNATURE_INVALID: "SIGNATURE_INVALID",
};

/** A signature check failed: `check` says which, the message says what to do. */
export class SignatureCheckError extends PerimeterError {
  readonly check: SignatureCheck;
  readonly proposedCode: ProposedSigningCode;

  constructor(check: SignatureCheck, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    const proposedCode = PROPOSED_CODE[check];
    super(EXISTING_CODE[proposedCode], message, {
      ...options,
      details: { ...options.details, check, proposedCode },
    });
    this.name = "SignatureCheckError";
    this.check = check;
    this.proposedCode = proposedCode;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Types of the format, after validation.

/** How the model was turned into resources (`predicate.serialization`). */
export interface Serialization {
  readonly method: "files" | "shards";
  readonly hash_type: "sha256" | "blake2b" | "blake3";
  readonly allow_symlinks: boolean;
  readonly shard_size?: number;
  readonly ignore_paths?: readonly string[];
}

export interface ResourceDescriptor {
  readonly name: string;
  readonly algorithm: string;
  readonly digest: string;
}

export interface OmsStatement {
  readonly _type: typeof IN_TOTO_STATEMENT_TYPE;
  readonly subject: readonly [{ readonly name: string; readonly digest: { readonly sha256: string } }];
  readonly predicateType: typeof OMS_PREDICATE_TYPE;
  readonly predicate: {
    readonly resources: readonly ResourceDescriptor[];
    readonly serialization: Serialization;
  };
}

/** `publicKey` of a key-method bundle: v1.x write `hint`, v0.3.1 wrote `rawBytes` (base64 PEM) + `keyDetails`. */
export interface PublicKeyIdentifier {
  readonly hint?: string;
  readonly rawBytes?: string;
  readonly keyDetails?: string;
}

export interface OmsBundle {
  readonly mediaType: string;
  readonly verificationMaterial: {
    readonly publicKey?: PublicKeyIdentifier;
    readonly certificate?: { readonly rawBytes: string };
    readonly x509CertificateChain?: { readonly certificates: readonly { readonly rawBytes: string }[] };
    readonly tlogEntries?: readonly unknown[];
  };
  readonly dsseEnvelope: DsseEnvelope;
}

/** A statement that passed every format check: the subject digest matches the resources. */
export interface VerifiedStatement {
  readonly statement: OmsStatement;
  /** The statement's exact bytes (the DSSE payload). */
  readonly payload: Buffer;
  readonly modelName: string;
  readonly subjectDigest: string;
  /** resource name (POSIX path, or `path:start:end` for shards) → sha256 hex */
  readonly resources: ReadonlyMap<string, string>;
  readonly serialization: Serialization;
}

// ---------------------------------------------------------------------------------------------------------
// Schemas: the OMS spec's JSON Schemas, compiled once per directory.

/** Validators for the two documents a bundle holds: each returns what is wrong, or null. */
export interface OmsSchemas {
  readonly bundle: (value: unknown) => string | null;
  readonly statement: (value: unknown) => string | null;
}

/** The rules built into Perimeter (src/signing/oms-schema.ts); tests hold them to the spec's JSON Schemas. */
export const BUILTIN_OMS_SCHEMAS: OmsSchemas = {
  bundle: (v) => problemsOf(bundleSchema, v),
  statement: (v) => problemsOf(statementSchema, v),
};

const SCHEMA_FILES = ["predicate", "statement", "envelope", "bundle"] as const;
const compiled = new Map<string, OmsSchemas>();

/** The schemas in use: the spec's JSON Schemas from PERIMETER_OMS_SCHEMA_DIR when set, else the built-in rules. */
export function defaultOmsSchemas(): OmsSchemas {
  const dir = process.env["PERIMETER_OMS_SCHEMA_DIR"];
  return dir === undefined || dir === "" ? BUILTIN_OMS_SCHEMAS : loadOmsSchemas(dir);
}

/** Compile the OMS spec's JSON Schemas from a directory (once per directory). */
export function loadOmsSchemas(dir: string): OmsSchemas {
  const cached = compiled.get(dir);
  if (cached) return cached;
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  const ids: Record<string, string> = {};
  for (const name of SCHEMA_FILES) {
    let schema: AnySchemaObject;
    try {
      schema = JSON.parse(readFileSync(join(dir, `${name}.schema.json`), "utf8")) as AnySchemaObject;
    } catch (err) {
      throw new PerimeterError("USAGE", `cannot read the OMS JSON Schema ${name}.schema.json in ${dir} (PERIMETER_OMS_SCHEMA_DIR)`, { cause: err });
    }
    if (typeof schema.$id !== "string") throw new PerimeterError("USAGE", `OMS schema ${name} has no $id`);
    ajv.addSchema(schema);
    ids[name] = schema.$id;
  }
  const get = (name: string): ((value: unknown) => string | null) => {
    const fn = ajv.getSchema(ids[name] ?? "");
    if (!fn) throw new PerimeterError("USAGE", `OMS schema ${name} did not compile`);
    return (value) => (fn(value) ? null : schemaErrors(fn));
  };
  const schemas: OmsSchemas = { bundle: get("bundle"), statement: get("statement") };
  compiled.set(dir, schemas);
  return schemas;
}

function schemaErrors(fn: ValidateFunction): string {
  return (fn.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`).join("; ");
}

// ---------------------------------------------------------------------------------------------------------
// Parsing.

/** Parse a model.sig into a bundle that matches the OMS bundle schema (structure only, nothing trusted). */
export function parseBundle(bundleJson: string | Uint8Array, schemas: OmsSchemas = defaultOmsSchemas()): OmsBundle {
  const text = typeof bundleJson === "string" ? bundleJson : Buffer.from(bundleJson).toString("utf8");
  if (Buffer.byteLength(text, "utf8") > MAX_BUNDLE_BYTES) {
    throw new SignatureCheckError("bundle-json", `the signature bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SignatureCheckError("bundle-json", "the signature bundle is not JSON: is this a model.sig?", { cause: err });
  }
  const bundleProblems = schemas.bundle(value);
  if (bundleProblems !== null) {
    throw new SignatureCheckError("bundle-schema", `the signature bundle does not match the OMS bundle schema: ${bundleProblems}`);
  }
  return value as OmsBundle;
}

/** Decode and validate the statement a DSSE envelope carries; checks the subject digest covers the resources. */
export function readStatement(envelope: DsseEnvelope, schemas: OmsSchemas = defaultOmsSchemas()): VerifiedStatement {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SignatureCheckError("statement-encoding", `the DSSE payload type is ${envelope.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  const payload = decodeBase64(envelope.payload);
  if (!payload) throw new SignatureCheckError("statement-encoding", "the DSSE payload is not valid base64");
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch (err) {
    throw new SignatureCheckError("statement-encoding", "the DSSE payload is not a JSON in-toto statement", { cause: err });
  }
  const predicateType = typeof value === "object" && value !== null ? (value as { predicateType?: unknown }).predicateType : undefined;
  if (predicateType !== OMS_PREDICATE_TYPE) {
    throw new SignatureCheckError(
      "predicate-type",
      `the statement's predicateType is ${JSON.stringify(predicateType)}, expected ${OMS_PREDICATE_TYPE} (an OMS v1.0 model signature)`,
    );
  }
  const statementProblems = schemas.statement(value);
  if (statementProblems !== null) {
    throw new SignatureCheckError("statement-schema", `the statement does not match the OMS statement schema: ${statementProblems}`);
  }
  const statement = value as OmsStatement;

  const resources = new Map<string, string>();
  const root = createHash("sha256");
  for (const resource of statement.predicate.resources) {
    if (resource.algorithm !== "sha256" || resource.digest.length !== 64) {
      throw new SignatureCheckError("resource-algorithm", `resource ${resource.name} uses ${resource.algorithm}; only sha256 resources are supported`);
    }
    if (resources.has(resource.name)) {
      throw new SignatureCheckError("resource-duplicate", `resource ${resource.name} is listed twice`);
    }
    resources.set(resource.name, resource.digest);
    root.update(Buffer.from(resource.digest, "hex"));
  }
  const subject = statement.subject[0];
  const computed = root.digest("hex");
  if (subject.digest.sha256 !== computed) {
    throw new SignatureCheckError(
      "subject-digest",
      `the statement's subject digest ${String(subject.digest.sha256)} is not the digest of its resources (${computed})`,
    );
  }
  return {
    statement,
    payload,
    modelName: subject.name,
    subjectDigest: computed,
    resources,
    serialization: statement.predicate.serialization,
  };
}

/** Parse and validate a whole OMS bundle without checking who signed it. */
export function parseOmsBundle(bundleJson: string | Uint8Array, schemas: OmsSchemas = defaultOmsSchemas()): { bundle: OmsBundle } & VerifiedStatement {
  const bundle = parseBundle(bundleJson, schemas);
  return { bundle, ...readStatement(bundle.dsseEnvelope, schemas) };
}

// ---------------------------------------------------------------------------------------------------------
// Building a statement, byte-compatible with model_signing's in-toto payload.

/** What the manifest hashing hands to signing: one entry per file (or shard) with its sha256. */
export interface ModelManifest {
  /** POSIX paths relative to the model root; for `shards`, `path:start:end`. */
  readonly files: ReadonlyArray<{ readonly name: string; readonly sha256: string }>;
  readonly serialization: Serialization;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

// Python's str order is code point order, which is UTF-8 byte order.
function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

// model_signing sorts manifest keys: a PurePosixPath compares component by component, a shard key as
// (path, start, end) with numeric offsets.
function compareResourceNames(method: Serialization["method"]): (a: string, b: string) => number {
  const comparePaths = (a: string, b: string): number => {
    const pa = a.split("/");
    const pb = b.split("/");
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
      const c = compareCodePoints(pa[i] ?? "", pb[i] ?? "");
      if (c !== 0) return c;
    }
    return pa.length - pb.length;
  };
  if (method === "files") return comparePaths;
  const split = (name: string): [string, number, number] => {
    const m = /^(.*):(\d+):(\d+)$/.exec(name);
    if (!m) throw new PerimeterError("USAGE", `shard resource ${name} is not path:start:end`);
    return [m[1] ?? "", Number(m[2]), Number(m[3])];
  };
  return (a, b) => {
    const [pa, sa, ea] = split(a);
    const [pb, sb, eb] = split(b);
    return comparePaths(pa, pb) || sa - sb || ea - eb;
  };
}

/**
 * The in-toto statement model_signing signs for a manifest: resources in canonical order, and a subject
 * digest that is sha256 over the concatenated raw resource digests in that order.
 */
export function buildStatement(manifest: ModelManifest, modelName: string): OmsStatement {
  if (modelName.length === 0) throw new PerimeterError("USAGE", "a model name is needed for the statement subject");
  const seen = new Set<string>();
  for (const file of manifest.files) {
    if (!SHA256_HEX.test(file.sha256)) throw new PerimeterError("USAGE", `${file.name}: sha256 must be 64 lowercase hex digits`);
    if (seen.has(file.name)) throw new PerimeterError("USAGE", `${file.name} appears twice in the manifest`);
    seen.add(file.name);
  }
  const ordered = [...manifest.files].sort((a, b) => compareResourceNames(manifest.serialization.method)(a.name, b.name));
  const root = createHash("sha256");
  for (const file of ordered) root.update(Buffer.from(file.sha256, "hex"));
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: modelName, digest: { sha256: root.digest("hex") } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      resources: ordered.map((f) => ({ algorithm: "sha256", name: f.name, digest: f.sha256 })),
      serialization: manifest.serialization,
    },
  };
}
