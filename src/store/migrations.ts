import { PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from "kysely";

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
  "0002_inventory": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("model_versions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("formats", "text", (c) => c.notNull())
        .addColumn("license_expression", "text")
        .addColumn("license_tier", "text", (c) => c.notNull())
        .addColumn("license_source", "text", (c) => c.notNull())
        .addColumn("license_detail", "text", (c) => c.notNull())
        .addColumn("owner", "text")
        .addColumn("source", "text")
        .addColumn("environments", "text", (c) => c.notNull())
        .addColumn("general_purpose", "integer", (c) => c.notNull())
        .addColumn("eu_ai_act", "text", (c) => c.notNull())
        .addColumn("model_card", "text", (c) => c.notNull())
        .addColumn("registered_at", "text", (c) => c.notNull())
        .addColumn("registered_by", "text", (c) => c.notNull())
        .addUniqueConstraint("model_versions_name_version", ["name", "version"])
        .execute();
      await db.schema.createIndex("model_versions_digest").on("model_versions").column("digest").execute();
      await db.schema
        .createTable("model_files")
        .addColumn("version_id", "text", (c) => c.notNull().references("model_versions.id").onDelete("cascade"))
        .addColumn("path", "text", (c) => c.notNull())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("format", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("model_files_pk", ["version_id", "path"])
        .execute();
      // Runtimes report the digest of a weights file, not of the whole artifact: drift looks files up by it.
      await db.schema.createIndex("model_files_sha256").on("model_files").column("sha256").execute();
      await db.schema
        .createTable("model_parents")
        .addColumn("child_id", "text", (c) => c.notNull().references("model_versions.id").onDelete("cascade"))
        .addColumn("parent_id", "text", (c) => c.notNull().references("model_versions.id"))
        .addColumn("ordinal", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("model_parents_pk", ["child_id", "parent_id"])
        .execute();
      await db.schema.createIndex("model_parents_parent").on("model_parents").column("parent_id").execute();
      await db.schema
        .createTable("runtimes")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("environment", "text", (c) => c.notNull())
        .addColumn("api_key_env", "text")
        .addColumn("registered_at", "text", (c) => c.notNull())
        .addColumn("registered_by", "text", (c) => c.notNull())
        .addColumn("discovered_at", "text")
        .execute();
      await db.schema
        .createTable("served_models")
        .addColumn("runtime", "text", (c) => c.notNull().references("runtimes.name").onDelete("cascade"))
        .addColumn("served_name", "text", (c) => c.notNull())
        .addColumn("digest", "text")
        .addColumn("digest_source", "text", (c) => c.notNull())
        .addColumn("adapter_digests", "text", (c) => c.notNull())
        .addColumn("details", "text", (c) => c.notNull())
        .addColumn("discovered_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("served_models_pk", ["runtime", "served_name"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ["served_models", "runtimes", "model_parents", "model_files", "model_versions"]) await db.schema.dropTable(t).execute();
    },
  },
  "0003_lifecycle": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Where the files were when registered: approval re-verifies them there unless told another path.
      await db.schema.alterTable("model_versions").addColumn("location", "text").execute();
      await db.schema
        .createTable("lifecycle_states")
        .addColumn("version_id", "text", (c) => c.primaryKey().references("model_versions.id").onDelete("cascade"))
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("changed_at", "text", (c) => c.notNull())
        .addColumn("changed_by", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("evidence")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("version_id", "text", (c) => c.notNull().references("model_versions.id").onDelete("cascade"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("verdict", "text", (c) => c.notNull())
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("evidence_version").on("evidence").columns(["version_id", "kind", "created_at"]).execute();
      await db.schema.createIndex("evidence_oci").on("evidence").columns(["kind", "digest"]).execute();
      await db.schema
        .createTable("deployments")
        .addColumn("version_id", "text", (c) => c.notNull().references("model_versions.id").onDelete("cascade"))
        .addColumn("environment", "text", (c) => c.notNull())
        .addColumn("deployed_at", "text", (c) => c.notNull())
        .addColumn("deployed_by", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("deployments_pk", ["version_id", "environment"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ["deployments", "evidence", "lifecycle_states"]) await db.schema.dropTable(t).execute();
      await db.schema.alterTable("model_versions").dropColumn("location").execute();
    },
  },
  "0004_identity": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("identities")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("environment", "text", (c) => c.notNull())
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("expires_at", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .addColumn("revoked_reason", "text")
        .addColumn("last_used_at", "text")
        .execute();
      await db.schema
        .createTable("api_keys")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("identity_id", "text", (c) => c.notNull().references("identities.id").onDelete("cascade"))
        .addColumn("hash", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text")
        .addColumn("revoked_at", "text")
        .addColumn("last_used_at", "text")
        .execute();
      await db.schema.createIndex("api_keys_identity").on("api_keys").column("identity_id").execute();
      // What an init container's admission proved a runtime loaded: the digest OpenAI-compatible servers do not report.
      await db.schema
        .createTable("runtime_attestations")
        .addColumn("runtime", "text", (c) => c.notNull().references("runtimes.name").onDelete("cascade"))
        .addColumn("served_name", "text", (c) => c.notNull())
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("attested_at", "text", (c) => c.notNull())
        .addColumn("attested_by", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("runtime_attestations_pk", ["runtime", "served_name"])
        .execute();
      // The kill switch: what is disabled everywhere. Gateways poll it and cut what is in flight.
      await db.schema
        .createTable("kills")
        .addColumn("target_kind", "text", (c) => c.notNull())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("killed_at", "text", (c) => c.notNull())
        .addColumn("killed_by", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("kills_pk", ["target_kind", "target"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ["kills", "runtime_attestations", "api_keys", "identities"]) await db.schema.dropTable(t).execute();
    },
  },
  "0005_identity_name_reuse": {
    // A revoked identity's name may be used again: names are unique among identities not revoked (a partial
    // unique index), and revoked ones stay in the record under their ids.
    async up(db: Kysely<unknown>): Promise<void> {
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        await sql`alter table identities drop constraint if exists identities_name_key`.execute(db);
      } else {
        await rebuildSqliteIdentities(db);
      }
      await sql`create unique index identities_live_name on identities (name) where revoked_at is null`.execute(db);
      await db.schema.createIndex("identities_name").on("identities").column("name").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("identities_name").execute();
      await db.schema.dropIndex("identities_live_name").execute();
    },
  },
  "0006_tools": {
    // Pins: each approved tool's definition and its digest, per tool server. Approvals: tool calls that wait
    // for a person (approval: required), in the store so that any gateway process and the CLI see them.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("tool_pins")
        .addColumn("server", "text", (c) => c.notNull())
        .addColumn("tool", "text", (c) => c.notNull())
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("approved_by", "text", (c) => c.notNull())
        .addColumn("approved_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("tool_pins_pk", ["server", "tool"])
        .execute();
      await db.schema
        .createTable("tool_approvals")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("identity_id", "text", (c) => c.notNull())
        .addColumn("identity_name", "text", (c) => c.notNull())
        .addColumn("server", "text", (c) => c.notNull())
        .addColumn("tool", "text", (c) => c.notNull())
        .addColumn("arguments_digest", "text", (c) => c.notNull())
        .addColumn("arguments", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("decided_by", "text")
        .addColumn("decided_at", "text")
        .addColumn("reason", "text")
        .execute();
      await db.schema.createIndex("tool_approvals_state").on("tool_approvals").columns(["state", "created_at"]).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("tool_approvals").execute();
      await db.schema.dropTable("tool_pins").execute();
    },
  },
  "0007_evals": {
    // Evaluations of model versions: one row per run, one per case result, written as each case is judged so
    // that an interrupted run resumes with only the missing cases.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("eval_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("version_id", "text", (c) => c.notNull())
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("runtime", "text", (c) => c.notNull())
        .addColumn("settings", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("planned", "integer", (c) => c.notNull())
        .addColumn("started_at", "text", (c) => c.notNull())
        .addColumn("started_by", "text", (c) => c.notNull())
        .addColumn("finished_at", "text")
        .addColumn("result", "text")
        .execute();
      await db.schema.createIndex("eval_runs_version").on("eval_runs").columns(["version_id", "started_at"]).execute();
      await db.schema
        .createTable("eval_results")
        .addColumn("run_id", "text", (c) => c.notNull().references("eval_runs.id").onDelete("cascade"))
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("eval_results_pk", ["run_id", "case_id"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("eval_results").execute();
      await db.schema.dropTable("eval_runs").execute();
    },
  },
  "0008_control_sessions": {
    // Dashboard sessions and the one-time sign-in links `perimeter up` prints: in the store, so any gateway
    // process answers a session another signed in, and a sign-out or a revoked key ends it everywhere.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("control_sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("identity_id", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("method", "text", (c) => c.notNull())
        .addColumn("key_id", "text")
        .addColumn("principal", "text", (c) => c.notNull())
        .addColumn("csrf", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("last_seen_at", "text", (c) => c.notNull())
        .addColumn("ended_at", "text")
        .execute();
      await db.schema.createIndex("control_sessions_identity").on("control_sessions").columns(["identity_id", "created_at"]).execute();
      await db.schema
        .createTable("control_signin_links")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("identity_id", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("used_at", "text")
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("control_signin_links").execute();
      await db.schema.dropTable("control_sessions").execute();
    },
  },
  "0009_policy_sets": {
    // Policies applied from the control API (or perimeter policy apply): every gateway process reads the
    // newest set per target, so a change reaches all replicas; the rows are the history of who changed what.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("policy_sets")
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("text", "text")
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("applied_by", "text", (c) => c.notNull())
        .addColumn("applied_at", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("policy_sets_pk", ["target", "seq"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("policy_sets").execute();
    },
  },
  "0010_scope_use": {
    // When each scope of an identity last made a difference to a decision: the access review's "unused
    // scopes" (a scope never needed is a grant to take back).
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("scope_use")
        .addColumn("identity_id", "text", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("last_used_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("scope_use_pk", ["identity_id", "scope"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("scope_use").execute();
    },
  },
  "0011_tool_approval_owner": {
    // The owner of the identity that made a held tool call, recorded when it is held (a JWT caller is in no
    // table to look it up in later): its owner may not allow it.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("tool_approvals").addColumn("identity_owner", "text").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("tool_approvals").dropColumn("identity_owner").execute();
    },
  },
  "0012_runtime_version": {
    // The version each runtime reported at its last discovery, and which runtime it said it was (its patch
    // level, held against known advisories by `perimeter posture`).
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("runtimes").addColumn("version", "text").execute();
      await db.schema.alterTable("runtimes").addColumn("version_kind", "text").execute();
      await db.schema.alterTable("runtimes").addColumn("version_note", "text").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const column of ["version", "version_kind", "version_note"]) await db.schema.alterTable("runtimes").dropColumn(column).execute();
    },
  },
  "0013_environment_use": {
    // Where each identity's credentials were presented outside its own environment (a gateway pinned to other
    // environments refused them): an identity that spans environments is an access-review finding.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("environment_use")
        .addColumn("identity_id", "text", (c) => c.notNull())
        .addColumn("environment", "text", (c) => c.notNull())
        .addColumn("first_seen_at", "text", (c) => c.notNull())
        .addColumn("last_seen_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("environment_use_pk", ["identity_id", "environment"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("environment_use").execute();
    },
  },
  "0014_policy_use": {
    // When each policy was first in force and last decided a call: the access review names permits no call
    // has needed in its window (privilege nobody exercises, to take back).
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("policy_use")
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("policy_id", "text", (c) => c.notNull())
        .addColumn("first_seen_at", "text", (c) => c.notNull())
        .addColumn("last_used_at", "text")
        .addPrimaryKeyConstraint("policy_use_pk", ["target", "policy_id"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("policy_use").execute();
    },
  },
  "0015_change_notifications": {
    // PostgreSQL tells every listening gateway when what decides calls changes (kills, identities and keys,
    // approvals, what runtimes serve, policy sets, tool approvals), in the writing transaction itself: it is
    // sent on commit, whoever wrote (a gateway's control API, the CLI, another program). SQLite has no such
    // channel; its gateways read on their poll.
    async up(db: Kysely<unknown>): Promise<void> {
      if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
      await sql`create or replace function perimeter_notify_change() returns trigger language plpgsql as $$
        begin
          perform pg_notify(${sql.lit(CHANGE_CHANNEL)}, tg_table_schema || '.' || tg_table_name);
          return null;
        end $$`.execute(db);
      for (const table of CHANGE_TABLES_0015) {
        // A key's or identity's last use is written as calls come in and changes no decision: not worth telling anyone.
        const columns = CHANGE_COLUMNS_0015[table as keyof typeof CHANGE_COLUMNS_0015];
        const update = columns === undefined ? sql`update` : sql`update of ${sql.join(columns.map((c) => sql.id(c)))}`;
        await sql`create trigger ${sql.id(`${table}_changed`)} after insert or ${update} or delete or truncate on ${sql.id(table)}
                  for each statement execute function perimeter_notify_change()`.execute(db);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
      for (const table of CHANGE_TABLES_0015) await sql`drop trigger if exists ${sql.id(`${table}_changed`)} on ${sql.id(table)}`.execute(db);
      await sql`drop function if exists perimeter_notify_change()`.execute(db);
    },
  },
};

/** The PostgreSQL channel 0015 notifies on; the payload is `schema.table`. */
export const CHANGE_CHANNEL = "perimeter_changes";

/** Tables where only updates of these columns change a decision (the rest note use), as of 0015. */
const CHANGE_COLUMNS_0015 = {
  identities: ["name", "kind", "owner", "environment", "scopes", "expires_at", "revoked_at", "revoked_reason"],
  api_keys: ["identity_id", "hash", "expires_at", "revoked_at"],
} as const;

/**
 * The tables 0015 put triggers on. A migration's text is fixed once released: a table added later gets its
 * trigger from a migration of its own, and joins CHANGE_TABLES with it.
 */
const CHANGE_TABLES_0015 = [
  "kills",
  "identities",
  "api_keys",
  "model_versions",
  "model_parents",
  "lifecycle_states",
  "evidence",
  "deployments",
  "runtimes",
  "served_models",
  "runtime_attestations",
  "policy_sets",
  "tool_pins",
  "tool_approvals",
] as const;

/**
 * The tables whose writes change what a gateway decides (never the audit log or usage notes: those are
 * written per call), each with a trigger that notifies (test/store/store.test.ts checks them on PostgreSQL).
 */
export const CHANGE_TABLES: readonly string[] = [...CHANGE_TABLES_0015];

/**
 * SQLite cannot drop a column's UNIQUE constraint: the table is rebuilt. api_keys is rebuilt first, so that
 * dropping the old identities table cascades into nothing; renaming the new tables rewrites the foreign key.
 * Kysely runs SQLite migrations outside a transaction, so this one takes its own.
 */
async function rebuildSqliteIdentities(db: Kysely<unknown>): Promise<void> {
  const identityColumns = sql.raw("id, name, kind, owner, environment, scopes, expires_at, created_at, created_by, revoked_at, revoked_reason, last_used_at");
  const keyColumns = sql.raw("id, identity_id, hash, created_at, expires_at, revoked_at, last_used_at");
  await sql`begin immediate`.execute(db);
  try {
    await sql`create table identities_new (id text primary key, name text not null, kind text not null, owner text not null, environment text not null, scopes text not null, expires_at text, created_at text not null, created_by text not null, revoked_at text, revoked_reason text, last_used_at text)`.execute(
      db,
    );
    await sql`insert into identities_new (${identityColumns}) select ${identityColumns} from identities`.execute(db);
    await sql`create table api_keys_new (id text primary key, identity_id text not null references identities_new (id) on delete cascade, hash text not null, created_at text not null, expires_at text, revoked_at text, last_used_at text)`.execute(
      db,
    );
    await sql`insert into api_keys_new (${keyColumns}) select ${keyColumns} from api_keys`.execute(db);
    await sql`drop table api_keys`.execute(db);
    await sql`drop table identities`.execute(db);
    await sql`alter table identities_new rename to identities`.execute(db);
    await sql`alter table api_keys_new rename to api_keys`.execute(db);
    await sql`create index api_keys_identity on api_keys (identity_id)`.execute(db);
    await sql`commit`.execute(db);
  } catch (err) {
    await sql`rollback`.execute(db).catch(() => undefined);
    throw err;
  }
}

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
