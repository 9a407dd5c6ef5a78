// The policy set a gateway enforces, as it follows the store: the newest applied set, never an older one.

import { afterEach, describe, expect, it } from "vitest";
import { openAuditLog } from "../../src/audit/index.js";
import { DEFAULT_POLICIES } from "../../src/policy/default-policies.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { LivePolicies, PolicySets } from "../../src/policy/applied.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

/** The default set with one more policy, so each set is told apart by its ids. */
const withExtra = (id: string) =>
  `${DEFAULT_POLICIES}\n@id("${id}")\nforbid (principal is Perimeter::Identity, action in Perimeter::Action::"model", resource is Perimeter::ModelVersion)\nwhen { context.maxTokens > 1000000 };\n`;

describe.each(STORE_KINDS)("the policies in force on %s", (kind) => {
  let env: TestEnv;
  afterEach(async () => env?.cleanup());

  it("follows the newest set, and takes a set that reuses a number after the database was restored", async () => {
    env = await createTestEnv(kind);
    const store = await env.open();
    const audit = openAuditLog(env.loaded, store);
    try {
      const sets = new PolicySets(store, () => audit);
      const live = new LivePolicies({ store, target: "gateway", fromConfig: () => PolicyEngine.default() });
      const ids = () => live.engine.policies.map((p) => p.id);
      await sets.apply({ target: "gateway", text: withExtra("first"), actor: "ops", reason: "one" });
      await sets.apply({ target: "gateway", text: withExtra("second"), actor: "ops", reason: "two" });
      expect(await live.refresh()).toBe(true);
      expect(ids()).toContain("second");
      // Two reads at once, the older finishing last, leave the newest in force.
      await Promise.all([live.refresh(), live.refresh()]);
      expect(ids()).toContain("second");

      // The database goes back to before set 2; someone applies another set, numbered 2 again.
      await store.db.deleteFrom("policy_sets").where("seq", "=", 2).execute();
      await sets.apply({ target: "gateway", text: withExtra("after-restore"), actor: "ops", reason: "re-applied" });
      expect(await live.refresh()).toBe(true);
      expect(ids()).toContain("after-restore");
      expect(ids()).not.toContain("second");
      expect(live.seq).toBe(2);
    } finally {
      await audit.close();
      await store.close();
    }
  });
});
