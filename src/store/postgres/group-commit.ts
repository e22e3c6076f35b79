/**
 * Group commit for PostgreSQL. Every write of a node (starts, events, finished turns, activity results) joins a
 * queue; one transaction at a time takes all that is queued and commits it in two round trips: BEGIN with the lock
 * of the touched instance rows (id order), then, after planning in memory (write-plan.ts), one bulk statement with
 * COMMIT (transaction-query.ts). Concurrent instances thus share round trips and one WAL flush. A deadlock or a
 * concurrent create of the same id on another node rolls the batch back and runs it again; nothing is
 * acknowledged before its COMMIT returns.
 */
import pg from "pg";
import { WeftError } from "../../core/errors.js";
import { resumedInstance } from "../../core/instance.js";
import { type LifecycleEvent, lifecycleEventsOf } from "../../core/lifecycle-events.js";
import type { ActivityWorkItem, WorkflowWorkItem } from "../store.js";
import { insertLifecycleEvents } from "./lifecycle-events.js";
import { encodeNotices } from "./notifications.js";
import * as sql from "./queries.js";
import { queryInTransaction } from "./transaction-query.js";
import { activityRowId, type LockedRow, type OpResult, type WriteOp, WritePlan } from "./write-plan.js";

interface Pending {
  op: WriteOp;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  pool: pg.Pool;
  channel: string;
  nodeId: string;
  /** Called after each COMMIT, before the writes' promises settle. */
  onCommit: (plan: WritePlan, committed: Committed) => void;
  maxOpsPerBatch?: number;
  /** Batches committing at once: the next one is planned while the previous one waits for its WAL flush. */
  maxInFlight?: number;
  /** Write lifecycle events to the outbox in the transaction of the status changes. */
  lifecycleEvents?: boolean;
  /** The store's clock. */
  clock: () => number;
}

const MAX_ATTEMPTS = 5;
/** Deadlock, serialization failure: the batch is rolled back and may simply run again. */
const RETRYABLE_CODES = new Set(["40P01", "40001"]);

/** Another node created an instance id this batch creates, after the batch found it free: run the batch again. */
function isCreateConflict(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === "23505" && error.constraint === "instances_pkey";
}

/** What a committed batch leased to this node and left ready, beside its plan. */
export interface Committed {
  /** Activities the batch leased to this node, to run here without a claim. */
  leased: ActivityWorkItem[];
  /** First turns of the instances the batch started eagerly. */
  started: WorkflowWorkItem[];
  /** Instances the batch updated that are ready for a turn (see `applyBatch`). */
  readyInstances: number;
}

interface Attempt extends Committed {
  plan: WritePlan;
  results: OpResult[];
}

export class GroupCommit {
  readonly #options: GroupCommitOptions;
  readonly #maxOps: number;
  readonly #maxInFlight: number;
  #queue: Pending[] = [];
  readonly #running = new Set<Promise<void>>();
  #scheduled = false;
  /** Commits so far and writes they carried. */
  readonly stats = { commits: 0, writes: 0 };

  constructor(options: GroupCommitOptions) {
    this.#options = options;
    this.#maxOps = options.maxOpsPerBatch ?? 1000;
    this.#maxInFlight = options.maxInFlight ?? 2;
  }

  /** Queues a write; the promise settles once its batch committed (or failed). */
  write(op: WriteOp): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once everything queued so far is committed. */
  async flush(): Promise<void> {
    while (this.#running.size > 0 || this.#scheduled) {
      await Promise.all([...this.#running, new Promise<void>((r) => setImmediate(r))]);
    }
  }

  /** Starts a batch on the next turn of the event loop, so that writes of the same instant share it. */
  #schedule(): void {
    if (this.#scheduled || this.#running.size >= this.#maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#queue.length === 0 || this.#running.size >= this.#maxInFlight) return;
      const batch = this.#queue.splice(0, this.#maxOps);
      const run = this.#commit(batch).then((deferred) => {
        this.#queue.unshift(...deferred);
        this.#running.delete(run);
        if (this.#queue.length > 0) this.#schedule();
      });
      this.#running.add(run);
      if (this.#queue.length > 0) this.#schedule();
    });
  }

  /** Commits a batch; returns the writes deferred to the next one. Never rejects: failures go to the writes. */
  async #commit(batch: Pending[]): Promise<Pending[]> {
    let client: pg.PoolClient;
    try {
      client = await this.#options.pool.connect();
    } catch (error) {
      for (const p of batch) p.reject(storeError(error));
      return [];
    }
    let committed: Attempt | undefined;
    let failure: unknown;
    let broken: unknown;
    try {
      for (let attempt = 1; committed === undefined && failure === undefined; attempt++) {
        try {
          committed = await this.#attempt(client, batch);
        } catch (error) {
          const rolledBack = await client.query("ROLLBACK").then(
            () => true,
            (rollbackError: unknown) => {
              broken = rollbackError;
              return false;
            },
          );
          const retryable =
            isCreateConflict(error) || RETRYABLE_CODES.has((error as { code?: string }).code ?? "");
          if (!rolledBack || !retryable || attempt >= MAX_ATTEMPTS) failure = error;
          if (isConnectionError(error)) broken ??= error;
        }
      }
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
    if (committed === undefined) {
      for (const p of batch) p.reject(storeError(failure));
      return [];
    }
    const { plan, results, ...work } = committed;
    this.stats.commits += 1;
    this.stats.writes += batch.length;
    const deferred: Pending[] = [];
    batch.forEach((p, i) => {
      const result = results[i];
      if (result === "done") p.resolve();
      else if (result === "defer") deferred.push(p);
      else p.reject(result);
    });
    this.#options.onCommit(plan, work);
    return deferred;
  }

