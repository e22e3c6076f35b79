/**
 * Group commit for SQLite. Writes run at once, synchronously, inside one open transaction (each in its own
 * savepoint, so a failing write undoes only itself); the transaction commits on the next turn of the event loop,
 * or sooner when it grows large. Every write's promise resolves once that COMMIT is durable, so concurrent
 * instances share one flush. Later reads on the connection see earlier writes at once, which lets a chain of steps
 * run ahead of the disk without acknowledging anything undurable.
 *
 * With a `flush` (the store passes an fdatasync of the WAL file, run on libuv's thread pool), COMMIT itself does
 * not wait for the disk (synchronous=NORMAL), and the event loop goes on with the next batch while the flush runs:
 * the same durability as synchronous=FULL, which flushes the same file inside COMMIT and blocks the thread. Without
 * one (in-memory databases), a batch is acknowledged when COMMIT returns.
 */
import type Database from "better-sqlite3";

/** Makes everything committed so far durable, then calls `done` (with the error if the disk refused). */
export type Flush = (done: (error: Error | null) => void) => void;

interface Batch {
  commits: number;
  resolves: Array<() => void>;
  rejects: Array<(error: unknown) => void>;
}

export class GroupCommit {
  readonly #db: Database.Database;
  readonly #maxWrites: number;
  readonly #maxOpenMs: number;
  readonly #flush: Flush | undefined;
  readonly #savepoint: (write: () => unknown) => unknown;
  #open = false;
  #openedAt = 0;
  #writes = 0;
  /** The open transaction's waiters. */
  #batch: Batch = emptyBatch();
  /** Committed, waiting for the next flush. */
  #committed: Batch = emptyBatch();
  /** Committed, being flushed. */
  #inFlight: Batch | undefined;
  #scheduled = false;
  #failure: unknown;
  /** Commits so far and writes they carried: for the benchmark's "steps per commit". */
  readonly stats = { commits: 0, writes: 0 };

  /**
   * A busy engine can keep the event loop in promise callbacks for long stretches, so the batch also commits
   * once it has been open `maxOpenMs`: acknowledgements are never held back longer than that.
   */
  constructor(
    db: Database.Database,
    options: { maxWrites?: number; maxOpenMs?: number; flush?: Flush } = {},
  ) {
    this.#db = db;
    this.#maxWrites = options.maxWrites ?? 4000;
    this.#maxOpenMs = options.maxOpenMs ?? 4;
    this.#flush = options.flush;
    // Built once: better-sqlite3 makes a new wrapper each time `transaction` is called.
    this.#savepoint = db.transaction((write: () => unknown) => write());
  }

  /** Runs `write` in the open transaction; the promise settles once it is durable. */
  write<T>(write: () => T): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#open) {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#open = true;
      this.#openedAt = performance.now();
    }
    let value: T;
    try {
      value = this.#savepoint(write) as T;
    } catch (error) {
      this.#scheduleCommit();
      return Promise.reject(error);
    }
    this.#writes += 1;
    const done = new Promise<T>((resolve, reject) => {
      this.#batch.resolves.push(() => resolve(value));
      this.#batch.rejects.push(reject);
    });
    if (this.#writes >= this.#maxWrites || performance.now() - this.#openedAt >= this.#maxOpenMs)
      this.commit();
    else this.#scheduleCommit();
    return done;
  }

  /** Runs `fn` once everything written so far is durable (at once if it already is). */
  afterCommit(fn: () => void): void {
    const waiting = this.#waiting();
    if (waiting) waiting.resolves.push(fn);
    else fn();
  }

  /** Resolves once what has been written so far is durable: reads that must only show durable state wait here. */
  durable(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const waiting = this.#waiting();
    if (!waiting) return Promise.resolve();
    return new Promise((resolve, reject) => {
      waiting.resolves.push(resolve);
      waiting.rejects.push(reject);
    });
  }

  /** The earliest batch whose durability covers everything written so far. */
  #waiting(): Batch | undefined {
    if (this.#open) return this.#batch;
    if (this.#committed.commits > 0) return this.#committed;
    return this.#inFlight;
  }

  /** Commits now (at shutdown, or when the batch is full); the batch is acknowledged once it is durable. */
  commit(): void {
    if (!this.#open) return;
    if (this.#failure) {
      // A flush failed while this transaction was open; its waiters were rejected with it.
      this.#open = false;
      this.#db.exec("ROLLBACK");
      return;
    }
    const batch = this.#batch;
    const writes = this.#writes;
    this.#batch = emptyBatch();
    this.#writes = 0;
    this.#open = false;
    try {
      this.#db.exec("COMMIT");
    } catch (error) {
      try {
        this.#db.exec("ROLLBACK");
      } catch {
        // already rolled back by SQLite
      }
      this.#fail(error, batch);
      return;
    }
    this.stats.commits += 1;
    this.stats.writes += writes;
    if (!this.#flush) {
      settle(batch);
      return;
    }
    this.#committed.commits += 1;
    this.#committed.resolves.push(...batch.resolves);
    this.#committed.rejects.push(...batch.rejects);
    this.#startFlush();
  }

  get failure(): unknown {
    return this.#failure;
  }

  /** One flush at a time; commits made while it runs wait for the next, which covers them all. */
  #startFlush(): void {
    if (this.#inFlight || this.#committed.commits === 0 || this.#failure) return;
    const batch = this.#committed;
    this.#inFlight = batch;
    this.#committed = emptyBatch();
    this.#flush!((error) => {
      this.#inFlight = undefined;
      if (error) {
        this.#fail(error, batch);
        return;
      }
      settle(batch);
      this.#startFlush();
    });
  }

  /**
   * The disk refused a batch: it is not durable, and in-memory state has run ahead of it. Fail-stop: reject
   * everything from now on; the process must restart and recover from the database.
   */
  #fail(error: unknown, batch: Batch): void {
    this.#failure = error;
    for (const waiting of [batch, this.#committed, this.#batch]) {
      for (const reject of waiting.rejects) reject(error);
    }
    this.#committed = emptyBatch();
    this.#batch = emptyBatch();
  }

  #scheduleCommit(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.commit();
    });
  }
}

function emptyBatch(): Batch {
  return { commits: 0, resolves: [], rejects: [] };
}

function settle(batch: Batch): void {
  for (const resolve of batch.resolves) resolve();
}
