/** Every SQL statement the SQLite store runs, prepared once. Values are always bound parameters. */
import type Database from "better-sqlite3";

/** The instance columns that hold domain values (instance_no is the store's own key). */
const INSTANCE_COLUMNS =
  "instance_id, name, execution_id, status, created_at, updated_at, completed_at, scheduled_start_at, input, " +
  "output, custom_status, failure, parent, parent_instance_id, metadata, history_length";

/** History and activity rows name their instance by its number (schema.ts says why). */
const NUMBER_OF = "SELECT instance_no FROM instances WHERE instance_id = ?";

const SQL = {
  getInstance: `SELECT instance_no, ${INSTANCE_COLUMNS} FROM instances WHERE instance_id = ?`,
  getStatus: "SELECT status, execution_id, scheduled_start_at FROM instances WHERE instance_id = ?",
  insertInstance: `INSERT INTO instances (instance_no, ${INSTANCE_COLUMNS}) VALUES (@instance_no, ${INSTANCE_COLUMNS.split(
    ", ",
  )
    .map((c) => `@${c}`)
    .join(", ")})`,
  updateInstance: `UPDATE instances SET ${INSTANCE_COLUMNS.split(", ")
    .slice(1)
    .map((c) => `${c} = @${c}`)
    .join(", ")} WHERE instance_id = @instance_id`,
  /** The common turn: status and payloads unchanged, so the status index is left alone. */
  touchInstance:
    "UPDATE instances SET updated_at = ?, custom_status = ?, history_length = ? WHERE instance_no = ?",
  deleteInstance: "DELETE FROM instances WHERE instance_id = ?",
  childrenOf: "SELECT instance_id, status FROM instances WHERE parent_instance_id = ?",
  /** For metrics: a scan of the table, run only when scraped. */
  countInstances: "SELECT name, status, COUNT(*) AS count FROM instances GROUP BY name, status",

  insertHistory: "INSERT INTO history (instance_no, seq, events) VALUES (?, ?, ?)",
  loadHistory: `SELECT events FROM history WHERE instance_no = (${NUMBER_OF}) ORDER BY seq`,
  deleteHistory: `DELETE FROM history WHERE instance_no = (${NUMBER_OF})`,

  insertInbox: "INSERT INTO inbox (id, instance_id, execution_id, visible_at, event) VALUES (?, ?, ?, ?, ?)",
  visibleInbox:
    "SELECT id, execution_id, event FROM inbox WHERE instance_id = ? AND visible_at <= ? ORDER BY id",
  deleteInboxRow: "DELETE FROM inbox WHERE id = ?",
  deleteInbox: "DELETE FROM inbox WHERE instance_id = ?",
  inboxReadiness:
    "SELECT instance_id, MIN(visible_at) AS visible_at, COUNT(*) AS rows FROM inbox GROUP BY instance_id",

  insertActivity:
    "INSERT INTO activities (id, instance_no, execution_id, task_id, name, input, task_execution_id, visible_at) " +
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  getActivity:
    "SELECT a.id, i.instance_id, a.execution_id, a.task_id, a.name, a.input, a.task_execution_id, a.dispatch_count " +
    "FROM activities a JOIN instances i USING (instance_no) WHERE a.id = ?",
  countDispatch: "UPDATE activities SET dispatch_count = dispatch_count + 1 WHERE id = ?",
  deleteActivity: "DELETE FROM activities WHERE id = ?",
  deleteActivities: `DELETE FROM activities WHERE instance_no = (${NUMBER_OF}) RETURNING id`,
  insertDedupKey: "INSERT OR IGNORE INTO dedup_keys (key, created_at) VALUES (?, ?)",
  activityReadiness: "SELECT id, visible_at FROM activities",
  insertLifecycleEvent: "INSERT INTO lifecycle_events (created_at, event) VALUES (?, ?)",
  /** The second bound is the newest committed seq: rows of the open batch are visible here but not yet durable. */
  readLifecycleEvents:
    "SELECT seq, event FROM lifecycle_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
  lastLifecycleSeq: "SELECT COALESCE(MAX(seq), 0) AS seq FROM lifecycle_events",
  pruneLifecycleEvents: "DELETE FROM lifecycle_events WHERE created_at < ?",
  claimCursor:
    "INSERT INTO event_cursors (name, position, owner, lease_until) VALUES (@name, NULL, @owner, @until) " +
    "ON CONFLICT (name) DO UPDATE SET owner = @owner, lease_until = @until " +
    "WHERE event_cursors.owner = @owner OR event_cursors.lease_until < @now RETURNING position",
  saveCursor: "UPDATE event_cursors SET position = ?, lease_until = ? WHERE name = ? AND owner = ?",
  /** AUTOINCREMENT: an instance number is never given again, even after its row was purged. */
  lastRowIds:
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'instances'), 0), " +
    "COALESCE((SELECT MAX(instance_no) FROM instances), 0)) AS instance, " +
    "COALESCE((SELECT MAX(id) FROM inbox), 0) AS inbox, COALESCE((SELECT MAX(id) FROM activities), 0) AS activity",
} as const;

export type Statements = { [K in keyof typeof SQL]: Database.Statement };

export function prepareStatements(db: Database.Database): Statements {
  return Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as Statements;
}
