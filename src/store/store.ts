/**
 * The store contract: everything the engine needs from durable storage, in leased work items
 * (after durabletask-go's Backend). Every store passes the same conformance suite (store-contract.ts).
 *
 * Durability: a returned promise resolves once the change is durable. A store may make a change visible to its
 * own later calls before that (SQLite's group commit does), but never acknowledges anything undurable.
 */
import type { ActivityTask, TurnOutcome } from "../core/apply.js";
import type { HistoryEvent, InboxEvent, RuntimeStatus, TaskCompleted, TaskFailed } from "../core/history.js";
import type { InstanceState, StartRequest } from "../core/instance.js";
import type { LifecycleEvent } from "../core/lifecycle-events.js";

/** One turn of one instance, leased to this engine until completed or abandoned. */
export interface WorkflowWorkItem {
  readonly instanceId: string;
  readonly state: InstanceState;
  /** How many events the committed history holds: an executor's cached replay is current iff it saw as many. */
  readonly historyLength: number;
  /** The inbox events this turn consumes, in arrival order. */
  readonly newEvents: readonly InboxEvent[];
  /** Store-private: which inbox rows and which lease. */
  readonly receipt: unknown;
}

/** One activity run, leased to this engine until completed or abandoned. */
export interface ActivityWorkItem {
  readonly task: ActivityTask;
  /** 1 on the first delivery; more after a crash or an abandoned lease (activities run at least once). */
  readonly dispatchCount: number;
  readonly receipt: unknown;
}

export type StoreEvent =
  | { kind: "workflow-ready" }
  | { kind: "activity-ready" }
  | { kind: "instance-changed"; instanceId: string; status: RuntimeStatus };

export interface InstanceFilter {
  statuses?: RuntimeStatus[];
  name?: string;
  createdFrom?: number;
  createdTo?: number;
  /** Continue after this instance id (ids are returned in ascending order). */
  after?: string;
  limit?: number;
}

export interface AddEventOptions {
  /** An event with a key already seen is dropped: at-least-once senders (brokers) get effectively-once events. */
  dedupKey?: string;
}

/** Figures an operator watches, read from the store so every node of a shared store answers the same. */
export interface StoreStatistics {
  /** Instances by workflow name and status. */
  instances: { name: string; status: RuntimeStatus; count: number }[];
  /** Instances with events due now whose turn no engine has taken yet. */
  readyTurns: number;
  /** When the longest-waiting of them became due (undefined when there are none). */
  oldestReadyTurnAt?: number;
  /** Activities due now that no engine runs yet. */
  readyActivities: number;
  oldestReadyActivityAt?: number;
  /** Commits this store made from this process and the writes they carried (steps per commit = writes/commits). */
  commits: number;
  writes: number;
}

/** A lifecycle event as the outbox keeps it; `id` orders events and is where a reader resumes. */
export interface StoredLifecycleEvent {
  readonly id: string;
  readonly event: LifecycleEvent;
}

/**
 * The lifecycle-event outbox (core/lifecycle-events.ts) of a store opened with lifecycle events on. Its rows are
 * written in the commit of the status change; readers only ever see committed rows, in an order that a row
 * committed later never precedes, so resuming after an id misses nothing.
 */
export interface LifecycleEventLog {
  /** Up to `limit` events after the one with id `after` (undefined: from the oldest kept), oldest first. */
  read(after: string | undefined, limit: number): Promise<StoredLifecycleEvent[]>;
  /** The id of the newest event readable now (undefined when none is): a reader that wants only new events starts there. */
  tail(): Promise<string | undefined>;
  /**
   * Takes the named cursor for `owner` until `until`, or keeps it. Answers its position (undefined: nothing read
   * yet), or false while another owner's claim lasts (`now` decides).
   */
  claimCursor(name: string, owner: string, until: number, now: number): Promise<string | undefined | false>;
  /** Moves the cursor and extends the claim; false if `owner` lost the cursor meanwhile. */
  saveCursor(name: string, owner: string, position: string, until: number): Promise<boolean>;
  /** Deletes events that happened before `before`; answers how many. */
  prune(before: number): Promise<number>;
}

export interface PurgeOptions {
  recursive: boolean;
}

export interface Store {
  /** Creates the instance and queues its ExecutionStarted. `already_exists` if an active instance has the id. */
  createInstance(request: StartRequest): Promise<void>;
  /**
   * Appends an event to an instance's inbox. `not_found` for an unknown id; an event for a terminal instance is
   * dropped, as Dapr does. Before a scheduled start, events wait for the start (a terminate does not).
   */
  addEvent(instanceId: string, event: InboxEvent, now: number, options?: AddEventOptions): Promise<void>;

  /** Leases the next instance with visible inbox events, or undefined when there is none right now. */
  nextWorkflowWorkItem(now: number): Promise<WorkflowWorkItem | undefined>;
  /** The committed history of the instance's current execution (only needed after a cache miss). */
  loadHistory(instanceId: string): Promise<HistoryEvent[]>;
  /** Commits the turn atomically: history, state, consumed inbox, activities, messages, children. */
  completeWorkflowWorkItem(item: WorkflowWorkItem, outcome: TurnOutcome): Promise<void>;
  /** Gives the turn back; its events stay in the inbox and become visible again after `delayMs`. */
  abandonWorkflowWorkItem(item: WorkflowWorkItem, delayMs?: number): Promise<void>;

  nextActivityWorkItem(now: number): Promise<ActivityWorkItem | undefined>;
  /**
   * Records the result for the instance's next turn and retires the task; a stale task is ignored. A store may
   * make the result durable together with that turn instead of before resolving (SQLite does): a crash in between
   * leaves the task in place, so the activity runs again, and its result is still recorded once.
   */
  completeActivityWorkItem(item: ActivityWorkItem, result: TaskCompleted | TaskFailed): Promise<void>;
  abandonActivityWorkItem(item: ActivityWorkItem, delayMs?: number): Promise<void>;

  getInstance(instanceId: string): Promise<InstanceState | undefined>;
  /** The committed history of the current execution, for operators. */
  getHistory(instanceId: string): Promise<HistoryEvent[] | undefined>;
  listInstances(filter: InstanceFilter): Promise<InstanceState[]>;
  /** Deletes a terminal instance (and, if asked, its children). `not_found`, or `failed_precondition` if active. */
  purgeInstance(instanceId: string, options: PurgeOptions): Promise<number>;

  /** Instance counts and backlog (for metrics); reads the whole instance table's status index, so not for hot paths. */
  statistics(now: number): Promise<StoreStatistics>;

  /** The lifecycle-event outbox; undefined unless the store was opened with lifecycle events on. */
  readonly lifecycleEvents?: LifecycleEventLog;

  /** Work availability and instance changes (after they are durable). Returns the unsubscribe function. */
  watch(listener: (event: StoreEvent) => void): () => void;
  close(): Promise<void>;
}
