/**
 * Lifecycle events: what an instance's status change means to someone watching from outside (started, completed,
 * failed, terminated, suspended, resumed). Stores write them to an outbox in the same commit as the change, so
 * a crash can neither lose one nor leave one for a change that never happened; relays publish them from there.
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
}

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
