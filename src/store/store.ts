import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type SchemaMetadata,
  type TableMetadata,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type SqliteDialectConfig,
} from "kysely";
import { PerimeterError } from "../errors.js";
import { PostgresAuditRepository, SqliteAuditRepository, type AuditRepository } from "./audit-repository.js";
import { CHANGE_CHANNEL, CHANGE_TABLES, migrationProvider } from "./migrations.js";
import type { Database } from "./schema.js";

// The only module that imports a database driver. Everything else sees a typed Kysely<Database>.

export type StoreDialect = "sqlite" | "postgres";

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** PostgreSQL schema holding the tables; undefined on SQLite. */
  readonly schema: string | undefined;
  /** Where the data lives, without credentials: a file path or host/database/schema. */
  readonly location: string;
  /** How it was opened, so that worker threads can open their own connections to the same data. */
  readonly options: OpenStoreOptions;
  /** The audit log's write path (opened on first use, after migrations). */
  auditRepository(): AuditRepository;
  /**
   * PostgreSQL: be told, within milliseconds of its commit, of every write to a table that decides calls
   * (migration 0015), over a connection of its own that reconnects by itself. Undefined on SQLite.
   */
  readonly watchChanges: ((handlers: ChangeHandlers) => ChangeWatch) | undefined;
  close(): Promise<void>;
}

export interface ChangeHandlers {
  /** A change table was written and committed (its name). */
  change(table: string): void;
  /** The listening connection is up (first, and after every reconnect): changes meanwhile were missed. */
  connected(): void;
  /** The listening connection failed; it is retried with backoff. */
  lost(reason: string): void;
}

export interface ChangeWatch {
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
  /**
   * Open only a store that exists (read-only commands): no SQLite file or directory is created, and a
   * PostgreSQL schema without Perimeter's tables is refused, with STORE_NOT_FOUND.
   */
  readonly mustExist?: boolean;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  // Drivers load on demand: the embedded default never pays for pg, nor a PostgreSQL deployment for SQLite.
  const { dialect, kind, location, openAudit, watch } =
    options.url === undefined
      ? sqliteDialect(options.sqlitePath, options.mustExist === true, (await import("better-sqlite3")).default)
      : postgresDialect(options.url, options, (await import("pg")).default);
  const db = new Kysely<Database>({ dialect });
  const schema = kind === "postgres" ? (options.schema ?? "public") : undefined;
  let audit: AuditRepository | undefined;
  const store: Store = {
    db,
    options,
    dialect: kind,
    schema,
    location,
    auditRepository: () => (audit ??= openAudit()),
    watchChanges: watch,
    close: async () => {
      audit?.close();
      await db.destroy();
    },
  };
  try {
    // Reach the database before migrating, so a store that cannot be opened is not reported as a migration failure.
    if (kind === "postgres" && options.mustExist === true) {
      // Kysely's own table marks a schema Perimeter has migrated; an empty or missing schema is no store.
      // to_regclass looks up this one name, unlike information_schema, which trips over schemas dropped meanwhile.
      const found = await sql<{ found: boolean }>`select to_regclass(${`"${schema ?? "public"}".kysely_migration`}) is not null as found`.execute(db);
      if (found.rows[0]?.found !== true) throw storeNotFound(location);
    } else if (kind === "postgres") {
      await sql`create schema if not exists ${sql.id(schema ?? "public")}`.execute(db);
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
  // Name the schema: otherwise Kysely finds another schema's migration tables and skips creating ours.
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider,
    ...(store.schema === undefined ? {} : { migrationTableSchema: store.schema }),
  });
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

function storeNotFound(location: string): PerimeterError {
  return new PerimeterError("STORE_NOT_FOUND", `no Perimeter store at ${location}`, { details: { location } });
}

interface DialectParts {
  dialect: Dialect;
  kind: StoreDialect;
  location: string;
  openAudit: () => AuditRepository;
  watch?: (handlers: ChangeHandlers) => ChangeWatch;
}

function sqliteDialect(path: string, mustExist: boolean, Sqlite: typeof BetterSqlite3): DialectParts {
  const connect = (): BetterSqlite3.Database => {
    if (mustExist) {
      if (!existsSync(path)) throw storeNotFound(path);
    } else mkdirSync(dirname(path), { recursive: true });
    const db = new Sqlite(path, { fileMustExist: mustExist });
    // WAL lets readers run beside the writer; synchronous=FULL makes a commit durable before it returns,
    // which the audit log promises to its callers. busy_timeout lets writers in other processes queue.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 15000");
    db.pragma("foreign_keys = ON");
    return db;
  };
  const dialect = new ImmediateSqliteDialect({ database: async () => connect() });
  return { dialect, kind: "sqlite", location: path, openAudit: () => new SqliteAuditRepository(connect), watch: undefined };
}

/**
 * Transactions on the embedded store take the write lock when they begin (BEGIN IMMEDIATE). A deferred
 * transaction that reads and then writes cannot wait for a writer in another connection (the audit log's
 * writer thread, another process): SQLite fails its upgrade at once with "database is locked" instead of
 * honouring busy_timeout, since its snapshot is stale by then. Taken up front, the lock is simply waited for.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly driverConfig: SqliteDialectConfig) {
    super(driverConfig);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.driverConfig);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

const INT8_OID = 20;
/** PostgreSQL: how long a statement waits for a lock, and how long a session may sit idle inside a transaction. */
const LOCK_TIMEOUT_MS = 10_000;
const IDLE_IN_TRANSACTION_MS = 15_000;

function postgresDialect(url: string, options: OpenStoreOptions, pg: typeof import("pg").default): DialectParts {
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
    // A peer that vanished (a partition, a failover) is noticed instead of waited on for hours; the server
    // ends a session that holds a transaction open and silent (a writer cut off while it held the audit log's
    // head row: every other writer would wait on that lock), and a lock is waited on for seconds, not forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    options: `-c search_path=${schema} -c lock_timeout=${LOCK_TIMEOUT_MS} -c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_MS}`,
    // BIGINT columns hold counters far below 2^53: read them as numbers, not strings.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  return {
    dialect: new SchemaScopedPostgresDialect({ pool }, schema),
    kind: "postgres",
    location,
    openAudit: () => new PostgresAuditRepository(pool),
    watch: (handlers) => watchPostgres(pg, url, schema, handlers),
  };
}

