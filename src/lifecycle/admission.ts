import type { KeyObject } from "node:crypto";
import { z } from "zod";
import { PerimeterError, asPerimeterError } from "../errors.js";
import { InventoryRepository } from "../inventory/repository.js";
import { describeKill, KillSet, listKills } from "../killswitch/index.js";
import { computeManifest } from "../signing/index.js";
import type { Store } from "../store/store.js";
import type { AdmissionDecision, Admitter, ModelReference } from "./admission-types.js";
import { ADMISSION_BUNDLE_PAYLOAD_TYPE, signStatement, verifyStatement } from "./attestation.js";
import { LIFECYCLE_STATES, LifecycleRepository, type LifecycleState } from "./repository.js";
import { verifyWithTrustedSigners, type ResolvedSigner } from "./signers.js";

// Admission: may these files (an init container before vLLM starts) or this reference (a Pod) be loaded in
// this environment? Answered from the store, or offline from a signed admission bundle. Fail closed: anything
// that is not an approved, unrevoked version for the environment is denied, and the reason says which.

export type { AdmissionDecision, Admitter, ModelReference } from "./admission-types.js";

/** A version as admission sees it. */
export interface AdmissionEntry {
  readonly id: string;
  readonly digest: string;
  readonly state: LifecycleState;
  readonly environments: readonly string[];
  /** The environments its approvals name: admitted only there. */
  readonly approvedFor: readonly string[];
  /** OCI image digests (modelcars) that carry it. */
  readonly images: readonly string[];
  /** Why it is killed (a kill of the version or of its model name), when it is: never admitted then. */
  readonly killed?: string | undefined;
}

export interface AdmissionSource {
  /** "store" or "bundle issued <time>", for reasons. */
  readonly description: string;
  byDigest(digest: string): Promise<AdmissionEntry[]>;
  byId(id: string): Promise<AdmissionEntry | undefined>;
  byImage(digest: string): Promise<AdmissionEntry[]>;
  /** Why a runtime is killed, or null: a killed runtime is admitted nothing. */
  runtimeKilled(name: string): Promise<string | null>;
  readonly signers: readonly ResolvedSigner[];
}

const ADMISSIBLE: ReadonlySet<LifecycleState> = new Set<LifecycleState>(["approved", "deployed"]);

/** The live answer: every call reads the store, so a revocation or a kill takes effect on the next call. */
export function storeSource(store: Store, signers: readonly ResolvedSigner[]): AdmissionSource {
  const inventory = new InventoryRepository(store);
  const lifecycle = new LifecycleRepository(store);
  const entries = async (ids: readonly string[]): Promise<AdmissionEntry[]> => {
    const versions = (await Promise.all(ids.map((id) => inventory.getModel(id)))).filter((v) => v !== undefined);
    const [states, images, kills, approved] = await Promise.all([
      lifecycle.states(versions.map((v) => v.id)),
      lifecycle.imagesOf(versions.map((v) => v.id)),
      killsNow(store),
      lifecycle.approvedEnvironments(versions.map((v) => v.id)),
    ]);
    return versions.map((v) => {
      const kill = kills.modelKill(v.id);
      return {
        id: v.id,
        digest: v.digest,
        state: states.get(v.id)?.state ?? "registered",
        environments: v.environments,
        approvedFor: approved.get(v.id) ?? [],
        images: images.get(v.id) ?? [],
        ...(kill === undefined ? {} : { killed: describeKill(kill) }),
      };
    });
  };
  return {
    description: "the store",
    signers,
    // Only the artifact digest counts here: admission is about the whole file set, not one file of it.
    byDigest: async (digest) => entries((await inventory.modelsWithDigest(digest)).filter((v) => v.digest === digest).map((v) => v.id)),
    byId: async (id) => (await entries([id]))[0],
    byImage: async (digest) => entries(await lifecycle.versionsWithImage(digest)),
    runtimeKilled: async (name) => {
      const kill = (await killsNow(store)).runtimeKill(name);
      return kill === undefined ? null : describeKill(kill);
    },
  };
}

/** The kill switch as it stands in the store now. */
async function killsNow(store: Store): Promise<KillSet> {
  return KillSet.of(await listKills(store));
}

