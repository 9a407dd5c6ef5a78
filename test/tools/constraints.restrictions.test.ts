import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArgumentConstraints, argumentConstraintSchema, normalisePath, readOnlySql, urlHost } from "../../src/tools/constraints.js";

// What argument constraints must refuse: the values an agent (or an injection steering it) would try, and the
// constraints an operator could mistype. Each case is refused with the argument named; the controls pass.

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "perimeter-constraints-"));
  data = join(dir, "data");
  mkdirSync(join(data, "public"), { recursive: true });
  mkdirSync(join(dir, "data2"));
  writeFileSync(join(data, "public", "a.txt"), "a");
  symlinkSync("/etc", join(data, "public", "etc-link"));
  symlinkSync(join(dir, "data2"), join(data, "public", "sibling"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const compile = (spec: Record<string, unknown>) => ArgumentConstraints.compile(spec as never, "tools.servers.t.tools.x.arguments");

async function refused(spec: Record<string, unknown>, args: unknown): Promise<string> {
  const d = await compile(spec).check(args);
  expect(d.allow, JSON.stringify(args)).toBe(false);
  return d.reason;
}

describe("path prefixes refuse", () => {
  const spec = () => ({ path: { pathPrefix: [join(data, "public")] } });

  it("paths outside the prefix, however spelled", async () => {
    const p = join(data, "public");
    for (const path of [
      "/etc/passwd",
      `${p}/../secret`,
      `${p}/a/../../secret`,
      `${p}2/x`,
      `${join(dir, "data")}/publicity`,
      "relative/a.txt",
      "./a.txt",
      "~/a.txt",
      `file://${p}/a.txt`,
      `${p}/a.txt\u0000.png`,
      `${p}\\..\\..\\etc`,
      `${p}/%2e%2e/%2e%2e/etc`,
      "",
      "/",
    ])
      await refused(spec(), { path });
  });

  it("symbolic links that lead out of the prefix", async () => {
    const reason = await refused(spec(), { path: join(data, "public", "etc-link", "passwd") });
    expect(reason).toMatch(/symbolic link/);
    await refused(spec(), { path: join(data, "public", "sibling", "new-file") });
  });

  it("values that are not strings, and arrays with one bad element", async () => {
    for (const path of [
      42,
      true,
      null,
      { toString: () => join(data, "public", "a.txt") },
      [join(data, "public", "a.txt"), "/etc/passwd"],
      [[join(data, "public")]],
    ])
      await refused(spec(), { path });
  });

  it("and let through what is inside, including files that do not exist yet", async () => {
    const c = compile(spec());
    for (const path of [join(data, "public", "a.txt"), join(data, "public"), join(data, "public", "new", "deeper.txt"), `${join(data, "public")}/./a.txt`])
      expect((await c.check({ path })).allow, path).toBe(true);
  });
});

describe("URL hosts refuse", () => {
  const spec = { url: { hosts: ["api.example.com", "*.docs.example.com"] } };
  it("other hosts and the tricks that make one look like another", async () => {
    for (const url of [
      "https://evil.example.net/",
      "https://api.example.com@evil.example.net/",
      "https://user:pass@api.example.com/",
      "https://api.example.com.evil.net/",
      "https://docs.example.com/",
      "https://xdocs.example.com/",
      "ftp://api.example.com/",
      "javascript:alert(1)",
      "api.example.com/path",
      "https://[::1]/",
      "https://127.0.0.1/",
      "not a url",
    ])
      await refused(spec, { url });
  });
  it("and take what is listed", async () => {
    const c = compile(spec);
    for (const url of ["https://api.example.com/v1", "https://API.EXAMPLE.COM./v1", "https://a.docs.example.com/x", "http://api.example.com:8080/"])
      expect((await c.check({ url })).allow, url).toBe(true);
  });
});

describe("numbers, enums, patterns and lengths refuse", () => {
  it("numbers out of bounds, and anything that is not a JSON number", async () => {
    const spec = { n: { min: 1, max: 100, integer: true } };
    for (const n of [0, 101, 1.5, -1, "5", "1e2", Number.NaN, Number.POSITIVE_INFINITY, null, true, [5], { valueOf: () => 5 }]) await refused(spec, { n });
    expect((await compile(spec).check({ n: 100 })).allow).toBe(true);
  });

  it("values not in the enum, by type as well as by value", async () => {
    const spec = { mode: { enum: ["fast", "exact", 1] } };
    for (const mode of ["slow", "FAST", "fast ", "1", true, null, ["fast", "slow"], [["fast"]]]) await refused(spec, { mode });
    expect((await compile(spec).check({ mode: 1 })).allow).toBe(true);
    // A multi-select takes a list of allowed values.
    expect((await compile(spec).check({ mode: ["fast", "exact"] })).allow).toBe(true);
  });

  it("strings the whole pattern does not match (RE2: linear time whatever the input)", async () => {
    const spec = { name: { pattern: "[a-z]+(-[a-z]+)*" } };
    for (const name of ["abc\n", "abc; rm -rf /", "", "ABC", 5]) await refused(spec, { name });
    const started = performance.now();
    await refused({ name: { pattern: "(a+)+b" } }, { name: `${"a".repeat(100_000)}c` });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("strings longer than maxLength, and a missing required argument", async () => {
    await refused({ text: { maxLength: 5 } }, { text: "toolong" });
    expect(await refused({ text: { maxLength: 5, required: true } }, {})).toMatch(/required/);
    expect((await compile({ text: { maxLength: 5 } }).check({})).allow).toBe(true);
  });

  it("arguments that are not an object at all", async () => {
    for (const args of [null, [], "x", 5]) await refused({ text: { maxLength: 5 } }, args);
  });

  it("constraints on nested arguments, and never reads inherited properties", async () => {
    const spec = { "options.path": { pathPrefix: [join(data, "public")] } };
    await refused(spec, { options: { path: "/etc/passwd" } });
    const proto = JSON.parse('{"__proto__": {"path": "/etc/passwd"}}') as object;
    expect((await compile({ path: { pathPrefix: ["/srv"], required: true } }).check(proto)).allow).toBe(false);
  });
});

describe("read-only SQL refuses", () => {
  it("every statement that writes, locks, waits or reaches outside, and SQL that does not parse", () => {
    for (const sql of [
      "DELETE FROM users",
      "UPDATE users SET admin = true",
      "INSERT INTO audit VALUES (1)",
      "DROP TABLE users",
      "SELECT 1; DROP TABLE users",
      "SELECT 1; -- harmless\nDELETE FROM users",
      "SELECT * INTO copy FROM users",
      "SELECT * FROM users FOR UPDATE",
      "WITH gone AS (DELETE FROM users RETURNING *) SELECT * FROM gone",
      "SELECT pg_sleep(10)",
      "SELECT pg_catalog.pg_sleep(10)",
      "SELECT set_config('role', 'admin', false)",
      "SELECT nextval('ids')",
      "SELECT pg_read_file('/etc/passwd')",
      "SELECT lo_import('/etc/passwd')",
      "SELECT * FROM dblink('host=evil', 'select 1') AS t(x int)",
      "SELECT (SELECT pg_terminate_backend(42))",
      "COPY users TO PROGRAM 'curl evil'",
      "CALL do_things()",
      "DO $$ BEGIN DELETE FROM users; END $$",
      "EXPLAIN ANALYZE DELETE FROM users",
      "GRANT ALL ON users TO public",
      "TRUNCATE users",
      "SELECT 'unterminated",
      "",
      "x".repeat(100_001),
    ])
      expect(readOnlySql(sql, "postgresql"), sql.slice(0, 60)).toBeDefined();
  });

  it("and take plain reads", () => {
    for (const sql of [
      "SELECT name FROM users WHERE id = 1",
      "SELECT count(*) FROM orders GROUP BY region",
      "WITH recent AS (SELECT * FROM orders WHERE day > now() - interval '1 day') SELECT * FROM recent",
      "select 1 /* ; drop table x */",
    ])
      expect(readOnlySql(sql, "postgresql"), sql).toBeUndefined();
  });
});

describe("a constraint in the configuration is refused when it", () => {
  it("has no rule, bounds that cross, a pattern RE2 cannot run, a relative prefix, or an argument name that reaches the prototype", () => {
    expect(argumentConstraintSchema.safeParse({}).success).toBe(false);
    expect(argumentConstraintSchema.safeParse({ required: true }).success).toBe(false);
    expect(argumentConstraintSchema.safeParse({ min: 5, max: 1 }).success).toBe(false);
    expect(argumentConstraintSchema.safeParse({ pathPrefix: ["srv/data"] }).success).toBe(false);
    expect(argumentConstraintSchema.safeParse({ enum: [] }).success).toBe(false);
    expect(() => compile({ a: { pattern: "(?<=x)y" } })).toThrow(/RE2/);
    expect(() => compile({ a: { pattern: "(a)\\1" } })).toThrow(/RE2/);
    expect(() => compile({ "__proto__.x": { maxLength: 1 } })).toThrow(/not an argument name/);
    expect(() => compile({ "a..b": { maxLength: 1 } })).toThrow(/not an argument name/);
  });
});

describe("the views policies read", () => {
  it("normalise paths lexically and refuse what is not a plain absolute path", () => {
    expect(normalisePath("/srv/a/../b/./c/")).toBe("/srv/b/c");
    expect(normalisePath("/srv/../../etc")).toBe("/etc");
    for (const p of ["srv/a", "", "/a\u0000b", "C:\\x", "/a/%2e%2e/b", `/${"a".repeat(5000)}`]) expect(normalisePath(p), p).toBeUndefined();
  });

  it("give a URL's host only for http(s) URLs without credentials", () => {
    expect(urlHost("https://API.Example.com./x")).toBe("api.example.com");
    for (const u of ["https://a@b.com/", "ftp://x.com/", "x.com", "https://"]) expect(urlHost(u), u).toBeUndefined();
  });
});
