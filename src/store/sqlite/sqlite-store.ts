/**
 * The embedded default store: one SQLite file in WAL mode with durable (FULL) commits, owned by one process.
 * Writes share commits (group-commit.ts); which instances and activities have work is kept in memory
 * (ready-index.ts) and rebuilt from the tables at open, so idle engines never poll.
 */
import Database from "better-sqlite3";
import type { TurnOutcome } from "../../core/apply.js";
import { WeftError } from "../../core/errors.js";
import type { HistoryEvent, InboxEvent, TaskCompleted, TaskFailed } from "../../core/history.js";
import { isTerminalStatus } from "../../core/history.js";
import type { InstanceState, StartRequest } from "../../core/instance.js";
import { ReadyIndex } from "../ready-index.js";
import { rowToActivityTask } from "../rows.js";
import type {
  ActivityWorkItem,
  AddEventOptions,
  InstanceFilter,
  PurgeOptions,
  Store,
  StoreEvent,
  WorkflowWorkItem,
} from "../store.js";
import { GroupCommit } from "./group-commit.js";
import { LocalResults } from "./local-results.js";
import { type InstanceRow, toInstanceState } from "./rows.js";
import { migrate } from "./schema.js";
import { type ActivityRow, prepareStatements, type Statements } from "./statements.js";
import { SqliteWriter, type TurnReceipt } from "./writer.js";

export interface SqliteStoreOptions {
  /** A file path, or ":memory:" for tests. */
  path: string;
  /** Writes per transaction before it commits without waiting for the event loop. */
  maxWritesPerCommit?: number;
}

interface InboxRow {
  id: number;
  execution_id: string | null;
  event: string;
}

/** An instance row with the store's own key. */
type NumberedRow = InstanceRow & { instance_no: number };

