/**
 * The embedded default store: one SQLite file in WAL mode with durable (FULL) commits, owned by one process. A
 * writer thread (writer-thread.ts) owns the database and shares commits between writes (one fsync carries many
 * instances' steps); this side keeps in memory which instances and activities have work (ready-index.ts, rebuilt
 * from the tables at open, so idle engines never poll), the rows it last wrote, and the ids of the activity rows
 * it schedules. Work enters those indexes only once the write that records it is durable (thread-client.ts), so
 * nothing is leased, and nothing acknowledged, ahead of the disk.
 */
import type { TurnOutcome } from "../../core/apply.js";
import { WeftError } from "../../core/errors.js";
import type { HistoryEvent, InboxEvent, TaskCompleted, TaskFailed } from "../../core/history.js";
import { isTerminalStatus } from "../../core/history.js";
import { type InstanceState, resumedInstance, type StartRequest } from "../../core/instance.js";
import { lifecycleEventsOf } from "../../core/lifecycle-events.js";
import type { ActivityTask } from "../../core/work.js";
import { foldOverview, type GroupedRow } from "../overview-rows.js";
import { ReadyIndex } from "../ready-index.js";
import { rowToActivityTask } from "../rows.js";
import type {
  ActivityWorkItem,
  AddEventOptions,
  InstanceFilter,
  LifecycleEventLog,
  OverviewQuery,
  PurgeOptions,
  Store,
  StoreEvent,
  StoreOverview,
  StoreStatistics,
  WorkflowWorkItem,
} from "../store.js";
import { InboxMirror } from "./inbox-mirror.js";
import { SLICE_ROWS } from "./overview.js";
import type { ActivityRowWrite, CachedInstance, Effects, LifecycleRow, TurnWrite } from "./protocol.js";
import { instanceParams, readHistoryRow, toInstanceState } from "./rows.js";
import { ThreadClient } from "./thread-client.js";

export interface SqliteStoreOptions {
  /** A file path, or ":memory:" for tests. */
  path: string;
  /** Writes per transaction before it commits without waiting for the event loop. */
  maxWritesPerCommit?: number;
  /** Instance rows kept in memory, so a turn is leased without reading its row (default 4,096). */
  stateCacheSize?: number;
  /** Write lifecycle events to the outbox with each status change (see `lifecycleEvents`). */
  lifecycleEvents?: boolean;
  /** The time the store reads itself (releasing leases, timers of future work); default `Date.now`. */
  clock?: () => number;
}

/** What a leased turn consumes (inbox rows), and its instance's number. */
interface TurnReceipt {
  instanceNo: number;
  inboxIds: number[];
}

interface ActivityReceipt {
  rowId: number;
}

/** Enough for every instance of a busy engine's working set; small next to the executor cache. */
const STATE_CACHE_SIZE = 4096;

/** Turns leased at once when reads are needed. */
const LEASE_BATCH = 64;

