/**
 * The dashboard's overview from PostgreSQL: the whole cluster's instances, since every node shares the tables.
 * One REPEATABLE READ, read-only transaction, so the counts, buckets and backlog describe the same snapshot.
 */
import type pg from "pg";
import type { RuntimeStatus } from "../../core/history.js";
import type { OverviewQuery, StoreOverview } from "../store.js";

type Bucket = StoreOverview["buckets"][number];

export async function readOverview(pool: pg.Pool, query: OverviewQuery): Promise<StoreOverview> {
  const { since, bucketMs, now } = query;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const counts = await client.query<{ name: string; status: RuntimeStatus; count: string }>(
      "SELECT name, status, COUNT(*) AS count FROM instances GROUP BY name, status ORDER BY name, status",
    );
    const created = await client.query<{ b: string; n: string }>(
      `SELECT (created_at - $1) / $2 AS b, COUNT(*) AS n FROM instances
       WHERE created_at >= $1 AND created_at < $3 GROUP BY b`,
      [since, bucketMs, now],
    );
    const ended = await client.query<{ b: string; status: RuntimeStatus; n: string }>(
      `SELECT (completed_at - $1) / $2 AS b, status, COUNT(*) AS n FROM instances
       WHERE completed_at >= $1 AND completed_at < $3 GROUP BY b, status`,
      [since, bucketMs, now],
    );
    const backlog = await client.query<{ workflows: string; activities: string }>(
      // ready_at is set exactly when next_visible_at is, so its partial index keeps this to instances with events.
      `SELECT (SELECT COUNT(*) FROM instances WHERE ready_at IS NOT NULL AND next_visible_at <= $1) AS workflows,
              (SELECT COUNT(*) FROM activities) AS activities`,
      [now],
    );
    await client.query("COMMIT");

    const buckets = new Map<number, Bucket>();
    const bucket = (index: number) => {
      let found = buckets.get(index);
      if (!found) {
        found = { index, created: 0, completed: 0, failed: 0, terminated: 0 };
        buckets.set(index, found);
      }
      return found;
    };
    for (const row of created.rows) bucket(Number(row.b)).created = Number(row.n);
    for (const row of ended.rows) {
      const target = bucket(Number(row.b));
      if (row.status === "COMPLETED") target.completed = Number(row.n);
      else if (row.status === "FAILED") target.failed = Number(row.n);
      else if (row.status === "TERMINATED") target.terminated = Number(row.n);
    }
    return {
      counts: counts.rows.map((r) => ({ name: r.name, status: r.status, count: Number(r.count) })),
      buckets: [...buckets.values()].sort((a, b) => a.index - b.index),
      backlog: {
        workflows: Number(backlog.rows[0]!.workflows),
        activities: Number(backlog.rows[0]!.activities),
      },
    };
  } catch (error) {
    await client.query("ROLLBACK").catch((e: Error) => {
      broken = e;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
