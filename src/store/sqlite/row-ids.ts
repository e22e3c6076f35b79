/**
 * Row ids that both threads give out, each from one counter in shared memory, so the engine's side can name the
 * rows of a write before the writer thread runs it (a turn's activities, whose lease then needs no read).
 * Ids are given in order, so inbox ids still follow arrival.
 */
export interface LastRowIds {
  instance: number;
  inbox: number;
  activity: number;
}

const INSTANCE = 0;
const INBOX = 1;
const ACTIVITY = 2;

export class RowIds {
  readonly #counters: BigInt64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(3 * 8)) {
    this.#counters = new BigInt64Array(buffer);
  }

  /** Continues after the largest ids in the database (the writer thread, when it opens it). */
  continueAfter(last: LastRowIds): void {
    Atomics.store(this.#counters, INSTANCE, BigInt(last.instance));
    Atomics.store(this.#counters, INBOX, BigInt(last.inbox));
    Atomics.store(this.#counters, ACTIVITY, BigInt(last.activity));
  }

  instance(): number {
    return this.#next(INSTANCE);
  }

  inbox(): number {
    return this.#next(INBOX);
  }

  activity(): number {
    return this.#next(ACTIVITY);
  }

  #next(index: number): number {
    return Number(Atomics.add(this.#counters, index, 1n) + 1n);
  }
}
