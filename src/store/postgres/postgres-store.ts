/**
 * The shared store: several engine nodes over one PostgreSQL database. Any node can run any turn or activity;
 * work is leased with an expiry (SKIP LOCKED claims, renewed while held), so a node that dies hands its work to
 * the others once its leases lapse. Writes share transactions (group-commit.ts), claims lease several items per
 * round trip (work-claims.ts, queued here by claim-queue.ts), and idle nodes sleep on LISTEN/NOTIFY
 * (notifications.ts) with one timer for the earliest known future work and a slow sweep, at the lease period, for
 * work whose lease lapsed on a dead node. This file wires those parts into the Store contract; connecting is
 * connection.ts's, purging purge.ts's.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import type { TurnOutcome } from "../../core/apply.js";
import { WeftError } from "../../core/errors.js";
import type { HistoryEvent, InboxEvent, TaskCompleted, TaskFailed } from "../../core/history.js";
import type { InstanceState, StartRequest } from "../../core/instance.js";
import { type Logger, silentLogger } from "../../core/logger.js";
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
import { ClaimQueue } from "./claim-queue.js";
import { checkSchemaName, connectionConfig, type PostgresStoreOptions } from "./connection.js";
import { type Committed, GroupCommit, storeError } from "./group-commit.js";
import { Housekeeper } from "./housekeeper.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { postgresEventLog } from "./lifecycle-events.js";
import { migrate } from "./migrations.js";
import { type Notice, NotificationListener } from "./notifications.js";
import { readOverview } from "./overview.js";
import { purgeInstanceTree } from "./purge.js";
import * as sql from "./queries.js";
import { type InstanceRow, toInstanceState } from "./rows.js";
import { type StatisticsRow, statisticsQuery, toStatistics } from "./statistics.js";
import { WorkClaims } from "./work-claims.js";
import {
  type ActivityReceipt,
  activityRowId,
  type TurnReceipt,
  type WriteOp,
  type WritePlan,
} from "./write-plan.js";

const DEFAULT_LEASE_TTL_MS = 30_000;

export class PostgresStore implements Store {
  readonly #nodeId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #ttlMs: number;
  readonly #channel: string;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #pool: pg.Pool;
  /** Claims, renewals and releases: a lost lease is harmless, so these commits do not wait for the disk. */
  readonly #leasePool: pg.Pool;
  readonly #commits: GroupCommit;
  readonly #keeper: LeaseKeeper;
  readonly #housekeeper: Housekeeper;
  readonly #listener: NotificationListener;
  readonly #turns: ClaimQueue<WorkflowWorkItem>;
  readonly #activities: ClaimQueue<ActivityWorkItem>;
  readonly #batchSize: number;
  readonly #eagerStarts: boolean;
  /** An engine asks this node for turns; a node that only serves clients never starts eagerly. */
  #runsTurns = false;
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  #sweep: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  readonly #claims: WorkClaims;
  readonly lifecycleEvents: LifecycleEventLog | undefined;
  #closed = false;

  /** Connects, applies missing migrations and starts listening; resolves once the store is usable. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.#start(options.schema ?? "weft");
    } catch (error) {
      await store.close().catch(() => {});
      throw storeError(error);
    }
    return store;
  }

  private constructor(options: PostgresStoreOptions) {
    const schema = options.schema ?? "weft";
    checkSchemaName(schema);
    this.#ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#channel = `weft_${schema}`;
    this.#log = options.logger ?? silentLogger;
    const clock = options.clock ?? Date.now;
    this.#clock = clock;
    const config = connectionConfig(options.url, schema);
    this.#pool = new pg.Pool({ ...config, max: options.poolSize ?? 6 });
    this.#leasePool = new pg.Pool({
      ...config,
      max: 2,
      options: `${config.options} -c synchronous_commit=off`,
    });
    for (const pool of [this.#pool, this.#leasePool]) {
      // An idle client that loses its connection is dropped by the pool; without a listener Node would crash.
      pool.on("error", (error) => this.#log.warn({ err: error }, "an idle PostgreSQL connection failed"));
    }
    this.#commits = new GroupCommit({
      pool: this.#pool,
      channel: this.#channel,
      nodeId: this.#nodeId,
      onCommit: (plan, committed) => this.#committed(plan, committed),
      lifecycleEvents: options.lifecycleEvents,
      clock,
    });
    this.lifecycleEvents = options.lifecycleEvents ? postgresEventLog((q) => this.#read(q)) : undefined;
    this.#keeper = new LeaseKeeper(this.#leasePool, this.#ttlMs, this.#log, clock);
    this.#claims = new WorkClaims({
      leasePool: this.#leasePool,
      nodeId: this.#nodeId,
      channel: this.#channel,
      ttlMs: this.#ttlMs,
      log: this.#log,
      clock,
      dropStale: (instanceId, receipt) =>
        this.#write({ kind: "drop", instanceId, receipt }).catch((error: unknown) =>
          this.#log.warn({ err: error, instanceId }, "dropping stale events failed"),
        ),
    });
    this.#housekeeper = new Housekeeper({ pool: this.#pool, schema, log: this.#log });
    this.#listener = new NotificationListener({
      client: () => new pg.Client({ ...config }),
      channel: this.#channel,
      onNotice: (notice) => this.#noticed(notice),
      onReconnect: () => this.#lookAround(),
      logger: this.#log,
    });
    const batchSize = options.claimBatchSize ?? 16;
    this.#batchSize = batchSize;
    this.#eagerStarts = options.eagerStarts ?? true;
    this.#turns = new ClaimQueue({
      claim: (now, limit) => this.#claims.turns(now, limit),
      batchSize,
      maxQueuedMs: this.#ttlMs / 2,
      release: (items) => this.#claims.releaseTurns(items, null),
      onReady: () => this.#emit({ kind: "workflow-ready" }),
      onTimer: () => this.#refreshDue(),
      clock,
    });
    this.#activities = new ClaimQueue({
      claim: (now, limit) => this.#claims.activities(now, limit),
      batchSize,
      maxQueuedMs: this.#ttlMs / 2,
      release: (items) => this.#claims.releaseActivities(items, clock()),
      onReady: () => this.#emit({ kind: "activity-ready" }),
      onTimer: () => this.#refreshDue(),
      clock,
    });
  }

  /** This node's name in `lease_owner`. */
  get nodeId(): string {
    return this.#nodeId;
  }

  /** Commits so far and writes they carried. */
  get commitStats(): { commits: number; writes: number } {
    return { ...this.#commits.stats };
  }

  /** Claim round trips so far (turns and activities) and the items they leased. */
  get claimStats(): { claims: number; items: number } {
    return { ...this.#claims.stats };
  }

  /**
   * Starts eagerly (see `eagerStarts`) if an engine runs turns here and keeps up with them: fewer than a claim
   * batch of claimed or eagerly started turns wait here for it. The first turn is handed out only after the start's
   * COMMIT, like any work. Other starts are left to every node.
   */
  createInstance(request: StartRequest): Promise<void> {
    const eager = this.#eagerStarts && this.#runsTurns && this.#turns.size < this.#batchSize;
    const lease = eager
      ? { owner: this.#nodeId, token: randomUUID(), until: this.#clock() + this.#ttlMs }
      : undefined;
    return this.#write({ kind: "create", request, lease });
  }

  addEvent(instanceId: string, event: InboxEvent, now: number, options: AddEventOptions = {}): Promise<void> {
    return this.#write({ kind: "event", instanceId, event, now, dedupKey: options.dedupKey });
  }

  /** A turn claimed from the table, or leased to this node by the commit that made it ready. */
  async nextWorkflowWorkItem(now: number): Promise<WorkflowWorkItem | undefined> {
    this.#assertOpen();
    this.#runsTurns = true;
    const item = await this.#turns.next(now);
    if (item) this.#keeper.holdTurn(item.instanceId, (item.receipt as TurnReceipt).token);
    return item;
  }

  async loadHistory(instanceId: string): Promise<HistoryEvent[]> {
    const result = await this.#read<{ event: HistoryEvent }>(sql.loadHistory(instanceId));
    return result.rows.map((r) => r.event);
  }

  /**
   * Commits the turn and leases the activities it schedules to this node, as many as fit in one claim batch
   * beside those already waiting here (a large fan-out leaves the rest to all nodes).
   */
  async completeWorkflowWorkItem(item: WorkflowWorkItem, outcome: TurnOutcome): Promise<void> {
    const receipt = item.receipt as TurnReceipt;
    const count = Math.min(outcome.activities.length, Math.max(0, this.#batchSize - this.#activities.size));
    const leaseActivities = { count, until: this.#clock() + this.#ttlMs };
    try {
      await this.#write({ kind: "turn", item, outcome, leaseActivities });
    } finally {
      this.#keeper.dropTurn(item.instanceId, receipt.token);
    }
  }

  /**
   * A turn given back with a delay is open to the other nodes at once (this node may merely lack the workflow's
   * code, e.g. its gRPC worker is connected elsewhere); only this node waits out the delay.
   */
  async abandonWorkflowWorkItem(item: WorkflowWorkItem, delayMs = 0): Promise<void> {
    const receipt = item.receipt as TurnReceipt;
    this.#keeper.dropTurn(item.instanceId, receipt.token);
    await this.#claims.releaseTurns([item], null);
    if (delayMs <= 0) {
      this.#turns.wake();
      return;
    }
    const retryAt = this.#clock() + delayMs;
    this.#claims.avoidTurn(item.instanceId, retryAt);
    this.#turns.wakeAt(retryAt);
    await this.#claims.notifyOthers({ workflowsAt: this.#clock() });
  }

  async nextActivityWorkItem(now: number): Promise<ActivityWorkItem | undefined> {
    this.#assertOpen();
    const item = await this.#activities.next(now);
    if (item) {
      const receipt = item.receipt as ActivityReceipt;
      this.#keeper.holdActivity(receipt.id, receipt.token);
    }
    return item;
  }

  /** The result goes to the instance's inbox; it resolves once committed, and only then can a turn see it. */
  async completeActivityWorkItem(item: ActivityWorkItem, result: TaskCompleted | TaskFailed): Promise<void> {
    this.#assertOpen();
    try {
      await this.#write({ kind: "activity", item, result });
    } finally {
      this.#keeper.dropActivity(activityRowId(item));
    }
  }

  /** As for turns: other nodes may take the activity at once, this node only after the delay. */
  async abandonActivityWorkItem(item: ActivityWorkItem, delayMs = 0): Promise<void> {
    const { id } = item.receipt as ActivityReceipt;
    this.#keeper.dropActivity(id);
    const now = this.#clock();
    await this.#claims.releaseActivities([item], now);
    if (delayMs <= 0) {
      this.#activities.wake();
      return;
    }
    this.#claims.avoidActivity(id, now + delayMs);
    this.#activities.wakeAt(now + delayMs);
    await this.#claims.notifyOthers({ activitiesAt: now });
  }

  async getInstance(instanceId: string): Promise<InstanceState | undefined> {
    const result = await this.#read<InstanceRow>(sql.getInstance(instanceId));
    return result.rows[0] ? toInstanceState(result.rows[0]) : undefined;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[] | undefined> {
    if (!(await this.getInstance(instanceId))) return undefined;
    return this.loadHistory(instanceId);
  }

  async statistics(now: number): Promise<StoreStatistics> {
    const result = await this.#read<StatisticsRow>(statisticsQuery(now));
    return toStatistics(result.rows[0]!, this.#commits.stats);
  }

  async listInstances(filter: InstanceFilter): Promise<InstanceState[]> {
    const result = await this.#read<InstanceRow>(sql.listInstances(filter));
    return result.rows.map(toInstanceState);
  }

  overview(query: OverviewQuery): Promise<StoreOverview> {
    this.#assertOpen();
    return readOverview(this.#pool, query).catch((error: unknown) => {
      throw storeError(error);
    });
  }

  purgeInstance(instanceId: string, options: PurgeOptions): Promise<number> {
    this.#assertOpen();
    return purgeInstanceTree(this.#pool, instanceId, options.recursive);
  }

  watch(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Finishes queued writes and gives back every lease this node holds, so other nodes take the work at once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    await this.#commits.flush();
    const held = this.#keeper.stop();
    const turns = [
      ...held.turns,
      ...this.#turns.close().map((i) => ({ id: i.instanceId, token: (i.receipt as TurnReceipt).token })),
    ];
    const activities = [
      ...held.activities,
      ...this.#activities.close().map((i) => i.receipt as ActivityReceipt),
    ];
    try {
      await this.#claims.releaseHeld(turns, activities);
    } catch (error) {
      this.#log.warn({ err: error }, "giving back leases at close failed; they expire on their own");
    }
    await this.#listener.close();
    await this.#housekeeper.stop();
    await Promise.all([this.#pool.end(), this.#leasePool.end()]);
  }

  async #start(schema: string): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await migrate(client, schema);
      if (await Housekeeper.needed(client)) {
        this.#log.info(
          { schema },
          "the server's autovacuum is off: this node vacuums the store's tables itself",
        );
        this.#housekeeper.start();
      }
    } finally {
      client.release();
    }
    await this.#listener.start();
    this.#keeper.start();
    this.#sweep = setInterval(() => this.#lookAround(), this.#ttlMs);
    this.#sweep.unref();
    this.#lookAround();
  }

  /** Wakes both queues and re-arms the due timers: after a start, a reconnect, and once per lease period. */
  #lookAround(): void {
    if (this.#closed) return;
    this.#turns.wake();
    this.#activities.wake();
    this.#refreshDue();
  }

  #refreshDue(): void {
    if (this.#closed) return;
    if (this.#refreshing) {
      // The lookup under way may predate what asked for this one.
      this.#refreshAgain = true;
      return;
    }
    this.#refreshAgain = false;
    this.#refreshing = this.#claims
      .nextDue()
      .then(
        (due) => {
          if (due?.workflows != null) this.#turns.wakeAt(due.workflows);
          if (due?.activities != null) this.#activities.wakeAt(due.activities);
        },
        (error: unknown) => this.#log.warn({ err: error }, "looking up due work failed"),
      )
      .finally(() => {
        this.#refreshing = undefined;
        if (this.#refreshAgain) this.#refreshDue();
      });
  }

  #write(op: WriteOp): Promise<void> {
    if (this.#closed) return Promise.reject(new WeftError("unavailable", "the store is closed"));
    return this.#commits.write(op);
  }

  async #read<R extends pg.QueryResultRow>(query: pg.QueryConfig<unknown[]>): Promise<pg.QueryResult<R>> {
    this.#assertOpen();
    try {
      return await this.#pool.query<R>(query);
    } catch (error) {
      throw storeError(error);
    }
  }

  /** After a batch commits: announce changed instances and wake the queues for the work it added. */
  #committed(plan: WritePlan, { leased, started, readyInstances }: Committed): void {
    this.#housekeeper.noteWrites();
    for (const change of plan.changes) {
      this.#emit({ kind: "instance-changed", instanceId: change.instanceId, status: change.status });
    }
    const now = this.#clock();
    let due = readyInstances > 0 || plan.lockedReadyInstances > 0;
    let future = Number.POSITIVE_INFINITY;
    for (const row of plan.claimableInbox) {
      if (row.visible_at <= now) due = true;
      else future = Math.min(future, row.visible_at);
    }
    if (due) this.#turns.wake();
    if (future !== Number.POSITIVE_INFINITY) this.#turns.wakeAt(future);
    if (plan.sharedActivityCount > 0) this.#activities.wake();
    this.#activities.push(leased);
    this.#turns.push(started);
    const ended = new Set(plan.cleared);
    if (ended.size > 0) this.#activities.discard((item) => ended.has(item.task.instanceId));
  }

  #noticed(notice: Notice): void {
    if (notice.node === this.#nodeId || this.#closed) return;
    if (notice.workflowsAt !== undefined) this.#turns.wakeAt(notice.workflowsAt);
    if (notice.activitiesAt !== undefined) this.#activities.wakeAt(notice.activitiesAt);
    for (const [instanceId, status] of notice.changes ?? []) {
      this.#emit({ kind: "instance-changed", instanceId, status });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new WeftError("unavailable", "the store is closed");
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.error({ err: error }, "a store listener failed");
      }
    }
  }
}
