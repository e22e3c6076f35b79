/**
 * The dashboard's overview from the SQLite file: a few GROUP BY scans, run in one read transaction on the writer
 * thread so the counts, buckets and backlog describe the same moment.
 */
import type Database from "better-sqlite3";
import type { RuntimeStatus } from "../../core/history.js";
import type { OverviewQuery, StoreOverview } from "../store.js";

type Bucket = StoreOverview["buckets"][number];

export function readOverview(db: Database.Database, query: OverviewQuery): StoreOverview {
  const { since, bucketMs, now } = query;
  return db.transaction(() => {
    const counts = db
      .prepare(
        "SELECT name, status, COUNT(*) AS count FROM instances GROUP BY name, status ORDER BY name, status",
      )
      .all() as { name: string; status: RuntimeStatus; count: number }[];
    const buckets = new Map<number, Bucket>();
    const bucket = (index: number) => {
      let found = buckets.get(index);
      if (!found) {
        found = { index, created: 0, completed: 0, failed: 0, terminated: 0 };
        buckets.set(index, found);
      }
      return found;
    };
    const created = db
      .prepare(
        "SELECT CAST((created_at - ?) / ? AS INTEGER) AS b, COUNT(*) AS n FROM instances WHERE created_at >= ? AND created_at < ? GROUP BY b",
      )
      .all(since, bucketMs, since, now) as { b: number; n: number }[];
    for (const row of created) bucket(row.b).created = row.n;
    const ended = db
      .prepare(
        "SELECT CAST((completed_at - ?) / ? AS INTEGER) AS b, status, COUNT(*) AS n FROM instances " +
          "WHERE completed_at >= ? AND completed_at < ? GROUP BY b, status",
      )
      .all(since, bucketMs, since, now) as { b: number; status: RuntimeStatus; n: number }[];
    for (const row of ended) {
      if (row.status === "COMPLETED") bucket(row.b).completed = row.n;
      else if (row.status === "FAILED") bucket(row.b).failed = row.n;
      else if (row.status === "TERMINATED") bucket(row.b).terminated = row.n;
    }
    const workflows = db
      .prepare("SELECT COUNT(DISTINCT instance_id) AS n FROM inbox WHERE visible_at <= ?")
      .get(now) as { n: number };
    const activities = db.prepare("SELECT COUNT(*) AS n FROM activities").get() as {
      n: number;
    };
    return {
      counts,
      buckets: [...buckets.values()].sort((a, b) => a.index - b.index),
      backlog: { workflows: workflows.n, activities: activities.n },
    };
  })();
}
