/**
 * Every SQL statement the PostgreSQL store runs, as a named builder returning `{ name, text, values }`. Values are
 * always parameters; bulk writes take JSON parameters unpacked by `json_to_recordset` (one per table, so each is
 * parsed once), so a whole batch of turns is one statement (one round trip) however many rows it writes. Named
 * statements are prepared once per connection.
 * Tables are unqualified: each connection's search_path is the store's schema.
 *
 * Invariant that keeps `next_visible_at` right without triggers: a transaction inserts or deletes an instance's
 * inbox rows only while it holds that instance row's lock (taken in `lockBatch`, before any write), and sets the
 * column in the same transaction from what it sees plus what it writes.
 */
import type { QueryConfig } from "pg";
import type { ActivityTaskColumns } from "../rows.js";
import { INSTANCE_COLUMN_TYPES, INSTANCE_COLUMNS, type InstanceRow } from "./rows.js";

type Query = QueryConfig<unknown[]>;

const columns = INSTANCE_COLUMNS.join(", ");
const recordColumns = INSTANCE_COLUMNS.map((c) => `${c} ${INSTANCE_COLUMN_TYPES[c]}`).join(", ");
const TERMINAL = "('COMPLETED', 'FAILED', 'TERMINATED')";

/**
 * Leases up to `limit` instances whose turn is due. SKIP LOCKED lets every node claim at once without waiting on
 * each other; rows leased by a live node are not due (`ready_at` is then the lease's expiry), so they are not even
 * scanned. The turn's events are read by `turnEvents`, in a later statement: this one's snapshot predates rows it
 * had to wait for, and could still show inbox rows a turn committed meanwhile had consumed.
 */
export function claimTurns(
  now: number,
  limit: number,
  owner: string,
  leaseExpiresAt: number,
  avoid: string[],
): Query {
  return {
    name: "weft_claim_turns",
    text: `
      WITH picked AS (
        SELECT instance_id FROM instances WHERE ready_at <= $1 AND instance_id <> ALL($5::text[])
        ORDER BY ready_at LIMIT $2 FOR UPDATE SKIP LOCKED
      )
      UPDATE instances i SET lease_owner = $3, lease_token = gen_random_uuid(), lease_expires_at = $4
      FROM picked WHERE i.instance_id = picked.instance_id
      RETURNING ${INSTANCE_COLUMNS.map((c) => `i.${c}`).join(", ")}, i.lease_token`,
    values: [now, limit, owner, leaseExpiresAt, avoid],
  };
}

/** The inbox events of leased instances visible at `now`, in arrival order. */
export function turnEvents(instanceIds: string[], now: number): Query {
  return {
    name: "weft_turn_events",
    text: `
      SELECT id, instance_id, execution_id, event FROM inbox
      WHERE instance_id = ANY($1::text[]) AND visible_at <= $2 ORDER BY id`,
    values: [instanceIds, now],
  };
}

/** Leases up to `limit` due activities; the lease is the row's `visible_at` moved to the lease's expiry. */
export function claimActivities(now: number, limit: number, leaseExpiresAt: number, avoid: number[]): Query {
  return {
    name: "weft_claim_activities",
    text: `
      WITH picked AS (
        SELECT id FROM activities WHERE visible_at <= $1 AND id <> ALL($4::bigint[])
        ORDER BY visible_at LIMIT $2 FOR UPDATE SKIP LOCKED
      )
      UPDATE activities a
      SET visible_at = $3, lease_token = gen_random_uuid(), dispatch_count = a.dispatch_count + 1
      FROM picked WHERE a.id = picked.id
      RETURNING a.id, a.instance_id, a.execution_id, a.task_id, a.name, a.input, a.task_execution_id,
        a.dispatch_count, a.lease_token`,
    values: [now, limit, leaseExpiresAt, avoid],
  };
}

/**
 * A lease this node holds on an instance's turn, as renewals and releases name it: the instance, and the token
 * that proves the lease is still this node's. (A lease being granted is write-plan.ts's EagerTurnLease.)
 */
export interface HeldTurnLease {
  id: string;
  token: string;
}

