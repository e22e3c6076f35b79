/**
 * A node's local queue of leased work items of one kind (turns or activities). One round trip leases a batch of
 * items (SKIP LOCKED), which are then handed out one per call. It also remembers when the database was last found
 * drained, so an engine that asks again without anything new having happened gets "nothing" without a round trip,
 * and keeps one timer for the earliest known future work (a timer, a retry delay, a lease that may expire).
 */
export interface ClaimQueueOptions<T> {
  claim: (now: number, limit: number) => Promise<T[]>;
  batchSize: number;
  /** An item queued longer than this is given back instead of handed out: its lease may be about to expire. */
  maxQueuedMs: number;
  release: (items: T[]) => void;
  /** Work may be available: tell the engine. */
  onReady: () => void;
  /** The due timer fired: the store looks up the next due time. */
  onTimer: () => void;
  /** The store's clock. */
  clock: () => number;
}

export class ClaimQueue<T> {
  readonly #options: ClaimQueueOptions<T>;
  #queue: { item: T; at: number }[] = [];
  #claiming: Promise<void> | undefined;
  /** Counts wake-ups; the queue is drained while `#drainedAt` equals it. */
  #wakes = 0;
  #drainedAt = -1;
  #dueAt = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ClaimQueueOptions<T>) {
    this.#options = options;
  }

  /** Something may have become available now. */
  wake(): void {
    this.#wakes += 1;
    this.#options.onReady();
  }

  /** Something becomes available at `at`. */
  wakeAt(at: number): void {
    const now = this.#options.clock();
    if (at <= now) {
      this.wake();
      return;
    }
    if (at >= this.#dueAt) return;
    clearTimeout(this.#timer);
    this.#dueAt = at;
    // Timers longer than ~24.8 days overflow setTimeout; firing early is harmless (the next lookup re-arms).
    this.#timer = setTimeout(() => this.#expire(at), Math.min(at - now, 2 ** 31 - 1));
  }

  async next(now: number): Promise<T | undefined> {
    if (now >= this.#dueAt) this.#fire();
    for (;;) {
      const queued = this.#take();
      if (queued !== undefined) return queued;
      if (this.#claiming) {
        await this.#claiming;
        continue;
      }
      if (this.#drainedAt === this.#wakes) return undefined;
      const claiming = this.#claim(now);
      this.#claiming = claiming;
      try {
        await claiming;
      } finally {
        this.#claiming = undefined;
      }
      if (this.#queue.length === 0) return undefined;
    }
  }

  /** Items leased some other way (a commit that leased them to this node), queued behind the ones waiting. */
  push(items: readonly T[]): void {
    if (items.length === 0) return;
    const at = this.#options.clock();
    for (const item of items) this.#queue.push({ item, at });
    this.#options.onReady();
  }

  /** Items leased and not handed out yet. */
  get size(): number {
    return this.#queue.length;
  }

  /** Forgets queued items that are moot (their instance ended); their rows are gone already. */
  discard(moot: (item: T) => boolean): void {
    this.#queue = this.#queue.filter((q) => !moot(q.item));
  }

  /** Stops the timer; returns the items leased but never handed out, to give back. */
  close(): T[] {
    clearTimeout(this.#timer);
    this.#dueAt = Number.POSITIVE_INFINITY;
    const items = this.#queue.map((q) => q.item);
    this.#queue = [];
    return items;
  }

  async #claim(now: number): Promise<void> {
    const wakes = this.#wakes;
    const { batchSize } = this.#options;
    // `now` may be older than work committed while an earlier claim was in flight; a claim that missed it would
    // mark the queue drained and leave the work to the next sweep.
    const items = await this.#options.claim(Math.max(now, this.#options.clock()), batchSize);
    const at = this.#options.clock();
    for (const item of items) this.#queue.push({ item, at });
    if (items.length < batchSize && this.#wakes === wakes) this.#drainedAt = wakes;
  }

  #take(): T | undefined {
    const stale: T[] = [];
    let found: T | undefined;
    const oldest = this.#options.clock() - this.#options.maxQueuedMs;
    while (found === undefined && this.#queue.length > 0) {
      const { item, at } = this.#queue.shift()!;
      if (at < oldest) stale.push(item);
      else found = item;
    }
    if (stale.length > 0) this.#options.release(stale);
    return found;
  }

  /** Timers may fire a little before the wall clock reaches their time; then wait the rest. */
  #expire(at: number): void {
    if (this.#options.clock() < at) {
      this.#dueAt = Number.POSITIVE_INFINITY;
      this.wakeAt(at);
    } else this.#fire();
  }

  #fire(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
    this.wake();
    this.#options.onTimer();
  }
}
