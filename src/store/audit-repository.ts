import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import { PerimeterError } from "../errors.js";

// The audit log's write path, written against each driver directly: it runs on every decision the
// product takes, so it must cost one durable commit and little else. Reads go through Kysely as usual.

export interface AuditEventRow {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly reason: string;
  readonly details: string;
  readonly prev_hash: string;
  readonly hash: string;
}

export interface AuditHeadState {
  readonly size: number;
  readonly last_hash: string;
  readonly frontier: string;
  readonly checkpointed_size: number;
  readonly checkpointed_at: string;
}

export interface AuditHeadUpdate extends AuditHeadState {
  readonly note: string;
  readonly updated_at: string;
}

export interface AuditCheckpointRow {
  readonly tree_size: number;
  readonly root_hash: string;
  readonly time: string;
  readonly note: string;
}

/** What one commit writes: new events (possibly none), the new head, and a checkpoint when one is due. */
export interface AuditAppendPlan {
  readonly rows: readonly AuditEventRow[];
  readonly head: AuditHeadUpdate;
  readonly checkpoint: AuditCheckpointRow | undefined;
}

/** An event row as a tuple in column order (seq, time, actor, action, resource, decision, reason, details,
 * prev_hash, hash): verification reads every row, and tuples cost far less to build than objects. */
export type AuditEventTuple = [number, string, string, string, string, string, string, string, string, string];

export interface AuditRepository {
  /** Up to `limit` events with seq >= fromSeq, in order. */
  scan(fromSeq: number, limit: number): Promise<AuditEventTuple[]>;
  /**
   * Run `plan` on the current head while holding the log's write lock (against every process on the same
   * database), then commit what it returns atomically and durably. `plan` may run more than once when
   * another writer got in first; it must be a pure function of the head.
   */
  append(plan: (head: AuditHeadState) => AuditAppendPlan): Promise<AuditAppendPlan>;
  close(): void;
}

const EVENT_COLUMNS = "seq, time, actor, action, resource, decision, reason, details, prev_hash, hash";
const HEAD_COLUMNS = "size, last_hash, frontier, checkpointed_size, checkpointed_at";
const LOCK_WAIT_MS = 15_000;
const INSERT_CHUNK = 32;

/**
 * SQLite: a connection of its own with busy_timeout 0, so waiting for another writer never blocks the
 * event loop; the whole transaction (BEGIN IMMEDIATE ... COMMIT) runs synchronously and is retried
 * asynchronously while the database is busy.
 */
export class SqliteAuditRepository implements AuditRepository {
  private readonly db: BetterSqlite3.Database;
  private readonly tx: (plan: (head: AuditHeadState) => AuditAppendPlan) => AuditAppendPlan;

  constructor(open: () => BetterSqlite3.Database) {
    this.db = open();
    this.db.pragma("busy_timeout = 0");
    const readHead = this.db.prepare<[], AuditHeadState>(`select ${HEAD_COLUMNS} from audit_head where id = 1`);
    // Rows go in up to INSERT_CHUNK at a time, one statement per chunk: a grouped commit of a busy gateway
    // holds dozens of events, and each statement run costs more than its rows.
    const inserts = new Map<number, BetterSqlite3.Statement>();
    const insertStatement = (n: number): BetterSqlite3.Statement => {
      let st = inserts.get(n);
      if (st === undefined) {
        st = this.db.prepare(`insert into audit_events (${EVENT_COLUMNS}) values ${Array(n).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`);
        inserts.set(n, st);
      }
      return st;
    };
    const updateHead = this.db.prepare(
      "update audit_head set size = ?, last_hash = ?, frontier = ?, note = ?, checkpointed_size = ?, checkpointed_at = ?, updated_at = ? where id = 1",
    );
    const insertCheckpoint = this.db.prepare("insert into audit_checkpoints (tree_size, root_hash, time, note) values (?, ?, ?, ?)");
    const run = this.db.transaction((plan: (head: AuditHeadState) => AuditAppendPlan): AuditAppendPlan => {
      const head = readHead.get();
      if (head === undefined) throw headMissing();
      const p = plan(head);
      for (let at = 0; at < p.rows.length; at += INSERT_CHUNK) {
        const chunk = p.rows.slice(at, at + INSERT_CHUNK);
        const values: unknown[] = [];
        for (const r of chunk) values.push(r.seq, r.time, r.actor, r.action, r.resource, r.decision, r.reason, r.details, r.prev_hash, r.hash);
        insertStatement(chunk.length).run(values);
      }
      const h = p.head;
      updateHead.run(h.size, h.last_hash, h.frontier, h.note, h.checkpointed_size, h.checkpointed_at, h.updated_at);
      const c = p.checkpoint;
      if (c !== undefined) insertCheckpoint.run(c.tree_size, c.root_hash, c.time, c.note);
      return p;
    });
    this.tx = (plan) => run.immediate(plan);
    this.scanStmt = this.db
      .prepare<[number, number], AuditEventTuple>(`select ${EVENT_COLUMNS} from audit_events where seq >= ? order by seq limit ?`)
      .raw(true);
  }

