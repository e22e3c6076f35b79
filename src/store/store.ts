/**
 * The store contract: everything the engine needs from durable storage, in leased work items
 * (after durabletask-go's Backend). Every store passes the same conformance suite (store-contract.ts).
 *
 * Durability, the same on every store: a returned promise resolves once the change is durable (SQLite: its WAL
 * COMMIT with synchronous=FULL; PostgreSQL: its COMMIT with synchronous_commit on), and nothing a write adds (a
 * start's first turn, a turn's activities, timers, children and messages, an activity's result, an event) is
 * handed out by `next…WorkItem` or announced by `watch` before then. So no work runs, and no workflow code sees a
 * result, ahead of the commit that records it: a crash re-runs at most the turn or activity that was in flight.
 * Stores may share one commit between many writes (group commit), never run one ahead of its own commit.
 */
import type { TurnOutcome } from "../core/apply.js";
import type { HistoryEvent, InboxEvent, RuntimeStatus, TaskCompleted, TaskFailed } from "../core/history.js";
import type { InstanceState, StartRequest } from "../core/instance.js";
import type { LifecycleEvent } from "../core/lifecycle-events.js";
import type { ActivityTask } from "../core/work.js";

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

/** Where a listing stopped: the last instance of the previous page, in the listing's order. */
export interface ListPosition {
  createdAt: number;
  instanceId: string;
}

/**
 * Which instances a listing (or a bulk operation) covers. Every given field must match. Listings are newest first:
 * by creation time, descending, then by instance id, descending; `after` continues a listing (keyset paging, so a
 * page costs the same however deep it is and instances added or deleted meanwhile never shift it).
 */
export interface InstanceFilter {
  statuses?: RuntimeStatus[];
  name?: string;
  /** Creation time range, in ms: `createdFrom` inclusive, `createdTo` exclusive. */
  createdFrom?: number;
  createdTo?: number;
  /** Last-update time range, in ms: `updatedFrom` inclusive, `updatedTo` exclusive (not indexed: narrows others). */
  updatedFrom?: number;
  updatedTo?: number;
  /** Metadata pairs given at start, all of which must be present with these values. */
  metadata?: Readonly<Record<string, string>>;
  /** Instance ids that start with this text. */
  idPrefix?: string;
  after?: ListPosition;
  limit?: number;
  /**
   * Only instances that finished before this time, listed by when they finished, oldest first (retention's order;
   * `after` does not apply).
   */
  completedBefore?: number;
  /** Only instances that are not a child of another. */
  topLevel?: boolean;
}

/** What the dashboard's overview asks for: activity since `since`, in buckets of `bucketMs`. */
export interface OverviewQuery {
  since: number;
  bucketMs: number;
  now: number;
}

/** Counts for operators; each store answers from one snapshot where it can, so numbers add up. */
export interface StoreOverview {
  /** Instances by workflow name and status (every instance the store holds). */
  counts: { name: string; status: RuntimeStatus; count: number }[];
  /** Bucket `index` covers [since + index * bucketMs, since + (index + 1) * bucketMs); empty buckets are left out. */
  buckets: { index: number; created: number; completed: number; failed: number; terminated: number }[];
  /**
   * Work not done yet: instances with inbox events visible now (taken by a node or not), and activity tasks not
   * finished (waiting or running).
   */
  backlog: { workflows: number; activities: number };
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
  /**
   * Writes an event that no status change carries (`stalled`), in a commit of its own, unless an event was already
   * written with `onceKey` (by any node of a shared store: the key is kept with the event's commit). Answers whether
   * it wrote it; resolves once that is durable.
   */
  append(event: LifecycleEvent, onceKey: string): Promise<boolean>;
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
   * Records the result in the instance's inbox and retires the task, in one commit; resolves once that is durable,
   * and only then can a turn see the result. A crash before leaves the task, so the activity runs again (activities
   * run at least once); a result for a retired task (a second run, or an ended execution) is ignored.
   */
  completeActivityWorkItem(item: ActivityWorkItem, result: TaskCompleted | TaskFailed): Promise<void>;
  abandonActivityWorkItem(item: ActivityWorkItem, delayMs?: number): Promise<void>;

  getInstance(instanceId: string): Promise<InstanceState | undefined>;
  /** The committed history of the current execution, for operators. */
  getHistory(instanceId: string): Promise<HistoryEvent[] | undefined>;
  listInstances(filter: InstanceFilter): Promise<InstanceState[]>;
  /** Counts by name and status, starts and ends over time, and the backlog, for the dashboard. */
  overview(query: OverviewQuery): Promise<StoreOverview>;
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
