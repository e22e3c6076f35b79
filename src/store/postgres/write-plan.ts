/**
 * Planning one write batch. Given the locked rows of every instance the batch touches, each write (a start, an
 * event, a finished turn, an activity result) is decided here in memory, in submission order, exactly as the SQLite
 * store decides it row by row; the result is the set of bulk writes for `applyBatch`. Each write gets its own
 * outcome (done, or a typed error such as `already_exists` or `lock_lost`) without failing the others.
 */
import { randomUUID } from "node:crypto";
import { childStartFailed, isDeliverable, type TurnOutcome } from "../../core/apply.js";
import { WeftError } from "../../core/errors.js";
import type { InboxEvent, RuntimeStatus, TaskCompleted, TaskFailed } from "../../core/history.js";
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
import type { OutboxMessage } from "../../core/work.js";
import { rowToActivityTask } from "../rows.js";
import type { ActivityWorkItem, WorkflowWorkItem } from "../store.js";
import type { BatchWrites } from "./queries.js";
import { toInstanceRecord } from "./rows.js";

export interface TurnReceipt {
  token: string;
  /** Every inbox row the turn consumes, including stale ones it was not shown. */
  inboxIds: number[];
}

/**
 * The lease an eager start grants this node on its new instance's first turn, written into the new row: owner,
 * token and expiry. (A lease already held, as renewals and releases name it, is queries.ts's HeldTurnLease.)
 */
export interface EagerTurnLease {
  owner: string;
  token: string;
  until: number;
}

export interface ActivityReceipt {
  id: number;
  token: string;
}

/** The row of the activity a work item runs. */
export function activityRowId(item: ActivityWorkItem): number {
  return (item.receipt as ActivityReceipt).id;
}

export type WriteOp =
  | {
      kind: "create";
      request: StartRequest;
      /** Eager start: the new instance's first turn is leased to this node and runs here without a claim. */
      lease?: EagerTurnLease;
    }
  | { kind: "event"; instanceId: string; event: InboxEvent; now: number; dedupKey?: string }
  | {
      kind: "turn";
      item: WorkflowWorkItem;
      outcome: TurnOutcome;
      /** How many of the activities it schedules to lease to this node at once, and until when. */
      leaseActivities?: { count: number; until: number };
    }
  | { kind: "activity"; item: ActivityWorkItem; result: TaskCompleted | TaskFailed }
  /** A leased turn with nothing to run (only stale events): consume them and end the lease. */
  | { kind: "drop"; instanceId: string; receipt: TurnReceipt };

/** The instance rows of the batch as `lockBatch` returned them, as the batch changes them. */
export interface LockedRow {
  status: RuntimeStatus;
  executionId: string;
  scheduledStartAt: number | null;
  leaseToken: string | null;
  historyLength: number;
}

interface PlannedRow extends LockedRow {
  /** Inserted by this batch (a start, or a restart of a finished id). */
  created: boolean;
  /** Has planned writes: deleting it now would reorder them. */
  touched: boolean;
}

/** Where a write ends up: done, failed with a typed error, or deferred to the next batch. */
export type OpResult = "done" | "defer" | WeftError;

export class WritePlan {
  readonly #rows = new Map<string, PlannedRow>();
  readonly #children: ReadonlyMap<string, readonly string[]>;
  /** Activity rows this batch deleted; each delivers its result once, even if two runs of it finish together. */
  readonly #finishedActivities: Set<number>;
  readonly #usedKeys = new Set<string>();
  /** Keyed inbox rows, so a duplicate found when the keys are inserted can be taken back out. */
  readonly #keyed = new Map<string, BatchWrites["inbox"][number] | null>();
  #inbox: BatchWrites["inbox"] = [];
  readonly #history: BatchWrites["history"] = [];
  readonly #activities: BatchWrites["activities"] = [];
  /** Activity rows leased to this node, by lease token. */
  readonly #leased = new Map<string, BatchWrites["activities"][number]>();
  readonly #created = new Map<string, { state: InstanceState; historyLength: number }>();
  /** Created instances whose first turn this node leased, with their start event. */
  readonly #eager = new Map<string, { lease: EagerTurnLease; event: InboxEvent }>();
  readonly #finished = new Map<string, { state: InstanceState; historyLength: number }>();
  readonly #released = new Set<string>();
  readonly #consumed: number[] = [];
  readonly #cleared = new Set<string>();
  /** Instances whose old rows (or old history) must go before this batch's inserts. */
  readonly reused = new Set<string>();
  readonly resetHistories = new Set<string>();
  /** Turns that completed: what the store announces after commit. */
  readonly changes: { instanceId: string; status: RuntimeStatus; statusChanged: boolean }[] = [];

