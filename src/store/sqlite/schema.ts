/**
 * Migrations, append-only and numbered. Each runs in one transaction with its version row, so a database is
 * never left half-migrated.
 */
import type Database from "better-sqlite3";
import { LIST_INDEXES } from "./list-schema.js";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE instances (
     instance_id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     execution_id TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     completed_at INTEGER,
     scheduled_start_at INTEGER,
     input TEXT,
     output TEXT,
     custom_status TEXT,
     failure TEXT,
     parent TEXT,
     parent_instance_id TEXT,
     metadata TEXT,
     history_length INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX instances_parent ON instances(parent_instance_id) WHERE parent_instance_id IS NOT NULL;
   CREATE INDEX instances_status ON instances(status, created_at);
   -- One row per turn: the turn's events as a JSON array; seq is the index of its first event.
   -- A rowid table: its rows are too large for WITHOUT ROWID to pay (measured ~1.5x slower per step).
   CREATE TABLE history (
     instance_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     events TEXT NOT NULL
   );
   CREATE UNIQUE INDEX history_turns ON history(instance_id, seq);
   CREATE TABLE inbox (
     id INTEGER PRIMARY KEY,
     instance_id TEXT NOT NULL,
     execution_id TEXT,
     visible_at INTEGER NOT NULL,
     event TEXT NOT NULL
   );
   CREATE INDEX inbox_instance ON inbox(instance_id, id);
   CREATE TABLE activities (
     id INTEGER PRIMARY KEY,
     instance_id TEXT NOT NULL,
     execution_id TEXT NOT NULL,
     task_id INTEGER NOT NULL,
     name TEXT NOT NULL,
     input TEXT,
     task_execution_id TEXT,
     visible_at INTEGER NOT NULL,
     dispatch_count INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX activities_instance ON activities(instance_id);`,
  `CREATE TABLE dedup_keys (
     key TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  // History and activity rows are written on every step. Keyed by the instance's id, each step's index entries
  // land on pages scattered by the ids' randomness: in a microbenchmark of W2's statements, a commit of 50 steps
  // wrote about 63 pages, and keyed by a small integer 18 (the store's time per step fell from about 35 to 20 us).
  // AUTOINCREMENT, so that a number is never reused after a purge.
  `CREATE TABLE instances_next (
     instance_no INTEGER PRIMARY KEY AUTOINCREMENT,
     instance_id TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     execution_id TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     completed_at INTEGER,
     scheduled_start_at INTEGER,
     input TEXT,
     output TEXT,
     custom_status TEXT,
     failure TEXT,
     parent TEXT,
     parent_instance_id TEXT,
     metadata TEXT,
     history_length INTEGER NOT NULL DEFAULT 0
   );
   INSERT INTO instances_next (instance_id, name, execution_id, status, created_at, updated_at, completed_at,
                               scheduled_start_at, input, output, custom_status, failure, parent,
                               parent_instance_id, metadata, history_length)
     SELECT instance_id, name, execution_id, status, created_at, updated_at, completed_at, scheduled_start_at, input,
            output, custom_status, failure, parent, parent_instance_id, metadata, history_length
     FROM instances ORDER BY created_at;
   CREATE TABLE history_next (
     instance_no INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     events TEXT NOT NULL
   );
   INSERT INTO history_next (instance_no, seq, events)
     SELECT i.instance_no, h.seq, h.events FROM history h JOIN instances_next i ON i.instance_id = h.instance_id
     ORDER BY h.rowid;
   CREATE TABLE activities_next (
     id INTEGER PRIMARY KEY,
     instance_no INTEGER NOT NULL,
     execution_id TEXT NOT NULL,
     task_id INTEGER NOT NULL,
     name TEXT NOT NULL,
     input TEXT,
     task_execution_id TEXT,
     visible_at INTEGER NOT NULL,
     dispatch_count INTEGER NOT NULL DEFAULT 0
   );
   INSERT INTO activities_next (id, instance_no, execution_id, task_id, name, input, task_execution_id, visible_at,
                                dispatch_count)
     SELECT a.id, i.instance_no, a.execution_id, a.task_id, a.name, a.input, a.task_execution_id, a.visible_at,
            a.dispatch_count
     FROM activities a JOIN instances_next i ON i.instance_id = a.instance_id;
   DROP TABLE history;
   DROP TABLE activities;
   DROP TABLE instances;
   ALTER TABLE instances_next RENAME TO instances;
   ALTER TABLE history_next RENAME TO history;
   ALTER TABLE activities_next RENAME TO activities;
   CREATE INDEX instances_parent ON instances(parent_instance_id) WHERE parent_instance_id IS NOT NULL;
   CREATE INDEX instances_status ON instances(status, created_at);
   CREATE UNIQUE INDEX history_turns ON history(instance_no, seq);
   CREATE INDEX activities_instance ON activities(instance_no);`,
  LIST_INDEXES,
  // The lifecycle-event outbox (written only when lifecycle events are on) and the relays' cursors. AUTOINCREMENT:
  // a reader resumes after an event's seq, so a seq is never given again after old events are pruned.
  `CREATE TABLE lifecycle_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     created_at INTEGER NOT NULL,
     event TEXT NOT NULL
   );
   CREATE INDEX lifecycle_events_created ON lifecycle_events(created_at);
   CREATE TABLE event_cursors (
     name TEXT PRIMARY KEY,
     position TEXT,
     owner TEXT NOT NULL,
     lease_until INTEGER NOT NULL
   ) WITHOUT ROWID;`,
];

/** Brings the database up to the newest schema, or up to version `through` (tests build older databases so). */
export function migrate(db: Database.Database, through = MIGRATIONS.length): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    if (version <= current || version > through) return;
    db.transaction(() => {
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(
        version,
        // Not the store's clock: migrations run on the writer thread, which a function cannot be passed to, and
        // this time is only for operators reading the table.
        Date.now(),
      );
      db.exec(sql);
    })();
  });
}
