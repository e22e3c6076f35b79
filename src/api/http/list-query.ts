/**
 * The query of a listing (`GET /weft/v1/instances`, and the bulk routes' filters) as a store filter:
 * `status` (comma-separated), `name`, `createdFrom`/`createdTo` and `updatedFrom`/`updatedTo` (RFC 3339; from
 * inclusive, to exclusive), `metadata=key=value` (repeatable, all must match), `idPrefix`, `limit` (1 to 1000) and
 * `continuationToken` (from the previous page's answer). `after` is not taken any more: pages are newest first,
 * so an instance id alone no longer says where a page ended.
 */
import { RUNTIME_STATUSES, type RuntimeStatus } from "../../core/history.js";
import { checkMetadata, checkName, checkTime, quote } from "../../core/input-rules.js";
import type { InstanceFilter } from "../../store/store.js";
import { decodePageToken } from "../page-token.js";
import { malformed } from "./errors.js";
import { queryValue } from "./request.js";

export const MAX_PAGE = 1000;

/** The filter part of a query (no paging): what bulk operations take. */
export function instanceFilter(query: unknown): InstanceFilter {
  const value = (name: string) => queryValue(query, name) || undefined;
  if (value("after")) {
    throw malformed("'after' is no longer taken: pass the previous page's 'continuationToken' instead");
  }
  const status = value("status");
  const filter: InstanceFilter = {
    statuses: status ? parseStatuses(status) : undefined,
    name: optional(value("name"), (name) => checkName("workflow", name)),
    createdFrom: parseTime("createdFrom", value("createdFrom")),
    createdTo: parseTime("createdTo", value("createdTo")),
    updatedFrom: parseTime("updatedFrom", value("updatedFrom")),
    updatedTo: parseTime("updatedTo", value("updatedTo")),
    metadata: parseMetadata((query as Record<string, unknown> | undefined)?.metadata),
    idPrefix: value("idPrefix"),
  };
  for (const key of Object.keys(filter) as (keyof InstanceFilter)[]) {
    if (filter[key] === undefined) delete filter[key];
  }
  return filter;
}

/** A whole listing query: the filter, the page size and where to continue. */
export function listFilter(query: unknown): InstanceFilter & { limit: number } {
  const limitText = queryValue(query, "limit") || undefined;
  const limit = limitText === undefined ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw malformed(`'limit' must be an integer from 1 to ${MAX_PAGE}, got ${quote(String(limitText))}`);
  }
  const token = queryValue(query, "continuationToken") || undefined;
  return { ...instanceFilter(query), ...(token ? { after: decodePageToken(token) } : {}), limit };
}

export function parseStatuses(value: string): RuntimeStatus[] {
  return value.split(",").map((raw) => {
    const status = raw.trim().toUpperCase() as RuntimeStatus;
    if (!RUNTIME_STATUSES.includes(status)) {
      throw malformed(
        `unknown status ${quote(raw)}; use one or more of ${RUNTIME_STATUSES.join(", ")}, comma-separated`,
      );
    }
    return status;
  });
}

function parseTime(name: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw malformed(`'${name}' must be an RFC 3339 time, got ${quote(value)}`);
  return checkTime(ms, `'${name}'`);
}

function parseMetadata(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined || raw === "") return undefined;
  const items = Array.isArray(raw) ? raw : [raw];
  const pairs = items.map((item): [string, string] => {
    const text = String(item);
    const eq = text.indexOf("=");
    if (eq <= 0) throw malformed(`'metadata' must be key=value, got ${quote(text)}`);
    return [text.slice(0, eq), text.slice(eq + 1)];
  });
  // The same rules as the metadata a start takes (no '__proto__', each key once), so every filter can match.
  return checkMetadata(pairs);
}

function optional<T>(value: string | undefined, check: (value: string) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}
