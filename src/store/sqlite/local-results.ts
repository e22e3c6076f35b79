/**
 * Activity results produced in this process, handed straight to the instance's next turn instead of making a
 * round trip through the inbox table (a write, a read and a delete per step). The result becomes durable with
 * that turn's commit, which also deletes the activity's row; a crash before then leaves the row, so the activity
 * runs again: at least once, and its result is still recorded once.
 */
import type { TaskCompleted, TaskFailed } from "../../core/history.js";

export interface LocalResult {
  rowId: number;
  executionId: string;
  event: TaskCompleted | TaskFailed;
}

export class LocalResults {
  readonly #byInstance = new Map<string, LocalResult[]>();
  readonly #rows = new Set<number>();

  /** False when a result for this activity row is already waiting (a duplicate completion). */
  add(instanceId: string, result: LocalResult): boolean {
    if (this.#rows.has(result.rowId)) return false;
    this.#rows.add(result.rowId);
    const list = this.#byInstance.get(instanceId);
    if (list) list.push(result);
    else this.#byInstance.set(instanceId, [result]);
    return true;
  }

  take(instanceId: string): LocalResult[] {
    const list = this.#byInstance.get(instanceId);
    if (!list) return [];
    this.#byInstance.delete(instanceId);
    return list;
  }

  /** Puts results back (their turn was abandoned) ahead of any that arrived since. */
  restore(instanceId: string, results: readonly LocalResult[]): void {
    if (results.length === 0) return;
    this.#byInstance.set(instanceId, [...results, ...(this.#byInstance.get(instanceId) ?? [])]);
  }

  /** The results are in history now (or dropped): their rows may complete again only as new tasks. */
  settle(results: readonly LocalResult[]): void {
    for (const result of results) this.#rows.delete(result.rowId);
  }

  drain(): Array<[string, LocalResult[]]> {
    const all = [...this.#byInstance.entries()];
    this.#byInstance.clear();
    this.#rows.clear();
    return all;
  }
}