/** Decide among the versions a reference matched. */
function decide(matches: readonly AdmissionEntry[], environment: string, what: string, source: string): AdmissionDecision {
  if (matches.length === 0) return deny(`${what} is not a model version in ${source}: register, scan, sign and approve it first`);
  // The same bytes under a killed version are killed bytes, whatever other version also carries them.
  const killed = matches.find((m) => m.killed !== undefined);
  if (killed !== undefined) return { ...deny(`${what} is ${killed.id}, which is killed: ${killed.killed ?? ""}`), model: killed.id, digest: killed.digest };
  const here = matches.filter((m) => m.environments.includes(environment));
  const admissible = here.filter((m) => ADMISSIBLE.has(m.state) && m.approvedFor.includes(environment));
  const chosen = admissible[0];
  if (chosen !== undefined) return { allow: true, reason: `${chosen.id} is ${chosen.state} for ${environment}`, model: chosen.id, digest: chosen.digest };
  const describe = (m: AdmissionEntry) =>
    m.state === "revoked"
      ? `${m.id} is revoked (revoked: refused everywhere)`
      : !ADMISSIBLE.has(m.state)
        ? `${m.id} is ${m.state}, not approved`
        : `${m.id} is approved for ${m.approvedFor.join(", ") || "no environment"}, not for ${environment} (perimeter approve ${m.id} --environment ${environment})`;
  if (here.length === 0) {
    const m = matches[0] as AdmissionEntry;
    return {
      ...deny(`${what} is ${m.id}, registered for ${matches.flatMap((x) => x.environments).join(", ") || "no environment"}, not for ${environment}`),
      model: m.id,
      digest: m.digest,
    };
  }
  const m = here[0] as AdmissionEntry;
  return { ...deny(`${what}: ${here.map(describe).join("; ")}`), model: m.id, digest: m.digest };
}

