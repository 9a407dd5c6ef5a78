import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArgumentConstraints, normalisePath, readOnlySql, SQL_DEADLINE_MS, type SqlDialect, urlHost } from "../../src/tools/constraints.js";

// Argument constraints as an operator uses them: what a tool's calls may carry, each decision saying which
// argument and which rule. What they must refuse is listed in constraints.restrictions.test.ts.

let dir: string;
let reports: string;
let shared: string;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "perimeter-constraints-")));
  reports = join(dir, "reports");
  shared = join(dir, "shared");
  mkdirSync(reports);
  mkdirSync(shared);
  writeFileSync(join(reports, "q1.csv"), "a,b");
  writeFileSync(join(shared, "common.csv"), "c,d");
  symlinkSync(join(shared, "common.csv"), join(reports, "common.csv"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const compile = (spec: Record<string, unknown>) => ArgumentConstraints.compile(spec as never, "tools.servers.files.tools.read.arguments");

describe("a tool's argument constraints", () => {
  it("allow a call whose every constrained argument fits, and say so", async () => {
    const c = compile({ path: { pathPrefix: [reports] }, limit: { min: 1, max: 100, integer: true } });
    expect(c.empty).toBe(false);
    expect(await c.check({ path: join(reports, "q1.csv"), limit: 10, other: "not constrained" })).toEqual({
      allow: true,
      reason: "every constrained argument fits its constraint",
    });
  });

  it("refuse naming the argument, the rule and why", async () => {
    const c = compile({ path: { pathPrefix: [reports] }, limit: { min: 1, max: 100, integer: true } });
    expect(await c.check({ path: join(reports, "q1.csv"), limit: 500 })).toEqual({
      allow: false,
      argument: "limit",
      rule: "max",
      reason: "the argument limit must be at most 100, not 500",
    });
    expect(await c.check({ path: "/etc/passwd" })).toMatchObject({ allow: false, argument: "path", rule: "pathPrefix" });
    expect((await c.check({ path: "/etc/passwd" })).reason).toContain(`must lie within ${reports}`);
  });

  it("are empty when nothing is constrained, and then allow any object", async () => {
    const c = compile({});
    expect(c.empty).toBe(true);
    expect((await c.check({ anything: [1, { deep: true }] })).allow).toBe(true);
    expect((await c.check(undefined)).allow).toBe(true);
  });

  it("check an absent argument only when it is required", async () => {
    expect((await compile({ text: { maxLength: 3 } }).check({})).allow).toBe(true);
    expect(await compile({ text: { maxLength: 3, required: true } }).check(undefined)).toMatchObject({ allow: false, rule: "required" });
  });

  it("reach into nested objects and lists of objects with a dotted name", async () => {
    const c = compile({ "options.path": { pathPrefix: [reports] } });
    expect((await c.check({ options: { path: join(reports, "q1.csv") } })).allow).toBe(true);
    expect((await c.check({ options: [{ path: join(reports, "q1.csv") }, { path: join(reports, "new.csv") }] })).allow).toBe(true);
    expect((await c.check({ options: {} })).allow).toBe(true);
    expect((await c.check({ options: null })).allow).toBe(true);
    expect(await c.check({ options: [{ path: join(reports, "q1.csv") }, { path: "/etc/shadow" }] })).toMatchObject({ allow: false, argument: "options.path" });
  });

  it("check a list element by element", async () => {
    const c = compile({ tags: { enum: ["red", "green", "blue"] } });
    expect((await c.check({ tags: ["red", "blue"] })).allow).toBe(true);
    expect((await c.check({ tags: [] })).allow).toBe(true);
    expect(await c.check({ tags: ["red", "purple"] })).toMatchObject({ allow: false, rule: "enum" });
  });
});

describe("path prefixes", () => {
  it("take paths inside, normalised, and files not created yet", async () => {
    const c = compile({ path: { pathPrefix: [reports] } });
    for (const path of [reports, `${reports}/`, join(reports, "q1.csv"), `${reports}/x/../q1.csv`, `${reports}//./q1.csv`, join(reports, "2026", "q2.csv")])
      expect((await c.check({ path })).allow, path).toBe(true);
  });

  it("follow a symbolic link to wherever it leads: inside another listed prefix is inside", async () => {
    expect((await compile({ path: { pathPrefix: [reports] } }).check({ path: join(reports, "common.csv") })).allow).toBe(false);
    expect((await compile({ path: { pathPrefix: [reports, shared] } }).check({ path: join(reports, "common.csv") })).allow).toBe(true);
  });

  it("resolve through the realpath given, once per prefix and path", async () => {
    const looked: string[] = [];
    const tracing = async (p: string) => {
      looked.push(p);
      return realpath(p);
    };
    const c = compile({ path: { pathPrefix: [reports] } });
    expect((await c.check({ path: [join(reports, "q1.csv"), join(reports, "q1.csv")] }, { realpath: tracing })).allow).toBe(true);
    expect(looked).toEqual([reports, join(reports, "q1.csv"), join(reports, "q1.csv")]);
    // a file system the tool sees and this host does not: the resolver decides
    const elsewhere = async (p: string) => p.replace("/srv/tool", reports);
    expect((await compile({ path: { pathPrefix: ["/srv/tool"] } }).check({ path: "/srv/tool/q1.csv" }, { realpath: elsewhere })).allow).toBe(true);
  });

  it("touch the file system only for path prefixes", async () => {
    let calls = 0;
    const counting = async (p: string) => {
      calls++;
      return p;
    };
    const c = compile({ url: { hosts: ["api.example.com"] }, n: { max: 5 }, name: { pattern: "[a-z]+" } });
    expect((await c.check({ url: "https://api.example.com/", n: 1, name: "abc" }, { realpath: counting, lstat: counting })).allow).toBe(true);
    expect(calls).toBe(0);
  });

  it("take the root, /, as a prefix for any absolute path", async () => {
    expect((await compile({ path: { pathPrefix: ["/"] } }).check({ path: join(reports, "q1.csv") })).allow).toBe(true);
  });
});

describe("hosts", () => {
  it("match exactly or by *.suffix, case and a trailing dot aside, on any port", async () => {
    const c = compile({ url: { hosts: ["api.example.com", "*.cdn.example.com"] } });
    for (const url of ["https://api.example.com/v1?q=1#x", "https://Api.Example.Com./", "https://a.b.cdn.example.com/img.png", "http://api.example.com:8080/"])
      expect((await c.check({ url })).allow, url).toBe(true);
    expect(await c.check({ url: "https://cdn.example.com/" })).toMatchObject({ allow: false, rule: "hosts" });
  });

  it("take hosts as configured in any spelling WHATWG makes canonical: Unicode names, IPv6 without brackets", async () => {
    const c = compile({ url: { hosts: ["bücher.example", "::1", "API.example.com."] } });
    for (const url of ["https://xn--bcher-kva.example/", "http://[::1]:8080/", "https://api.example.com/"])
      expect((await c.check({ url })).allow, url).toBe(true);
  });

  it("limit the scheme when asked", async () => {
    const c = compile({ url: { hosts: ["api.example.com"], schemes: ["https"] } });
    expect((await c.check({ url: "https://api.example.com/" })).allow).toBe(true);
    expect(await c.check({ url: "http://api.example.com/" })).toMatchObject({ allow: false, rule: "hosts" });
  });
});

describe("numbers, enums, patterns and lengths", () => {
  it("bound numbers inclusively, negative and fractional bounds included", async () => {
    const c = compile({ t: { min: -1.5, max: 2.5 } });
    for (const t of [-1.5, 0, 2.5, 1e-9]) expect((await c.check({ t })).allow, String(t)).toBe(true);
    for (const t of [-1.6, 2.51]) expect((await c.check({ t })).allow, String(t)).toBe(false);
  });

  it("match a pattern against the whole string, in Unicode", async () => {
    const c = compile({ name: { pattern: "\\p{L}+( \\p{L}+)*" } });
    expect((await c.check({ name: "Zoë Ångström" })).allow).toBe(true);
    expect((await c.check({ name: "Zoë!" })).allow).toBe(false);
  });

  it("count maxLength in UTF-16 code units, as JavaScript does", async () => {
    const c = compile({ text: { maxLength: 2 } });
    expect((await c.check({ text: "😀" })).allow).toBe(true);
    expect((await c.check({ text: "😀a" })).allow).toBe(false);
  });

  it("cost little per call once compiled", async () => {
    const c = compile({ mode: { enum: ["fast", "exact"] }, limit: { min: 1, max: 1000, integer: true }, name: { pattern: "[a-z0-9-]{1,64}", maxLength: 64 } });
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) await c.check({ mode: "fast", limit: 10, name: "report-2026" });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("read-only SQL", () => {
  const reads: Readonly<Record<SqlDialect, readonly string[]>> = {
    postgresql: [
      "SELECT o.id, sum(l.amount) AS total FROM orders o JOIN lines l ON l.order_id = o.id WHERE o.day >= '2026-01-01' GROUP BY o.id HAVING sum(l.amount) > 10 ORDER BY total DESC LIMIT 20",
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT * FROM n",
      "SELECT * FROM users WHERE id IN (SELECT user_id FROM orders)",
      "SELECT lower(name), coalesce(email, '') FROM users -- who\n",
      "(SELECT 1) UNION (SELECT 2)",
    ],
    mysql: ["SELECT `name` FROM `users` WHERE `id` = 1", 'SELECT "text" FROM users', "SELECT count(*) FROM orders -- how many"],
    mariadb: ["SELECT name FROM users LIMIT 10"],
    sqlite: ["SELECT name FROM users WHERE id = 1", 'SELECT "name" FROM "users"'],
    transactsql: ["SELECT TOP 10 [name] FROM [users] WITH (NOLOCK)", "SELECT name FROM users FOR XML PATH"],
    bigquery: ["SELECT name FROM `project.dataset.users` WHERE id = 1"],
  };

  it("takes plain reads in every dialect", async () => {
    for (const [dialect, sqls] of Object.entries(reads))
      for (const sql of sqls) expect(await readOnlySql(sql, dialect as SqlDialect), `${dialect}: ${sql}`).toBeUndefined();
  });

  it("says what a refused text does", async () => {
    expect(await readOnlySql("SELECT 1; DROP TABLE users")).toMatch(/DROP statement/);
    expect(await readOnlySql("SELECT pg_sleep(5)")).toMatch(/pg_sleep\(\), which has side effects/);
    expect(await readOnlySql("SELECT * FROM users FOR UPDATE")).toMatch(/locks rows/);
    const c = compile({ sql: { sql: "read-only", sqlDialect: "mysql" } });
    expect(await c.check({ sql: "SELECT `a` FROM t" })).toMatchObject({ allow: true });
    expect(await c.check({ sql: "DELETE FROM t" })).toMatchObject({ allow: false, rule: "sql", argument: "sql" });
    expect((await c.check({ sql: "DELETE FROM t" })).reason).toMatch(/^the argument sql is not read-only SQL: it holds a DELETE statement/);
  });

  it("checks many texts at once, one parse at a time", async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => readOnlySql(i % 2 === 0 ? `SELECT ${i}` : `DELETE FROM t${i}`)));
    results.forEach((r, i) => {
      expect(r === undefined, String(i)).toBe(i % 2 === 0);
    });
  });

  it("parses off the event loop: a parse that runs to its deadline does not stall the gateway", async () => {
    let longestGap = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    try {
      const started = performance.now();
      expect(await readOnlySql(`SELECT ${"CASE WHEN (".repeat(14)}1 END${")".repeat(14)}`)).toMatch(/within/);
      expect(performance.now() - started).toBeGreaterThanOrEqual(SQL_DEADLINE_MS - 10);
    } finally {
      clearInterval(tick);
    }
    expect(longestGap).toBeLessThan(150);
    expect(await readOnlySql("SELECT 1")).toBeUndefined();
  });
});

describe("the views policies read", () => {
  it("give a normalised path for each plain absolute path", () => {
    expect(normalisePath("/")).toBe("/");
    expect(normalisePath("//srv///data/")).toBe("/srv/data");
    expect(normalisePath("/srv/data/report 100%.csv")).toBe("/srv/data/report 100%.csv");
    expect(normalisePath("/srv/data/a~b")).toBe("/srv/data/a~b");
  });

  it("give the host the hosts rule matches", () => {
    expect(urlHost("http://[::1]:8080/x")).toBe("[::1]");
    expect(urlHost("https://127.0.0.1/")).toBe("127.0.0.1");
    expect(urlHost("https://xn--bcher-kva.example/")).toBe("xn--bcher-kva.example");
    expect(urlHost("HTTPS://Api.Example.com:443/")).toBe("api.example.com");
  });
});
