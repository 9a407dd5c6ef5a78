import { z } from "zod";

// The OMS v1.0 rules for bundles and statements, as the product checks them at run time. They mirror the
// spec's JSON Schemas (../shared/vectors/oms-spec/schemas/v1.0), which the tests hold this file to: both
// must accept and refuse the same vectors.

const hex = z.string().regex(/^[0-9a-f]+$/, "lower-case hex");
const algorithm = z.enum(["sha256", "blake2b", "blake3"]);

const serialization = z
  .strictObject({
    method: z.enum(["files", "shards"]),
    hash_type: algorithm,
    shard_size: z.number().int().positive().optional(),
    allow_symlinks: z.boolean(),
    ignore_paths: z.array(z.string().min(1)).optional(),
  })
  .refine((s) => s.method !== "shards" || s.shard_size !== undefined, { message: "shards serialization needs shard_size" });

const predicate = z.strictObject({
  resources: z.array(z.looseObject({ name: z.string().min(1), digest: hex, algorithm })),
  serialization,
});

export const statementSchema = z.strictObject({
  _type: z.literal("https://in-toto.io/Statement/v1"),
  subject: z
    .array(z.looseObject({ name: z.string().min(1), digest: z.record(z.string(), hex).refine((d) => Object.keys(d).length > 0, "empty digest set") }))
    .length(1),
  predicateType: z.literal("https://model_signing/signature/v1.0"),
  predicate,
});

const envelope = z.strictObject({
  payload: z.string().min(1),
  payloadType: z.literal("application/vnd.in-toto+json"),
  signatures: z.array(z.strictObject({ sig: z.string().min(1), keyid: z.string().nullable().optional() })).min(1),
});

const tlogEntries = z.array(z.looseObject({}));
const publicKey = z
  .looseObject({ hint: z.string().optional(), rawBytes: z.string().optional() })
  .refine((k) => k.hint !== undefined || k.rawBytes !== undefined, "publicKey needs hint or rawBytes");
const certificate = z.looseObject({ rawBytes: z.string().min(1) });

const verificationMaterial = z.union([
  z.looseObject({ publicKey, tlogEntries: tlogEntries.optional() }),
  z.looseObject({ x509CertificateChain: z.looseObject({ certificates: z.array(certificate).min(1) }), tlogEntries: tlogEntries.optional() }),
  z.looseObject({ certificate, tlogEntries }),
]);

export const bundleSchema = z.strictObject({
  mediaType: z.string().regex(/^application\/vnd\.dev\.sigstore\.bundle/),
  verificationMaterial,
  dsseEnvelope: envelope,
});

/** Check a value; the first problems as text, or null when it conforms. */
export function problemsOf(schema: z.ZodType, value: unknown): string | null {
  const r = schema.safeParse(value);
  if (r.success) return null;
  return r.error.issues
    .slice(0, 5)
    .map((i) => `/${i.path.join("/")} ${i.message}`)
    .join("; ");
}