  async #attempt(client: pg.PoolClient, batch: Pending[]): Promise<Attempt> {
    const ops = batch.map((p) => p.op);
    const ids = WritePlan.instanceIds(ops);
    const children = new Map<string, string[]>();
    const terminating = ops.flatMap((op) =>
      op.kind === "turn" && op.outcome.terminateChildren ? [op.item.instanceId] : [],
    );
    if (terminating.length > 0) {
      // Children of an instance whose turn this node holds cannot appear meanwhile: only that turn starts them.
      const found = await client.query<{ instance_id: string; parent_instance_id: string }>(
        sql.childrenOf(terminating),
      );
      for (const row of found.rows) {
        ids.add(row.instance_id);
        children.set(row.parent_instance_id, [
          ...(children.get(row.parent_instance_id) ?? []),
          row.instance_id,
        ]);
      }
    }
    const activityIds = ops.flatMap((op) => (op.kind === "activity" ? [activityRowId(op.item)] : []));
    // BEGIN shares the lock's round trip.
    const locked = await queryInTransaction<{
      instance_id: string | null;
      status: LockedRow["status"];
      execution_id: string;
      scheduled_start_at: number | null;
      lease_token: string | null;
      ready_at: number | null;
      history_length: number;
      activity_id: number | null;
    }>(client, sql.lockBatch([...ids].sort(), activityIds), { begin: true });
    const rows = new Map<string, LockedRow>();
    const finishedActivities = new Set<number>();
    const lockedAt = this.#options.clock();
    let lockedReady = 0;
    for (const r of locked) {
      if (r.activity_id !== null) finishedActivities.add(r.activity_id);
      else if (r.instance_id !== null) {
        if (r.ready_at !== null && r.ready_at <= lockedAt) lockedReady += 1;
        rows.set(r.instance_id, {
          status: r.status,
          executionId: r.execution_id,
          scheduledStartAt: r.scheduled_start_at,
          leaseToken: r.lease_token,
          historyLength: r.history_length,
        });
      }
    }
    const plan = new WritePlan(rows, children, finishedActivities, lockedReady);
    const results = ops.map((op) => plan.add(op));
    const keys = plan.dedupKeys;
    if (keys.length > 0) {
      const inserted = await client.query<{ key: string }>(sql.insertDedupKeys(keys, this.#options.clock()));
      plan.dropDuplicates(new Set(inserted.rows.map((r) => r.key)));
    }
    if (this.#options.lifecycleEvents) {
      const events = lifecycleEvents(ops, results);
      if (events.length > 0) await client.query(insertLifecycleEvents(events));
    }
    if (plan.reused.size > 0 || plan.resetHistories.size > 0) {
      await client.query(sql.deleteInstanceData([...plan.resetHistories], [...plan.reused]));
    }
    // COMMIT shares the write's round trip; if the write fails, PostgreSQL skips it and the batch rolls back.
    const now = this.#options.clock();
    const [applied] = await queryInTransaction<{
      leased: { id: number; token: string }[];
      started: { instance: string; id: number }[];
      ready: number;
    }>(
      client,
      sql.applyBatch(
        plan.writes(),
        plan.consumedInboxIds,
        plan.cleared,
        this.#options.channel,
        encodeNotices(notice(plan, this.#options.nodeId, now)),
        now,
      ),
      { commit: true },
    );
    return {
      plan,
      results,
      leased: plan.leasedActivities(applied!.leased),
      started: plan.eagerTurns(applied!.started),
      readyInstances: applied!.ready,
    };
  }
}

/** The status changes of the writes that are done: finished turns, and reruns (which start RUNNING). */
function lifecycleEvents(ops: readonly WriteOp[], results: readonly OpResult[]): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  ops.forEach((op, i) => {
    if (results[i] !== "done") return;
    if (op.kind === "turn") events.push(...lifecycleEventsOf(op.item.state.status, op.outcome.state));
    else if (op.kind === "create" && op.request.resume) {
      events.push(...lifecycleEventsOf("PENDING", resumedInstance(op.request, op.request.resume)));
    }
  });
  return events;
}

function notice(plan: WritePlan, node: string, now: number) {
  // Ready rows this batch locked were skipped by claims meanwhile: other nodes look again.
  let workflowsAt = plan.lockedReadyInstances > 0 ? now : undefined;
  for (const row of plan.claimableInbox) {
    if (workflowsAt === undefined || row.visible_at < workflowsAt) workflowsAt = row.visible_at;
  }
  return {
    node,
    workflowsAt,
    activitiesAt: plan.sharedActivityCount > 0 ? now : undefined,
    changes: plan.changes
      .filter((c) => c.statusChanged)
      .map((c): [string, typeof c.status] => [c.instanceId, c.status]),
  };
}

/** Errors of the connection (not of one statement): the client must not go back to the pool. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError)) return true;
  const code = error.code ?? "";
  return code.startsWith("08") || code.startsWith("57P");
}

export function storeError(error: unknown): WeftError {
  if (error instanceof WeftError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return isConnectionError(error)
    ? new WeftError("unavailable", `PostgreSQL is unavailable: ${message}`, { cause: error })
    : new WeftError("internal", `PostgreSQL rejected a write: ${message}`, { cause: error });
}
