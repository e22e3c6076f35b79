/**
 * How the PostgreSQL store connects: the options it is opened with, those a store URL gives, and the pool
 * settings they make (the schema on the search path, durable commits, and the planner settings its statements need).
 */
import type pg from "pg";
import { WeftError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { pgTypes } from "./rows.js";

export interface PostgresStoreOptions {
  /** A PostgreSQL connection URL: postgres://user:password@host:port/database */
  url: string;
  /** The schema that holds Weft's tables, created if missing; default `weft`. */
  schema?: string;
  /** How long a lease on a turn or an activity lasts unless renewed (a dead node's work waits this long). */
  leaseTtlMs?: number;
  /** Connections for writes and reads (claims and notifications use three more). */
  poolSize?: number;
  /** Work items leased per round trip. */
  claimBatchSize?: number;
  /**
   * Eager starts (default on): while this node keeps up with its turns, an instance it starts has its first turn
   * leased to it in the same commit and runs here, without a notification and a claim. Off, every start is left
   * to whichever node claims it first.
   */
  eagerStarts?: boolean;
  /** Write lifecycle events to the outbox with each status change (see `lifecycleEvents`). */
  lifecycleEvents?: boolean;
  logger?: Logger;
  /** The time the store reads itself (lease expiries, due work, notices); default `Date.now`. */
  clock?: () => number;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,47}$/;

/** Refuses a schema name that is not a plain lowercase identifier: it reaches SQL text, not only parameters. */
export function checkSchemaName(schema: string): void {
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new WeftError(
      "invalid_argument",
      `the schema name '${schema}' is invalid: use lowercase letters, digits and '_', starting with a letter`,
    );
  }
}

/**
 * How the store's sessions plan. Every statement of the store looks rows up by key, in batches unpacked from JSON,
 * but the planner guesses 100 rows per JSON batch and sizes tables from their last analyze, so it would otherwise
 * scan whole tables (sequentially, or a whole index for a hash join) at a cost that grows with the table. Plans
 * are made once per statement and connection, and made again after the tables are analyzed.
 */
const PLANNER_SETTINGS = [
  "plan_cache_mode=force_generic_plan",
  "enable_seqscan=off",
  "enable_hashjoin=off",
  "enable_mergejoin=off",
].map((setting) => `-c ${setting}`);

/**
 * Pool settings from a connection URL. The search_path makes every statement use the store's schema; a user's
 * own `options` parameter is kept, and may override the planner settings.
 */
export function connectionConfig(url: string, schema: string): pg.PoolConfig & { options: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WeftError(
      "invalid_argument",
      "the PostgreSQL store needs a URL such as postgres://user@host/db",
    );
  }
  const userOptions = parsed.searchParams.get("options");
  parsed.searchParams.delete("options");
  return {
    connectionString: parsed.toString(),
    types: pgTypes,
    // Writes are acknowledged, and their work handed out, only once their commit is flushed: whatever the
    // server's default, the store's sessions wait for the WAL (the lease pool alone opts out, see above).
    options: [
      ...PLANNER_SETTINGS,
      "-c synchronous_commit=on",
      userOptions ?? "",
      `-c search_path=${schema}`,
    ].join(" "),
  };
}

/**
 * Store options from a store URL (`weft run --store`, `WEFT_STORE`): `schema` and `lease_ms` are Weft's query
 * parameters, everything else is PostgreSQL's.
 */
export function postgresOptionsFromUrl(url: string): PostgresStoreOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WeftError("invalid_argument", `the store URL '${url}' is not a valid URL`);
  }
  const options: PostgresStoreOptions = { url };
  const schema = parsed.searchParams.get("schema");
  if (schema !== null) options.schema = schema;
  const lease = parsed.searchParams.get("lease_ms");
  if (lease !== null) {
    const ms = Number(lease);
    if (!Number.isInteger(ms) || ms < 100) {
      throw new WeftError(
        "invalid_argument",
        `lease_ms must be a whole number of milliseconds from 100, got '${lease}'`,
      );
    }
    options.leaseTtlMs = ms;
  }
  const eager = parsed.searchParams.get("eager_starts");
  if (eager !== null) {
    if (eager !== "true" && eager !== "false") {
      throw new WeftError("invalid_argument", `eager_starts must be true or false, got '${eager}'`);
    }
    options.eagerStarts = eager === "true";
  }
  parsed.searchParams.delete("schema");
  parsed.searchParams.delete("lease_ms");
  parsed.searchParams.delete("eager_starts");
  options.url = parsed.toString();
  return options;
}
