/** Both stores' overview queries answer the same row shapes; this folds them into a StoreOverview. */
import type { RuntimeStatus } from "../core/history.js";
import type { StoreOverview } from "./store.js";

type Bucket = StoreOverview["buckets"][number];

/** Instances of one name and status, ended in bucket `b` (null: not ended in the window). */
export interface GroupedRow {
  name: string;
  status: RuntimeStatus;
  b: number | null;
  n: number;
}

/**
 * `grouped`: instance counts by name, status and end bucket (`b` null when the instance did not end in the window);
 * `created`: starts by bucket.
 */
export function foldOverview(
  grouped: readonly GroupedRow[],
  created: readonly { b: number; n: number }[],
  backlog: StoreOverview["backlog"],
): StoreOverview {
  const counts = new Map<string, StoreOverview["counts"][number]>();
  const buckets = new Map<number, Bucket>();
  const bucket = (index: number) => {
    let found = buckets.get(index);
    if (!found) {
      found = { index, created: 0, completed: 0, failed: 0, terminated: 0 };
      buckets.set(index, found);
    }
    return found;
  };
  for (const row of grouped) {
    const key = `${row.name}\u0000${row.status}`;
    const count = counts.get(key);
    if (count) count.count += row.n;
    else counts.set(key, { name: row.name, status: row.status, count: row.n });
    if (row.b === null) continue;
    if (row.status === "COMPLETED") bucket(row.b).completed += row.n;
    else if (row.status === "FAILED") bucket(row.b).failed += row.n;
    else if (row.status === "TERMINATED") bucket(row.b).terminated += row.n;
  }
  for (const row of created) bucket(row.b).created += row.n;
  return {
    counts: [...counts.values()].sort((a, b) => (a.name === b.name ? 0 : a.name < b.name ? -1 : 1)),
    buckets: [...buckets.values()].sort((a, b) => a.index - b.index),
    backlog,
  };
}
