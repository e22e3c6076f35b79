/**
 * Cluster-wide concurrency slots and rates (slots.ts) on PostgreSQL, for every node sharing the store's schema.
 * A ticket is taken under a per-key advisory lock held to its commit, so ticket numbers become visible in order
 * and a node counting the tickets ahead of its own never misses one that is still being written. The grant check
 * itself is one indexed count, without locks. It opens its own two connections, so limits never wait behind the
 * store's commits.
 */
import pg from "pg";
import { WeftError } from "../../core/errors.js";
import type { ConcurrencySlots } from "../slots.js";
import { postgresOptionsFromUrl } from "./connection.js";
import { pgTypes } from "./rows.js";

const LOCK = "SELECT pg_advisory_xact_lock(hashtext('weft.limits'), hashtext($1))";

export class PostgresSlots implements ConcurrencySlots {
  readonly ttlMs: number;
  readonly #pool: pg.Pool;

  /** `url` is a store URL (its `schema` parameter included); the store must have migrated the schema. */
  constructor(url: string, ttlMs = 30_000) {
    const options = postgresOptionsFromUrl(url);
    const schema = options.schema ?? "weft";
    if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) {
      throw new WeftError("invalid_argument", `the schema name '${schema}' is invalid`);
    }
    this.ttlMs = ttlMs;
    this.#pool = new pg.Pool({
      connectionString: options.url,
      types: pgTypes,
      max: 2,
      options: `-c search_path=${schema}`,
    });
    this.#pool.on("error", () => {});
  }

  async enqueue(key: string, holder: string, now: number): Promise<number> {
    return this.#transaction(key, async (client) => {
      await client.query(
        `INSERT INTO limit_holders (holder, expires_at) VALUES ($1, $2)
         ON CONFLICT (holder) DO UPDATE SET expires_at = GREATEST(limit_holders.expires_at, EXCLUDED.expires_at)`,
        [holder, now + this.ttlMs],
      );
      const inserted = await client.query<{ ticket: number }>(
        "INSERT INTO limit_tickets (key, holder) VALUES ($1, $2) RETURNING ticket",
        [key, holder],
      );
      return Number(inserted.rows[0]!.ticket);
    });
  }

  async isGranted(key: string, ticket: number, max: number, now: number): Promise<boolean> {
    const result = await this.#pool.query<{ ahead: number }>(
      `SELECT count(*)::int AS ahead FROM limit_tickets t JOIN limit_holders h ON h.holder = t.holder
       WHERE t.key = $1 AND t.ticket < $2 AND h.expires_at > $3`,
      [key, ticket, now],
    );
    return result.rows[0]!.ahead < max;
  }

  async release(key: string, ticket: number): Promise<void> {
    await this.#pool.query("DELETE FROM limit_tickets WHERE key = $1 AND ticket = $2", [key, ticket]);
  }

  async renew(holder: string, now: number): Promise<void> {
    await this.#pool.query(
      `WITH renewed AS (
         INSERT INTO limit_holders (holder, expires_at) VALUES ($1, $2)
         ON CONFLICT (holder) DO UPDATE SET expires_at = EXCLUDED.expires_at
       ),
       gone AS (DELETE FROM limit_holders WHERE expires_at < $3 AND holder <> $1 RETURNING holder),
       tickets AS (DELETE FROM limit_tickets WHERE holder IN (SELECT holder FROM gone))
       DELETE FROM limit_starts WHERE started_at < $4`,
      // Holders expired for a whole extra period are gone for good: their tickets can be dropped.
      [holder, now + this.ttlMs, now - this.ttlMs, now - 2000],
    );
  }

  async takeRate(key: string, perSecond: number, now: number): Promise<boolean> {
    return this.#transaction(key, async (client) => {
      const started = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM limit_starts WHERE key = $1 AND started_at > $2",
        [key, now - 1000],
      );
      if (started.rows[0]!.n >= perSecond) return false;
      await client.query("INSERT INTO limit_starts (key, started_at) VALUES ($1, $2)", [key, now]);
      return true;
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #transaction<T>(key: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(LOCK, [key]);
      const value = await work(client);
      await client.query("COMMIT");
      return value;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
