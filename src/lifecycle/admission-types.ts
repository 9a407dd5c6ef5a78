/** What a Pod (or an init container, or a CLI user) says it will load. */
export interface ModelReference {
  /** name@version */
  readonly model?: string | undefined;
  /** sha256 hex (64 lower-case hex digits) of the artifact's OMS manifest */
  readonly digest?: string | undefined;
  /** sha256 hex of an OCI image (a KServe "modelcar" image holding the model) */
  readonly ociDigest?: string | undefined;
}
export interface AdmissionDecision {
  readonly allow: boolean;
  /** Always set: why allowed or why denied, in words an operator can act on. */
  readonly reason: string;
  readonly model: string | null;
  readonly digest: string | null;
}
/** Decides one reference for one environment. Never throws for a deny; may throw on internal failure. */
export type Admitter = (ref: ModelReference, environment: string) => Promise<AdmissionDecision>;
