/**
 * The listing query (migration 2 holds its indexes). Newest first, keyset paging on (created_at, instance_id), so
 * each index ends in those two columns and a page is one ordered index range, however many instances match. With
 * a metadata filter the first pair drives the query from the side table's ordered index; further pairs and the
 * other filters narrow it. An id prefix is a LIKE on a pattern_ops index, which, unlike a range, holds whatever
 * the database's collation.
 */
import type { QueryConfig } from "pg";
import { prefixEnd } from "../prefix-end.js";
import type { InstanceFilter } from "../store.js";
import { INSTANCE_COLUMNS } from "./rows.js";

export const MAX_LIST_LIMIT = 10_000;

type Query = QueryConfig<unknown[]>;

export function listInstances(filter: InstanceFilter): Query {
  const { where, values, from, order } = filterClauses(filter);
  values.push(Math.min(Math.max(filter.limit ?? 100, 1), MAX_LIST_LIMIT));
  return {
    text:
      `SELECT ${INSTANCE_COLUMNS.map((c) => `i.${c}`).join(", ")} FROM ${from} ` +
      `${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} LIMIT $${values.length}`,
    values,
  };
}

/** The clauses of a filter over `instances i` (joined to `instance_metadata m` when metadata is asked for). */
export function filterClauses(filter: InstanceFilter): {
  where: string[];
  values: unknown[];
  from: string;
  order: string;
} {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const pairs = Object.entries(filter.metadata ?? {});
  const d = pairs.length > 0 ? "m" : "i";
  const from =
    pairs.length > 0
      ? "instance_metadata m JOIN instances i ON i.instance_id = m.instance_id"
      : "instances i";
  const [first, ...rest] = pairs;
  if (first) where.push(`m.key = ${param(first[0])} AND m.value = ${param(first[1])}`);
  for (const [key, value] of rest) {
    where.push(
      `EXISTS (SELECT 1 FROM instance_metadata o WHERE o.instance_id = i.instance_id AND o.key = ${param(key)} AND o.value = ${param(value)})`,
    );
  }
  if (filter.statuses?.length) where.push(`i.status = ANY(${param(filter.statuses)}::text[])`);
  if (filter.name) where.push(`i.name = ${param(filter.name)}`);
  if (filter.createdFrom !== undefined) where.push(`${d}.created_at >= ${param(filter.createdFrom)}`);
  if (filter.createdTo !== undefined) where.push(`${d}.created_at < ${param(filter.createdTo)}`);
  if (filter.updatedFrom !== undefined) where.push(`i.updated_at >= ${param(filter.updatedFrom)}`);
  if (filter.updatedTo !== undefined) where.push(`i.updated_at < ${param(filter.updatedTo)}`);
  if (filter.idPrefix) {
    // The range uses the pattern_ops index even in a generic plan (a LIKE with a parameter cannot); LIKE is exact.
    const from = param(filter.idPrefix);
    const to = param(prefixEnd(filter.idPrefix));
    const like = param(`${filter.idPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`i.instance_id ~>=~ ${from} AND i.instance_id ~<~ ${to} AND i.instance_id LIKE ${like}`);
  }
  if (filter.topLevel) where.push("i.parent_instance_id IS NULL");
  if (filter.completedBefore !== undefined) {
    where.push(`i.completed_at < ${param(filter.completedBefore)}`);
    return { where, values, from, order: "i.completed_at" };
  }
  if (filter.after) {
    const { createdAt, instanceId } = filter.after;
    where.push(
      `(${d}.created_at, ${d}.instance_id) < (${param(createdAt)}::bigint, ${param(instanceId)}::text)`,
    );
  }
  // With an id prefix, an order the creation index cannot give makes the planner start from the prefix's range
  // (its generic plan cannot see how few ids a prefix matches, and would walk the creation index instead, 300 ms
  // over a million rows). A prefix that matches most instances then costs a sort; a search box's prefixes do not.
  const created = filter.idPrefix && d === "i" ? "(i.created_at + 0)" : `${d}.created_at`;
  return { where, values, from, order: `${created} DESC, ${d}.instance_id DESC` };
}
