/**
 * Group commit for SQLite. Writes run at once, synchronously, inside one open transaction; the transaction commits
 * on the next turn of the event loop, or sooner when it grows large, so concurrent instances share one fsync.
 * Later reads on the connection see earlier writes at once; nothing is reported durable before its COMMIT.
 * A write that may fail for a reason its caller expects (a conflict) runs in its own savepoint and undoes only
 * itself; a write that must not fail runs without one (two statements fewer), and if it fails after all, the whole
 * batch is rolled back and the store stops, as after a failed COMMIT.
 */
import type Database from "better-sqlite3";

export interface GroupCommitOptions {
  /** Writes per transaction before it commits without waiting for the event loop. */
  maxWrites?: number;
  /**
   * A busy thread can stay in callbacks for long stretches, so the batch also commits once it has been open this
   * long: acknowledgements are never held back longer than that.
   */
  maxOpenMs?: number;
  /** After each COMMIT. */
  onCommit?: () => void;
  /** A COMMIT failed: nothing since the last one is durable, and every later write is refused. */
  onFailure?: (error: unknown) => void;
}

export class GroupCommit {
  readonly #db: Database.Database;
  readonly #maxWrites: number;
  readonly #maxOpenMs: number;
  readonly #onCommit: () => void;
  readonly #onFailure: (error: unknown) => void;
  readonly #savepoint: (write: () => unknown) => unknown;
  #open = false;
  #openedAt = 0;
  #writes = 0;
  #scheduled = false;
  #failure: unknown;
  /** Commits so far and writes they carried: for the benchmark's "steps per commit". */
  readonly stats = { commits: 0, writes: 0 };

  constructor(db: Database.Database, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#maxWrites = options.maxWrites ?? 4000;
    this.#maxOpenMs = options.maxOpenMs ?? 4;
    this.#onCommit = options.onCommit ?? (() => {});
    this.#onFailure = options.onFailure ?? (() => {});
    // Built once: better-sqlite3 builds a new wrapper on every call of `transaction` (measured: W2 about 15% faster).
    this.#savepoint = db.transaction((write: () => unknown) => write());
  }

  get open(): boolean {
    return this.#open;
  }

  get failure(): unknown {
    return this.#failure;
  }

  /**
   * Runs `write` in the open transaction and returns its value; it is durable after the next COMMIT. With
   * `undoable` false, a failure of `write` rolls back the whole batch and stops the group commit.
   */
  apply<T>(write: () => T, undoable = true): T {
    if (this.#failure) throw this.#failure;
    if (!this.#open) {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#open = true;
      this.#openedAt = performance.now();
    }
    this.#scheduleCommit();
    if (undoable) {
      const value = this.#savepoint(write) as T;
      this.#writes += 1;
      return value;
    }
    try {
      const value = write();
      this.#writes += 1;
      return value;
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  /** Commits if the batch is full or has been open long enough (the caller has answered for what it applied). */
  commitIfDue(): void {
    if (this.#writes >= this.#maxWrites || performance.now() - this.#openedAt >= this.#maxOpenMs)
      this.commit();
  }

  /** Commits now (at shutdown, or when the batch is full). */
  commit(): void {
    if (!this.#open) return;
    const writes = this.#writes;
    this.#writes = 0;
    try {
      this.#db.exec("COMMIT");
    } catch (error) {
      // The disk refused the batch: nothing in it is durable, and in-memory state has run ahead of it.
      this.#fail(error);
      return;
    }
    this.#open = false;
    this.stats.commits += 1;
    this.stats.writes += writes;
    this.#onCommit();
  }

  /** Fail-stop: refuse everything from now on; the process must restart and recover from the database. */
  #fail(error: unknown): void {
    this.#failure = error;
    this.#open = false;
    try {
      this.#db.exec("ROLLBACK");
    } catch {
      // already rolled back by SQLite
    }
    this.#onFailure(error);
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
