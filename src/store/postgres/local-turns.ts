/**
 * The node-local fast path of the PostgreSQL store, its counterpart of SQLite's local results. A node that commits a
 * turn leases the activities it scheduled to itself in the same transaction and remembers the instance's state;
 * when such an activity finishes here, its result goes straight to the instance's next turn, which runs without a
 * claim and commits only if nothing changed meanwhile (the instance unleased, its history as long as this node last
 * wrote it). One commit per step instead of two commits and two claims.
 *
 * Nothing is acknowledged early: a result lives only in memory until that turn commits, while the activity's row
 * (and its renewed lease) stays in the table. A crash leaves the row, so the activity runs again elsewhere; a turn
 * that finds the instance changed puts its results in the inbox instead, in the same transaction.
 */
import type { TaskCompleted, TaskFailed } from "../../core/history.js";
import { isTerminalStatus } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";
import type { ActivityWorkItem, WorkflowWorkItem } from "../store.js";
// biome-ignore lint/suspicious/noImportCycles: being reworked by issue 16 (local-turns.ts <-> write-plan.ts)
import { activityRowId, type TurnReceipt } from "./write-plan.js";

export interface LocalResult {
  item: ActivityWorkItem;
  event: TaskCompleted | TaskFailed;
}

interface Known {
  state: InstanceState;
  historyLength: number;
}

/**
 * Instances remembered at most (states hold inputs and outputs), as many as the SQLite store caches; the oldest idle
 * ones are forgotten first, and their results then go by the inbox.
 */
const MAX_KNOWN = 4096;

export class LocalTurns {
  /** Instances whose last turn this node committed, as it committed them. */
  readonly #known = new Map<string, Known>();
  readonly #results = new Map<string, LocalResult[]>();
  /** Instances with a turn in flight on this node (claimed or local). */
  readonly #busy = new Set<string>();
  /** Instances with results and no turn in flight, in the order they became ready. */
  readonly #ready = new Set<string>();
  /** Claimed turns of instances that had a local turn in flight: they run after it. */
  readonly #deferred = new Map<string, WorkflowWorkItem>();
  readonly #deferredReady: WorkflowWorkItem[] = [];
  /** Activity rows whose result is held here, until the turn that carries it settles: a second run is a duplicate. */
  readonly #held = new Set<number>();

  /** After a commit: the state this node wrote. Returns the results that became moot (the instance ended). */
  remember(instanceId: string, state: InstanceState, historyLength: number): LocalResult[] {
    if (isTerminalStatus(state.status)) return this.forget(instanceId);
    this.#known.delete(instanceId);
    this.#known.set(instanceId, { state, historyLength });
    if (this.#known.size > MAX_KNOWN) this.#evictOne();
    return [];
  }

  /** The instance changed elsewhere or ended: returns its results no turn took, which must go another way. */
  forget(instanceId: string): LocalResult[] {
    this.#known.delete(instanceId);
    this.#ready.delete(instanceId);
    const results = this.#results.get(instanceId) ?? [];
    this.#results.delete(instanceId);
    this.#release(results);
    return results;
  }

  /** Keeps a result for the instance's next local turn; false if this node does not know the instance's state. */
  offer(item: ActivityWorkItem, event: TaskCompleted | TaskFailed): { kept: boolean; ready: boolean } {
    const { instanceId, executionId } = item.task;
    const rowId = activityRowId(item);
    if (this.#held.has(rowId)) return { kept: true, ready: false };
    const known = this.#known.get(instanceId);
    if (!known || known.state.executionId !== executionId) return { kept: false, ready: false };
    this.#held.add(rowId);
    const list = this.#results.get(instanceId);
    if (list) list.push({ item, event });
    else this.#results.set(instanceId, [{ item, event }]);
    if (this.#busy.has(instanceId) || this.#ready.has(instanceId)) return { kept: true, ready: false };
    this.#ready.add(instanceId);
    return { kept: true, ready: true };
  }

  /** The next turn this node can run without a claim: a deferred claimed turn, or a local one. */
  next(): WorkflowWorkItem | undefined {
    const deferred = this.#deferredReady.shift();
    if (deferred) return deferred;
    for (const instanceId of this.#ready) {
      this.#ready.delete(instanceId);
      const known = this.#known.get(instanceId);
      const results = this.#results.get(instanceId);
      if (!known || !results) continue;
      this.#results.delete(instanceId);
      this.#busy.add(instanceId);
      return {
        instanceId,
        state: known.state,
        historyLength: known.historyLength,
        newEvents: results.map((r) => r.event),
        receipt: { token: "", inboxIds: [], local: results } satisfies TurnReceipt,
      };
    }
    return undefined;
  }

  /** A turn claimed from the table: false if a local turn of the instance is in flight (it runs after that). */
  claimed(item: WorkflowWorkItem): boolean {
    if (this.#busy.has(item.instanceId)) {
      this.#deferred.set(item.instanceId, item);
      return false;
    }
    this.#busy.add(item.instanceId);
    return true;
  }

  /**
   * A turn of the instance committed, failed or was given back, with the results it carried (which are now in
   * history, in the inbox or moot): true if another turn is ready now.
   */
  settled(instanceId: string, results: readonly LocalResult[]): boolean {
    this.#release(results);
    this.#busy.delete(instanceId);
    const deferred = this.#deferred.get(instanceId);
    if (deferred) {
      this.#deferred.delete(instanceId);
      this.#busy.add(instanceId);
      this.#deferredReady.push(deferred);
      return true;
    }
    if (!this.#results.has(instanceId)) return false;
    this.#ready.add(instanceId);
    return true;
  }

  /** At close: every result no turn took. Deferred claimed turns are forgotten (the lease keeper holds them). */
  drain(): LocalResult[] {
    const results = [...this.#results.values()].flat();
    this.#results.clear();
    this.#ready.clear();
    this.#deferred.clear();
    this.#deferredReady.length = 0;
    this.#known.clear();
    this.#held.clear();
    return results;
  }

  #release(results: readonly LocalResult[]): void {
    for (const r of results) this.#held.delete(activityRowId(r.item));
  }

  #evictOne(): void {
    for (const instanceId of this.#known.keys()) {
      if (this.#busy.has(instanceId) || this.#results.has(instanceId)) continue;
      this.#known.delete(instanceId);
      return;
    }
  }
}
