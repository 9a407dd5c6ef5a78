import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { perimeter } from "../helpers/cli.js";

interface Shown {
  project: { root: string; source: string };
  file: string | null;
  store: { kind: string; location: string };
  options: Array<{ key: string; value: unknown; source: { kind: string; file?: string; via?: string; variable?: string } }>;
}

describe("perimeter config show", () => {
  let root: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "perimeter-config-show-")));
    mkdirSync(join(root, "sub"));
    writeFileSync(join(root, "perimeter.yaml"), "audit:\n  checkpointEvery: 7\ngateway:\n  redisUrl: redis://gw:hunter2@cache:6379/0\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("prints every option with its source, from a subdirectory, with no secret and without opening a store", () => {
    const env = { PERIMETER_DATABASE_URL: "postgres://app:s3cret-pw@db.internal:5432/perimeter" };
    const r = perimeter(["config", "show", "--format", "json"], { cwd: join(root, "sub"), env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/hunter2|s3cret-pw/);
    const shown = JSON.parse(r.stdout) as Shown;
    expect(shown.project).toMatchObject({ root, source: "found" });
    expect(shown.file).toBe(join(root, "perimeter.yaml"));
    expect(shown.store).toEqual({ kind: "postgres", location: "postgres://app:REDACTED@db.internal:5432/perimeter (schema public)" });
    const byKey = new Map(shown.options.map((o) => [o.key, o]));
    expect(byKey.get("audit.checkpointEvery")).toEqual({
      key: "audit.checkpointEvery",
      value: 7,
      source: { kind: "file", file: join(root, "perimeter.yaml") },
    });
    expect(byKey.get("gateway.redisUrl")?.value).toBe("redis://gw:REDACTED@cache:6379/0");
    expect(byKey.get("store.url")).toMatchObject({
      value: "postgres://app:REDACTED@db.internal:5432/perimeter",
      source: { kind: "env", variable: "PERIMETER_DATABASE_URL" },
    });
    expect(byKey.get("gateway.port")).toEqual({ key: "gateway.port", value: 8080, source: { kind: "default" } });
    expect(byKey.get("gateway.tracing.otlpEndpoint")).toEqual({ key: "gateway.tracing.otlpEndpoint", value: null, source: { kind: "default" } });
    expect(existsSync(join(root, ".perimeter"))).toBe(false);
    expect(existsSync(join(root, "sub", ".perimeter"))).toBe(false);
  });

  it("as text: a table of option, value and source, naming the file chosen with --config", () => {
    const other = join(root, "other.yaml");
    writeFileSync(other, "log:\n  level: debug\n");
    const r = perimeter(["--config", other, "config", "show"], { cwd: join(root, "sub") });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`project  ${root} (from --config ${other})`);
    expect(r.stdout).toMatch(/^OPTION\s+VALUE\s+SOURCE$/m);
    expect(r.stdout).toMatch(new RegExp(`^log\\.level\\s+debug\\s+${other.replace(/[.]/g, "\\.")} \\(--config\\)$`, "m"));
    expect(r.stdout).toMatch(/^store\.sqlitePath\s+\.perimeter\/perimeter\.db\s+default$/m);
    expect(r.stdout).toMatch(/^store\.url\s+\(not set\)\s+default$/m);
    expect(r.stdout).toContain(`store    sqlite ${join(root, ".perimeter", "perimeter.db")}`);
  });

  it("refuses a format it does not know", () => {
    const r = perimeter(["config", "show", "--format", "yaml"], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format must be one of text, json/);
  });
});
