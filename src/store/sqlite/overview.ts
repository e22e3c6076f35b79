/**
 * The dashboard's overview from the SQLite file. Counting by name and status reads every instance, and the writer
 * thread's one connection is the only way in (the file is opened in exclusive locking mode). So the pass goes in
 * slices of SLICE_ROWS instance numbers, each its own command: other commands (the engine's turns) run between
 * slices, and none waits longer than one slice (a few milliseconds), however many instances there are. The slices
 * are read at slightly different moments, which an overview can afford; the route also reuses answers in proportion
 * to their cost (routes/overview.ts).
 */
import type Database from "better-sqlite3";
import type { RuntimeStatus } from "../../core/history.js";
import type { GroupedRow } from "../overview-rows.js";
import type { OverviewQuery } from "../store.js";

export const SLICE_ROWS = 2000;

/** Starts per bucket (a range of the created_at index), the backlog, and how far the instance numbers go. */
export function readOverviewHead(db: Database.Database, query: OverviewQuery) {
  const { since, bucketMs, now } = query;
  const created = db
    .prepare(
      `SELECT CAST((created_at - ?) / ? AS INTEGER) AS b, COUNT(*) AS n FROM instances
       WHERE created_at >= ? AND created_at < ? GROUP BY b`,
    )
    .all(since, bucketMs, since, now) as { b: number; n: number }[];
  const workflows = db
    .prepare("SELECT COUNT(DISTINCT instance_id) AS n FROM inbox WHERE visible_at <= ?")
    .get(now) as { n: number };
  const activities = db.prepare("SELECT COUNT(*) AS n FROM activities").get() as { n: number };
  const last = db.prepare("SELECT MAX(instance_no) AS no FROM instances").get() as { no: number | null };
  return {
    created,
    backlog: { workflows: workflows.n, activities: activities.n },
    lastInstanceNo: last.no ?? 0,
  };
}

/** Counts by name, status and end bucket of the instances numbered [from, to): a range of the table's rowid. */
export function readOverviewSlice(
  db: Database.Database,
  query: OverviewQuery,
  from: number,
  to: number,
): GroupedRow[] {
  const { since, bucketMs, now } = query;
  return db
    .prepare(
      `SELECT name, status,
              CASE WHEN completed_at >= ? AND completed_at < ? THEN CAST((completed_at - ?) / ? AS INTEGER) END AS b,
              COUNT(*) AS n
       FROM instances WHERE instance_no >= ? AND instance_no < ? GROUP BY name, status, b`,
    )
    .all(since, now, since, bucketMs, from, to) as {
    name: string;
    status: RuntimeStatus;
    b: number | null;
    n: number;
  }[];
}
