/**
 * Vacuums and analyzes the store's tables when the server's autovacuum is off. Every step of a workflow updates
 * an instance row and deletes an activity row, so without vacuum the dead rows pile up, and without analyze the
 * planner keeps the plans it made while the tables were empty (sequential scans, cached for the life of each
 * prepared statement): measured here, W2 on one node fell from 496 to 208 workflows/s over six runs on one
 * database. With autovacuum on, the server does this itself and the housekeeper never starts.
 *
 * It looks only after a node has written since its last look, so idle nodes send nothing, and one node at a time
 * does the work (a session advisory lock, not waited for).
 */
import type pg from "pg";
import type { Logger } from "../../core/logger.js";
import { STORE_TABLES } from "./migrations.js";

export interface HousekeeperOptions {
  pool: pg.Pool;
  schema: string;
  log: Logger;
  /** How often a node that wrote looks at the tables' counters. */
  intervalMs?: number;
  /** Dead (or changed since the last analyze) rows that trigger a vacuum (an analyze), plus a share of the live. */
  threshold?: number;
  scaleFactor?: number;
}

interface TableStats {
  relname: string;
  n_live_tup: string;
  n_dead_tup: string;
  n_mod_since_analyze: string;
}

export interface TidyReport {
  vacuumed: string[];
  analyzed: string[];
  /** Another node held the housekeeping lock, so this one left the work to it. */
  skipped: boolean;
}

export class Housekeeper {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #threshold: number;
  readonly #scaleFactor: number;
  #timer: NodeJS.Timeout | undefined;
  #wrote = false;
  #tidying: Promise<TidyReport> | undefined;

  constructor(options: HousekeeperOptions) {
    this.#pool = options.pool;
    this.#schema = options.schema;
    this.#log = options.log;
    this.#intervalMs = options.intervalMs ?? 2_000;
    this.#threshold = options.threshold ?? 1_000;
    this.#scaleFactor = options.scaleFactor ?? 0.1;
  }

  /** Whether the server leaves the store's tables to it: its autovacuum is off. */
  static async needed(client: pg.ClientBase): Promise<boolean> {
    const { rows } = await client.query<{ autovacuum: string }>("SHOW autovacuum");
    return rows[0]?.autovacuum !== "on";
  }

  start(): void {
    this.#timer = setInterval(() => {
      if (!this.#wrote || this.#tidying) return;
      this.#wrote = false;
      void this.tidy().catch((error: unknown) =>
        this.#log.warn({ err: error }, "vacuuming the store's tables failed; trying again later"),
      );
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** This node changed rows: the next tick looks at the tables. */
  noteWrites(): void {
    this.#wrote = true;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#tidying?.catch(() => {});
  }

  /** Vacuums the tables with enough dead rows and analyzes those with enough changed ones, now. */
  tidy(): Promise<TidyReport> {
    this.#tidying ??= this.#tidy().finally(() => {
      this.#tidying = undefined;
    });
    return this.#tidying;
  }

  async #tidy(): Promise<TidyReport> {
    const report: TidyReport = { vacuumed: [], analyzed: [], skipped: false };
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      const { rows } = await client.query<TableStats>(
        `SELECT relname, n_live_tup, n_dead_tup, n_mod_since_analyze FROM pg_stat_user_tables
         WHERE schemaname = $1 AND relname = ANY($2::text[])`,
        [this.#schema, STORE_TABLES],
      );
      for (const row of rows) {
        const limit = this.#threshold + this.#scaleFactor * Number(row.n_live_tup);
        if (Number(row.n_dead_tup) > limit) report.vacuumed.push(row.relname);
        else if (Number(row.n_mod_since_analyze) > limit) report.analyzed.push(row.relname);
      }
      if (report.vacuumed.length === 0 && report.analyzed.length === 0) return report;
      const lock = [`weft.housekeeping`, this.#schema];
      const { rows: got } = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked",
        lock,
      );
      if (!got[0]?.locked) return { vacuumed: [], analyzed: [], skipped: true };
      try {
        // Table names come from STORE_TABLES, not from input; the search_path is the store's schema. No TRUNCATE:
        // giving back the empty end of a table takes a lock that would stop every node's writes meanwhile.
        if (report.vacuumed.length > 0) {
          await client.query(`VACUUM (ANALYZE, TRUNCATE false) ${report.vacuumed.join(", ")}`);
        }
        if (report.analyzed.length > 0) await client.query(`ANALYZE ${report.analyzed.join(", ")}`);
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext($1), hashtext($2))", lock);
      }
      this.#log.debug(report, "vacuumed the store's tables");
      return report;
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A failed session may still hold the lock: it must not go back to the pool.
      client.release(broken);
    }
  }
}
