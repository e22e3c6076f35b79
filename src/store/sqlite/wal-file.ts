/**
 * The database's write-ahead log, flushed to disk from libuv's thread pool. SQLite writes each COMMIT to the WAL
 * file (synchronous=NORMAL); `fdatasync` on that file then makes every commit before it durable, which is what
 * synchronous=FULL would do inside COMMIT, on the event loop's thread. The WAL keeps its inode while the database
 * is open (a checkpoint rewinds it, it is not replaced), so one descriptor serves every flush.
 */
import { closeSync, fdatasync, openSync } from "node:fs";

export class WalFile {
  readonly #path: string;
  #fd: number | undefined;

  constructor(databasePath: string) {
    this.#path = `${databasePath}-wal`;
  }

  /** Flushes what has been written to the WAL so far; called after a COMMIT, when the file exists. */
  flush(done: (error: Error | null) => void): void {
    try {
      this.#fd ??= openSync(this.#path, "r+");
    } catch (error) {
      done(error as Error);
      return;
    }
    fdatasync(this.#fd, done);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
