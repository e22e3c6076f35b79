/**
 * The writes of the SQLite store, run on its writer thread. Each runs synchronously inside a group-commit write
 * (group-commit.ts), so it either happens whole or not at all, and reports what the main thread's indexes must
 * follow (protocol.ts `Effects`).
 */
import type Database from "better-sqlite3";
import { childStartFailed, isDeliverable } from "../../core/apply.js";
import { WeftError } from "../../core/errors.js";
import type { InboxEvent, TaskCompleted, TaskFailed } from "../../core/history.js";
import { isTerminalStatus } from "../../core/history.js";
import {
  eventVisibleAt,
  type InstanceState,
  pendingInstance,
  type ResumePoint,
  resumedInstance,
  type StartRequest,
  startConflict,
  startEvent,
} from "../../core/instance.js";
import type { ActivityTask, OutboxMessage } from "../../core/work.js";
import type { ActivityRowWrite, Effects, LifecycleRow, TurnWrite } from "./protocol.js";
import type { RowIds } from "./row-ids.js";
import { type InstanceRow, instanceParams } from "./rows.js";
import type { Statements } from "./statements.js";

type Status = Pick<InstanceRow, "status" | "execution_id" | "scheduled_start_at">;

/** The parameters of insertActivity; the second is the instance's number. */
type ActivityParams = [number, number, string, number, string, string | null, string | null, number];

export class SqliteWriter {
  readonly #db: Database.Database;
  readonly #sql: Statements;
  readonly #ids: RowIds;
  #effects: Effects = noEffects();
  /** Whether the open batch wrote lifecycle events (the thread then learns the newest seq after its COMMIT). */
  wroteEvents = false;

  constructor(db: Database.Database, sql: Statements, ids: RowIds) {
    this.#db = db;
    this.#sql = sql;
    this.#ids = ids;
  }

  /** Runs one write and returns its effects. */
  run(write: () => void): Effects {
    this.#effects = noEffects();
    write();
    return this.#effects;
  }

  create(
    request: StartRequest,
    activities: readonly ActivityRowWrite[],
    lifecycle?: readonly LifecycleRow[],
  ): void {
    const existing = this.#status(request.instanceId);
    const conflict = startConflict(existing?.status, request);
    if (conflict) throw conflict;
    if (existing) this.delete(request.instanceId);
    if (request.resume) {
      this.#resume(resumedInstance(request, request.resume), request.resume, activities, request.now);
      if (lifecycle) this.#lifecycle(lifecycle);
      return;
    }
    this.#insertInstance(pendingInstance(request), 0);
    const { event, visibleAt } = startEvent(request);
    this.enqueue(request.instanceId, request.executionId, visibleAt, event);
  }

