/**
 * The dashboard's overview from PostgreSQL: the whole cluster's instances, since every node shares the tables.
 * One REPEATABLE READ, read-only transaction, so the counts, buckets and backlog describe the same snapshot; counts
 * by name and status and the ends per bucket come from one pass over the instances.
 */
import type pg from "pg";
import type { RuntimeStatus } from "../../core/history.js";
import { foldOverview } from "../overview-rows.js";
import type { OverviewQuery, StoreOverview } from "../store.js";

export async function readOverview(pool: pg.Pool, query: OverviewQuery): Promise<StoreOverview> {
  const { since, bucketMs, now } = query;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const grouped = await client.query<{ name: string; status: RuntimeStatus; b: string | null; n: string }>(
      `SELECT name, status,
              CASE WHEN completed_at >= $1 AND completed_at < $3 THEN (completed_at - $1) / $2 END AS b,
              COUNT(*) AS n
       FROM instances GROUP BY name, status, b`,
      [since, bucketMs, now],
    );
    const created = await client.query<{ b: string; n: string }>(
      `SELECT (created_at - $1) / $2 AS b, COUNT(*) AS n FROM instances
       WHERE created_at >= $1 AND created_at < $3 GROUP BY b`,
      [since, bucketMs, now],
    );
    const backlog = await client.query<{ workflows: string; activities: string }>(
      // ready_at is set exactly when next_visible_at is, so its partial index keeps this to instances with events.
      `SELECT (SELECT COUNT(*) FROM instances WHERE ready_at IS NOT NULL AND next_visible_at <= $1) AS workflows,
              (SELECT COUNT(*) FROM activities) AS activities`,
      [now],
    );
    await client.query("COMMIT");

    const row = backlog.rows[0]!;
    return foldOverview(
      grouped.rows.map((r) => ({ ...r, b: r.b === null ? null : Number(r.b), n: Number(r.n) })),
      created.rows.map((r) => ({ b: Number(r.b), n: Number(r.n) })),
      { workflows: Number(row.workflows), activities: Number(row.activities) },
    );
  } catch (error) {
    await client.query("ROLLBACK").catch((e: Error) => {
      broken = e;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
