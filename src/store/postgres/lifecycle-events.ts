/**
 * The lifecycle-event outbox of the PostgreSQL store. Rows are inserted by the group commit in the transaction of
 * the status changes (one statement per batch that has any), stamped with that transaction's id; a `stalled` event,
 * which no status change carries, is inserted by `append` in a transaction of its own.
 *
 * Why the transaction id: identity values are drawn when a row is inserted, not when it commits, so two batches on
 * two nodes can commit in the opposite order of their `seq`, and a reader resuming after `seq` would skip the one
 * committed late. Readers therefore see only rows of transactions older than every transaction still running
 * (`pg_snapshot_xmin`), in (xid, seq) order: any row committed later has an xid at least that horizon, so it sorts
 * after everything already read. A long transaction anywhere on the server delays delivery; it never loses events.
 */
import type pg from "pg";
import type { QueryConfig } from "pg";
import { WeftError } from "../../core/errors.js";
import type { LifecycleEvent } from "../../core/lifecycle-events.js";
import type { LifecycleEventLog, StoredLifecycleEvent } from "../store.js";

type Query = QueryConfig<unknown[]>;

export const LIFECYCLE_EVENTS_MIGRATION = `
  CREATE TABLE lifecycle_events (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    created_at BIGINT NOT NULL,
    event JSON NOT NULL,
    PRIMARY KEY (xid, seq)
  );
  CREATE INDEX lifecycle_events_created ON lifecycle_events (created_at);
  CREATE TABLE event_cursors (
    name TEXT PRIMARY KEY,
    position TEXT,
    owner TEXT NOT NULL,
    lease_until BIGINT NOT NULL
  );`;

export function insertLifecycleEvents(events: readonly LifecycleEvent[]): Query {
  return {
    name: "weft_insert_lifecycle_events",
    text: `
      INSERT INTO lifecycle_events (created_at, event)
      SELECT (e ->> 'time')::bigint, e FROM json_array_elements($1::json) AS e`,
    values: [JSON.stringify(events)],
  };
}

const ID_PATTERN = /^(\d{1,20}):(\d{1,19})$/;

/** The outbox's reads and cursors; `query` runs one statement on the store's pool. */
export function postgresEventLog(
  query: <R extends pg.QueryResultRow>(q: Query) => Promise<pg.QueryResult<R>>,
): LifecycleEventLog {
  return {
    async read(after, limit): Promise<StoredLifecycleEvent[]> {
      let xid = "0";
      let seq = "0";
      if (after !== undefined) {
        const match = ID_PATTERN.exec(after);
        if (!match)
          throw new WeftError("invalid_argument", `'${after.slice(0, 40)}' is not an event id of this store`);
        [, xid, seq] = match as unknown as [string, string, string];
      }
      const result = await query<{ xid: string; seq: string; event: LifecycleEvent }>({
        name: "weft_read_lifecycle_events",
        text: `
          SELECT xid::text AS xid, seq::text AS seq, event FROM lifecycle_events
          WHERE (xid, seq) > ($1::text::xid8, $2::bigint) AND xid < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY xid, seq LIMIT $3`,
        values: [xid, seq, limit],
      });
      return result.rows.map((r) => ({ id: `${r.xid}:${r.seq}`, event: r.event }));
    },
    async tail() {
      const result = await query<{ xid: string; seq: string }>({
        name: "weft_lifecycle_events_tail",
        text: `
          SELECT xid::text AS xid, seq::text AS seq FROM lifecycle_events
          WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY xid DESC, seq DESC LIMIT 1`,
      });
      const row = result.rows[0];
      return row ? `${row.xid}:${row.seq}` : undefined;
    },
    async claimCursor(name, owner, until, now) {
      const result = await query<{ position: string | null }>({
        name: "weft_claim_event_cursor",
        text: `
          INSERT INTO event_cursors (name, position, owner, lease_until) VALUES ($1, NULL, $2, $3)
          ON CONFLICT (name) DO UPDATE SET owner = $2, lease_until = $3
          WHERE event_cursors.owner = $2 OR event_cursors.lease_until < $4
          RETURNING position`,
        values: [name, owner, until, now],
      });
      const row = result.rows[0];
      return row ? (row.position ?? undefined) : false;
    },
    async saveCursor(name, owner, position, until) {
      const result = await query({
        name: "weft_save_event_cursor",
        text: "UPDATE event_cursors SET position = $3, lease_until = $4 WHERE name = $1 AND owner = $2",
        values: [name, owner, position, until],
      });
      return (result.rowCount ?? 0) > 0;
    },
    async append(event, onceKey) {
      // One statement, so one transaction: the key and the event commit together or not at all.
      const result = await query({
        name: "weft_append_lifecycle_event",
        text: `
          WITH fresh AS (
            INSERT INTO dedup_keys (key, created_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key
          )
          INSERT INTO lifecycle_events (created_at, event) SELECT $2, $3::json FROM fresh`,
        values: [onceKey, event.time, JSON.stringify(event)],
      });
      return (result.rowCount ?? 0) > 0;
    },
    async prune(before) {
      const result = await query({
        name: "weft_prune_lifecycle_events",
        text: "DELETE FROM lifecycle_events WHERE created_at < $1",
        values: [before],
      });
      return result.rowCount ?? 0;
    },
  };
}