  constructor(
    rows: ReadonlyMap<string, LockedRow>,
    children: ReadonlyMap<string, readonly string[]>,
    finishedActivities: ReadonlySet<number>,
    lockedReadyInstances: number,
  ) {
    for (const [id, row] of rows) this.#rows.set(id, { ...row, created: false, touched: false });
    this.lockedReadyInstances = lockedReadyInstances;
    this.#children = children;
    this.#finishedActivities = new Set(finishedActivities);
  }

  /**
   * Ready instance rows (due, not leased) the batch held locked until its COMMIT. A claim meanwhile skipped them
   * (SKIP LOCKED) and may have found the queue drained, so after the commit the queues look again, here and on the
   * other nodes.
   */
  readonly lockedReadyInstances: number;

  /** The instance ids a batch of writes must lock (children of recursively terminated instances come separately). */
  static instanceIds(ops: readonly WriteOp[]): Set<string> {
    const ids = new Set<string>();
    for (const op of ops) {
      switch (op.kind) {
        case "create":
          ids.add(op.request.instanceId);
          for (const c of op.request.resume?.childStarts ?? []) ids.add(c.instanceId);
          break;
        case "event":
        case "drop":
          ids.add(op.instanceId);
          break;
        case "activity":
          ids.add(op.item.task.instanceId);
          break;
        case "turn":
          ids.add(op.item.instanceId);
          for (const m of op.outcome.messages) ids.add(m.instanceId);
          for (const c of op.outcome.childStarts) ids.add(c.instanceId);
          break;
      }
    }
    return ids;
  }

  add(op: WriteOp): OpResult {
    switch (op.kind) {
      case "create":
        return this.#create(op.request, op.lease);
      case "event":
        return this.#event(op.instanceId, op.event, op.now, op.dedupKey);
      case "turn":
        return this.#turn(op.item, op.outcome, op.leaseActivities);
      case "activity":
        return this.#activity(op.item, op.result);
      case "drop":
        return this.#drop(op.instanceId, op.receipt);
    }
  }