const CHANGE_TABLE_SET: ReadonlySet<string> = new Set(CHANGE_TABLES);

/** How long a lost listening connection waits before it is tried again: doubling from the first, up to the last. */
const WATCH_BACKOFF_MS = [100, 5000] as const;

/**
 * LISTEN on a client of its own (a pooled connection would be handed back and its LISTEN lost). Payloads of
 * other schemas on the same database are ignored. A connection that fails, or ends, is replaced with backoff;
 * each new one reports connected() so the caller reads everything it may have missed.
 */
function watchPostgres(pg: typeof import("pg").default, url: string, schema: string, handlers: ChangeHandlers): ChangeWatch {
  let closed = false;
  let client: import("pg").Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff: number = WATCH_BACKOFF_MS[0];
  const prefix = `${schema}.`;
  const retry = (reason: string): void => {
    const failed = client;
    client = undefined;
    failed?.removeAllListeners();
    failed?.on("error", () => undefined);
    void failed?.end().catch(() => undefined);
    if (closed || timer !== undefined) return;
    handlers.lost(reason);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, backoff);
    timer.unref();
    backoff = Math.min(backoff * 2, WATCH_BACKOFF_MS[1]);
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, keepAlive: true, keepAliveInitialDelayMillis: 5000 });
    client = c;
    c.on("error", (err: Error) => retry(err.message));
    c.on("end", () => retry("the connection ended"));
    c.on("notification", (n) => {
      if (n.channel !== CHANGE_CHANNEL || n.payload?.startsWith(prefix) !== true) return;
      // Only the tables migration 0015 notifies for: anything else was sent by hand and means nothing.
      const table = n.payload.slice(prefix.length);
      if (CHANGE_TABLE_SET.has(table)) handlers.change(table);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      if (client === c) retry((err as Error).message);
      return;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    backoff = WATCH_BACKOFF_MS[0];
    handlers.connected();
  };
  void connect();
  return {
    close: async () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const c = client;
      client = undefined;
      c?.removeAllListeners();
      c?.on("error", () => undefined);
      await c?.end().catch(() => undefined);
    },
  };
}

/**
 * Kysely's PostgreSQL introspector reads every column of every table in every schema (and calls
 * pg_get_serial_sequence on each), so the migrator failed with "relation does not exist" whenever another
 * program renamed or dropped a table in another schema of the same database meanwhile. Perimeter only ever
 * asks about its own schema: this introspector reads the names in it alone.
 */
class SchemaScopedPostgresDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly schema: string,
  ) {
    super(config);
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    const schema = this.schema;
    return {
      async getSchemas(): Promise<SchemaMetadata[]> {
        const rows = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
        return rows.rows.map((r) => ({ name: r.name }));
      },
      async getTables(): Promise<TableMetadata[]> {
        const rows = await sql<{
          name: string;
          kind: string;
        }>`select c.relname as name, c.relkind as kind from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and c.relkind in ('r', 'v', 'p')`.execute(
          db,
        );
        return rows.rows.map((r) => ({ name: r.name, schema, isView: r.kind === "v", columns: [] }));
      },
      async getMetadata(): Promise<DatabaseMetadata> {
        return { tables: await this.getTables() };
      },
    };
  }
}
