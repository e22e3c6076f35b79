/**
 * Lifecycle events: what an instance's status change means to someone watching from outside (started, completed,
 * failed, terminated, suspended, resumed). Stores write them to an outbox in the same commit as the change, so
 * a crash can neither lose one nor leave one for a change that never happened; relays publish them from there.
 * One event is no status change: `stalled`, an instance whose turn is due but has not run for a while (no executor
 * for its name, or its turn keeps failing). The engine writes it to the same outbox when it sees the stall.
 */
import type { FailureDetails } from "./failure.js";
import type { RuntimeStatus } from "./history.js";
import type { InstanceState } from "./instance.js";

export const LIFECYCLE_EVENT_TYPES = [
  "started",
  "completed",
  "failed",
  "terminated",
  "suspended",
  "resumed",
  "stalled",
] as const;

export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export interface LifecycleEvent {
  type: LifecycleEventType;
  instanceId: string;
  workflowName: string;
  executionId: string;
  /** The status the change left the instance in, and the one before. */
  status: RuntimeStatus;
  previousStatus: RuntimeStatus;
  /** Epoch milliseconds of the change. */
  time: number;
  failure?: FailureDetails;
  parentInstanceId?: string;
  /** `stalled` only: since when the instance's turn has been due (epoch ms), and why it does not run. */
  waitingSince?: number;
  stallReason?: StallReason;
}

/**
 * Why a due turn did not run: no executor serves the workflow's name (no worker connected that could), the executor
 * threw (a worker vanished mid-turn, an SDK error), or the store refused the turn's commit.
 */
export type StallReason = "no-executor" | "executor-failed" | "commit-failed";

const ENDED: Partial<Record<RuntimeStatus, LifecycleEventType>> = {
  COMPLETED: "completed",
  FAILED: "failed",
  TERMINATED: "terminated",
};

/**
 * The events of a change from `before` to `state.status`, in order. A first turn that also ends the instance
 * gives `started` and then how it ended, unless it was terminated before it ever ran.
 */
export function lifecycleEventsOf(before: RuntimeStatus, state: InstanceState): LifecycleEvent[] {
  const after = state.status;
  if (before === after) return [];
  const types: LifecycleEventType[] = [];
  if (before === "PENDING" && after !== "TERMINATED") types.push("started");
  const ended = ENDED[after];
  if (ended) types.push(ended);
  else if (after === "SUSPENDED") types.push("suspended");
  else if (before === "SUSPENDED" && after === "RUNNING") types.push("resumed");
  return types.map((type) => ({
    type,
    instanceId: state.instanceId,
    workflowName: state.name,
    executionId: state.executionId,
    status: after,
    previousStatus: before,
    time: state.updatedAt,
    ...(type === "failed" && state.failure ? { failure: state.failure } : {}),
    ...(state.parent ? { parentInstanceId: state.parent.instanceId } : {}),
  }));
}

/**
 * The `stalled` event of an instance whose turn has been due since `waitingSince` and keeps not running. Its status
 * does not change, so `status` and `previousStatus` are the same.
 */
export function stalledEvent(
  state: InstanceState,
  waitingSince: number,
  reason: StallReason,
  now: number,
): LifecycleEvent {
  return {
    type: "stalled",
    instanceId: state.instanceId,
    workflowName: state.name,
    executionId: state.executionId,
    status: state.status,
    previousStatus: state.status,
    time: now,
    waitingSince,
    stallReason: reason,
    ...(state.parent ? { parentInstanceId: state.parent.instanceId } : {}),
  };
}

/**
 * Since when a turn with these inbox events has been due, read from what every node sees alike (the instance row
 * and its inbox), so any node that leases the turn computes the same age: the oldest event's time (a timer's is
 * when it fires), but never before the instance's last commit (events that arrived while a turn ran) nor before a
 * scheduled start.
 */
export function dueSince(state: InstanceState, events: readonly { timestamp: number }[]): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const event of events) oldest = Math.min(oldest, event.timestamp);
  if (oldest === Number.POSITIVE_INFINITY) oldest = state.updatedAt;
  return Math.max(oldest, state.updatedAt, state.scheduledStartAt ?? 0);
}
