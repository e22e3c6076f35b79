/**
 * Concurrency slots: the shared state behind limits (engine/limits.ts). Each key (say `activity:charge`) has a
 * queue of tickets in arrival order; a ticket may run while it is among the first `max` live tickets of its key,
 * so waiting work runs in order and none is skipped. A ticket lives while its holder renews it: the tickets of a
 * node that died expire after `ttlMs` and stop counting. Rates count the starts of a key over the last second.
 *
 * One implementation per kind of store: `MemorySlots` for a store one process owns (SQLite), `PostgresSlots`
 * (postgres/limits.ts) for a cluster. Both pass slots-contract.ts.
 */
export interface ConcurrencySlots {
  /** Joins the queue of `key`; the ticket counts until released, or until its holder stops renewing. */
  enqueue(key: string, holder: string, now: number): Promise<number>;
  /** Whether `ticket` is among the first `max` live tickets of `key`. */
  isGranted(key: string, ticket: number, max: number, now: number): Promise<boolean>;
  release(key: string, ticket: number): Promise<void>;
  /** Keeps the holder's tickets alive until `now + ttlMs` (and lets expired ones of others go). */
  renew(holder: string, now: number): Promise<void>;
  /** Counts a start of `key` if fewer than `perSecond` started in the second before `now`; false otherwise. */
  takeRate(key: string, perSecond: number, now: number): Promise<boolean>;
  readonly ttlMs: number;
  close(): Promise<void>;
}

interface MemoryTicket {
  ticket: number;
  holder: string;
}

export class MemorySlots implements ConcurrencySlots {
  readonly ttlMs: number;
  readonly #queues = new Map<string, MemoryTicket[]>();
  readonly #expiry = new Map<string, number>();
  readonly #starts = new Map<string, number[]>();
  #next = 1;

  constructor(ttlMs = 30_000) {
    this.ttlMs = ttlMs;
  }

  async enqueue(key: string, holder: string, now: number): Promise<number> {
    const ticket = this.#next++;
    const queue = this.#queues.get(key) ?? [];
    queue.push({ ticket, holder });
    this.#queues.set(key, queue);
    if ((this.#expiry.get(holder) ?? 0) < now + this.ttlMs) this.#expiry.set(holder, now + this.ttlMs);
    return ticket;
  }

  async isGranted(key: string, ticket: number, max: number, now: number): Promise<boolean> {
    let ahead = 0;
    for (const t of this.#queues.get(key) ?? []) {
      if (t.ticket >= ticket) break;
      if ((this.#expiry.get(t.holder) ?? 0) > now) ahead++;
    }
    return ahead < max;
  }

  async release(key: string, ticket: number): Promise<void> {
    const queue = this.#queues.get(key);
    if (!queue) return;
    const index = queue.findIndex((t) => t.ticket === ticket);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(key);
  }

  async renew(holder: string, now: number): Promise<void> {
    this.#expiry.set(holder, now + this.ttlMs);
  }

  async takeRate(key: string, perSecond: number, now: number): Promise<boolean> {
    const starts = (this.#starts.get(key) ?? []).filter((t) => t > now - 1000);
    const allowed = starts.length < perSecond;
    if (allowed) starts.push(now);
    this.#starts.set(key, starts);
    return allowed;
  }

  async close(): Promise<void> {}
}