/** A lease this node holds on an activity row: the row, and the token that proves it is still this node's. */
export interface HeldActivityLease {
  id: number;
  token: string;
}

/** Extends the leases this node still holds; returns the instance ids whose lease it still had. */
export function renewTurnLeases(leases: HeldTurnLease[], expiresAt: number): Query {
  return {
    name: "weft_renew_turns",
    text: `
      UPDATE instances i SET lease_expires_at = $2
      FROM json_to_recordset($1::json) AS l(id text, token uuid)
      WHERE i.instance_id = l.id AND i.lease_token = l.token
      RETURNING i.instance_id AS id`,
    values: [JSON.stringify(leases), expiresAt],
  };
}

export function renewActivityLeases(leases: HeldActivityLease[], expiresAt: number): Query {
  return {
    name: "weft_renew_activities",
    text: `
      UPDATE activities a SET visible_at = $2
      FROM json_to_recordset($1::json) AS l(id bigint, token uuid)
      WHERE a.id = l.id AND a.lease_token = l.token
      RETURNING a.id`,
    values: [JSON.stringify(leases), expiresAt],
  };
}

/** Gives turns back. With `retryAt`, an ownerless lease keeps them from being claimed until then. */
export function releaseTurnLeases(leases: HeldTurnLease[], retryAt: number | null): Query {
  return {
    name: "weft_release_turns",
    text: `
      UPDATE instances i SET lease_owner = NULL, lease_token = NULL, lease_expires_at = $2
      FROM json_to_recordset($1::json) AS l(id text, token uuid)
      WHERE i.instance_id = l.id AND i.lease_token = l.token`,
    values: [JSON.stringify(leases), retryAt],
  };
}

export function releaseActivityLeases(leases: HeldActivityLease[], visibleAt: number): Query {
  return {
    name: "weft_release_activities",
    text: `
      UPDATE activities a SET lease_token = NULL, visible_at = $2
      FROM json_to_recordset($1::json) AS l(id bigint, token uuid)
      WHERE a.id = l.id AND a.lease_token = l.token`,
    values: [JSON.stringify(leases), visibleAt],
  };
}

/** When the next turn and the next activity become due (a timer, a retry delay, or a lease's expiry). */
export function nextDue(now: number): Query {
  return {
    name: "weft_next_due",
    text: `
      SELECT (SELECT min(ready_at) FROM instances WHERE ready_at > $1) AS workflows,
             (SELECT min(visible_at) FROM activities WHERE visible_at > $1) AS activities`,
    values: [now],
  };
}

/**
 * Opens a write batch: locks every instance row the batch touches, in id order so that batches on different
 * nodes never deadlock, and deletes the finished activities (returning those that were still there: a result
 * whose row is gone was recorded already, or its instance ended).
 */
export function lockBatch(instanceIds: string[], finishedActivityIds: number[]): Query {
  return {
    name: "weft_lock_batch",
    text: `
      WITH finished AS (DELETE FROM activities WHERE id = ANY($2::bigint[]) RETURNING id)
      SELECT l.instance_id, l.status, l.execution_id, l.scheduled_start_at, l.lease_token, l.ready_at,
        l.history_length, NULL::bigint AS activity_id
      FROM (
        SELECT instance_id, status, execution_id, scheduled_start_at, lease_token, ready_at, history_length
        FROM instances WHERE instance_id = ANY($1::text[]) ORDER BY instance_id FOR UPDATE
      ) l
      UNION ALL
      SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, id FROM finished`,
    values: [instanceIds, finishedActivityIds],
  };
}

export function childrenOf(parentIds: string[]): Query {
  return {
    name: "weft_children_of",
    text: "SELECT instance_id, parent_instance_id FROM instances WHERE parent_instance_id = ANY($1::text[])",
    values: [parentIds],
  };
}

/** Records dedup keys; returns the ones that were new (an event whose key is not returned is a duplicate). */
export function insertDedupKeys(keys: string[], now: number): Query {
  return {
    name: "weft_insert_dedup_keys",
    text: `
      INSERT INTO dedup_keys (key, created_at) SELECT k, $2 FROM unnest($1::text[]) AS k
      ON CONFLICT (key) DO NOTHING RETURNING key`,
    values: [keys, now],
  };
}

