import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeConfig, redact } from "../../src/config/describe.js";
import { loadConfig } from "../../src/config/load.js";

describe("finding the project", () => {
  let top: string;
  beforeEach(() => {
    top = realpathSync(mkdtempSync(join(tmpdir(), "perimeter-find-")));
    mkdirSync(join(top, "a", "b", "c"), { recursive: true });
  });
  afterEach(() => rmSync(top, { recursive: true, force: true }));
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PERIMETER_CEILING_DIRECTORIES: top, ...extra });

  it("walks up to the nearest directory holding perimeter.yaml or .perimeter/, and paths resolve against it", () => {
    mkdirSync(join(top, "a", ".perimeter"));
    writeFileSync(join(top, "a", "b", "perimeter.yaml"), "audit:\n  checkpointEvery: 3\n");
    const fromC = loadConfig({ cwd: join(top, "a", "b", "c"), env: env() });
    expect(fromC.project).toEqual({ root: join(top, "a", "b"), source: "found", cwd: join(top, "a", "b", "c") });
    expect(fromC.file).toBe(join(top, "a", "b", "perimeter.yaml"));
    expect(fromC.baseDir).toBe(join(top, "a", "b"));
    expect(fromC.config.audit.checkpointEvery).toBe(3);
    const fromB = loadConfig({ cwd: join(top, "a", "b"), env: env() });
    expect(fromB.project?.source).toBe("cwd");
    rmSync(join(top, "a", "b", "perimeter.yaml"));
    const byDirectory = loadConfig({ cwd: join(top, "a", "b", "c"), env: env() });
    expect(byDirectory.baseDir).toBe(join(top, "a"));
    expect(byDirectory.file).toBeUndefined();
  });

  it("stops below PERIMETER_CEILING_DIRECTORIES and falls back to the working directory", () => {
    writeFileSync(join(top, "perimeter.yaml"), "{}\n");
    const loaded = loadConfig({ cwd: join(top, "a", "b"), env: env() });
    expect(loaded.project).toEqual({ root: join(top, "a", "b"), source: "none", cwd: join(top, "a", "b") });
    expect(loaded.file).toBeUndefined();
  });

  it("takes --config over PERIMETER_CONFIG over PERIMETER_HOME over the search", () => {
    mkdirSync(join(top, "a", ".perimeter"));
    for (const d of ["flag", "config", "home"]) {
      mkdirSync(join(top, d));
      writeFileSync(join(top, d, "perimeter.yaml"), "{}\n");
    }
    const cwd = join(top, "a", "b");
    const all = env({ PERIMETER_CONFIG: join(top, "config", "perimeter.yaml"), PERIMETER_HOME: join(top, "home") });
    expect(loadConfig({ cwd, env: all, path: join(top, "flag", "perimeter.yaml") }).project).toMatchObject({ root: join(top, "flag"), source: "--config" });
    expect(loadConfig({ cwd, env: all }).project).toMatchObject({ root: join(top, "config"), source: "PERIMETER_CONFIG" });
    const home = loadConfig({ cwd, env: env({ PERIMETER_HOME: join(top, "home") }) });
    expect(home.project).toMatchObject({ root: join(top, "home"), source: "PERIMETER_HOME" });
    expect(home.file).toBe(join(top, "home", "perimeter.yaml"));
    expect(loadConfig({ cwd, env: env() }).project).toMatchObject({ root: join(top, "a"), source: "found" });
    expect(() => loadConfig({ cwd, env: env({ PERIMETER_HOME: join(top, "missing") }) })).toThrow(/PERIMETER_HOME: .*missing is not a directory/);
  });
});

describe("the effective configuration and its sources", () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "perimeter-describe-")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("lists every option with its value and whether it came from the default, the file or a variable", () => {
    writeFileSync(join(dir, "perimeter.yaml"), "audit:\n  checkpointEvery: 7\ngateway:\n  limits:\n    identity:\n      requestsPerMinute: 60\n");
    const env = {
      PERIMETER_CEILING_DIRECTORIES: dir,
      PERIMETER_DATABASE_URL: "postgres://u@db:5432/p",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://otel:4318/v1/traces",
    };
    const loaded = loadConfig({ cwd: dir, env });
    const options = describeConfig(loaded, env);
    const byKey = new Map(options.map((o) => [o.key, o]));
    expect(byKey.get("audit.checkpointEvery")).toEqual({ key: "audit.checkpointEvery", value: 7, source: { kind: "file", file: join(dir, "perimeter.yaml") } });
    expect(byKey.get("gateway.limits.identity.requestsPerMinute")?.source.kind).toBe("file");
    expect(byKey.get("gateway.limits.identity.tokensPerMinute")).toEqual({
      key: "gateway.limits.identity.tokensPerMinute",
      value: undefined,
      source: { kind: "default" },
    });
    expect(byKey.get("audit.checkpointSeconds")).toEqual({ key: "audit.checkpointSeconds", value: 60, source: { kind: "default" } });
    expect(byKey.get("store.url")).toEqual({ key: "store.url", value: "postgres://u@db:5432/p", source: { kind: "env", variable: "PERIMETER_DATABASE_URL" } });
    expect(byKey.get("gateway.tracing.otlpEndpoint")).toMatchObject({
      value: "http://otel:4318/v1/traces",
      source: { kind: "env", variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" },
    });
    // Every section is there, defaults included.
    for (const section of ["store", "audit", "scan", "inventory", "lifecycle", "identity", "policy", "gateway", "log"]) {
      expect(options.some((o) => o.key.startsWith(`${section}.`))).toBe(true);
    }
    expect(new Set(options.map((o) => o.key)).size).toBe(options.length);
  });

  it("redacts passwords in URLs, credential query parameters, private keys and secret-named settings", () => {
    expect(redact("store.url", "postgres://app:hunter2@db:5432/p")).toBe("postgres://app:REDACTED@db:5432/p");
    expect(redact("store.url", "postgresql://db/p?user=app&password=hunter2")).toBe("postgresql://db/p?user=app&password=REDACTED");
    expect(redact("gateway.redisUrl", "rediss://:hunter2@cache:6380")).toBe("rediss://:REDACTED@cache:6380");
    expect(redact("gateway.tracing.otlpEndpoint", "https://otel.example/v1/traces?token=abc")).toBe("https://otel.example/v1/traces?token=REDACTED");
    expect(redact("x.clientSecret", "abc")).toBe("REDACTED");
    expect(redact("evals.monitor.webhook", "https://hooks.chat.example/services/T0/B0/s3cr3t")).toBe("REDACTED");
    expect(redact("lifecycle.trustedSigners", [{ name: "k", publicKey: "-----BEGIN PRIVATE KEY-----\nMC4\n-----END PRIVATE KEY-----\n" }])).toEqual([
      { name: "k", publicKey: "REDACTED" },
    ]);
    expect(redact("store.url", "postgres://app:hun%ter@db:5432/p")).not.toContain("hun");
    expect(redact("gateway.host", "127.0.0.1")).toBe("127.0.0.1");
    expect(redact("store.url", "postgres://app@db:5432/p")).toBe("postgres://app@db:5432/p");
  });
});
