import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { perimeter } from "../helpers/cli.js";
import { createTestEnv, type TestEnv } from "../helpers/stores.js";

describe("perimeter dashboard link", () => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await createTestEnv("sqlite");
  });
  afterEach(() => env.cleanup());

  const run = (args: string[]) => perimeter(args, { cwd: env.dir, env: { PERIMETER_CONFIG: env.configFile, PERIMETER_ACTOR: "ada" } });

  it("prints a one-time link for an identity that holds an admin role, and refuses one that holds none", () => {
    expect(run(["identity", "create", "auditor-laptop", "--kind", "service-account", "--owner", "aud", "--scope", "auditor"]).code).toBe(0);
    const r = run(["dashboard", "link", "--identity", "auditor-laptop", "--url", "https://perimeter.example:8443/", "--format", "json"]);
    expect(r.code).toBe(0);
    const link = JSON.parse(r.stdout) as { url: string; identity: string; expiresAt: string };
    expect(link.url).toMatch(/^https:\/\/perimeter\.example:8443\/ui\/#signin=[A-Za-z0-9_-]{43}$/);
    expect(link.identity).toBe("auditor-laptop");
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);

    expect(run(["identity", "create", "app", "--kind", "agent", "--owner", "team"]).code).toBe(0);
    const refused = run(["dashboard", "link", "--identity", "app"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("holds no admin role");
    const missing = run(["dashboard", "link", "--identity", "nobody"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nobody");
  });
});
