import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";

// Migrations are code, listed in order, so they ship inside dist/ and run the same on SQLite and PostgreSQL.
// Column types are the portable subset: bigint, integer, text. Never edit a released migration; add one.

const GENESIS = "0".repeat(64);

const migrations: Record<string, Migration> = {
  "0001_audit_log": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("audit_events")
        .addColumn("seq", "bigint", (c) => c.primaryKey())
        .addColumn("time", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("resource", "text", (c) => c.notNull())
        .addColumn("decision", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("details", "text", (c) => c.notNull())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("audit_events_action").on("audit_events").columns(["action", "seq"]).execute();
      await db.schema
        .createTable("audit_head")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("last_hash", "text", (c) => c.notNull())
        .addColumn("frontier", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull())
        .addColumn("checkpointed_size", "bigint", (c) => c.notNull())
        .addColumn("checkpointed_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("audit_checkpoints")
        .addColumn("tree_size", "bigint", (c) => c.primaryKey())
        .addColumn("root_hash", "text", (c) => c.notNull())
        .addColumn("time", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull())
        .execute();
      // The single head row is what every append locks: it serialises writers on both databases.
      const now = new Date().toISOString();
      await sql`insert into audit_head (id, size, last_hash, frontier, note, checkpointed_size, checkpointed_at, updated_at)
                values (1, 0, ${GENESIS}, '[]', '', 0, ${now}, ${now})`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("audit_checkpoints").execute();
      await db.schema.dropTable("audit_head").execute();
      await db.schema.dropTable("audit_events").execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
