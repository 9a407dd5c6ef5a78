import { createPublicKey } from "node:crypto";
import { approvalCheck } from "../evals/assess.js";
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadOrCreateSigningKey } from "../audit/checkpoint.js";
import { configPath } from "../config/load.js";
import { PerimeterError } from "../errors.js";
import { KillSwitch } from "../killswitch/index.js";
import { publicKeyFromPem } from "../lifecycle/attestation.js";
import type { LifecycleDeps } from "../lifecycle/service.js";
import { resolveTrustedSigners } from "../lifecycle/signers.js";
import type { Context } from "./context.js";

// The services a command or a server needs, assembled from a Context: the one place that knows which config
// keys feed which service, so the CLI, `up` and the servers build them the same way.

export function lifecycleDeps(ctx: Context): LifecycleDeps {
  let key: KeyObject | undefined;
  let approvers: ReadonlyMap<string, readonly KeyObject[]> | undefined;
  let builders: ReadonlyMap<string, readonly KeyObject[]> | undefined;
  const purpose = { what: "lifecycle signing key", setting: "lifecycle.signingKey", code: "SIGNING_KEY_INVALID" } as const;
  const keyPath = () => configPath(ctx.loaded, ctx.loaded.config.lifecycle.signingKey);
  return {
    store: ctx.store,
    audit: ctx.audit,
    config: ctx.loaded.config.lifecycle,
    signers: () => resolveTrustedSigners(ctx.loaded),
    // Read once per process (a change of key files takes a restart), not for every approval a page shows.
    approverKeys: () => (approvers ??= resolveApproverKeys(ctx)),
    builderKeys: () => (builders ??= resolveKeyFiles(ctx, ctx.loaded.config.lifecycle.builders, "builders")),
    instanceKey: () => (key ??= loadOrCreateSigningKey(keyPath(), true, purpose)),
    // Reading an approval never makes a key: a missing key file is an approval that cannot be verified here.
    instancePublicKey: () => createPublicKey(key ?? loadOrCreateSigningKey(keyPath(), false, purpose)),
    evalGate: (version) => approvalCheck(ctx.store, ctx.loaded.config.evals, version),
  };
}

export function killSwitchFor(ctx: Context): KillSwitch {
  return new KillSwitch({
    store: ctx.store,
    audit: ctx.audit,
    jwtIssuers: ctx.loaded.config.identity.jwtIssuers.map((i) => i.issuer),
    toolServers: ctx.loaded.config.tools.servers.map((s) => s.name),
  });
}

/** lifecycle.approverKeys: each approver's public key files, read and parsed (a bad file refuses approvals). */
function resolveApproverKeys(ctx: Context): Map<string, KeyObject[]> {
  return resolveKeyFiles(ctx, ctx.loaded.config.lifecycle.approverKeys, "approverKeys");
}

/** Name → public key files, read and parsed; an unreadable one names its setting. */
function resolveKeyFiles(ctx: Context, byName: Readonly<Record<string, readonly string[]>>, setting: string): Map<string, KeyObject[]> {
  const keys = new Map<string, KeyObject[]>();
  for (const [approver, files] of Object.entries(byName)) {
    keys.set(
      approver,
      files.map((f) => {
        const path = configPath(ctx.loaded, f);
        let pem: string;
        try {
          pem = readFileSync(path, "utf8");
        } catch (err) {
          throw new PerimeterError("SIGNING_KEY_INVALID", `cannot read lifecycle.${setting}.${approver} ${f}: ${(err as Error).message}`);
        }
        return publicKeyFromPem(pem, `lifecycle.${setting}.${approver} ${f}`);
      }),
    );
  }
  return keys;
}
