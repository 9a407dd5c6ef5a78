import type { ColumnType } from "kysely";

// Table types for the whole database. Each folder owns its table family; this file only declares shapes
// so that one Kysely instance can be typed. Repositories live beside the folder that owns the tables.

/** Integers that are BIGINT in PostgreSQL: parsed to number (all our counters stay below 2^53). */
type BigIntColumn = ColumnType<number, number, number>;

export interface AuditEventTable {
  seq: BigIntColumn;
  time: string;
  actor: string;
  action: string;
  resource: string;
  decision: string;
  reason: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  size: BigIntColumn;
  last_hash: string;
  frontier: string;
  note: string;
  checkpointed_size: BigIntColumn;
  checkpointed_at: string;
  updated_at: string;
}

export interface AuditCheckpointTable {
  tree_size: BigIntColumn;
  root_hash: string;
  time: string;
  note: string;
}

export interface Database {
  audit_events: AuditEventTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointTable;
}