  /** The dedup keys of accepted events, to insert before the batch's writes. */
  get dedupKeys(): string[] {
    return [...this.#keyed.keys()];
  }

  /** Takes out the events whose keys turned out to be taken already (by an earlier batch or another node). */
  dropDuplicates(freshKeys: ReadonlySet<string>): void {
    const duplicates = new Set<object>();
    for (const [key, row] of this.#keyed) if (row && !freshKeys.has(key)) duplicates.add(row);
    if (duplicates.size > 0) this.#inbox = this.#inbox.filter((row) => !duplicates.has(row));
  }

  get consumedInboxIds(): number[] {
    return this.#consumed;
  }

  get cleared(): string[] {
    return [...this.#cleared];
  }

  /** Inbox rows any node may claim a turn for: all but those of instances started eagerly here. */
  get claimableInbox(): BatchWrites["inbox"][number][] {
    return this.#eager.size === 0
      ? this.#inbox
      : this.#inbox.filter((row) => !this.#eager.has(row.instance_id));
  }

  /** The first turns of the instances this batch started eagerly, from the start events' inbox rows. */
  eagerTurns(inboxRows: readonly { instance: string; id: number }[]): WorkflowWorkItem[] {
    return inboxRows.flatMap(({ instance, id }) => {
      const eager = this.#eager.get(instance);
      if (!eager) return [];
      const { state } = this.#created.get(instance)!;
      const receipt: TurnReceipt = { token: eager.lease.token, inboxIds: [id] };
      return [{ instanceId: instance, state, historyLength: 0, newEvents: [eager.event], receipt }];
    });
  }

  /** Activities this batch schedules for any node to claim (the others it leased to this node). */
  get sharedActivityCount(): number {
    return this.#activities.length - this.#leased.size;
  }

  /** The work items of the activities this batch leased to this node, from the leases `applyBatch` returned. */
  leasedActivities(returned: readonly { id: number; token: string }[]): ActivityWorkItem[] {
    return returned.flatMap(({ id, token }) => {
      const row = this.#leased.get(token);
      if (!row) return [];
      const receipt: ActivityReceipt = { id, token };
      return [{ task: rowToActivityTask(row), dispatchCount: 1, receipt }];
    });
  }

  /** The instances whose turn this batch committed, with their new state. */
  get finishedTurns(): ReadonlyMap<string, { state: InstanceState; historyLength: number }> {
    return this.#finished;
  }

  writes(): BatchWrites {
    const created: BatchWrites["created"] = [];
    for (const [id, { state, historyLength }] of this.#created) {
      let first: number | null = null;
      for (const row of this.#inbox) {
        if (row.instance_id === id && (first === null || row.visible_at < first)) first = row.visible_at;
      }
      const lease = this.#eager.get(id)?.lease;
      created.push({
        ...toInstanceRecord(state, historyLength),
        next_visible_at: first,
        lease_owner: lease?.owner ?? null,
        lease_token: lease?.token ?? null,
        lease_expires_at: lease?.until ?? null,
      });
    }
    const touched = new Map<string, boolean>();
    for (const row of this.#inbox) touched.set(row.instance_id, false);
    for (const id of this.#released) touched.set(id, true);
    for (const id of [...this.#created.keys(), ...this.#finished.keys()]) touched.delete(id);
    return {
      inbox: this.#inbox,
      history: this.#history,
      activities: this.#activities,
      created,
      finished: [...this.#finished.values()].map(({ state, historyLength }) =>
        toInstanceRecord(state, historyLength),
      ),
      touched: [...touched].map(([instance_id, release]) => ({ instance_id, release })),
    };
  }

  #create(request: StartRequest, lease?: EagerTurnLease): OpResult {
    const id = request.instanceId;
    const row = this.#rows.get(id);
    const conflict = startConflict(row?.status, request);
    if (conflict) return conflict;
    if (row?.touched || (request.resume && this.#restartsTouchedChild(request.resume.childStarts))) {
      return "defer";
    }
    if (row) this.reused.add(id);
    const { resume } = request;
    if (resume) return this.#resume(resumedInstance(request, resume), resume, request.now);
    const state = pendingInstance(request);
    this.#created.set(id, { state, historyLength: 0 });
    this.#rows.set(id, {
      status: "PENDING",
      executionId: request.executionId,
      scheduledStartAt: request.scheduledStartAt ?? null,
      leaseToken: null,
      historyLength: 0,
      created: true,
      touched: true,
    });
    const { event, visibleAt } = startEvent(request);
    this.#enqueue(id, request.executionId, visibleAt, event);
    if (lease && visibleAt <= request.now) {
      this.#eager.set(id, { lease, event });
      const planned = this.#rows.get(id)!;
      planned.leaseToken = lease.token;
    }
    return "done";
  }

  #event(instanceId: string, event: InboxEvent, now: number, dedupKey: string | undefined): OpResult {
    if (dedupKey !== undefined && this.#usedKeys.has(dedupKey)) return "done";
    const row = this.#rows.get(instanceId);
    if (!row) return new WeftError("not_found", `no workflow instance with id '${instanceId}'`);
    if (dedupKey !== undefined) this.#usedKeys.add(dedupKey);
    if (isTerminalStatus(row.status)) {
      // The key is still recorded, as the SQLite store does: a redelivery stays a duplicate.
      if (dedupKey !== undefined) this.#keyed.set(dedupKey, null);
      return "done";
    }
    const inboxRow = this.#enqueue(instanceId, null, eventVisibleAt(row, event, now), event);
    if (dedupKey !== undefined) this.#keyed.set(dedupKey, inboxRow);
    return "done";
  }

  #turn(
    item: WorkflowWorkItem,
    outcome: TurnOutcome,
    leaseActivities: { count: number; until: number } | undefined,
  ): OpResult {
    const id = item.instanceId;
    const receipt = item.receipt as TurnReceipt;
    const row = this.#rows.get(id);
    if (!row || row.leaseToken !== receipt.token) {
      return new WeftError("lock_lost", `the turn of '${id}' is no longer leased by this node`);
    } else if (this.#restartsTouchedChild(outcome.childStarts)) return "defer";
    const planned = row!;
    const { state } = outcome;
    const now = state.updatedAt;
    const before = planned.status;
    planned.leaseToken = null;
    planned.touched = true;
    planned.status = state.status;
    planned.executionId = state.executionId;
    let seq = item.historyLength;
    if (outcome.history === "reset") {
      this.resetHistories.add(id);
      seq = 0;
    }
    for (const event of outcome.newEvents) this.#history.push({ instance_id: id, seq: seq++, event });
    planned.historyLength = seq;
    this.#consumed.push(...receipt.inboxIds);
    this.#finished.set(id, { state, historyLength: seq });
    if (isTerminalStatus(state.status)) {
      this.#cleared.add(id);
      this.#inbox = this.#inbox.filter((r) => r.instance_id !== id);
    }
    this.#schedule(id, outcome, now, isTerminalStatus(state.status) ? undefined : leaseActivities);
    if (outcome.terminateChildren) {
      for (const childId of this.#children.get(id) ?? []) {
        const child = this.#rows.get(childId);
        if (!child || isTerminalStatus(child.status)) continue;
        const event: InboxEvent = {
          type: "ExecutionTerminated",
          eventId: -1,
          timestamp: now,
          input: outcome.terminateChildren.output,
          recurse: true,
        };
        this.#enqueue(childId, null, now, event);
      }
    }
    this.changes.push({ instanceId: id, status: state.status, statusChanged: before !== state.status });
    return "done";
  }

  /** A rerun (`state` from core's resumedInstance): its history, and what that history left unfinished, planned. */
  #resume(state: InstanceState, resume: ResumePoint, now: number): OpResult {
    const id = state.instanceId;
    this.#created.set(id, { state, historyLength: resume.history.length });
    this.#rows.set(id, {
      status: state.status,
      executionId: state.executionId,
      scheduledStartAt: null,
      leaseToken: null,
      historyLength: resume.history.length,
      created: true,
      touched: true,
    });
    for (const [seq, event] of resume.history.entries()) this.#history.push({ instance_id: id, seq, event });
    this.#schedule(id, resume, now);
    return "done";
  }

  /** Activities, child workflows and messages a turn (or a rerun) asked for. */
  #schedule(
    id: string,
    work: Pick<TurnOutcome, "activities" | "childStarts" | "messages">,
    now: number,
    lease?: { count: number; until: number },
  ): void {
    for (const [i, task] of work.activities.entries()) {
      const leased = lease !== undefined && i < lease.count;
      const row = {
        instance_id: id,
        execution_id: task.executionId,
        task_id: task.taskId,
        name: task.name,
        input: task.input ?? null,
        task_execution_id: task.taskExecutionId ?? null,
        visible_at: leased ? lease.until : now,
        lease_token: leased ? randomUUID() : null,
        dispatch_count: leased ? 1 : 0,
      };
      this.#activities.push(row);
      if (leased) this.#leased.set(row.lease_token!, row);
    }
    for (const child of work.childStarts) {
      const started = this.#create(child);
      if (started instanceof WeftError) this.#deliver(childStartFailed(child, now, started.message));
    }
    for (const message of work.messages) this.#deliver(message);
  }

  /** A child restarting an id whose old run ended earlier in this batch must wait for the next batch. */
  #restartsTouchedChild(children: readonly StartRequest[]): boolean {
    return children.some((c) => this.#rows.get(c.instanceId)?.touched && this.#isTerminal(c.instanceId));
  }

  #activity(item: ActivityWorkItem, result: TaskCompleted | TaskFailed): OpResult {
    const receipt = item.receipt as ActivityReceipt;
    // A row already gone was recorded by another node (after a lease expired) or its instance ended.
    if (this.#finishedActivities.delete(receipt.id)) this.#recordResult(item, result);
    return "done";
  }

  /** Queues an activity's result (its row deleted in this batch) for its instance, unless that execution ended. */
  #recordResult(item: ActivityWorkItem, result: TaskCompleted | TaskFailed): void {
    const { instanceId, executionId } = item.task;
    const row = this.#rows.get(instanceId);
    if (!row || isTerminalStatus(row.status) || row.executionId !== executionId) return;
    this.#enqueue(instanceId, executionId, result.timestamp, result);
  }

  #drop(instanceId: string, receipt: TurnReceipt): OpResult {
    const row = this.#rows.get(instanceId);
    if (!row || row.leaseToken !== receipt.token) return "done";
    row.leaseToken = null;
    row.touched = true;
    this.#consumed.push(...receipt.inboxIds);
    this.#released.add(instanceId);
    return "done";
  }

  #isTerminal(instanceId: string): boolean {
    const row = this.#rows.get(instanceId);
    return row !== undefined && isTerminalStatus(row.status);
  }

  /** Delivers a message if its target exists, is active and is still in the execution it was meant for. */
  #deliver(message: OutboxMessage): void {
    if (!isDeliverable(this.#rows.get(message.instanceId), message)) return;
    this.#enqueue(message.instanceId, message.executionId ?? null, message.visibleAt, message.event);
  }

  #enqueue(
    instanceId: string,
    executionId: string | null,
    visibleAt: number,
    event: InboxEvent,
  ): BatchWrites["inbox"][number] {
    const row = { instance_id: instanceId, execution_id: executionId, visible_at: visibleAt, event };
    this.#inbox.push(row);
    const planned = this.#rows.get(instanceId);
    if (planned) planned.touched = true;
    return row;
  }
}
