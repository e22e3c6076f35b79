/**
 * The writes of the SQLite store. Each runs synchronously inside a group-commit write (group-commit.ts), so it
 * either happens whole or not at all; it also keeps the in-memory indexes (which instances and activities have
 * work) in step with the rows it writes.
 */
import type Database from "better-sqlite3";
import type { ActivityTask, OutboxMessage, TurnOutcome } from "../../core/apply.js";
import type { InboxEvent } from "../../core/history.js";
import { isTerminalStatus } from "../../core/history.js";
import {
  type InstanceState,
  pendingInstance,
  type StartRequest,
  startConflict,
  startEvent,
} from "../../core/instance.js";
import type { ResumePoint } from "../../core/rerun.js";
import type { ReadyIndex } from "../ready-index.js";
import type { WorkflowWorkItem } from "../store.js";
import type { LocalResult, LocalResults } from "./local-results.js";
import { type InstanceRow, instanceParams } from "./rows.js";
import type { Statements } from "./statements.js";

/** What a leased turn consumes (inbox rows, activity results handed over in memory), and its instance's number. */
export interface TurnReceipt {
  instanceNo: number;
  inboxIds: number[];
  local: LocalResult[];
}

export interface CachedInstance {
  instanceNo: number;
  state: InstanceState;
  historyLength: number;
}

/** Enough for every instance of a busy engine's working set; small next to the executor cache. */
const STATE_CACHE_SIZE = 4096;

export interface SqliteWriterParts {
  db: Database.Database;
  sql: Statements;
  workflows: ReadyIndex<string>;
  activities: ReadyIndex<number>;
  local: LocalResults;
}

export class SqliteWriter {
  readonly #db: Database.Database;
  readonly #sql: Statements;
  readonly #workflows: ReadyIndex<string>;
  readonly #activities: ReadyIndex<number>;
  readonly #local: LocalResults;
  /** Inbox rows per instance (an upper bound): a turn made only of local results skips the inbox query. */
  readonly #inboxRows = new Map<string, number>();
  /** Activity tasks this process wrote and nobody leased yet: their lease needs no read. */
  readonly tasks = new Map<number, ActivityTask>();
  /** Recently written instance rows: the hot path leases a turn without reading its row back. */
  readonly #states = new Map<string, CachedInstance>();

  constructor(parts: SqliteWriterParts) {
    this.#db = parts.db;
    this.#sql = parts.sql;
    this.#workflows = parts.workflows;
    this.#activities = parts.activities;
    this.#local = parts.local;
  }

  /** The instance's row as last written by this process, if it is still cached. */
  cachedInstance(instanceId: string): CachedInstance | undefined {
    const cached = this.#states.get(instanceId);
    if (cached) {
      this.#states.delete(instanceId);
      this.#states.set(instanceId, cached);
    }
    return cached;
  }

  #cache(instanceNo: number, state: InstanceState, historyLength: number): void {
    this.#states.delete(state.instanceId);
    this.#states.set(state.instanceId, { instanceNo, state, historyLength });
    if (this.#states.size > STATE_CACHE_SIZE) this.#states.delete(this.#states.keys().next().value!);
  }

  /** Forgets activity rows that were deleted. */
  dropTasks(rowIds: Iterable<number>): void {
    for (const rowId of rowIds) {
      this.tasks.delete(rowId);
      this.#activities.remove(rowId);
    }
  }

