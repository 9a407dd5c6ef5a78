import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withContext } from "../../src/app/context.js";
import { registerModel } from "../../src/inventory/models.js";
import { writeDemoModel } from "../fixtures/demo-model.js";
import { cliEnv, perimeter, PERIMETER_BIN } from "../helpers/cli.js";
import { POSTGRES_URL } from "../helpers/stores.js";

// Which store a command uses is found as git finds its repository, and a command that only reads never
// creates one: run from the wrong directory, it says where it looked instead of answering from an empty store.

const READ_ONLY: readonly (readonly string[])[] = [
  ["model", "list"],
  ["identity", "list"],
  ["runtime", "list"],
  ["kill", "list"],
  ["audit", "verify"],
  ["audit", "list"],
  ["audit", "export"],
  ["drift", "--no-discover"],
  ["bom"],
];

describe("finding the project's store", () => {
  let top: string;
  let root: string;
  beforeEach(() => {
    top = realpathSync(mkdtempSync(join(tmpdir(), "perimeter-project-")));
    root = join(top, "project");
    mkdirSync(join(root, "sub", "deeper"), { recursive: true });
    mkdirSync(join(top, "elsewhere"));
  });
  afterEach(() => rmSync(top, { recursive: true, force: true }));
  /** The search stops below `top`, as it would at the file system's root. */
  const run = (args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
    perimeter(args, { cwd, env: { PERIMETER_CEILING_DIRECTORIES: top, PERIMETER_ACTOR: "alice", ...env } });

  it("a command run in a subdirectory uses the project's store above it, and says so on stderr", () => {
    expect(run(["demo-model", "models"], root).code).toBe(0);
    const from = join(root, "sub", "deeper");
    const listed = run(["audit", "list", "--format", "json"], from);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ action: string }>).map((e) => e.action)).toEqual(["demo-model.write"]);
    expect(listed.stderr).toBe(`perimeter: using the store in ${join(root, ".perimeter")} (found from ${from})\n`);
    // A write command from below records into the same store, not a new one where it runs.
    expect(run(["identity", "create", "bot"], from).code).toBe(0);
    expect(readdirSync(from)).toEqual([]);
    expect(JSON.parse(run(["identity", "list", "--format", "json"], root).stdout)).toMatchObject([{ name: "bot" }]);
    // In the project directory itself, nothing needs saying.
    expect(run(["identity", "list"], root).stderr).toBe("");
  });

  it("finds a project by its perimeter.yaml and resolves the config's paths against the project directory", () => {
    writeFileSync(join(root, "perimeter.yaml"), "store:\n  sqlitePath: data/inventory.db\naudit:\n  signingKey: keys/audit.pem\n");
    const from = join(root, "sub");
    const created = run(["identity", "create", "bot"], from);
    expect(created.code).toBe(0);
    expect(created.stderr).toBe(`perimeter: using the store in ${join(root, "data")} (found from ${from})\n`);
    expect(existsSync(join(root, "data", "inventory.db"))).toBe(true);
    expect(existsSync(join(root, "keys", "audit.pem"))).toBe(true);
    expect(readdirSync(from)).toEqual(["deeper"]);
  });

  it("outside any project, a command that only reads fails saying where it looked, and creates nothing", () => {
    const cwd = join(top, "elsewhere");
    for (const args of READ_ONLY) {
      const r = run(args, cwd);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`no Perimeter store here: looked for perimeter.yaml or .perimeter/ in ${cwd} and every directory above it`);
      expect(r.stderr).toMatch(/perimeter up.*\[STORE_NOT_FOUND\]/);
      expect(readdirSync(cwd)).toEqual([]);
    }
  });

  it("a project whose store was never created is not given an empty one by a read", () => {
    writeFileSync(join(root, "perimeter.yaml"), "audit:\n  checkpointEvery: 10\n");
    const r = run(["model", "list"], join(root, "sub"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no Perimeter store at ${join(root, ".perimeter", "perimeter.db")} (project found from ${join(root, "sub")})`);
    expect(existsSync(join(root, ".perimeter"))).toBe(false);
  });

  it("PERIMETER_HOME names the project from anywhere, and --config wins over it", () => {
    expect(run(["identity", "create", "bot"], root).code).toBe(0);
    const cwd = join(top, "elsewhere");
    const listed = run(["identity", "list", "--format", "json"], cwd, { PERIMETER_HOME: root });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: "bot" }]);
    expect(listed.stderr).toBe(`perimeter: using the store in ${join(root, ".perimeter")} (from PERIMETER_HOME=${root})\n`);
    expect(readdirSync(cwd)).toEqual([]);

    const other = join(top, "other");
    mkdirSync(other);
    writeFileSync(join(other, "perimeter.yaml"), "{}\n");
    const flagged = run(["--config", join(other, "perimeter.yaml"), "identity", "create", "other-bot"], cwd, { PERIMETER_HOME: root });
    expect(flagged.code).toBe(0);
    expect(flagged.stderr).toBe(`perimeter: using the store in ${join(other, ".perimeter")} (from --config ${join(other, "perimeter.yaml")})\n`);

    const missing = run(["identity", "list"], cwd, { PERIMETER_HOME: join(top, "no-such-dir") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/PERIMETER_HOME: .*no-such-dir is not a directory.*\[CONFIG_INVALID\]/);
  });

  it("on PostgreSQL, a read finds no store in an empty schema and does not create the schema", async () => {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    writeFileSync(join(root, "perimeter.yaml"), `store:\n  url: ${POSTGRES_URL}\n  schema: ${schema}\n`);
    const r = run(["model", "list"], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`no Perimeter store at .*\\(schema ${schema}\\).*\\[STORE_NOT_FOUND\\]`));
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const found = await client.query("select 1 from information_schema.schemata where schema_name = $1", [schema]);
      expect(found.rowCount).toBe(0);
    } finally {
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  });
});

describe("output into a pipe that closes early", () => {
  let root: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "perimeter-pipe-")));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** `perimeter ARGS | head -1` in a real shell: the CLI's exit code (pipefail), its stderr, and what head printed. */
  const pipeToHead = (args: readonly string[]) => {
    const quoted = [process.execPath, PERIMETER_BIN, ...args].map((a) => `'${a}'`).join(" ");
    const r = spawnSync("bash", ["-c", `set -o pipefail; ${quoted} 2>"$ERR" | head -1; echo "exit=$?"`], {
      cwd: root,
      env: { ...cliEnv(), ERR: join(root, "stderr.txt") },
      encoding: "utf8",
      timeout: 60_000,
    });
    return { stdout: r.stdout, stderr: spawnSync("cat", [join(root, "stderr.txt")], { encoding: "utf8" }).stdout };
  };

  it("perimeter model list | head -1 exits quietly with the command's own code", async () => {
    mkdirSync(join(root, "model"));
    const model = await writeDemoModel(join(root, "model"));
    await withContext({ cwd: root, env: { PERIMETER_CEILING_DIRECTORIES: tmpdir() } }, async (ctx) => {
      for (let i = 0; i < 150; i++) {
        await registerModel(
          { store: ctx.store, audit: ctx.audit },
          { path: model, name: "llama", version: `1.${i}`, kind: "base", parents: [], environments: ["default"], license: "Apache-2.0", actor: "alice" },
        );
        await ctx.audit().append({ actor: "alice", action: "test.note", resource: `model:llama@1.${i}`, decision: "info", details: { note: "x".repeat(500) } });
      }
    });
    const listed = perimeter(["model", "list", "--format", "json"], { cwd: root });
    expect(listed.stdout.length).toBeGreaterThan(128 * 1024); // twice what a pipe holds: head is gone before the rest is written
    const r = pipeToHead(["model", "list", "--format", "json"]);
    expect(r.stdout).toBe("[\nexit=0\n");
    expect(r.stderr).toBe("");

    // A command that streams (and waits for the pipe to drain) ends as quietly, and still records its run.
    const exported = perimeter(["audit", "export"], { cwd: root });
    expect(exported.stdout.length).toBeGreaterThan(128 * 1024);
    const streamed = pipeToHead(["audit", "export"]);
    expect(streamed.stdout).toMatch(/^\{"type":"header",.*\}\nexit=0\n$/);
    expect(streamed.stderr).toBe("");
  });

  it("every command named read-only exists", async () => {
    const { buildProgram, findCommand, READ_ONLY_COMMANDS } = await import("../../src/cli/main.js");
    const { registerCommands } = await import("../../src/cli/commands.js");
    const program = buildProgram(
      {
        globals: () => ({}),
        run:
          (fn) =>
          async (...args) =>
            void (await fn(...args)),
      },
      registerCommands,
    );
    expect(READ_ONLY_COMMANDS.filter((path) => findCommand(program, path) === undefined)).toEqual([]);
  });
});
