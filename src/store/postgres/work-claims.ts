/**
 * Work-item leasing on the lease pool: claiming due turns and activities (SKIP LOCKED, several per round trip),
 * giving leases back, keeping away for a while from work this node gave back with a delay, and telling the other
 * nodes about work they may take. The claim queues (claim-queue.ts) call the claims; renewals are the lease
 * keeper's (lease-keeper.ts). A lost lease is harmless (its work is claimed again once it expires), so these
 * statements run on connections whose commits do not wait for the disk.
 */
import type pg from "pg";
import { type InboxEvent, isTerminalStatus } from "../../core/history.js";
import type { Logger } from "../../core/logger.js";
import { rowToActivityTask } from "../rows.js";
import type { ActivityWorkItem, WorkflowWorkItem } from "../store.js";
import { encodeNotices } from "./notifications.js";
import * as sql from "./queries.js";
import { type ActivityRow, type ClaimedTurnRow, type InboxRow, toInstanceState } from "./rows.js";
import type { ActivityReceipt, TurnReceipt } from "./write-plan.js";

export interface WorkClaimsOptions {
  /** The pool whose sessions commit without waiting for the disk. */
  leasePool: pg.Pool;
  /** This node's name in `lease_owner` and in its notices. */
  nodeId: string;
  /** The notification channel of the store's schema. */
  channel: string;
  ttlMs: number;
  log: Logger;
  clock: () => number;
  /** A claimed turn found only stale events (of an ended execution): they are consumed unseen, and it ends. */
  dropStale: (instanceId: string, receipt: TurnReceipt) => void;
}

export class WorkClaims {
  readonly #options: WorkClaimsOptions;
  /** Claim round trips so far (turns and activities) and the items they leased. */
  readonly stats = { claims: 0, items: 0 };
  /** Work this node gave back with a delay, and until when it leaves that work to the other nodes. */
  readonly #avoidTurns = new Map<string, number>();
  readonly #avoidActivities = new Map<number, number>();

  constructor(options: WorkClaimsOptions) {
    this.#options = options;
  }

  /** Leases up to `limit` due turns with their visible events; turns with only stale events are dropped. */
  async turns(now: number, limit: number): Promise<WorkflowWorkItem[]> {
    const { leasePool, nodeId, ttlMs, clock } = this.#options;
    const claimed = await leasePool.query<ClaimedTurnRow>(
      sql.claimTurns(now, limit, nodeId, clock() + ttlMs, avoided(this.#avoidTurns, now)),
    );
    this.stats.claims += 1;
    this.stats.items += claimed.rows.length;
    if (claimed.rows.length === 0) return [];
    const inbox = await leasePool.query<InboxRow>(
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
        this.#options.dropStale(row.instance_id, receipt);
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

  /** Leases up to `limit` due activities. */
  async activities(now: number, limit: number): Promise<ActivityWorkItem[]> {
    const { leasePool, ttlMs, clock } = this.#options;
    const result = await leasePool.query<ActivityRow>(
      sql.claimActivities(now, limit, clock() + ttlMs, avoided(this.#avoidActivities, now)),
    );
    this.stats.claims += 1;
    this.stats.items += result.rows.length;
    return result.rows.map((row) => {
      const receipt: ActivityReceipt = { id: row.id, token: row.lease_token };
      return { task: rowToActivityTask(row), dispatchCount: row.dispatch_count, receipt };
    });
  }

  /** This node leaves the turn to the other nodes until `until` (they may take it at once). */
  avoidTurn(instanceId: string, until: number): void {
    this.#avoidTurns.set(instanceId, until);
  }

  avoidActivity(id: number, until: number): void {
    this.#avoidActivities.set(id, until);
  }

  /** Gives turns back; with `retryAt`, nobody claims them before then. A failure only lets the leases expire. */
  async releaseTurns(items: WorkflowWorkItem[], retryAt: number | null): Promise<void> {
    const leases = items.map((i) => ({ id: i.instanceId, token: (i.receipt as TurnReceipt).token }));
    await this.#options.leasePool.query(sql.releaseTurnLeases(leases, retryAt)).catch((error: unknown) => {
      this.#options.log.warn({ err: error }, "giving back turns failed; their leases expire on their own");
    });
  }

  async releaseActivities(items: ActivityWorkItem[], visibleAt: number): Promise<void> {
    const leases = items.map((i) => i.receipt as ActivityReceipt);
    await this.#options.leasePool
      .query(sql.releaseActivityLeases(leases, visibleAt))
      .catch((error: unknown) => {
        this.#options.log.warn(
          { err: error },
          "giving back activities failed; their leases expire on their own",
        );
      });
  }

  /** At close: gives back every lease still held, due now, and tells the other nodes; throws if that fails. */
  async releaseHeld(turns: sql.HeldTurnLease[], activities: sql.HeldActivityLease[]): Promise<void> {
    if (turns.length === 0 && activities.length === 0) return;
    const { leasePool, clock } = this.#options;
    const now = clock();
    await leasePool.query(sql.releaseTurnLeases(turns, null));
    await leasePool.query(sql.releaseActivityLeases(activities, now));
    await this.notifyOthers({ workflowsAt: now, activitiesAt: now });
  }

  /** When the next turn and the next activity become due after now (null: nothing later). */
  async nextDue(): Promise<{ workflows: number | null; activities: number | null } | undefined> {
    const { rows } = await this.#options.leasePool.query<{
      workflows: number | null;
      activities: number | null;
    }>(sql.nextDue(this.#options.clock()));
    return rows[0];
  }

  /** Wakes the other nodes' queues; a lost notice only delays work until their next sweep. */
  async notifyOthers(wake: { workflowsAt?: number; activitiesAt?: number }): Promise<void> {
    const { leasePool, nodeId, channel, log } = this.#options;
    const [payload] = encodeNotices({ node: nodeId, ...wake });
    await leasePool
      .query("SELECT pg_notify($1, $2)", [channel, payload])
      .catch((error: unknown) => log.warn({ err: error }, "notifying the other nodes failed"));
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
