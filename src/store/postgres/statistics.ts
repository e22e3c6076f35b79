/**
 * The statistics query of the PostgreSQL store (Store.statistics): instance counts and the backlog, read from the
 * tables so that every node answers the same. Run when metrics are scraped, never on the hot path: counting by
 * name and status scans the instances table.
 */
import type { QueryConfig } from "pg";
import type { RuntimeStatus } from "../../core/history.js";
import type { StoreStatistics } from "../store.js";

/**
 * Ready turns: `ready_at` is due and no live lease holds the row (a lease moves `ready_at` to its expiry), waiting
 * since their earliest inbox event. Ready activities: due and not leased (a lease moves `visible_at` likewise).
 */
export function statisticsQuery(now: number): QueryConfig<unknown[]> {
  return {
    name: "weft_statistics",
    text: `
      SELECT
        (SELECT coalesce(json_agg(c), '[]'::json) FROM (
           SELECT name, status, count(*)::int AS count FROM instances GROUP BY name, status) c) AS instances,
        t.ready_turns, t.oldest_turn, a.ready_activities, a.oldest_activity
      FROM (SELECT count(*)::int AS ready_turns, min(next_visible_at) AS oldest_turn
            FROM instances WHERE ready_at <= $1) t,
           (SELECT count(*)::int AS ready_activities, min(visible_at) AS oldest_activity
            FROM activities WHERE visible_at <= $1) a`,
    values: [now],
  };
}

export interface StatisticsRow {
  instances: { name: string; status: RuntimeStatus; count: number }[];
  ready_turns: number;
  oldest_turn: string | number | null;
  ready_activities: number;
  oldest_activity: string | number | null;
}

export function toStatistics(
  row: StatisticsRow,
  commits: { commits: number; writes: number },
): StoreStatistics {
  return {
    instances: row.instances,
    readyTurns: row.ready_turns,
    oldestReadyTurnAt: row.oldest_turn === null ? undefined : Number(row.oldest_turn),
    readyActivities: row.ready_activities,
    oldestReadyActivityAt: row.oldest_activity === null ? undefined : Number(row.oldest_activity),
    ...commits,
  };
}