function deny(reason: string): AdmissionDecision {
  return { allow: false, reason, model: null, digest: null };
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The Admitter the Kubernetes webhook calls: every reference in a Pod must be admissible. */
export function referenceAdmitter(source: AdmissionSource): Admitter {
  return async (ref: ModelReference, environment: string): Promise<AdmissionDecision> => {
    try {
      const decisions: AdmissionDecision[] = [];
      if (ref.model !== undefined) {
        const entry = await source.byId(ref.model);
        decisions.push(decide(entry === undefined ? [] : [entry], environment, ref.model, source.description));
      }
      if (ref.digest !== undefined) {
        decisions.push(
          HEX64.test(ref.digest)
            ? decide(await source.byDigest(ref.digest), environment, `digest sha256:${ref.digest}`, source.description)
            : deny(`"${ref.digest}" is not a sha256 digest`),
        );
      }
      if (ref.ociDigest !== undefined) {
        decisions.push(
          HEX64.test(ref.ociDigest)
            ? decide(await source.byImage(ref.ociDigest), environment, `image sha256:${ref.ociDigest}`, source.description)
            : deny(`"${ref.ociDigest}" is not a sha256 digest`),
        );
      }
      // A model name and a digest that both admit, but name different versions, is a mislabelled Pod.
      const allowed = decisions.filter((d) => d.allow);
      if (decisions.length === 0) return deny("no model reference given");
      const refused = decisions.filter((d) => !d.allow);
      if (refused.length > 0) return { ...deny(refused.map((d) => d.reason).join("; ")), model: refused[0]?.model ?? null, digest: refused[0]?.digest ?? null };
      const ids = new Set(allowed.map((d) => d.model));
      if (ids.size > 1) return deny(`the references name different versions (${[...ids].join(", ")}): a Pod loads one model per reference`);
      return allowed[0] as AdmissionDecision;
    } catch (err) {
      // An error in the check is a deny.
      return deny(`the admission check failed: ${asPerimeterError(err).message}`);
    }
  };
}

/** Admit files on disk: hash them, find the approved version with that digest, re-verify its signature. */
export async function admitFiles(source: AdmissionSource, path: string, environment: string, signature?: string, runtime?: string): Promise<AdmissionDecision> {
  try {
    if (runtime !== undefined) {
      const killed = await source.runtimeKilled(runtime);
      if (killed !== null) return deny(`runtime ${runtime} may load nothing: ${killed}`);
    }
    const manifest = await computeManifest(path, {});
    const decision = decide(await source.byDigest(manifest.digest), environment, `${path} (sha256 ${manifest.digest.slice(0, 12)}…)`, source.description);
    if (!decision.allow) return decision;
    const check = await verifyWithTrustedSigners(path, source.signers, signature);
    if (!check.ok) return { ...decision, allow: false, reason: `${decision.model ?? path}: ${check.reason}` };
    if (check.verification.subjectDigest !== manifest.digest)
      return { ...decision, allow: false, reason: `${decision.model ?? path}: the signature covers other files than those at ${path}` };
    return { ...decision, reason: `${decision.reason}; signature by ${check.signer} verifies` };
  } catch (err) {
    return deny(`the admission check of ${path} failed: ${asPerimeterError(err).message}`);
  }
}

// ---------- offline bundles ----------

const signerSchema = z.union([
  z.strictObject({ name: z.string(), publicKeyPem: z.string() }),
  z.strictObject({
    name: z.string(),
    caPems: z.array(z.string()),
    identity: z
      .strictObject({ subject: z.string().optional(), email: z.string().optional(), uri: z.string().optional(), dns: z.string().optional() })
      .optional(),
  }),
  z.strictObject({ name: z.string(), sigstore: z.strictObject({ identity: z.string(), issuer: z.string(), trustedRoot: z.string().optional() }) }),
]);

const bundleSchema = z.strictObject({
  type: z.literal("perimeter-admission-bundle"),
  issuedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  environment: z.string().nullable(),
  versions: z.array(
    z.strictObject({
      id: z.string(),
      digest: z.string().regex(HEX64),
      state: z.enum(LIFECYCLE_STATES),
      environments: z.array(z.string()),
      approvedFor: z.array(z.string()),
      images: z.array(z.string().regex(HEX64)),
      /** Why it was killed when the bundle was issued. */
      killed: z.string().optional(),
    }),
  ),
  signers: z.array(signerSchema),
  /** Runtimes killed when the bundle was issued, with why. */
  killedRuntimes: z.array(z.strictObject({ name: z.string(), reason: z.string() })).optional(),
});

export type AdmissionBundle = z.infer<typeof bundleSchema>;

/** Every version an admission could ask about (revoked ones too, so offline refusals say "revoked"). */
export async function exportAdmissionBundle(
  store: Store,
  signers: readonly ResolvedSigner[],
  key: KeyObject,
  ttlHours: number,
  environment: string | null,
): Promise<{ envelope: object; bundle: AdmissionBundle }> {
  const inventory = new InventoryRepository(store);
  const lifecycle = new LifecycleRepository(store);
  const versions = (await inventory.listModels()).filter((v) => environment === null || v.environments.includes(environment));
  const states = await lifecycle.states(versions.map((v) => v.id));
  const images = await lifecycle.imagesOf(versions.map((v) => v.id));
  const approved = await lifecycle.approvedEnvironments(versions.map((v) => v.id));
  const killList = await listKills(store);
  const kills = KillSet.of(killList);
  const killedRuntimes = killList.filter((k) => k.kind === "runtime").map((k) => ({ name: k.target, reason: describeKill(k) }));
  const issued = new Date();
  const bundle: AdmissionBundle = {
    type: "perimeter-admission-bundle",
    issuedAt: issued.toISOString(),
    expiresAt: new Date(issued.getTime() + ttlHours * 3_600_000).toISOString(),
    environment,
    versions: versions
      .map((v) => {
        const kill = kills.modelKill(v.id);
        return {
          id: v.id,
          digest: v.digest,
          state: states.get(v.id)?.state ?? ("registered" as const),
          environments: [...v.environments],
          approvedFor: approved.get(v.id) ?? [],
          images: images.get(v.id) ?? [],
          ...(kill === undefined ? {} : { killed: describeKill(kill) }),
        };
      })
      .filter((v) => v.state !== "registered" && v.state !== "evaluated"),
    signers: signers.map((s) => ({ ...s }) as AdmissionBundle["signers"][number]),
    ...(killedRuntimes.length === 0 ? {} : { killedRuntimes }),
  };
  return { envelope: signStatement(bundle, ADMISSION_BUNDLE_PAYLOAD_TYPE, key), bundle };
}

/** Open a bundle: signed by the trusted key, well-formed, not expired; then answer from it alone. */
export function bundleSource(envelopeText: string, trustedKey: KeyObject, now = new Date()): AdmissionSource {
  let envelope: unknown;
  try {
    envelope = JSON.parse(envelopeText);
  } catch {
    throw new PerimeterError("ADMISSION_BUNDLE_INVALID", "the admission bundle is not JSON");
  }
  const payload = verifyStatement(envelope, ADMISSION_BUNDLE_PAYLOAD_TYPE, trustedKey, "the admission bundle");
  const parsed = bundleSchema.safeParse(payload);
  if (!parsed.success)
    throw new PerimeterError(
      "ADMISSION_BUNDLE_INVALID",
      `the admission bundle is malformed: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`,
    );
  const bundle = parsed.data;
  if (now.getTime() > Date.parse(bundle.expiresAt)) {
    throw new PerimeterError(
      "ADMISSION_BUNDLE_INVALID",
      `the admission bundle expired at ${bundle.expiresAt}: export a fresh one (perimeter admission export)`,
    );
  }
  if (now.getTime() < Date.parse(bundle.issuedAt) - 5 * 60_000)
    throw new PerimeterError("ADMISSION_BUNDLE_INVALID", `the admission bundle is issued in the future (${bundle.issuedAt}): check the clocks`);
  const entries: AdmissionEntry[] = bundle.versions;
  return {
    description: `the admission bundle issued ${bundle.issuedAt}`,
    signers: bundle.signers as ResolvedSigner[],
    byDigest: async (digest) => entries.filter((e) => e.digest === digest),
    byId: async (id) => entries.find((e) => e.id === id),
    byImage: async (digest) => entries.filter((e) => e.images.includes(digest)),
    runtimeKilled: async (name) => bundle.killedRuntimes?.find((r) => r.name === name)?.reason ?? null,
  };
}