/** Deletes the histories of `historyOf` (continue-as-new) and everything of `instances` (purge, id reuse). */
export function deleteInstanceData(historyOf: string[], instances: string[]): Query {
  return {
    name: "weft_delete_instance_data",
    text: `
      WITH h AS (DELETE FROM history WHERE instance_id = ANY($1::text[]) OR instance_id = ANY($2::text[])),
           b AS (DELETE FROM inbox WHERE instance_id = ANY($2::text[])),
           a AS (DELETE FROM activities WHERE instance_id = ANY($2::text[]))
      DELETE FROM instances WHERE instance_id = ANY($2::text[])`,
    values: [historyOf, instances],
  };
}

/** The rows one write batch adds and changes; see `applyBatch`. */
export interface BatchWrites {
  inbox: { instance_id: string; execution_id: string | null; visible_at: number; event: unknown }[];
  history: { instance_id: string; seq: number; event: unknown }[];
  /** A row leased to this node at once has its lease token, and `visible_at` is the lease's expiry. */
  activities: (ActivityTaskColumns & {
    visible_at: number;
    lease_token: string | null;
    dispatch_count: number;
  })[];
  /** New instance rows, with their `next_visible_at` (they have no other inbox rows) and, started eagerly, a lease. */
  created: (InstanceRow & {
    next_visible_at: number | null;
    lease_owner: string | null;
    lease_token: string | null;
    lease_expires_at: number | null;
  })[];
  /** Instances whose turn completed: the whole row; their lease ends. */
  finished: InstanceRow[];
  /** Other instances that got or lost inbox rows; `release` ends the lease too (a turn with nothing to do). */
  touched: { instance_id: string; release: boolean }[];
}

/**
 * Writes a batch in one statement. Sibling CTEs do not see each other's rows, so `next_visible_at` is computed as
 * the earliest of (rows already there, minus the ones this batch consumes) and (rows this batch adds); instances
 * that ended (`cleared`) lose their inbox and activities. A concurrent create of the same id on another node fails
 * the statement on instances_pkey (the batch is then retried). Returns the ids of the activities it leased to this
 * node, the start events' inbox ids of the instances it started eagerly, and how many of the instances it updated
 * are ready for a turn at `now` (a turn that ended its lease left events behind), and sends the batch's
 * notifications, which PostgreSQL delivers at commit.
 */
