/**
 * The listing query (list-schema.ts holds its indexes). Newest first, keyset paging on (created_at, instance_id).
 * With a metadata filter the first pair drives the query from the side table's ordered index; further pairs and
 * the other filters narrow it. Without one, SQLite picks the status, name or creation index itself.
 */
import { prefixEnd } from "../prefix-end.js";
import type { InstanceFilter } from "../store.js";

export const MAX_LIST_LIMIT = 10_000;

export interface SqlQuery {
  text: string;
  values: (string | number)[];
}

export function listInstancesQuery(filter: InstanceFilter, columns = "i.*"): SqlQuery {
  const { where, values, from, order } = filterClauses(filter);
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_LIST_LIMIT);
  return {
    text: `SELECT ${columns} FROM ${from} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} LIMIT ${limit}`,
    values,
  };
}

/** The WHERE clauses of a filter over `instances i` (joined to `instance_metadata m` when metadata is asked for). */
export function filterClauses(filter: InstanceFilter): {
  where: string[];
  values: (string | number)[];
  from: string;
  order: string;
} {
  const where: string[] = [];
  const values: (string | number)[] = [];
  const add = (clause: string, ...params: (string | number)[]) => {
    where.push(clause);
    values.push(...params);
  };
  const pairs = Object.entries(filter.metadata ?? {});
  const driver = pairs.length > 0 ? "m" : "i";
  const from =
    pairs.length > 0
      ? "instance_metadata m JOIN instances i ON i.instance_no = m.instance_no"
      : "instances i";
  const [first, ...rest] = pairs;
  if (first) add("m.key = ? AND m.value = ?", first[0], first[1]);
  for (const [key, value] of rest) {
    add(
      "EXISTS (SELECT 1 FROM instance_metadata o WHERE o.instance_no = i.instance_no AND o.key = ? AND o.value = ?)",
      key,
      value,
    );
  }
  if (filter.statuses?.length)
    add(`i.status IN (${filter.statuses.map(() => "?").join(", ")})`, ...filter.statuses);
  if (filter.name) add("i.name = ?", filter.name);
  if (filter.createdFrom !== undefined) add(`${driver}.created_at >= ?`, filter.createdFrom);
  if (filter.createdTo !== undefined) add(`${driver}.created_at < ?`, filter.createdTo);
  if (filter.updatedFrom !== undefined) add("i.updated_at >= ?", filter.updatedFrom);
  if (filter.updatedTo !== undefined) add("i.updated_at < ?", filter.updatedTo);
  if (filter.idPrefix) {
    add(
      `${driver}.instance_id >= ? AND ${driver}.instance_id < ?`,
      filter.idPrefix,
      prefixEnd(filter.idPrefix),
    );
  }
  if (filter.topLevel) add("i.parent_instance_id IS NULL");
  if (filter.completedBefore !== undefined) {
    add("i.completed_at < ?", filter.completedBefore);
    return { where, values, from, order: "i.completed_at" };
  }
  if (filter.after) {
    add(
      `(${driver}.created_at, ${driver}.instance_id) < (?, ?)`,
      filter.after.createdAt,
      filter.after.instanceId,
    );
  }
  return { where, values, from, order: `${driver}.created_at DESC, ${driver}.instance_id DESC` };
}
