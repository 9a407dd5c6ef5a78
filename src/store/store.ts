import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Dialect } from "kysely";
import pg from "pg";
import { PerimeterError } from "../errors.js";
import { migrationProvider } from "./migrations.js";
import type { Database } from "./schema.js";

// The only module that imports a database driver. Everything else sees a typed Kysely<Database>.

export type StoreDialect = "sqlite" | "postgres";

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Where the data lives, without credentials: a file path or host/database/schema. */
  readonly location: string;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** postgres:// URL; when absent the embedded SQLite file is used. */
  readonly url?: string | undefined;
  /** Absolute path of the SQLite file. */
  readonly sqlitePath: string;
  readonly schema?: string;
  readonly poolSize?: number;
  /** Run pending migrations on open (default true). */
  readonly migrate?: boolean;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { dialect, kind, location } =
    options.url === undefined ? sqliteDialect(options.sqlitePath) : postgresDialect(options.url, options);
  const db = new Kysely<Database>({ dialect });
  const store: Store = { db, dialect: kind, location, close: () => db.destroy() };
  try {
    // Reach the database before migrating, so a store that cannot be opened is not reported as a migration failure.
    if (kind === "postgres") {
      await sql`create schema if not exists ${sql.id(options.schema ?? "public")}`.execute(db);
    } else {
      await sql`select 1`.execute(db);
    }
    if (options.migrate !== false) await migrate(store);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    if (err instanceof PerimeterError) throw err;
    throw new PerimeterError(
      "STORE_UNAVAILABLE",
      `cannot open the ${kind === "postgres" ? "PostgreSQL" : "SQLite"} store at ${location}: ${(err as Error).message}. ` +
        (kind === "postgres"
          ? "Check that PostgreSQL is running and PERIMETER_DATABASE_URL (or store.url) is right."
          : "Check that the directory is writable and no other program holds the file."),
      { cause: err },
    );
  }
  return store;
}

export async function migrate(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new PerimeterError(
      "STORE_MIGRATION_FAILED",
      `database migration ${failed} failed on ${store.location}: ${(error as Error).message ?? String(error)}`,
      { cause: error },
    );
  }
}

function sqliteDialect(path: string): { dialect: Dialect; kind: StoreDialect; location: string } {
  const dialect = new SqliteDialect({
    database: async () => {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      const db = new BetterSqlite3(path);
      // WAL lets readers run beside the writer; synchronous=FULL makes a commit durable before it returns,
      // which the audit log promises to its callers. busy_timeout lets writers in other processes queue.
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("busy_timeout = 15000");
      db.pragma("foreign_keys = ON");
      return db;
    },
  });
  return { dialect, kind: "sqlite", location: path };
}

const INT8_OID = 20;

function postgresDialect(
  url: string,
  options: OpenStoreOptions,
): { dialect: Dialect; kind: StoreDialect; location: string } {
  const schema = options.schema ?? "public";
  let location: string;
  try {
    const u = new URL(url);
    location = `${u.hostname}:${u.port || "5432"}${u.pathname} (schema ${schema})`;
  } catch {
    throw new PerimeterError("CONFIG_INVALID", "invalid configuration:\n  store.url: not a valid postgres:// URL");
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    options: `-c search_path=${schema}`,
    // BIGINT columns hold counters far below 2^53: read them as numbers, not strings.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  return { dialect: new PostgresDialect({ pool }), kind: "postgres", location };
}