  hasInbox(instanceId: string): boolean {
    return (this.#inboxRows.get(instanceId) ?? 0) > 0;
  }

  create(request: StartRequest): void {
    const existing = this.#sql.getStatus.get(request.instanceId) as Pick<InstanceRow, "status"> | undefined;
    const conflict = startConflict(existing?.status, request);
    if (conflict) throw conflict;
    if (existing) this.delete(request.instanceId);
    const state = pendingInstance(request);
    if (request.resume) {
      this.#resume(state, request.resume, request.now);
      return;
    }
    const instanceNo = Number(this.#sql.insertInstance.run(instanceParams(state, 0)).lastInsertRowid);
    this.#cache(instanceNo, state, 0);
    const { event, visibleAt } = startEvent(request);
    this.enqueue(request.instanceId, request.executionId, visibleAt, event, request.now);
  }

  /** Writes results no turn consumed into the inbox, where they survive a restart. */
  persistLocal(pending: Array<[string, LocalResult[]]>): void {
    for (const [instanceId, results] of pending) {
      for (const r of results) {
        this.tasks.delete(r.rowId);
        if (this.#sql.deleteActivity.run(r.rowId).changes === 0) continue;
        this.enqueue(instanceId, r.executionId, r.event.timestamp, r.event, r.event.timestamp);
      }
    }
  }

  countInbox(instanceId: string, delta: number): void {
    const count = (this.#inboxRows.get(instanceId) ?? 0) + delta;
    if (count > 0) this.#inboxRows.set(instanceId, count);
    else this.#inboxRows.delete(instanceId);
  }

  applyOutcome(item: WorkflowWorkItem, outcome: TurnOutcome): void {
    const { state } = outcome;
    const id = state.instanceId;
    const now = state.updatedAt;
    const receipt = item.receipt as TurnReceipt;
    const { instanceNo } = receipt;
    let length = item.historyLength;
    if (outcome.history === "reset") {
      this.#sql.deleteHistory.run(id);
      length = 0;
    }
    if (outcome.newEvents.length > 0) {
      this.#sql.insertHistory.run(instanceNo, length, JSON.stringify(outcome.newEvents));
      length += outcome.newEvents.length;
    }
    for (const inboxId of receipt.inboxIds) this.#sql.deleteInboxRow.run(inboxId);
    for (const result of receipt.local) {
      this.#sql.deleteActivity.run(result.rowId);
      this.tasks.delete(result.rowId);
    }
    const before = item.state;
    if (
      outcome.history === "append" &&
      state.status === before.status &&
      state.executionId === before.executionId &&
      state.output === before.output &&
      state.input === before.input
    ) {
      this.#sql.touchInstance.run(state.updatedAt, state.customStatus ?? null, length, instanceNo);
    } else {
      this.#sql.updateInstance.run(instanceParams(state, length));
    }
    if (isTerminalStatus(state.status)) {
      this.#sql.deleteInbox.run(id);
      this.dropTasks((this.#sql.deleteActivities.all(id) as { id: number }[]).map((r) => r.id));
      this.#inboxRows.delete(id);
    }
    this.#schedule(instanceNo, outcome, now);
    if (outcome.terminateChildren) {
      for (const child of this.#sql.childrenOf.all(id) as Pick<InstanceRow, "instance_id" | "status">[]) {
        if (isTerminalStatus(child.status)) continue;
        const event: InboxEvent = {
          type: "ExecutionTerminated",
          eventId: -1,
          timestamp: now,
          input: outcome.terminateChildren.output,
          recurse: true,
        };
        this.enqueue(child.instance_id, null, now, event, now);
      }
    }
    this.#cache(instanceNo, state, length);
    this.countInbox(id, -receipt.inboxIds.length);
    this.#local.settle(receipt.local);
  }

  /** A rerun: the instance starts with a history, and what that history left unfinished is scheduled again. */
  #resume(state: InstanceState, resume: ResumePoint, now: number): void {
    state.status = "RUNNING";
    const started = resume.history.find((e) => e.type === "ExecutionStarted");
    state.input = started?.type === "ExecutionStarted" ? started.input : state.input;
    const length = resume.history.length;
    const instanceNo = Number(this.#sql.insertInstance.run(instanceParams(state, length)).lastInsertRowid);
    this.#sql.insertHistory.run(instanceNo, 0, JSON.stringify(resume.history));
    this.#cache(instanceNo, state, length);
    this.#schedule(instanceNo, resume, now);
  }

  /** Activities, child workflows and messages a turn (or a rerun) of instance `instanceNo` asked for. */
  #schedule(
    instanceNo: number,
    work: Pick<ResumePoint, "activities" | "childStarts" | "messages">,
    now: number,
  ): void {
    for (const task of work.activities) {
      const r = this.#sql.insertActivity.run(
        instanceNo,
        task.executionId,
        task.taskId,
        task.name,
        task.input ?? null,
        task.taskExecutionId ?? null,
        now,
      );
      const rowId = Number(r.lastInsertRowid);
      this.tasks.set(rowId, task);
      this.#activities.add(rowId, now, now);
    }
    for (const child of work.childStarts) this.#startChild(child, now);
    for (const message of work.messages) this.#deliver(message, now);
  }

  #startChild(child: StartRequest, now: number): void {
    try {
      this.#db.transaction(() => this.create(child))();
    } catch (error) {
      const parent = child.parent!;
      this.#deliver(
        {
          instanceId: parent.instanceId,
          executionId: parent.executionId,
          visibleAt: now,
          event: {
            type: "ChildWorkflowInstanceFailed",
            eventId: -1,
            timestamp: now,
            taskScheduledId: parent.taskScheduledId,
            failure: { errorType: "ChildWorkflowStartError", message: (error as Error).message },
          },
        },
        now,
      );
    }
  }

  /** Delivers a message if its target exists, is active and is still in the execution it was meant for. */
  #deliver(message: OutboxMessage, now: number): void {
    const target = this.#sql.getStatus.get(message.instanceId) as
      | Pick<InstanceRow, "status" | "execution_id">
      | undefined;
    if (!target || isTerminalStatus(target.status)) return;
    if (message.executionId !== undefined && target.execution_id !== message.executionId) {
      // A continue-as-new in this very turn already switched the row; its own fresh messages carry the new id.
      return;
    }
    this.enqueue(message.instanceId, message.executionId ?? null, message.visibleAt, message.event, now);
  }

  enqueue(
    instanceId: string,
    executionId: string | null,
    visibleAt: number,
    event: InboxEvent,
    now: number,
  ): void {
    this.#sql.insertInbox.run(instanceId, executionId, visibleAt, JSON.stringify(event));
    this.countInbox(instanceId, 1);
    this.#workflows.add(instanceId, visibleAt, now);
  }

  delete(instanceId: string): void {
    this.#inboxRows.delete(instanceId);
    this.#states.delete(instanceId);
    this.#sql.deleteHistory.run(instanceId);
    this.#sql.deleteInbox.run(instanceId);
    this.dropTasks((this.#sql.deleteActivities.all(instanceId) as { id: number }[]).map((r) => r.id));
    this.#sql.deleteInstance.run(instanceId);
  }
}
