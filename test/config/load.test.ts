import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { PerimeterError } from "../../src/errors.js";

describe("configuration", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "perimeter-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(text: string): string {
    const file = join(dir, "perimeter.yaml");
    writeFileSync(file, text);
    return file;
  }

  function failure(fn: () => unknown): PerimeterError {
    try {
      fn();
    } catch (err) {
      if (err instanceof PerimeterError) return err;
      throw err;
    }
    throw new Error("expected a PerimeterError");
  }

  it("starts with defaults and no config file: embedded SQLite under .perimeter", () => {
    const loaded = loadConfig({ cwd: dir, env: {} });
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.store.url).toBeUndefined();
    expect(loaded.config.store.sqlitePath).toBe(".perimeter/perimeter.db");
    expect(loaded.config.audit.checkpointEvery).toBe(1000);
    expect(loaded.baseDir).toBe(dir);
  });

  it("reads ./perimeter.yaml, PERIMETER_CONFIG and --config, the flag winning", () => {
    write("audit:\n  checkpointEvery: 7\n");
    expect(loadConfig({ cwd: dir, env: {} }).config.audit.checkpointEvery).toBe(7);
    const other = join(dir, "other.yaml");
    writeFileSync(other, "audit:\n  checkpointEvery: 9\n");
    expect(loadConfig({ cwd: "/", env: { PERIMETER_CONFIG: other } }).config.audit.checkpointEvery).toBe(9);
    expect(loadConfig({ cwd: dir, path: other, env: { PERIMETER_CONFIG: join(dir, "perimeter.yaml") } }).config.audit.checkpointEvery).toBe(9);
  });

  it("names the file, the key path and what is expected for a bad value", () => {
    const file = write("audit:\n  checkpointEvery: lots\nstore:\n  poolSize: 0\n");
    const err = failure(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toContain(`${file}: audit.checkpointEvery: Invalid input: expected number, received string`);
    expect(err.message).toContain(`${file}: store.poolSize: Too small: expected number to be >=1`);
  });

  it("refuses an unknown key rather than ignoring a typo", () => {
    write("audit:\n  checkpointEvry: 5\n");
    expect(failure(() => loadConfig({ cwd: dir, env: {} })).message).toMatch(/audit: unknown key\(s\) "checkpointEvry"/);
  });

  it("reports YAML that does not parse, and a missing explicit file", () => {
    write("audit: [unclosed\n");
    expect(failure(() => loadConfig({ cwd: dir, env: {} })).code).toBe("CONFIG_UNREADABLE");
    const err = failure(() => loadConfig({ cwd: dir, path: "nope.yaml", env: {} }));
    expect(err.code).toBe("CONFIG_UNREADABLE");
    expect(err.message).toMatch(/nope\.yaml: no such file/);
  });

  it("switches to PostgreSQL with PERIMETER_DATABASE_URL and refuses a URL that is not postgres", () => {
    const env = { PERIMETER_DATABASE_URL: "postgres://u@127.0.0.1:5432/db" };
    expect(loadConfig({ cwd: dir, env }).config.store.url).toBe(env.PERIMETER_DATABASE_URL);
    const err = failure(() => loadConfig({ cwd: dir, env: { PERIMETER_DATABASE_URL: "mysql://x" } }));
    expect(err.message).toMatch(/PERIMETER_DATABASE_URL: expected a postgres/);
  });

  it("takes the shared limits' Redis from PERIMETER_REDIS_URL (a Secret, not the file) and refuses a URL that is not redis", () => {
    const env = { PERIMETER_REDIS_URL: "redis://:pw@127.0.0.1:6379/0" };
    const loaded = loadConfig({ cwd: dir, env });
    expect(loaded.config.gateway.redisUrl).toBe(env.PERIMETER_REDIS_URL);
    expect(loaded.fromEnv).toMatchObject({ "gateway.redisUrl": "PERIMETER_REDIS_URL" });
    const err = failure(() => loadConfig({ cwd: dir, env: { PERIMETER_REDIS_URL: "http://x" } }));
    expect(err.message).toMatch(/PERIMETER_REDIS_URL: expected a redis/);
  });
});