export class SqliteStore implements Store {
  readonly #thread: ThreadClient;
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #clock: () => number;
  readonly #workflows: ReadyIndex<string>;
  readonly #activities: ReadyIndex<number>;
  readonly #inbox = new InboxMirror();
  /** Activity tasks this process wrote and nobody leased yet: their lease needs no read. */
  readonly #tasks = new Map<number, ActivityTask>();
  /**
   * Recently written instance rows: the hot path leases a turn without reading its row back. Only writes refresh an
   * entry's place (a lease is mostly followed by its turn's write; a Map's delete and set per lease showed in
   * profiles).
   */
  readonly #states = new Map<string, CachedInstance & { seq: number }>();
  /** Turns leased together with one that needed reads, handed out next. */
  readonly #prepared: WorkflowWorkItem[] = [];
  readonly #stateCacheSize: number;
  readonly lifecycleEvents: LifecycleEventLog | undefined;
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    this.#clock = options.clock ?? Date.now;
    this.#workflows = new ReadyIndex<string>(() => this.#emit({ kind: "workflow-ready" }), this.#clock);
    this.#activities = new ReadyIndex<number>(() => this.#emit({ kind: "activity-ready" }), this.#clock);
    this.#thread = new ThreadClient(options.path, { maxWritesPerCommit: options.maxWritesPerCommit });
    this.#stateCacheSize = options.stateCacheSize ?? STATE_CACHE_SIZE;
    this.lifecycleEvents = options.lifecycleEvents ? this.#eventLog() : undefined;
    const { inbox, activities } = this.#thread.opened;
    const now = this.#clock();
    for (const row of inbox) {
      this.#inbox.addUnknown(row.instance_id, row.rows);
      this.#workflows.add(row.instance_id, row.visible_at, now);
    }
    for (const row of activities) this.#activities.add(row.id, row.visible_at, now);
  }

  /** Commits so far and writes they carried. */
  get commitStats(): { commits: number; writes: number } {
    return { ...this.#thread.stats };
  }

  createInstance(request: StartRequest): Promise<void> {
    const activities = this.#activityRows(request.resume?.activities ?? []);
    // A rerun starts RUNNING at once.
    const lifecycle =
      this.lifecycleEvents && request.resume
        ? lifecycleRows("PENDING", resumedInstance(request, request.resume))
        : undefined;
    return this.#thread.send({ op: "create", request, activities, lifecycle }, (effects, seq) => {
      this.#follow(effects, seq);
      this.#dispatch(activities, request.now);
    });
  }

  addEvent(instanceId: string, event: InboxEvent, now: number, options: AddEventOptions = {}): Promise<void> {
    const command = { op: "event", instanceId, event, now, dedupKey: options.dedupKey } as const;
    return this.#thread.send(command, (effects, seq) => this.#follow(effects, seq));
  }

  async nextWorkflowWorkItem(now: number): Promise<WorkflowWorkItem | undefined> {
    this.#assertUsable();
    for (;;) {
      const prepared = this.#prepared.shift();
      if (prepared) return prepared;
      const instanceId = this.#workflows.take(now);
      if (instanceId === undefined) return undefined;
      if (this.#states.has(instanceId) && this.#inbox.isComplete(instanceId)) {
        const item = await this.#leaseTurn(instanceId, now);
        if (item) return item;
        continue;
      }
      // This turn needs reads from the thread: lease more ready turns and read for all of them in one batch,
      // rather than one round trip per turn (a burst of evicted instances, or a restart).
      const ids = [instanceId];
      for (let id = this.#workflows.take(now); id !== undefined; id = this.#workflows.take(now)) {
        ids.push(id);
        if (ids.length === LEASE_BATCH) break;
      }
      const items = await Promise.all(ids.map((id) => this.#leaseTurn(id, now)));
      for (const item of items) if (item) this.#prepared.push(item);
    }
  }

  async loadHistory(instanceId: string): Promise<HistoryEvent[]> {
    const turns = await this.#thread.send({ op: "loadHistory", instanceId });
    return (turns ?? []).flatMap((events) => JSON.parse(events) as HistoryEvent[]);
  }

  completeWorkflowWorkItem(item: WorkflowWorkItem, outcome: TurnOutcome): Promise<void> {
    this.#assertLeased(item.instanceId);
    const { state } = outcome;
    const id = state.instanceId;
    const now = state.updatedAt;
    const receipt = item.receipt as TurnReceipt;
    const seq = outcome.history === "reset" ? 0 : item.historyLength;
    const length = seq + outcome.newEvents.length;
    const before = item.state;
    const touch =
      outcome.history === "append" &&
      state.status === before.status &&
      state.executionId === before.executionId &&
      state.output === before.output &&
      state.input === before.input;
    const terminal = isTerminalStatus(state.status);
    const activities = this.#activityRows(outcome.activities);
    const turn: TurnWrite = {
      instanceNo: receipt.instanceNo,
      instanceId: id,
      seq,
      reset: outcome.history === "reset",
      events: outcome.newEvents.length > 0 ? JSON.stringify(outcome.newEvents) : null,
      inboxIds: receipt.inboxIds,
      row: touch
        ? { updatedAt: now, customStatus: state.customStatus ?? null, historyLength: length }
        : instanceParams(state, length),
      terminal,
      activities,
      messages: outcome.messages,
      childStarts: outcome.childStarts,
      terminateChildren: outcome.terminateChildren,
      now,
    };
    if (this.lifecycleEvents && before.status !== state.status)
      turn.lifecycle = lifecycleRows(before.status, state);
    // What the turn scheduled (activities, timers, children, messages) and the instance's next turn are released
    // only once the turn is durable: a crash before then re-runs this turn, and nothing it started has run.
    const done = this.#thread.send(
      { op: "turn", turn },
      (effects, seq) => {
        this.#follow(effects, seq);
        this.#dispatch(activities, now);
        this.#workflows.release(id, false, this.#clock());
        this.#emit({ kind: "instance-changed", instanceId: id, status: state.status });
      },
      true,
    );
    this.#cache({ instanceNo: receipt.instanceNo, state, historyLength: length }, this.#thread.lastSeq);
    if (terminal) this.#inbox.clear(id);
    else this.#inbox.remove(id, receipt.inboxIds);
    return done;
  }

  async abandonWorkflowWorkItem(item: WorkflowWorkItem, delayMs = 0): Promise<void> {
    this.#workflows.release(item.instanceId, true, this.#clock(), delayMs);
  }

  async nextActivityWorkItem(now: number): Promise<ActivityWorkItem | undefined> {
    this.#assertUsable();
    for (let rowId = this.#activities.take(now); rowId !== undefined; rowId = this.#activities.take(now)) {
      const receipt: ActivityReceipt = { rowId };
      const known = this.#tasks.get(rowId);
      if (known) {
        this.#tasks.delete(rowId);
        return { task: known, dispatchCount: 1, receipt };
      }
      const row = await this.#thread.send({ op: "getActivity", rowId });
      if (!row) {
        this.#activities.remove(rowId);
        continue;
      }
      return { task: rowToActivityTask(row), dispatchCount: row.dispatch_count + 1, receipt };
    }
    return undefined;
  }

  /** Resolves once the result is durable in the instance's inbox; only then can a turn see it. */
  completeActivityWorkItem(item: ActivityWorkItem, result: TaskCompleted | TaskFailed): Promise<void> {
    this.#assertUsable();
    const { rowId } = item.receipt as ActivityReceipt;
    const { instanceId, executionId } = item.task;
    this.#activities.remove(rowId);
    const command = { op: "result", rowId, instanceId, executionId, event: result } as const;
    return this.#thread.send(command, (effects, seq) => this.#follow(effects, seq));
  }

  async abandonActivityWorkItem(item: ActivityWorkItem, delayMs = 0): Promise<void> {
    const { rowId } = item.receipt as ActivityReceipt;
    // The next lease reads the row back, with this delivery counted.
    this.#thread.send({ op: "countDispatch", rowId }).catch(() => {});
    this.#activities.release(rowId, true, this.#clock(), delayMs);
  }

  async getInstance(instanceId: string): Promise<InstanceState | undefined> {
    // Every write of an instance row passes through the cache: once that write is durable, it is the row.
    const cached = this.#states.get(instanceId);
    if (cached) {
      await this.#thread.durable(cached.seq);
      if (this.#states.get(instanceId) === cached) return cached.state;
    }
    await this.#thread.durable();
    const row = await this.#thread.send({ op: "getInstance", instanceId });
    return row ? toInstanceState(row) : undefined;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[] | undefined> {
    await this.#thread.durable();
    const turns = await this.#thread.send({ op: "loadHistory", instanceId });
    return turns?.flatMap(readHistoryRow);
  }

  async listInstances(filter: InstanceFilter): Promise<InstanceState[]> {
    await this.#thread.durable();
    return (await this.#thread.send({ op: "list", filter })).map(toInstanceState);
  }

  async overview(query: OverviewQuery): Promise<StoreOverview> {
    await this.#thread.durable();
    const head = await this.#thread.send({ op: "overviewHead", query });
    const grouped: GroupedRow[] = [];
    for (let from = 0; from <= head.lastInstanceNo; from += SLICE_ROWS) {
      grouped.push(...(await this.#thread.send({ op: "overviewSlice", query, from, to: from + SLICE_ROWS })));
    }
    return foldOverview(grouped, head.created, head.backlog);
  }

  /** Counts from the table; the backlog from the ready indexes, which know what this process has leased. */
  async statistics(_now: number): Promise<StoreStatistics> {
    await this.#thread.durable();
    const instances = await this.#thread.send({ op: "countInstances" });
    return {
      instances,
      readyTurns: this.#workflows.readyCount,
      oldestReadyTurnAt: this.#workflows.oldestReadyAt,
      readyActivities: this.#activities.readyCount,
      oldestReadyActivityAt: this.#activities.oldestReadyAt,
      ...this.#thread.stats,
    };
  }

  purgeInstance(instanceId: string, options: PurgeOptions): Promise<number> {
    const command = { op: "purge", instanceId, recursive: options.recursive } as const;
    return this.#thread.send(command, (effects, seq) => this.#follow(effects, seq));
  }

  watch(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#workflows.close();
    this.#activities.close();
    await this.#thread.close();
  }

  #eventLog(): LifecycleEventLog {
    const thread = this.#thread;
    return {
      read: async (after, limit) => {
        if (after !== undefined && !/^\d{1,15}$/.test(after)) throw badEventId(after);
        const rows = await thread.send({
          op: "readEvents",
          after: after === undefined ? 0 : Number(after),
          limit,
        });
        return rows.map((r) => ({ id: String(r.seq), event: JSON.parse(r.event) }));
      },
      tail: async () => {
        const seq = await thread.send({ op: "eventsTail" });
        return seq > 0 ? String(seq) : undefined;
      },
      claimCursor: async (name, owner, until, now) => {
        const position = await thread.send({ op: "claimCursor", name, owner, until, now });
        return position === undefined ? false : (position ?? undefined);
      },
      saveCursor: (name, owner, position, until) =>
        thread.send({ op: "saveCursor", name, owner, position, until }),
      prune: (before) => thread.send({ op: "pruneEvents", before }),
      append: (event, onceKey) =>
        thread.send({ op: "appendEvent", row: { at: event.time, event: JSON.stringify(event) }, onceKey }),
    };
  }

  async #leaseTurn(instanceId: string, now: number): Promise<WorkflowWorkItem | undefined> {
    let cached: CachedInstance | undefined = this.#states.get(instanceId);
    if (!cached) {
      const row = await this.#thread.send({ op: "getInstance", instanceId });
      if (row) {
        cached = {
          instanceNo: row.instance_no,
          state: toInstanceState(row),
          historyLength: row.history_length,
        };
      }
    }
    const inbox =
      this.#inbox.visible(instanceId, now) ?? (await this.#thread.send({ op: "readInbox", instanceId, now }));
    if (!cached) {
      this.#workflows.remove(instanceId);
      return undefined;
    }
    const { state, historyLength, instanceNo } = cached;
    const terminal = isTerminalStatus(state.status);
    const isStale = (executionId: string | null) =>
      terminal || (executionId !== null && executionId !== state.executionId);
    const inboxIds: number[] = [];
    const newEvents: InboxEvent[] = [];
    const staleRows: number[] = [];
    for (const r of inbox) {
      if (isStale(r.execution_id)) staleRows.push(r.id);
      else {
        inboxIds.push(r.id);
        newEvents.push(JSON.parse(r.event));
      }
    }
    if (staleRows.length) {
      this.#inbox.remove(instanceId, staleRows);
      this.#thread.send({ op: "drop", inboxIds: staleRows, activityIds: [] }).catch(() => {});
    }
    if (newEvents.length === 0) {
      this.#workflows.release(instanceId, false, now);
      return undefined;
    }
    const receipt: TurnReceipt = { instanceNo, inboxIds };
    return { instanceId, state, historyLength, newEvents, receipt };
  }

  /** Brings the indexes in step with what a durable write did on the thread. */
  #follow(effects: Effects | undefined, seq: number): void {
    if (!effects) return;
    const now = this.#clock();
    for (const id of effects.deleted) {
      this.#inbox.clear(id);
      this.#states.delete(id);
    }
    this.#dropTasks(effects.droppedActivities);
    for (const created of effects.created) this.#cache(created, seq);
    // All rows first: announcing work can start a lease at once, which must see every row this write added.
    for (const { instanceId, row } of effects.enqueued) this.#inbox.add(instanceId, row);
    for (const { instanceId, row } of effects.enqueued) this.#workflows.add(instanceId, row.visible_at, now);
  }

  #activityRows(tasks: readonly ActivityTask[]): ActivityRowWrite[] {
    // Named here, so the lease of an activity this process scheduled needs no read.
    return tasks.map((task) => ({ rowId: this.#thread.rowIds.activity(), task }));
  }

  #dispatch(activities: readonly ActivityRowWrite[], now: number): void {
    for (const { rowId, task } of activities) {
      this.#tasks.set(rowId, task);
      this.#activities.add(rowId, now, now);
    }
  }

  #dropTasks(rowIds: readonly number[]): void {
    for (const rowId of rowIds) {
      this.#tasks.delete(rowId);
      this.#activities.remove(rowId);
    }
  }

  /** `seq`: the command that wrote it. */
  #cache({ instanceNo, state, historyLength }: CachedInstance, seq: number): void {
    const id = state.instanceId;
    this.#states.delete(id);
    this.#states.set(id, { instanceNo, state, historyLength, seq });
    if (this.#states.size > this.#stateCacheSize) this.#states.delete(this.#states.keys().next().value!);
  }

  #assertLeased(instanceId: string): void {
    if (!this.#workflows.isLeased(instanceId)) {
      throw new WeftError("lock_lost", `the turn of '${instanceId}' is not leased by this engine`);
    }
  }

  #assertUsable(): void {
    if (this.#closed) throw new WeftError("unavailable", "the store is closed");
    if (this.#thread.failure) throw this.#thread.failure;
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

function lifecycleRows(before: InstanceState["status"], state: InstanceState): LifecycleRow[] {
  return lifecycleEventsOf(before, state).map((event) => ({ at: event.time, event: JSON.stringify(event) }));
}

function badEventId(id: string): WeftError {
  return new WeftError("invalid_argument", `'${id.slice(0, 40)}' is not an event id of this store`);
}
