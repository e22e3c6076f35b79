/**
 * An in-memory index of which keys (instances, activity rows) have work visible now, which are leased, and when
 * future work (timers, delayed retries) becomes visible. Rebuilt from the database at start, so it is never the
 * source of truth; it only spares the store from polling. One setTimeout covers the earliest future item.
 */
import { MinHeap } from "./min-heap.js";

export class ReadyIndex<K> {
  /** Ready keys, in the order they became ready, with when their work became due. */
  readonly #ready = new Map<K, number>();
  /** Leased keys; `true` once more work arrived for the key while it was leased. */
  readonly #leased = new Map<K, boolean>();
  readonly #future = new MinHeap<{ at: number; key: K }>((a, b) => a.at - b.at);
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  readonly #onReady: () => void;
  readonly #clock: () => number;

  /** `clock`: the store's clock, read when the timer fires (other calls are given `now`). */
  constructor(onReady: () => void, clock: () => number) {
    this.#onReady = onReady;
    this.#clock = clock;
  }

  get readyCount(): number {
    return this.#ready.size;
  }

  /** When the longest-due ready key's work became due; a scan, for metrics only. */
  get oldestReadyAt(): number | undefined {
    let oldest: number | undefined;
    for (const at of this.#ready.values()) if (oldest === undefined || at < oldest) oldest = at;
    return oldest;
  }

  /** Records that `key` has work visible from `at` on. */
  add(key: K, at: number, now: number): void {
    if (at > now) {
      this.#future.push({ at, key });
      this.#arm(now);
      return;
    }
    if (this.#leased.has(key)) {
      this.#leased.set(key, true);
      return;
    }
    const wasEmpty = this.#ready.size === 0;
    if (!this.#ready.has(key)) this.#ready.set(key, at);
    if (wasEmpty) this.#onReady();
  }

  /** Leases the oldest ready key. */
  take(now: number): K | undefined {
    this.#promote(now);
    for (const key of this.#ready.keys()) {
      this.#ready.delete(key);
      this.#leased.set(key, false);
      return key;
    }
    return undefined;
  }

  isLeased(key: K): boolean {
    return this.#leased.has(key);
  }

  /** Ends a lease; `stillReady` says the key has visible work left (e.g. an abandoned turn). */
  release(key: K, stillReady: boolean, now: number, delayMs = 0): void {
    const dirty = this.#leased.get(key);
    this.#leased.delete(key);
    if (dirty || stillReady) this.add(key, now + delayMs, now);
  }

  /** Forgets a key entirely (its work was deleted). */
  remove(key: K): void {
    this.#ready.delete(key);
    this.#leased.delete(key);
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #promote(now: number): void {
    let moved = false;
    while (this.#future.size > 0 && this.#future.peek()!.at <= now) {
      const { key, at } = this.#future.pop()!;
      if (this.#leased.has(key)) this.#leased.set(key, true);
      else {
        if (!this.#ready.has(key)) this.#ready.set(key, at);
        moved = true;
      }
    }
    if (moved && this.#timer === undefined) this.#arm(now);
  }

  #arm(now: number): void {
    const next = this.#future.peek();
    if (!next) return;
    if (this.#timer !== undefined && this.#timerAt <= next.at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = next.at;
    // Timers longer than ~24.8 days overflow setTimeout; re-arming on the way is harmless.
    const delay = Math.min(Math.max(0, next.at - now), 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      const at = this.#clock();
      this.#promote(at);
      this.#arm(at);
      if (this.#ready.size > 0) this.#onReady();
    }, delay);
  }
}
