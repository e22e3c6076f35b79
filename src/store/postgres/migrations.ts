/**
 * Versioned schema migrations, append-only. Every node applies them on start; several nodes may start at once.
 * Each migration runs in its own transaction that first takes an advisory lock for the schema and then inserts
 * its version row, so a concurrent node either waits for it or sees the row and skips it; a database is never
 * left half-migrated. Migrations are never edited once released: a change is a new entry.
 */
import type pg from "pg";
import { LIFECYCLE_EVENTS_MIGRATION } from "./lifecycle-events.js";
import { LIMIT_TABLES } from "./limits-schema.js";
import { LIST_INDEXES } from "./list-schema.js";
import type { Migration } from "./migration.js";

/**
 * `ready_at` says when an instance can next be leased: its earliest inbox event, or later while a lease holds it
 * (an abandoned turn holds an ownerless lease until its retry delay is over). Claiming is then one range scan.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "instances, history, inbox, activities, dedup keys",
    sql: `
      CREATE TABLE instances (
        instance_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        execution_id TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        completed_at BIGINT,
        scheduled_start_at BIGINT,
        input TEXT,
        output TEXT,
        custom_status TEXT,
        failure JSON,
        parent JSON,
        parent_instance_id TEXT,
        metadata JSON,
        history_length INTEGER NOT NULL DEFAULT 0,
        next_visible_at BIGINT,
        lease_owner TEXT,
        lease_token UUID,
        lease_expires_at BIGINT,
        ready_at BIGINT GENERATED ALWAYS AS (
          CASE WHEN next_visible_at IS NULL THEN NULL ELSE GREATEST(next_visible_at, lease_expires_at) END
        ) STORED
      );
      CREATE INDEX instances_ready ON instances (ready_at) WHERE ready_at IS NOT NULL;
      CREATE INDEX instances_parent ON instances (parent_instance_id) WHERE parent_instance_id IS NOT NULL;
      CREATE INDEX instances_status ON instances (status, instance_id);
      CREATE TABLE history (
        instance_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event JSON NOT NULL,
        PRIMARY KEY (instance_id, seq)
      );
      CREATE TABLE inbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        instance_id TEXT NOT NULL,
        execution_id TEXT,
        visible_at BIGINT NOT NULL,
        event JSON NOT NULL
      );
      CREATE INDEX inbox_instance ON inbox (instance_id, visible_at);
      CREATE TABLE activities (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        instance_id TEXT NOT NULL,
        execution_id TEXT NOT NULL,
        task_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        input TEXT,
        task_execution_id TEXT,
        visible_at BIGINT NOT NULL,
        dispatch_count INTEGER NOT NULL DEFAULT 0,
        lease_token UUID,
        UNIQUE (instance_id, execution_id, task_id)
      );
      CREATE INDEX activities_visible ON activities (visible_at);
      CREATE TABLE dedup_keys (
        key TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL
      );`,
  },
  LIST_INDEXES,
  LIMIT_TABLES,
  { version: 4, description: "lifecycle-event outbox and relay cursors", sql: LIFECYCLE_EVENTS_MIGRATION },
];

/** The tables the migrations create, for maintenance (housekeeper.ts). */
export const STORE_TABLES = [
  "instances",
  "history",
  "inbox",
  "activities",
  "dedup_keys",
  "instance_metadata",
];

/** Applies the migrations this database lacks. `schema` is a validated, unquoted identifier. */
export async function migrate(client: pg.ClientBase, schema: string): Promise<void> {
  const quoted = client.escapeIdentifier(schema);
  const lock = "SELECT pg_advisory_xact_lock(hashtext('weft.migrations'), hashtext($1))";
  await inTransaction(client, async () => {
    await client.query(lock, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
         version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
  });
  for (const migration of MIGRATIONS) {
    await inTransaction(client, async () => {
      await client.query(lock, [schema]);
      // The version row comes first: a node that finds it taken knows the migration is (being) applied.
      const claimed = await client.query(
        `INSERT INTO ${quoted}.schema_migrations (version, description) VALUES ($1, $2)
         ON CONFLICT (version) DO NOTHING`,
        [migration.version, migration.description],
      );
      if (claimed.rowCount === 0) return;
      await client.query(`SET LOCAL search_path TO ${quoted}`);
      await client.query(migration.sql);
    });
  }
}

async function inTransaction(client: pg.ClientBase, work: () => Promise<void>): Promise<void> {
  await client.query("BEGIN");
  try {
    await work();
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