  private readonly scanStmt: BetterSqlite3.Statement<[number, number], AuditEventTuple>;

  scan(fromSeq: number, limit: number): Promise<AuditEventTuple[]> {
    return Promise.resolve(this.scanStmt.all(fromSeq, limit));
  }

  async append(plan: (head: AuditHeadState) => AuditAppendPlan): Promise<AuditAppendPlan> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const done = this.tx(plan);
        // SQLite's lock is not a queue: give writers in other processes a moment to take it before this
        // process starts its next transaction, or one busy writer starves the rest.
        await new Promise((r) => setImmediate(r));
        return done;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if ((code !== "SQLITE_BUSY" && code !== "SQLITE_LOCKED") || Date.now() > deadline) throw err;
        // Poll finely at first (a commit holds the lock for well under a millisecond), then back off.
        await new Promise((r) => (attempt < 200 ? setImmediate(r) : setTimeout(r, Math.min(attempt - 199, 10))));
      }
    }
  }

  close(): void {
    this.db.close();
  }
}

/**
 * PostgreSQL: the process remembers the head it last wrote and commits the next batch in one statement
 * that updates the head only if it is still that head (so it takes the row lock and checks in one round
 * trip, the same cost as a plain insert). When another writer got in first nothing is written and the
 * batch is replanned under SELECT ... FOR UPDATE.
 */
export class PostgresAuditRepository implements AuditRepository {
  private known: AuditHeadState | undefined;

  constructor(private readonly pool: pg.Pool) {}

  /** One pooled connection kept for the optimistic path: no acquire and release per append. */
  private writerClient: Promise<pg.PoolClient> | undefined;

  private writer(): Promise<pg.PoolClient> {
    this.writerClient ??= this.pool.connect().then((c) => {
      c.on("error", () => {
        this.writerClient = undefined;
      });
      return c;
    });
    return this.writerClient;
  }

  async scan(fromSeq: number, limit: number): Promise<AuditEventTuple[]> {
    const res = await this.pool.query<AuditEventTuple>({
      name: "perimeter_audit_scan",
      text: `select ${EVENT_COLUMNS} from audit_events where seq >= $1 order by seq limit $2`,
      values: [fromSeq, limit],
      rowMode: "array",
    });
    return res.rows;
  }

