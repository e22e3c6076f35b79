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
import type { ActivityTask, TurnOutcome } from "../core/apply.js";
import type { HistoryEvent, InboxEvent, RuntimeStatus, TaskCompleted, TaskFailed } from "../core/history.js";
import type { InstanceState, StartRequest } from "../core/instance.js";

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
  /** Deletes a terminal instance (and, if asked, its children). `not_found`, or `failed_precondition` if active. */
  purgeInstance(instanceId: string, options: PurgeOptions): Promise<number>;

  /** Work availability and instance changes (after they are durable). Returns the unsubscribe function. */
  watch(listener: (event: StoreEvent) => void): () => void;
  close(): Promise<void>;
}
