/**
 * The dashboard's overview from the SQLite file, in one read transaction on the writer thread so the counts,
 * buckets and backlog describe the same moment. Counts by name and status and the ends per bucket come from one
 * pass over the instances (the widest read); starts per bucket read only the window's range of the created_at
 * index. The route caches answers in proportion to their cost (routes/overview.ts), because this pass holds the
 * writer for its duration.
 */
import type Database from "better-sqlite3";
import type { RuntimeStatus } from "../../core/history.js";
import { foldOverview } from "../overview-rows.js";
import type { OverviewQuery, StoreOverview } from "../store.js";

export function readOverview(db: Database.Database, query: OverviewQuery): StoreOverview {
  const { since, bucketMs, now } = query;
  return db.transaction(() => {
    const grouped = db
      .prepare(
        `SELECT name, status,
                CASE WHEN completed_at >= ? AND completed_at < ? THEN CAST((completed_at - ?) / ? AS INTEGER) END AS b,
                COUNT(*) AS n
         FROM instances GROUP BY name, status, b`,
      )
      .all(since, now, since, bucketMs) as {
      name: string;
      status: RuntimeStatus;
      b: number | null;
      n: number;
    }[];
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
    return foldOverview(grouped, created, { workflows: workflows.n, activities: activities.n });
  })();
}
