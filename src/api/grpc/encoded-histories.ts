/**
 * Each instance's committed history as encoded pastEvents entries (encoded-work.ts), kept between its turns so a
 * turn neither reads the history back from the store nor encodes it again. An entry is used only when it holds
 * exactly as many events as the store says the history has; otherwise the turn loads the history and starts a new
 * entry. An instance's entries live in one buffer that grows by doubling (one allocation per instance, not one per
 * event). The least recently used histories go first once the bytes held pass the budget.
 */
export interface EncodedHistory {
  readonly executionId: string;
  /** Events encoded so far: the history length this entry stands for. */
  length: number;
  buffer: Uint8Array;
  used: number;
}

/** Some 20,000 histories of a 10-step workflow. */
const DEFAULT_BUDGET_BYTES = 64 * 1024 * 1024;

/** The encoded past events of a history. */
export function pastBytes(history: EncodedHistory): Uint8Array {
  return history.buffer.subarray(0, history.used);
}

export class EncodedHistories {
  readonly #budget: number;
  readonly #byInstance = new Map<string, EncodedHistory>();
  #bytes = 0;

  constructor(budgetBytes = DEFAULT_BUDGET_BYTES) {
    this.#budget = budgetBytes;
  }

  get size(): number {
    return this.#byInstance.size;
  }

  /** Bytes held (buffers' capacity). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The history of this execution if it holds exactly `length` events. */
  get(instanceId: string, executionId: string, length: number): EncodedHistory | undefined {
    const history = this.#byInstance.get(instanceId);
    if (!history) return undefined;
    if (history.executionId !== executionId || history.length !== length) {
      this.delete(instanceId);
      return undefined;
    }
    return history;
  }

  set(instanceId: string, executionId: string, entries: readonly Uint8Array[]): EncodedHistory {
    this.delete(instanceId);
    const history: EncodedHistory = { executionId, length: 0, buffer: new Uint8Array(0), used: 0 };
    this.#byInstance.set(instanceId, history);
    this.#add(history, entries);
    return history;
  }

  /**
   * A turn was applied: the history of `executionId` grew from `from` to `from + appended.length` events. Unless
   * the entry stands for exactly `from` events of that execution, it is dropped (the next turn loads the history).
   */
  append(instanceId: string, executionId: string, from: number, appended: readonly Uint8Array[]): void {
    const history = this.#byInstance.get(instanceId);
    if (!history) return;
    if (history.executionId !== executionId || history.length !== from) {
      this.delete(instanceId);
      return;
    }
    // Most recently used last.
    this.#byInstance.delete(instanceId);
    this.#byInstance.set(instanceId, history);
    this.#add(history, appended);
  }

  delete(instanceId: string): void {
    const history = this.#byInstance.get(instanceId);
    if (!history) return;
    this.#byInstance.delete(instanceId);
    this.#bytes -= history.buffer.length;
  }

  #add(history: EncodedHistory, entries: readonly Uint8Array[]): void {
    let needed = history.used;
    for (const entry of entries) needed += entry.length;
    if (needed > history.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, 2 * history.buffer.length, 256));
      grown.set(history.buffer.subarray(0, history.used));
      this.#bytes += grown.length - history.buffer.length;
      history.buffer = grown;
    }
    for (const entry of entries) {
      history.buffer.set(entry, history.used);
      history.used += entry.length;
    }
    history.length += entries.length;
    this.#trim();
  }

  #trim(): void {
    while (this.#bytes > this.#budget) {
      const oldest = this.#byInstance.keys().next();
      if (oldest.done) return;
      this.delete(oldest.value);
    }
  }
}
