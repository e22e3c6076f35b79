/**
 * The shared store: several engine nodes over one PostgreSQL database. Any node can run any turn or activity;
 * work is leased with an expiry (SKIP LOCKED claims, renewed while held), so a node that dies hands its work to
 * the others once its leases lapse. Writes share transactions (group-commit.ts), claims lease several items per
 * round trip (claim-queue.ts), and idle nodes sleep on LISTEN/NOTIFY (notifications.ts) with one timer for the
 * earliest known future work and a slow sweep, at the lease period, for work whose lease lapsed on a dead node.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import type { TurnOutcome } from "../../core/apply.js";
import { WeftError } from "../../core/errors.js";
import type { HistoryEvent, InboxEvent, TaskCompleted, TaskFailed } from "../../core/history.js";
import { isTerminalStatus } from "../../core/history.js";
import type { InstanceState, StartRequest } from "../../core/instance.js";
import { type Logger, silentLogger } from "../../core/logger.js";
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
import { ClaimQueue } from "./claim-queue.js";
import { type Committed, GroupCommit, storeError } from "./group-commit.js";
import { Housekeeper } from "./housekeeper.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { postgresEventLog } from "./lifecycle-events.js";
import { migrate } from "./migrations.js";
import { encodeNotices, type Notice, NotificationListener } from "./notifications.js";
import { readOverview } from "./overview.js";
import * as sql from "./queries.js";
import {
  type ActivityRow,
  type ClaimedTurnRow,
  type InboxRow,
  type InstanceRow,
  pgTypes,
  toInstanceState,
} from "./rows.js";
import { type StatisticsRow, statisticsQuery, toStatistics } from "./statistics.js";
import {
  type ActivityReceipt,
  activityRowId,
  type TurnReceipt,
  type WriteOp,
  type WritePlan,
} from "./write-plan.js";

export interface PostgresStoreOptions {
  /** A PostgreSQL connection URL: postgres://user:password@host:port/database */
  url: string;
  /** The schema that holds Weft's tables, created if missing; default `weft`. */
  schema?: string;
  /** How long a lease on a turn or an activity lasts unless renewed (a dead node's work waits this long). */
  leaseTtlMs?: number;
  /** Connections for writes and reads (claims and notifications use three more). */
  poolSize?: number;
  /** Work items leased per round trip. */
  claimBatchSize?: number;
  /**
   * Eager starts (default on): while this node keeps up with its turns, an instance it starts has its first turn
   * leased to it in the same commit and runs here, without a notification and a claim. Off, every start is left
   * to whichever node claims it first.
   */
  eagerStarts?: boolean;
  /** Write lifecycle events to the outbox with each status change (see `lifecycleEvents`). */
  lifecycleEvents?: boolean;
  logger?: Logger;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,47}$/;
const DEFAULT_LEASE_TTL_MS = 30_000;