  event(instanceId: string, event: InboxEvent, now: number, dedupKey: string | undefined): void {
    if (dedupKey !== undefined && this.#sql.insertDedupKey.run(dedupKey, now).changes === 0) return;
    const row = this.#status(instanceId);
    if (!row) throw new WeftError("not_found", `no workflow instance with id '${instanceId}'`);
    if (isTerminalStatus(row.status)) return;
    const target = { status: row.status, scheduledStartAt: row.scheduled_start_at };
    this.enqueue(instanceId, null, eventVisibleAt(target, event, now), event);
  }

  /** A turn's writes. */
  turn(t: TurnWrite): void {
    const { instanceNo, instanceId: id, now } = t;
    if (t.reset) this.#sql.deleteHistory.run(id);
    if (t.events !== null) this.#sql.insertHistory.run(instanceNo, t.seq, t.events);
    for (const inboxId of t.inboxIds) this.#sql.deleteInboxRow.run(inboxId);
    if ("instance_id" in t.row) this.#sql.updateInstance.run(t.row);
    else this.#sql.touchInstance.run(t.row.updatedAt, t.row.customStatus, t.row.historyLength, instanceNo);
    if (t.terminal) {
      this.#sql.deleteInbox.run(id);
      this.#dropActivities(id);
    }
    for (const { rowId, task } of t.activities) {
      this.#sql.insertActivity.run(...activityParams(rowId, instanceNo, task, now));
    }
    this.#schedule(t.childStarts, t.messages, now);
    if (t.lifecycle) this.#lifecycle(t.lifecycle);
    if (t.terminateChildren) {
      for (const child of this.#sql.childrenOf.all(id) as Pick<InstanceRow, "instance_id" | "status">[]) {
        if (isTerminalStatus(child.status)) continue;
        const event: InboxEvent = {
          type: "ExecutionTerminated",
          eventId: -1,
          timestamp: now,
          input: t.terminateChildren.output,
          recurse: true,
        };
        this.enqueue(child.instance_id, null, now, event);
      }
    }
  }

  /** Consumes stale inbox rows and results of ended executions. */
  drop(inboxIds: readonly number[], activityIds: readonly number[]): void {
    for (const id of inboxIds) this.#sql.deleteInboxRow.run(id);
    for (const id of activityIds) this.#sql.deleteActivity.run(id);
  }

  /**
   * An activity's result goes to its instance's inbox and retires the activity's row, in one write: a crash before
   * its commit leaves the row, so the activity runs again. A row already retired (a duplicate completion, or the
   * instance ended) makes the result moot.
   */
  result(rowId: number, instanceId: string, executionId: string, event: TaskCompleted | TaskFailed): void {
    if (this.#sql.deleteActivity.run(rowId).changes === 0) return;
    this.enqueue(instanceId, executionId, event.timestamp, event);
  }

  purge(instanceId: string, recursive: boolean): number {
    if (!this.#status(instanceId))
      throw new WeftError("not_found", `no workflow instance with id '${instanceId}'`);
    const doomed = [instanceId];
    for (let i = 0; recursive && i < doomed.length; i++) {
      for (const child of this.#sql.childrenOf.all(doomed[i]) as { instance_id: string }[]) {
        doomed.push(child.instance_id);
      }
    }
    for (const id of doomed) {
      const { status } = this.#status(id)!;
      if (!isTerminalStatus(status)) {
        throw new WeftError(
          "failed_precondition",
          `workflow instance '${id}' is ${status}; only COMPLETED, FAILED or TERMINATED instances can be purged`,
        );
      }
    }
    for (const id of doomed) this.delete(id);
    return doomed.length;
  }

  delete(instanceId: string): void {
    this.#effects.deleted.push(instanceId);
    this.#sql.deleteHistory.run(instanceId);
    this.#sql.deleteInbox.run(instanceId);
    this.#dropActivities(instanceId);
    this.#sql.deleteInstance.run(instanceId);
  }

  enqueue(
    instanceId: string,
    executionId: string | null,
    visibleAt: number,
    event: InboxEvent,
    id = this.#ids.inbox(),
  ): void {
    const text = JSON.stringify(event);
    this.#sql.insertInbox.run(id, instanceId, executionId, visibleAt, text);
    this.#effects.enqueued.push({
      instanceId,
      row: { id, execution_id: executionId, visible_at: visibleAt, event: text },
    });
  }

  /** An outbox row outside any turn, once per key (the dedup keys of raised events hold the key). */
  appendEvent(row: LifecycleRow, onceKey: string): boolean {
    if (this.#sql.insertDedupKey.run(onceKey, row.at).changes === 0) return false;
    this.#lifecycle([row]);
    return true;
  }

  #lifecycle(rows: readonly LifecycleRow[]): void {
    for (const { at, event } of rows) this.#sql.insertLifecycleEvent.run(at, event);
    if (rows.length > 0) this.wroteEvents = true;
  }

  #status(instanceId: string): Status | undefined {
    return this.#sql.getStatus.get(instanceId) as Status | undefined;
  }

  #insertInstance(state: InstanceState, historyLength: number, instanceNo = this.#ids.instance()): number {
    this.#sql.insertInstance.run({ ...instanceParams(state, historyLength), instance_no: instanceNo });
    this.#effects.created.push({ instanceNo, state, historyLength });
    return instanceNo;
  }

  #dropActivities(instanceId: string): void {
    for (const { id } of this.#sql.deleteActivities.all(instanceId) as { id: number }[]) {
      this.#effects.droppedActivities.push(id);
    }
  }

  /** A rerun (`state` from core's resumedInstance): its history, and what that history left unfinished, written. */
  #resume(
    state: InstanceState,
    resume: ResumePoint,
    activities: readonly ActivityRowWrite[],
    now: number,
  ): void {
    const instanceNo = this.#insertInstance(state, resume.history.length);
    this.#sql.insertHistory.run(instanceNo, 0, JSON.stringify(resume.history));
    for (const { rowId, task } of activities) {
      this.#sql.insertActivity.run(...activityParams(rowId, instanceNo, task, now));
    }
    this.#schedule(resume.childStarts, resume.messages, now);
  }

  /** Child workflows and messages a turn (or a rerun) asked for. */
  #schedule(childStarts: readonly StartRequest[], messages: readonly OutboxMessage[], now: number): void {
    for (const child of childStarts) this.#startChild(child, now);
    for (const message of messages) this.#deliver(message);
  }

  #startChild(child: StartRequest, now: number): void {
    const effects = this.#effects;
    const marks = Object.values(effects).map((list: unknown[]) => [list, list.length] as const);
    try {
      this.#db.transaction(() => this.create(child, []))();
    } catch (error) {
      // Rolled back: so are the effects it reported.
      for (const [list, length] of marks) list.length = length;
      this.#deliver(childStartFailed(child, now, (error as Error).message));
    }
  }

  #deliver(message: OutboxMessage): void {
    const row = this.#status(message.instanceId);
    const target = row && { status: row.status, executionId: row.execution_id };
    if (!isDeliverable(target, message)) return;
    this.enqueue(message.instanceId, message.executionId ?? null, message.visibleAt, message.event);
  }
}

function activityParams(rowId: number, instanceNo: number, task: ActivityTask, now: number): ActivityParams {
  const { executionId, taskId, name } = task;
  return [
    rowId,
    instanceNo,
    executionId,
    taskId,
    name,
    task.input ?? null,
    task.taskExecutionId ?? null,
    now,
  ];
}

function noEffects(): Effects {
  return { deleted: [], droppedActivities: [], created: [], enqueued: [] };
}