  async append(plan: (head: AuditHeadState) => AuditAppendPlan): Promise<AuditAppendPlan> {
    if (this.known !== undefined) {
      const known = this.known;
      this.known = undefined;
      const p = plan(known);
      // Named, so each connection parses and plans it once.
      // A single event (the common case when appends trickle in) goes as plain parameters: encoding
      // ten one-element arrays cost more than the rest of the call.
      const single = p.rows.length === 1;
      const res = await this.writer().then((c) =>
        c.query<{ written: number }>({
          name: single ? "perimeter_audit_append_one" : "perimeter_audit_append",
          text: single ? OPTIMISTIC_ONE_SQL : OPTIMISTIC_SQL,
          values: optimisticParams(known, p, single),
        }),
      );
      if (res.rows[0]?.written === 1) {
        this.known = p.head;
        return p;
      }
    }
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      const head = (await client.query<AuditHeadState>(`select ${HEAD_COLUMNS} from audit_head where id = 1 for update`)).rows[0];
      if (head === undefined) throw headMissing();
      const p = plan(head);
      if (p.rows.length > 0) await client.query(INSERT_EVENTS_SQL, eventArrays(p.rows));
      const h = p.head;
      await client.query(
        "update audit_head set size = $1, last_hash = $2, frontier = $3, note = $4, checkpointed_size = $5, checkpointed_at = $6, updated_at = $7 where id = 1",
        [h.size, h.last_hash, h.frontier, h.note, h.checkpointed_size, h.checkpointed_at, h.updated_at],
      );
      const c = p.checkpoint;
      if (c !== undefined) {
        await client.query("insert into audit_checkpoints (tree_size, root_hash, time, note) values ($1, $2, $3, $4)", [
          c.tree_size,
          c.root_hash,
          c.time,
          c.note,
        ]);
      }
      await client.query("commit");
      this.known = p.head;
      return p;
    } catch (err) {
      this.known = undefined;
      await client.query("rollback").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  close(): void {
    // The pool belongs to the store and is ended with it; the kept connection goes back to it first.
    void this.writerClient?.then(
      (c) => c.release(),
      () => undefined,
    );
    this.writerClient = undefined;
  }
}

const INSERT_EVENTS_SQL = `insert into audit_events (${EVENT_COLUMNS})
  select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])`;

// Every data-modifying part waits on "h", which updates the head only when it is the head we know.
function optimisticSql(events: string): string {
  return `with h as (
    update audit_head set size = $11, last_hash = $12, frontier = $13, note = $14, checkpointed_size = $15, checkpointed_at = $16, updated_at = $17
    where id = 1 and size = $18 and last_hash = $19
    returning 1
  ), e as (
    insert into audit_events (${EVENT_COLUMNS})
    ${events}
    where exists (select 1 from h)
  ), c as (
    insert into audit_checkpoints (tree_size, root_hash, time, note)
    select $20::bigint, $21::text, $22::text, $23::text where $24::boolean and exists (select 1 from h)
  )
  select count(*)::int as written from h`;
}

const OPTIMISTIC_SQL = optimisticSql(
  "select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])",
);
const OPTIMISTIC_ONE_SQL = optimisticSql("select $1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text");

function eventArrays(rows: readonly AuditEventRow[]): unknown[] {
  return [
    rows.map((r) => r.seq),
    rows.map((r) => r.time),
    rows.map((r) => r.actor),
    rows.map((r) => r.action),
    rows.map((r) => r.resource),
    rows.map((r) => r.decision),
    rows.map((r) => r.reason),
    rows.map((r) => r.details),
    rows.map((r) => r.prev_hash),
    rows.map((r) => r.hash),
  ];
}

function optimisticParams(known: AuditHeadState, p: AuditAppendPlan, single: boolean): unknown[] {
  const h = p.head;
  const c = p.checkpoint;
  const r = p.rows[0];
  return [
    ...(single && r !== undefined ? [r.seq, r.time, r.actor, r.action, r.resource, r.decision, r.reason, r.details, r.prev_hash, r.hash] : eventArrays(p.rows)),
    h.size,
    h.last_hash,
    h.frontier,
    h.note,
    h.checkpointed_size,
    h.checkpointed_at,
    h.updated_at,
    known.size,
    known.last_hash,
    c?.tree_size ?? 0,
    c?.root_hash ?? "",
    c?.time ?? "",
    c?.note ?? "",
    c !== undefined,
  ];
}

function headMissing(): PerimeterError {
  return new PerimeterError("AUDIT_TAMPERED", "the audit log head row is missing; run `perimeter audit verify`");
}