interface ActivityReceipt {
  rowId: number;
}

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #sql: Statements;
  readonly #commits: GroupCommit;
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #workflows = new ReadyIndex<string>(() => this.#emit({ kind: "workflow-ready" }));
  readonly #activities = new ReadyIndex<number>(() => this.#emit({ kind: "activity-ready" }));
  readonly #local = new LocalResults();
  readonly #writer: SqliteWriter;
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    this.#db = new Database(options.path);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    // One process owns the file: a second engine on it would break the in-memory leases.
    this.#db.pragma("locking_mode = EXCLUSIVE");
    try {
      this.#db.exec("BEGIN EXCLUSIVE; COMMIT");
    } catch (error) {
      this.#db.close();
      throw new WeftError("unavailable", `the database ${options.path} is in use by another process`, {
        cause: error,
      });
    }
    migrate(this.#db);
    this.#sql = prepareStatements(this.#db);
    this.#writer = new SqliteWriter({
      db: this.#db,
      sql: this.#sql,
      workflows: this.#workflows,
      activities: this.#activities,
      local: this.#local,
    });
    this.#commits = new GroupCommit(this.#db, { maxWrites: options.maxWritesPerCommit });
    const now = Date.now();
    const inbox = this.#sql.inboxReadiness.all() as {
      instance_id: string;
      visible_at: number;
      rows: number;
    }[];
    for (const row of inbox) {
      this.#writer.countInbox(row.instance_id, row.rows);
      this.#workflows.add(row.instance_id, row.visible_at, now);
    }
    for (const row of this.#sql.activityReadiness.all() as { id: number; visible_at: number }[]) {
      this.#activities.add(row.id, row.visible_at, now);
    }
  }

  /** Commits so far and writes they carried. */
  get commitStats(): { commits: number; writes: number } {
    return { ...this.#commits.stats };
  }

  createInstance(request: StartRequest): Promise<void> {
    return this.#commits.write(() => this.#writer.create(request));
  }

  addEvent(instanceId: string, event: InboxEvent, now: number, options: AddEventOptions = {}): Promise<void> {
    return this.#commits.write(() => {
      if (options.dedupKey !== undefined && this.#sql.insertDedupKey.run(options.dedupKey, now).changes === 0)
        return;
      const row = this.#sql.getStatus.get(instanceId) as
        | Pick<InstanceRow, "status" | "execution_id" | "scheduled_start_at">
        | undefined;
      if (!row) throw new WeftError("not_found", `no workflow instance with id '${instanceId}'`);
      if (isTerminalStatus(row.status)) return;
      const waitsForStart =
        row.status === "PENDING" &&
        event.type !== "ExecutionTerminated" &&
        (row.scheduled_start_at ?? 0) > now;
      this.#writer.enqueue(instanceId, null, waitsForStart ? row.scheduled_start_at! : now, event, now);
    });
  }

  async nextWorkflowWorkItem(now: number): Promise<WorkflowWorkItem | undefined> {
    this.#assertUsable();
    for (
      let instanceId = this.#workflows.take(now);
      instanceId !== undefined;
      instanceId = this.#workflows.take(now)
    ) {
      const item = this.#commits.failure ? undefined : this.#leaseTurn(instanceId, now);
      if (item) return item;
    }
    return undefined;
  }

  async loadHistory(instanceId: string): Promise<HistoryEvent[]> {
    const rows = this.#sql.loadHistory.all(instanceId) as { events: string }[];
    return rows.flatMap((r) => JSON.parse(r.events) as HistoryEvent[]);
  }

  completeWorkflowWorkItem(item: WorkflowWorkItem, outcome: TurnOutcome): Promise<void> {
    this.#assertLeased(item.instanceId);
    const now = outcome.state.updatedAt;
    const done = this.#commits.write(() => this.#writer.applyOutcome(item, outcome));
    this.#workflows.release(item.instanceId, false, now);
    done.catch(() => {
      // The turn was rolled back: its activity results must reach a later turn.
      this.#local.restore(item.instanceId, (item.receipt as TurnReceipt).local);
      this.#workflows.add(item.instanceId, now, now);
    });
    const { instanceId, status } = outcome.state;
    this.#commits.afterCommit(() => this.#emit({ kind: "instance-changed", instanceId, status }));
    return done;
  }

  async abandonWorkflowWorkItem(item: WorkflowWorkItem, delayMs = 0): Promise<void> {
    this.#local.restore(item.instanceId, (item.receipt as TurnReceipt).local);
    this.#workflows.release(item.instanceId, true, Date.now(), delayMs);
  }

  async nextActivityWorkItem(now: number): Promise<ActivityWorkItem | undefined> {
    this.#assertUsable();
    for (let rowId = this.#activities.take(now); rowId !== undefined; rowId = this.#activities.take(now)) {
      const known = this.#writer.tasks.get(rowId);
      if (known) {
        this.#writer.tasks.delete(rowId);
        return { task: known, dispatchCount: 1, receipt: { rowId } satisfies ActivityReceipt };
      }
      const row = this.#sql.getActivity.get(rowId) as ActivityRow | undefined;
      if (!row) {
        this.#activities.remove(rowId);
        continue;
      }
      const task = rowToActivityTask(row);
      const receipt: ActivityReceipt = { rowId };
      return { task, dispatchCount: row.dispatch_count + 1, receipt };
    }
    return undefined;
  }

  /** Hands the result to the instance's next turn (local-results.ts); it is durable once that turn commits. */
  async completeActivityWorkItem(item: ActivityWorkItem, result: TaskCompleted | TaskFailed): Promise<void> {
    this.#assertUsable();
    const { rowId } = item.receipt as ActivityReceipt;
    const { instanceId, executionId } = item.task;
    this.#activities.remove(rowId);
    if (this.#local.add(instanceId, { rowId, executionId, event: result })) {
      this.#workflows.add(instanceId, result.timestamp, result.timestamp);
    }
  }

  async abandonActivityWorkItem(item: ActivityWorkItem, delayMs = 0): Promise<void> {
    const { rowId } = item.receipt as ActivityReceipt;
    // The next lease reads the row back, with this delivery counted.
    this.#commits.write(() => this.#sql.countDispatch.run(rowId)).catch(() => {});
    this.#activities.release(rowId, true, Date.now(), delayMs);
  }

  async getInstance(instanceId: string): Promise<InstanceState | undefined> {
    await this.#commits.durable();
    const row = this.#sql.getInstance.get(instanceId) as InstanceRow | undefined;
    return row ? toInstanceState(row) : undefined;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[] | undefined> {
    await this.#commits.durable();
    if (!this.#sql.getStatus.get(instanceId)) return undefined;
    return this.loadHistory(instanceId);
  }

  async listInstances(filter: InstanceFilter): Promise<InstanceState[]> {
    await this.#commits.durable();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.statuses?.length) {
      where.push(`status IN (${filter.statuses.map(() => "?").join(", ")})`);
      params.push(...filter.statuses);
    }
    const add = (clause: string, value: string | number) => {
      where.push(clause);
      params.push(value);
    };
    if (filter.name) add("name = ?", filter.name);
    if (filter.createdFrom !== undefined) add("created_at >= ?", filter.createdFrom);
    if (filter.createdTo !== undefined) add("created_at < ?", filter.createdTo);
    if (filter.after) add("instance_id > ?", filter.after);
    const sql =
      `SELECT * FROM instances ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ` +
      `ORDER BY instance_id LIMIT ${Math.min(Math.max(filter.limit ?? 100, 1), 10_000)}`;
    return (this.#db.prepare(sql).all(...params) as InstanceRow[]).map(toInstanceState);
  }

  purgeInstance(instanceId: string, options: PurgeOptions): Promise<number> {
    return this.#commits.write(() => {
      const row = this.#sql.getStatus.get(instanceId) as Pick<InstanceRow, "status"> | undefined;
      if (!row) throw new WeftError("not_found", `no workflow instance with id '${instanceId}'`);
      const doomed = [instanceId];
      for (let i = 0; options.recursive && i < doomed.length; i++) {
        for (const child of this.#sql.childrenOf.all(doomed[i]) as { instance_id: string }[]) {
          doomed.push(child.instance_id);
        }
      }
      for (const id of doomed) {
        const status = (this.#sql.getStatus.get(id) as Pick<InstanceRow, "status">).status;
        if (!isTerminalStatus(status)) {
          throw new WeftError(
            "failed_precondition",
            `workflow instance '${id}' is ${status}; only COMPLETED, FAILED or TERMINATED instances can be purged`,
          );
        }
      }
      for (const id of doomed) this.#writer.delete(id);
      return doomed.length;
    });
  }

  watch(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (!this.#commits.failure) {
      // Results no turn consumed yet go to the inbox, so a clean stop never runs an activity twice.
      const pending = this.#local.drain();
      if (pending.length) this.#commits.write(() => this.#writer.persistLocal(pending)).catch(() => {});
      this.#commits.commit();
    }
    this.#closed = true;
    this.#workflows.close();
    this.#activities.close();
    this.#db.close();
  }

  #leaseTurn(instanceId: string, now: number): WorkflowWorkItem | undefined {
    const cached = this.#writer.cachedInstance(instanceId);
    const fromDb = cached ? undefined : (this.#sql.getInstance.get(instanceId) as NumberedRow | undefined);
    const state = cached?.state ?? (fromDb ? toInstanceState(fromDb) : undefined);
    const historyLength = cached?.historyLength ?? fromDb?.history_length ?? 0;
    const instanceNo = cached?.instanceNo ?? fromDb?.instance_no ?? 0;
    const results = this.#local.take(instanceId);
    if (!state) {
      this.#local.settle(results);
      this.#workflows.remove(instanceId);
      return undefined;
    }
    const terminal = isTerminalStatus(state.status);
    const isStale = (executionId: string | null) =>
      terminal || (executionId !== null && executionId !== state.executionId);
    const inboxIds: number[] = [];
    const newEvents: InboxEvent[] = [];
    const staleRows: number[] = [];
    if (this.#writer.hasInbox(instanceId)) {
      for (const r of this.#sql.visibleInbox.all(instanceId, now) as InboxRow[]) {
        if (isStale(r.execution_id)) staleRows.push(r.id);
        else {
          inboxIds.push(r.id);
          newEvents.push(JSON.parse(r.event));
        }
      }
    }
    const local = results.filter((r) => !isStale(r.executionId));
    const staleResults = results.filter((r) => isStale(r.executionId));
    for (const result of local) newEvents.push(result.event);
    if (staleRows.length || staleResults.length) {
      this.#local.settle(staleResults);
      const drop = () => {
        for (const id of staleRows) this.#sql.deleteInboxRow.run(id);
        for (const r of staleResults) this.#sql.deleteActivity.run(r.rowId);
        this.#writer.dropTasks(staleResults.map((r) => r.rowId));
        this.#writer.countInbox(instanceId, -staleRows.length);
      };
      this.#commits.write(drop).catch(() => {});
    }
    if (newEvents.length === 0) {
      this.#workflows.release(instanceId, false, now);
      return undefined;
    }
    const receipt: TurnReceipt = { instanceNo, inboxIds, local };
    return { instanceId, state, historyLength, newEvents, receipt };
  }

  #assertLeased(instanceId: string): void {
    if (!this.#workflows.isLeased(instanceId)) {
      throw new WeftError("lock_lost", `the turn of '${instanceId}' is not leased by this engine`);
    }
  }

  #assertUsable(): void {
    if (this.#closed) throw new WeftError("unavailable", "the store is closed");
    if (this.#commits.failure) throw new WeftError("unavailable", "the store stopped after a failed commit");
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
