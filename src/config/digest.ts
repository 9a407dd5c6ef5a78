import { createHash } from "node:crypto";
import { canonicalJson } from "../audit/canonical.js";
import type { Config } from "./schema.js";

/**
 * The digest of a configuration as loaded (defaults filled in): a gateway records it when it starts, so a report
 * can tell whether it judged the configuration the gateways run with.
 */
export function configDigest(config: Config): string {
  return createHash("sha256")
    .update(canonicalJson(JSON.parse(JSON.stringify(config)) as unknown))
    .digest("hex");
}
