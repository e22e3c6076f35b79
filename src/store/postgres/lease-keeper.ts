/**
 * Keeps this node's leases alive. Every lease the engine holds (a turn being run, an activity being executed) is
 * renewed a few times per lease period in one statement per kind; a node that stops (crash, pause, lost network)
 * stops renewing, its leases expire, and other nodes take the work over. A lease found taken over is forgotten
 * here; the late completion is then refused (`lock_lost`) or ignored by the write that checks its token.
 */
import type pg from "pg";
import type { Logger } from "../../core/logger.js";
import * as sql from "./queries.js";

export class LeaseKeeper {
  readonly #pool: pg.Pool;
  readonly #ttlMs: number;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #turns = new Map<string, string>();
  readonly #activities = new Map<number, string>();
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;

  constructor(pool: pg.Pool, ttlMs: number, log: Logger, clock: () => number) {
    this.#pool = pool;
    this.#ttlMs = ttlMs;
    this.#log = log;
    this.#clock = clock;
  }

  start(): void {
    this.#timer = setInterval(() => void this.#renew(), Math.max(Math.floor(this.#ttlMs / 3), 10));
    this.#timer.unref();
  }

  /** Stops renewing; returns the leases still held, to give back. */
  stop(): { turns: sql.HeldTurnLease[]; activities: sql.HeldActivityLease[] } {
    clearInterval(this.#timer);
    const held = { turns: turnLeases(this.#turns), activities: activityLeases(this.#activities) };
    this.#turns.clear();
    this.#activities.clear();
    return held;
  }

  holdTurn(instanceId: string, token: string): void {
    this.#turns.set(instanceId, token);
  }

  dropTurn(instanceId: string, token: string): void {
    if (this.#turns.get(instanceId) === token) this.#turns.delete(instanceId);
  }

  holdActivity(id: number, token: string): void {
    this.#activities.set(id, token);
  }

  dropActivity(id: number): void {
    this.#activities.delete(id);
  }

  async #renew(): Promise<void> {
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      const expiresAt = this.#clock() + this.#ttlMs;
      if (this.#turns.size > 0) {
        const leases = turnLeases(this.#turns);
        const kept = await this.#pool.query<{ id: string }>(sql.renewTurnLeases(leases, expiresAt));
        const still = new Set(kept.rows.map((r) => r.id));
        for (const lease of leases) {
          if (!still.has(lease.id)) this.dropTurn(lease.id, lease.token);
        }
      }
      if (this.#activities.size > 0) {
        const leases = activityLeases(this.#activities);
        const kept = await this.#pool.query<{ id: number }>(sql.renewActivityLeases(leases, expiresAt));
        const still = new Set(kept.rows.map((r) => r.id));
        for (const lease of leases) {
          if (!still.has(lease.id) && this.#activities.get(lease.id) === lease.token) {
            this.#activities.delete(lease.id);
          }
        }
      }
    } catch (error) {
      this.#log.warn({ err: error }, "renewing leases failed; retrying");
    } finally {
      this.#renewing = false;
    }
  }
}

function turnLeases(map: Map<string, string>): sql.HeldTurnLease[] {
  return [...map].map(([id, token]) => ({ id, token }));
}

function activityLeases(map: Map<number, string>): sql.HeldActivityLease[] {
  return [...map].map(([id, token]) => ({ id, token }));
}
