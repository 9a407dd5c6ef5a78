// SLSA v1 provenance for derived versions: `perimeter attest` writes it signed by the builder, and with
// lifecycle.requireProvenance an approval needs one that verifies against a configured builder's key and
// names exactly the version's recorded parents as its model materials.

import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lifecycleDeps } from "../../src/app/services.js";
import { openAuditLog, type AuditLog } from "../../src/audit/index.js";
import type { LoadedConfig } from "../../src/config/load.js";
import { PerimeterError } from "../../src/errors.js";
import { registerModel } from "../../src/inventory/models.js";
import type { ModelVersion } from "../../src/inventory/types.js";
import { attest, provenanceProblem, SLSA_PROVENANCE_V1 } from "../../src/lifecycle/provenance.js";
import { approve } from "../../src/lifecycle/service.js";
import type { Store } from "../../src/store/store.js";
import { writeGgufModel } from "../fixtures/model-files.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

const BUILDER = "https://ci.example.com/train";

describe.each(STORE_KINDS)("provenance of derived versions on %s", (kind) => {
  let env: TestEnv;
  let store: Store;
  let audit: AuditLog;
  let base: ModelVersion;
  let tuned: ModelVersion;
  const builder = generateKeyPairSync("ed25519");
  const stranger = generateKeyPairSync("ed25519");

  beforeEach(async () => {
    env = await createTestEnv(kind, {}, { lifecycle: { requireProvenance: true, builders: { [BUILDER]: ["builder.pub"] }, roles: { approver: ["bob"] } } });
    mkdirSync(dirname(env.configFile), { recursive: true });
    writeFileSync(join(dirname(env.configFile), "builder.pub"), builder.publicKey.export({ type: "spki", format: "pem" }).toString());
    store = await env.open();
    audit = openAuditLog(env.loaded, store);
    const deps = { store, audit: () => audit };
    base = await registerModel(deps, {
      path: writeGgufModel(join(env.dir, "base"), { seed: 1 }),
      name: "base",
      version: "1",
      kind: "base",
      parents: [],
      environments: ["default"],
      actor: "alice",
    });
    tuned = await registerModel(deps, {
      path: writeGgufModel(join(env.dir, "tuned"), { seed: 2 }),
      name: "tuned",
      version: "1",
      kind: "fine-tune",
      parents: [base.id],
      environments: ["default"],
      actor: "alice",
    });
  });
  afterEach(async () => {
    await audit.flush();
    await store.close();
    await env.cleanup();
  });

  const deps = () => lifecycleDeps({ loaded: env.loaded as LoadedConfig, store, audit: () => audit });
  const write = (materials: string[], signingKey = builder.privateKey, by = BUILDER) =>
    attest(deps(), tuned.id, { builder: by, materials, parameters: { epochs: "3" }, signingKey, actor: "pipeline" });

  it("holds for provenance from a trusted builder naming the parent, as SLSA v1 in-toto", async () => {
    expect(await provenanceProblem(deps(), tuned)).toMatch(/no provenance on record/);
    const dataset = `support-tickets=sha256:${"ab".repeat(32)}`;
    const { statement } = await write([base.id, dataset]);
    expect(statement).toMatchObject({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: tuned.id, digest: { sha256: tuned.digest } }],
      predicateType: SLSA_PROVENANCE_V1,
      predicate: {
        buildDefinition: {
          externalParameters: { epochs: "3", kind: "fine-tune" },
          resolvedDependencies: [
            { name: base.id, uri: `perimeter:model/${base.id}`, digest: { sha256: base.digest } },
            { name: "support-tickets", digest: { sha256: "ab".repeat(32) } },
          ],
        },
        runDetails: { builder: { id: BUILDER } },
      },
    });
    expect(await provenanceProblem(deps(), tuned)).toBeUndefined();
    // A base model was made by nobody here: it needs none.
    expect(await provenanceProblem(deps(), base)).toBeUndefined();
  });

  it("refuses provenance that leaves out the parent, is signed by another key, or names an unknown builder", async () => {
    await write([`data=sha256:${"cd".repeat(32)}`]);
    expect(await provenanceProblem(deps(), tuned)).toMatch(/model materials are not tuned@1's recorded parents \(missing base@1\)/);
    await write([base.id], stranger.privateKey);
    expect(await provenanceProblem(deps(), tuned)).toMatch(/is not signed by a key of builder https:\/\/ci\.example\.com\/train/);
    await write([base.id], builder.privateKey, "https://elsewhere.example/build");
    const problem = await provenanceProblem(deps(), tuned);
    expect(problem).toMatch(/names builder "https:\/\/elsewhere\.example\/build", which is not in lifecycle\.builders/);
    expect(problem).toMatch(/missing base@1/);

    // Approval lists it among what is unmet.
    const refused = await approve(deps(), tuned.id, { actor: "bob" }).catch((e: unknown) => e as PerimeterError);
    expect(refused).toBeInstanceOf(PerimeterError);
    expect((refused as PerimeterError).message).toMatch(/no provenance of tuned@1 holds/);
  });

  it("refuses a material that is neither a model, a digest nor a file", async () => {
    await expect(write(["no/such/thing"])).rejects.toThrow(/not a model \(name@version\), a digest/);
    await expect(write(["ghost@9"])).rejects.toThrow(/ghost@9/);
  });
});