export function applyBatch(
  writes: BatchWrites,
  consumedInboxIds: number[],
  cleared: string[],
  channel: string,
  notifications: string[],
  now: number,
): Query {
  const nextVisible = `LEAST(
      (SELECT min(b.visible_at) FROM inbox b WHERE b.instance_id = i.instance_id AND b.id <> ALL($2::bigint[])),
      (SELECT min(n.visible_at) FROM new_inbox n WHERE n.instance_id = i.instance_id))`;
  return {
    name: "weft_apply_batch",
    text: `
      WITH new_inbox AS (
        SELECT r.* FROM json_to_recordset($1::json) AS r(instance_id text, execution_id text, visible_at bigint, event json)
      ),
      removed_inbox AS (DELETE FROM inbox WHERE id = ANY($2::bigint[]) OR instance_id = ANY($3::text[])),
      removed_activities AS (DELETE FROM activities WHERE instance_id = ANY($3::text[])),
      added_inbox AS (
        INSERT INTO inbox (instance_id, execution_id, visible_at, event)
        SELECT instance_id, execution_id, visible_at, event FROM new_inbox
        RETURNING id, instance_id
      ),
      added_history AS (
        INSERT INTO history (instance_id, seq, event)
        SELECT r.* FROM json_to_recordset($6::json) AS r(instance_id text, seq integer, event json)
      ),
      added_activities AS (
        INSERT INTO activities (instance_id, execution_id, task_id, name, input, task_execution_id, visible_at,
          lease_token, dispatch_count)
        SELECT r.* FROM json_to_recordset($7::json) AS r(
          instance_id text, execution_id text, task_id integer, name text, input text, task_execution_id text,
          visible_at bigint, lease_token uuid, dispatch_count integer)
        ON CONFLICT DO NOTHING RETURNING id, lease_token
      ),
      created AS (
        INSERT INTO instances (${columns}, next_visible_at, lease_owner, lease_token, lease_expires_at)
        SELECT ${columns}, r.next_visible_at, r.lease_owner, r.lease_token, r.lease_expires_at
        FROM json_to_recordset($8::json) AS r(
          ${recordColumns}, next_visible_at bigint, lease_owner text, lease_token uuid, lease_expires_at bigint)
        RETURNING instance_id, lease_token
      ),
      finished AS (
        UPDATE instances i SET ${INSTANCE_COLUMNS.slice(1)
          .map((c) => `${c} = r.${c}`)
          .join(", ")},
          lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
          next_visible_at = CASE WHEN r.status IN ${TERMINAL} THEN NULL ELSE ${nextVisible} END
        FROM json_to_recordset($9::json) AS r(${recordColumns})
        WHERE i.instance_id = r.instance_id
        RETURNING i.ready_at
      ),
      touched AS (
        UPDATE instances i SET next_visible_at = ${nextVisible},
          lease_owner = CASE WHEN r.release THEN NULL ELSE i.lease_owner END,
          lease_token = CASE WHEN r.release THEN NULL ELSE i.lease_token END,
          lease_expires_at = CASE WHEN r.release THEN NULL ELSE i.lease_expires_at END
        FROM json_to_recordset($10::json) AS r(instance_id text, release boolean)
        WHERE i.instance_id = r.instance_id
        RETURNING i.ready_at
      )
      SELECT (SELECT coalesce(json_agg(json_build_object('id', id, 'token', lease_token)), '[]'::json)
              FROM added_activities WHERE lease_token IS NOT NULL) AS leased,
             (SELECT coalesce(json_agg(json_build_object('instance', a.instance_id, 'id', a.id)), '[]'::json)
              FROM added_inbox a JOIN created c ON c.instance_id = a.instance_id
              WHERE c.lease_token IS NOT NULL) AS started,
             (SELECT count(*) FROM (SELECT ready_at FROM finished UNION ALL SELECT ready_at FROM touched) r
              WHERE r.ready_at <= $11::bigint)::int AS ready,
             (SELECT count(*) FROM (SELECT pg_notify($4, p) FROM unnest($5::text[]) AS p) n)::int AS notified`,
    values: [
      JSON.stringify(writes.inbox),
      consumedInboxIds,
      cleared,
      channel,
      notifications,
      JSON.stringify(writes.history),
      JSON.stringify(writes.activities),
      JSON.stringify(writes.created),
      JSON.stringify(writes.finished),
      JSON.stringify(writes.touched),
      now,
    ],
  };
}

export function getInstance(instanceId: string): Query {
  return {
    name: "weft_get_instance",
    text: `SELECT ${columns} FROM instances WHERE instance_id = $1`,
    values: [instanceId],
  };
}

export function loadHistory(instanceId: string): Query {
  return {
    name: "weft_load_history",
    text: "SELECT event FROM history WHERE instance_id = $1 ORDER BY seq",
    values: [instanceId],
  };
}

/** Listings live in queries-list.ts, beside their indexes' reasons. */
export { listInstances } from "./queries-list.js";

/** Locks an instance and, if `recursive`, all its descendants, in id order; for purging them. */
export function lockInstanceTree(instanceId: string, recursive: boolean): Query {
  return {
    name: "weft_lock_instance_tree",
    text: `
      WITH RECURSIVE tree(instance_id) AS (
        SELECT instance_id FROM instances WHERE instance_id = $1
        UNION
        SELECT c.instance_id FROM instances c JOIN tree t ON c.parent_instance_id = t.instance_id WHERE $2
      )
      SELECT instance_id, status FROM instances WHERE instance_id IN (SELECT instance_id FROM tree)
      ORDER BY instance_id FOR UPDATE`,
    values: [instanceId, recursive],
  };
}