export class PostgresStore implements Store {
  readonly #nodeId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #ttlMs: number;
  readonly #channel: string;
  readonly #log: Logger;
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
  readonly #claimStats = { claims: 0, items: 0 };
  readonly lifecycleEvents: LifecycleEventLog | undefined;
  /** Work this node gave back with a delay, and until when it leaves that work to the other nodes. */
  readonly #avoidTurns = new Map<string, number>();
  readonly #avoidActivities = new Map<number, number>();
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
    if (!SCHEMA_PATTERN.test(schema)) {
      throw new WeftError(
        "invalid_argument",
        `the schema name '${schema}' is invalid: use lowercase letters, digits and '_', starting with a letter`,
      );
    }
    this.#ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#channel = `weft_${schema}`;
    this.#log = options.logger ?? silentLogger;
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
    });
    this.lifecycleEvents = options.lifecycleEvents ? postgresEventLog((q) => this.#read(q)) : undefined;
    this.#keeper = new LeaseKeeper(this.#leasePool, this.#ttlMs, this.#log);
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
      claim: (now, limit) => this.#claimTurns(now, limit),
      batchSize,
      maxQueuedMs: this.#ttlMs / 2,
      release: (items) => this.#releaseTurns(items, null),
      onReady: () => this.#emit({ kind: "workflow-ready" }),
      onTimer: () => this.#refreshDue(),
    });
    this.#activities = new ClaimQueue({
      claim: (now, limit) => this.#claimActivities(now, limit),
      batchSize,
      maxQueuedMs: this.#ttlMs / 2,
      release: (items) => this.#releaseActivities(items, Date.now()),
      onReady: () => this.#emit({ kind: "activity-ready" }),
      onTimer: () => this.#refreshDue(),
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
    return { ...this.#claimStats };
  }

  /**
   * Starts eagerly (see `eagerStarts`) if an engine runs turns here and keeps up with them: fewer than a claim
   * batch of claimed or eagerly started turns wait here for it. The first turn is handed out only after the start's
   * COMMIT, like any work. Other starts are left to every node.
   */
  createInstance(request: StartRequest): Promise<void> {
    const eager = this.#eagerStarts && this.#runsTurns && this.#turns.size < this.#batchSize;
    const lease = eager
      ? { owner: this.#nodeId, token: randomUUID(), until: Date.now() + this.#ttlMs }
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
    const leaseActivities = { count, until: Date.now() + this.#ttlMs };
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
    await this.#releaseTurns([item], null);
    if (delayMs <= 0) {
      this.#turns.wake();
      return;
    }
    const retryAt = Date.now() + delayMs;
    this.#avoidTurns.set(item.instanceId, retryAt);
    this.#turns.wakeAt(retryAt);
    await this.#notifyOthers({ workflowsAt: Date.now() });
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
    const now = Date.now();
    await this.#releaseActivities([item], now);
    if (delayMs <= 0) {
      this.#activities.wake();
      return;
    }
    this.#avoidActivities.set(id, now + delayMs);
    this.#activities.wakeAt(now + delayMs);
    await this.#notifyOthers({ activitiesAt: now });
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

  async purgeInstance(instanceId: string, options: PurgeOptions): Promise<number> {
    this.#assertOpen();
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw storeError(error);
    });
    let broken: Error | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await purgeTree(client, instanceId, options.recursive);
        } catch (error) {
          await client.query("ROLLBACK").catch((e: Error) => {
            broken = e;
          });
          if (!broken && (error as { code?: string }).code === "40P01" && attempt < 5) continue;
          throw storeError(error);
        }
      }
    } finally {
      client.release(broken);
    }
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
      if (turns.length > 0 || activities.length > 0) {
        const now = Date.now();
        await this.#leasePool.query(sql.releaseTurnLeases(turns, null));
        await this.#leasePool.query(sql.releaseActivityLeases(activities, now));
        await this.#notifyOthers({ workflowsAt: now, activitiesAt: now });
      }
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
    this.#refreshing = this.#leasePool
      .query<{ workflows: number | null; activities: number | null }>(sql.nextDue(Date.now()))
      .then(
        ({ rows: [due] }) => {
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

  async #claimTurns(now: number, limit: number): Promise<WorkflowWorkItem[]> {
    const claimed = await this.#leasePool.query<ClaimedTurnRow>(
      sql.claimTurns(now, limit, this.#nodeId, Date.now() + this.#ttlMs, avoided(this.#avoidTurns, now)),
    );
    this.#claimStats.claims += 1;
    this.#claimStats.items += claimed.rows.length;
    if (claimed.rows.length === 0) return [];
    const inbox = await this.#leasePool.query<InboxRow>(
      sql.turnEvents(
        claimed.rows.map((r) => r.instance_id),
        now,
      ),
    );
    const eventsOf = new Map<string, InboxRow[]>();
    for (const row of inbox.rows)
      eventsOf.set(row.instance_id, [...(eventsOf.get(row.instance_id) ?? []), row]);
    const items: WorkflowWorkItem[] = [];
    for (const row of claimed.rows) {
      const terminal = isTerminalStatus(row.status);
      const receipt: TurnReceipt = { token: row.lease_token, inboxIds: [] };
      const newEvents: InboxEvent[] = [];
      for (const e of eventsOf.get(row.instance_id) ?? []) {
        receipt.inboxIds.push(e.id);
        // Events of an earlier execution (before a continue-as-new) or for an ended instance are consumed unseen.
        if (!terminal && (e.execution_id === null || e.execution_id === row.execution_id))
          newEvents.push(e.event);
      }
      if (newEvents.length === 0) {
        this.#write({ kind: "drop", instanceId: row.instance_id, receipt }).catch((error: unknown) =>
          this.#log.warn({ err: error, instanceId: row.instance_id }, "dropping stale events failed"),
        );
        continue;
      }
      const state = toInstanceState(row);
      items.push({
        instanceId: row.instance_id,
        state,
        historyLength: row.history_length,
        newEvents,
        receipt,
      });
    }
    return items;
  }

  async #claimActivities(now: number, limit: number): Promise<ActivityWorkItem[]> {
    const result = await this.#leasePool.query<ActivityRow>(
      sql.claimActivities(now, limit, Date.now() + this.#ttlMs, avoided(this.#avoidActivities, now)),
    );
    this.#claimStats.claims += 1;
    this.#claimStats.items += result.rows.length;
    return result.rows.map((row) => {
      const receipt: ActivityReceipt = { id: row.id, token: row.lease_token };
      return { task: rowToActivityTask(row), dispatchCount: row.dispatch_count, receipt };
    });
  }

  async #releaseTurns(items: WorkflowWorkItem[], retryAt: number | null): Promise<void> {
    const leases = items.map((i) => ({ id: i.instanceId, token: (i.receipt as TurnReceipt).token }));
    await this.#leasePool.query(sql.releaseTurnLeases(leases, retryAt)).catch((error: unknown) => {
      this.#log.warn({ err: error }, "giving back turns failed; their leases expire on their own");
    });
  }

  async #releaseActivities(items: ActivityWorkItem[], visibleAt: number): Promise<void> {
    const leases = items.map((i) => i.receipt as ActivityReceipt);
    await this.#leasePool.query(sql.releaseActivityLeases(leases, visibleAt)).catch((error: unknown) => {
      this.#log.warn({ err: error }, "giving back activities failed; their leases expire on their own");
    });
  }

  /** Wakes the other nodes' queues; a lost notice only delays work until their next sweep. */
  async #notifyOthers(wake: { workflowsAt?: number; activitiesAt?: number }): Promise<void> {
    const [payload] = encodeNotices({ node: this.#nodeId, ...wake });
    await this.#leasePool
      .query("SELECT pg_notify($1, $2)", [this.#channel, payload])
      .catch((error: unknown) => this.#log.warn({ err: error }, "notifying the other nodes failed"));
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
    const now = Date.now();
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

/** The keys still avoided at `now`; expired ones are forgotten. */
function avoided<K>(avoid: Map<K, number>, now: number): K[] {
  const keys: K[] = [];
  for (const [key, until] of avoid) {
    if (until <= now) avoid.delete(key);
    else keys.push(key);
  }
  return keys;
}

/** Deletes a finished instance and, if asked, its descendants, in one transaction; returns how many. */
async function purgeTree(client: pg.PoolClient, instanceId: string, recursive: boolean): Promise<number> {
  await client.query("BEGIN");
  const tree = await client.query<{ instance_id: string; status: InstanceState["status"] }>(
    sql.lockInstanceTree(instanceId, recursive),
  );
  if (!tree.rows.some((r) => r.instance_id === instanceId)) {
    throw new WeftError("not_found", `no workflow instance with id '${instanceId}'`);
  }
  const active = tree.rows.find((r) => !isTerminalStatus(r.status));
  if (active) {
    throw new WeftError(
      "failed_precondition",
      `workflow instance '${active.instance_id}' is ${active.status}; only COMPLETED, FAILED or TERMINATED instances can be purged`,
    );
  }
  const ids = tree.rows.map((r) => r.instance_id);
  await client.query(sql.deleteInstanceData(ids, ids));
  await client.query("COMMIT");
  return ids.length;
}

/**
 * How the store's sessions plan. Every statement of the store looks rows up by key, in batches unpacked from JSON,
 * but the planner guesses 100 rows per JSON batch and sizes tables from their last analyze, so it would otherwise
 * scan whole tables (sequentially, or a whole index for a hash join) at a cost that grows with the table. Plans
 * are made once per statement and connection, and made again after the tables are analyzed.
 */
const PLANNER_SETTINGS = [
  "plan_cache_mode=force_generic_plan",
  "enable_seqscan=off",
  "enable_hashjoin=off",
  "enable_mergejoin=off",
].map((setting) => `-c ${setting}`);

/**
 * Pool settings from a connection URL. The search_path makes every statement use the store's schema; a user's
 * own `options` parameter is kept, and may override the planner settings.
 */
function connectionConfig(url: string, schema: string): pg.PoolConfig & { options: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WeftError(
      "invalid_argument",
      "the PostgreSQL store needs a URL such as postgres://user@host/db",
    );
  }
  const userOptions = parsed.searchParams.get("options");
  parsed.searchParams.delete("options");
  return {
    connectionString: parsed.toString(),
    types: pgTypes,
    // Writes are acknowledged, and their work handed out, only once their commit is flushed: whatever the
    // server's default, the store's sessions wait for the WAL (the lease pool alone opts out, see above).
    options: [
      ...PLANNER_SETTINGS,
      "-c synchronous_commit=on",
      userOptions ?? "",
      `-c search_path=${schema}`,
    ].join(" "),
  };
}

/**
 * Store options from a store URL (`weft run --store`, `WEFT_STORE`): `schema` and `lease_ms` are Weft's query
 * parameters, everything else is PostgreSQL's.
 */
export function postgresOptionsFromUrl(url: string): PostgresStoreOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WeftError("invalid_argument", `the store URL '${url}' is not a valid URL`);
  }
  const options: PostgresStoreOptions = { url };
  const schema = parsed.searchParams.get("schema");
  if (schema !== null) options.schema = schema;
  const lease = parsed.searchParams.get("lease_ms");
  if (lease !== null) {
    const ms = Number(lease);
    if (!Number.isInteger(ms) || ms < 100) {
      throw new WeftError(
        "invalid_argument",
        `lease_ms must be a whole number of milliseconds from 100, got '${lease}'`,
      );
    }
    options.leaseTtlMs = ms;
  }
  const eager = parsed.searchParams.get("eager_starts");
  if (eager !== null) {
    if (eager !== "true" && eager !== "false") {
      throw new WeftError("invalid_argument", `eager_starts must be true or false, got '${eager}'`);
    }
    options.eagerStarts = eager === "true";
  }
  parsed.searchParams.delete("schema");
  parsed.searchParams.delete("lease_ms");
  parsed.searchParams.delete("eager_starts");
  options.url = parsed.toString();
  return options;
}
