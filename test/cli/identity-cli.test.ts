import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog } from "../../src/audit/index.js";
import { IdentityService } from "../../src/identity/service.js";
import { perimeter } from "../helpers/cli.js";
import { STORE_KINDS, createTestEnv, type TestEnv } from "../helpers/stores.js";

const KEY = /prm_[a-z2-7]{12}_[A-Za-z0-9_-]{43}/;

describe.each(STORE_KINDS)("perimeter identity on %s", (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await createTestEnv(kind);
  });
  afterEach(() => env.cleanup());

  const run = (args: string[]) => perimeter(args, { cwd: env.dir, env: { PERIMETER_CONFIG: env.configFile, PERIMETER_ACTOR: "ml-platform" } });
  const json = <T = Record<string, unknown>>(args: string[]): T => {
    const r = run([...args, "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  /** What a gateway would answer for a key, against the same store the CLI wrote. */
  const authenticate = async (key: string) => {
    const store = await env.open();
    const audit = openAuditLog(env.loaded, store);
    try {
      const service = new IdentityService({ store, audit: () => audit, config: env.loaded.config.identity });
      const result = await service.authenticateApiKey(key);
      await service.flush();
      return result;
    } finally {
      await store.close();
    }
  };

  it("creates an identity whose key is printed once, lists it without the key, rotates and revokes it", async () => {
    const created = json<{ id: string; name: string; key: string; keyId: string; scopes: string[]; expiresAt: string; owner: string }>([
      "identity",
      "create",
      "support-bot",
      "--kind",
      "agent",
      "--owner",
      "support-team",
      "--environment",
      "prod",
      "--scope",
      "models:llama",
      "--scope",
      "tools:search",
      "--expires-in",
      "30d",
    ]);
    expect(created).toMatchObject({ name: "support-bot", owner: "support-team", scopes: ["models:llama", "tools:search"] });
    expect(created.id).toMatch(/^id_[0-9a-f]{12}$/);
    expect(created.key).toMatch(new RegExp(`^${KEY.source}$`));
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(await authenticate(created.key)).toMatchObject({ ok: true, principal: { id: created.id, scopes: ["models:llama", "tools:search"] } });

    const text = run(["identity", "create", "nightly-eval", "--kind", "pipeline"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/created identity nightly-eval \(id_[0-9a-f]{12}\): pipeline owned by ml-platform in default, no expiry/);
    expect(text.stdout).toMatch(KEY);
    expect(text.stdout).toMatch(/shown once and cannot be shown again/);
    const textKey = KEY.exec(text.stdout)?.[0] ?? "";

    const listed = json<Array<Record<string, unknown>>>(["identity", "list"]);
    expect(listed.map((i) => [i["name"], i["status"], i["liveKeys"], i["lastUsedAt"]])).toEqual([
      ["nightly-eval", "active", 1, null],
      ["support-bot", "active", 1, expect.any(String)],
    ]);
    const listText = run(["identity", "list"]);
    expect(listText.stdout).toMatch(/^NAME\s+ID\s+KIND\s+OWNER\s+ENVIRONMENT\s+STATUS\s+KEYS\s+LAST USED\s+EXPIRES/m);
    expect(listText.stdout).toMatch(/support-bot\s+id_[0-9a-f]{12}\s+agent\s+support-team\s+prod\s+active\s+1\s+\d{4}-/);
    const shown = run(["identity", "show", "support-bot", "--format", "json"]);
    for (const out of [JSON.stringify(listed), listText.stdout, shown.stdout]) {
      expect(out).not.toMatch(KEY);
      expect(out).not.toContain(created.key.slice(-43));
      expect(out).not.toContain(textKey.slice(-43));
    }

    const rotated = json<{ key: string; keyId: string; previousKeys: string[]; previousKeysExpireAt: string }>([
      "identity",
      "rotate",
      "support-bot",
      "--overlap",
      "1h",
    ]);
    expect(rotated.key).toMatch(KEY);
    expect(rotated.key).not.toBe(created.key);
    expect(rotated.previousKeys).toEqual([created.keyId]);
    expect(Date.parse(rotated.previousKeysExpireAt) - Date.now()).toBeGreaterThan(59 * 60_000);
    expect((await authenticate(created.key)).ok).toBe(true); // inside the overlap
    expect((await authenticate(rotated.key)).ok).toBe(true);
    const rotatedText = run(["identity", "rotate", created.id, "--overlap", "0s"]);
    expect(rotatedText.stdout).toMatch(
      new RegExp(`rotated support-bot \\(${created.id}\\): new key [a-z2-7]{12}; ${created.keyId}, ${rotated.keyId} keep working until`),
    );
    expect(await authenticate(rotated.key)).toMatchObject({ ok: false, code: "AUTH_KEY_EXPIRED" });

    const revoked = run(["identity", "revoke", "support-bot", "--reason", "agent retired"]);
    expect(revoked.stderr).toBe("");
    expect(revoked.stdout).toMatch(/revoked support-bot \(id_[0-9a-f]{12}\): its 3 key\(s\) are refused/);
    const newest = KEY.exec(rotatedText.stdout)?.[0] ?? "";
    expect(await authenticate(newest)).toMatchObject({ ok: false, code: "AUTH_IDENTITY_REVOKED" });
    expect(json<Array<Record<string, unknown>>>(["identity", "list"]).map((i) => [i["name"], i["status"], i["liveKeys"]])).toEqual([
      ["nightly-eval", "active", 1],
    ]);
    expect(json<Array<Record<string, unknown>>>(["identity", "list", "--all"]).map((i) => [i["name"], i["status"], i["liveKeys"]])).toEqual([
      ["nightly-eval", "active", 1],
      ["support-bot", "revoked", 0],
    ]);

    const events = JSON.parse(run(["audit", "list", "--format", "json"]).stdout) as Array<{ action: string; actor: string; resource: string }>;
    expect(events.map((e) => e.action)).toEqual(["identity.create", "identity.create", "identity.rotate", "identity.rotate", "identity.revoke"]);
    expect(events.every((e) => e.actor === "ml-platform" && /^identity:id_[0-9a-f]{12}$/.test(e.resource))).toBe(true);
    expect(JSON.stringify(events)).not.toMatch(KEY);
    expect(run(["audit", "verify"]).code).toBe(0);
  });

  it("gives a revoked identity's name to a new identity: show finds the live one, list --all keeps the revoked one, and no advice loops", async () => {
    const first = json<{ id: string; key: string }>(["identity", "create", "support-bot"]);
    expect(run(["identity", "revoke", "support-bot", "--reason", "key leaked"]).code).toBe(0);
    const rotateRevoked = run(["identity", "rotate", "support-bot"]);
    expect(rotateRevoked.code).toBe(2);
    expect(rotateRevoked.stderr).toMatch(/was revoked .*perimeter identity create support-bot/);

    const again = run(["identity", "create", "support-bot"]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    const second = KEY.exec(again.stdout)?.[0] ?? "";
    expect(await authenticate(second)).toMatchObject({ ok: true, principal: { name: "support-bot" } });
    expect(await authenticate(first.key)).toMatchObject({ ok: false, code: "AUTH_IDENTITY_REVOKED" });

    const shown = json<{ id: string; status: string }>(["identity", "show", "support-bot"]);
    expect(shown.status).toBe("active");
    expect(shown.id).not.toBe(first.id);
    expect(json<{ status: string }>(["identity", "show", first.id]).status).toBe("revoked");
    expect(json<Array<{ id: string }>>(["identity", "list"]).map((i) => i.id)).toEqual([shown.id]);
    expect(json<Array<{ id: string; status: string }>>(["identity", "list", "--all"]).map((i) => [i.id, i.status])).toEqual([
      [first.id, "revoked"],
      [shown.id, "active"],
    ]);
    // The live name is taken, and the advice given (rotate) works.
    const dup = run(["identity", "create", "support-bot"]);
    expect(dup.stderr).toMatch(/"support-bot" exists .*perimeter identity rotate support-bot.*\[IDENTITY_EXISTS\]/);
    expect(run(["identity", "rotate", "support-bot"]).code).toBe(0);
  });

  it("says what is wrong with bad input and changes nothing", () => {
    expect(run(["identity", "create", "bot"]).code).toBe(0);
    const dup = run(["identity", "create", "bot"]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/an identity named "bot" exists.*\[IDENTITY_EXISTS\]/);
    expect(run(["identity", "create", "x", "--kind", "robot"]).stderr).toMatch(/--kind must be one of service-account, agent, pipeline/);
    expect(run(["identity", "create", "x", "--expires-in", "soon"]).stderr).toMatch(/--expires-in must be a positive number with a unit/);
    expect(run(["identity", "create", "x", "--expires-in", "0d"]).code).toBe(2);
    expect(run(["identity", "rotate", "bot", "--overlap", "31d"]).stderr).toMatch(/overlap must be between 0 seconds and 30 days/);
    expect(run(["identity", "revoke", "bot"]).code).toBe(2); // --reason is required
    const missing = run(["identity", "rotate", "ghost"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no identity with id or name "ghost".*\[IDENTITY_NOT_FOUND\]/);
    expect(json<Array<{ name: string; liveKeys: number }>>(["identity", "list"]).map((i) => [i.name, i.liveKeys])).toEqual([["bot", 1]]);
  });
});
