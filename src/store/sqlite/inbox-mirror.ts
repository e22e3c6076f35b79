/**
 * The inbox rows of each instance as this process wrote them (the writer thread reports each row it inserts), so
 * a turn reads its events from memory instead of asking the thread. Rows the database held when it was opened are
 * only counted: an instance with such rows reads its inbox from the database on its next lease.
 */
import type { InboxRow } from "./protocol.js";

export interface MirroredRow extends InboxRow {
  visible_at: number;
}

interface Entry {
  rows: MirroredRow[];
  /** Rows in the database that are not in `rows` (from before this process opened it). */
  unknown: number;
}

export class InboxMirror {
  readonly #byInstance = new Map<string, Entry>();

  addUnknown(instanceId: string, count: number): void {
    this.#entry(instanceId).unknown += count;
  }

  add(instanceId: string, row: MirroredRow): void {
    this.#entry(instanceId).rows.push(row);
  }

  has(instanceId: string): boolean {
    return this.#byInstance.has(instanceId);
  }

  /** Every row of the instance is here (none known only to the database). */
  isComplete(instanceId: string): boolean {
    return (this.#byInstance.get(instanceId)?.unknown ?? 0) === 0;
  }

  /** The rows visible at `now` in arrival order, or undefined when some are known only to the database. */
  visible(instanceId: string, now: number): MirroredRow[] | undefined {
    const entry = this.#byInstance.get(instanceId);
    if (!entry) return [];
    if (entry.unknown > 0) return undefined;
    return entry.rows.filter((r) => r.visible_at <= now);
  }

  /** Forgets rows that were consumed or dropped. */
  remove(instanceId: string, ids: readonly number[]): void {
    const entry = this.#byInstance.get(instanceId);
    if (!entry || ids.length === 0) return;
    const gone = new Set(ids);
    const before = entry.rows.length;
    entry.rows = entry.rows.filter((r) => !gone.has(r.id));
    entry.unknown = Math.max(0, entry.unknown - (ids.length - (before - entry.rows.length)));
    if (entry.rows.length === 0 && entry.unknown === 0) this.#byInstance.delete(instanceId);
  }

  clear(instanceId: string): void {
    this.#byInstance.delete(instanceId);
  }

  #entry(instanceId: string): Entry {
    let entry = this.#byInstance.get(instanceId);
    if (!entry) {
      entry = { rows: [], unknown: 0 };
      this.#byInstance.set(instanceId, entry);
    }
    return entry;
  }
}
