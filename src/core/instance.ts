import { WeftError } from "./errors.js";
import type { FailureDetails } from "./failure.js";
import {
  type ExecutionStarted,
  type HistoryEvent,
  type InboxEvent,
  isTerminalStatus,
  type ParentInstance,
  type RuntimeStatus,
} from "./history.js";
import type { ActivityTask, OutboxMessage } from "./work.js";

/** The summary of one workflow instance that the store keeps beside its history. */
export interface InstanceState {
  instanceId: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  createdAt: number;
  updatedAt: number;
  input?: string;
  output?: string;
  customStatus?: string;
  failure?: FailureDetails;
  parent?: ParentInstance;
  scheduledStartAt?: number;
  completedAt?: number;
  /** Key/value pairs given at start (the HTTP `dapr-workflow-metadata` header), returned with the state. */
  metadata?: Record<string, string>;
}

/** How a new instance starts in the middle of a history instead of at its beginning (a rerun, see rerun.ts). */
export interface ResumePoint {
  history: HistoryEvent[];
  activities: ActivityTask[];
  messages: OutboxMessage[];
  childStarts: StartRequest[];
}

/** A request to create (or, for a terminal id, recreate) an instance. */
export interface StartRequest {
  instanceId: string;
  name: string;
  executionId: string;
  input?: string;
  /** Delivery of ExecutionStarted waits until then; the instance is PENDING meanwhile. */
  scheduledStartAt?: number;
  parent?: ParentInstance;
  metadata?: Record<string, string>;
  /**
   * What an existing instance with this id means: `terminal` (default) replaces a finished one and refuses an
   * active one; `never` refuses any, so a redelivered trigger never starts a second run.
   */
  idReuse?: "terminal" | "never";
  /** Start in the middle of a history (a rerun) instead of at ExecutionStarted. */
  resume?: ResumePoint;
  now: number;
}

/** Why `request` may not start over an instance with this status (undefined: it may, or there is none). */
export function startConflict(
  existing: RuntimeStatus | undefined,
  request: StartRequest,
): WeftError | undefined {
  if (existing === undefined) return undefined;
  if (!isTerminalStatus(existing)) {
    return new WeftError(
      "already_exists",
      `an active workflow with ID '${request.instanceId}' already exists`,
    );
  }
  if (request.idReuse === "never") {
    return new WeftError("already_exists", `a workflow with ID '${request.instanceId}' already exists`);
  }
  return undefined;
}

/** A new instance as `request` creates it: PENDING until its first turn. */
export function pendingInstance(request: StartRequest): InstanceState {
  const state: InstanceState = {
    instanceId: request.instanceId,
    name: request.name,
    executionId: request.executionId,
    status: "PENDING",
    createdAt: request.now,
    updatedAt: request.now,
  };
  if (request.input !== undefined) state.input = request.input;
  if (request.scheduledStartAt !== undefined) state.scheduledStartAt = request.scheduledStartAt;
  if (request.parent) state.parent = request.parent;
  if (request.metadata) state.metadata = request.metadata;
  return state;
}

/**
 * A rerun's new instance as it starts (`request.resume`): RUNNING at once, since its history already holds the
 * start, with the input that history started with. What the history left unfinished is in `resume` to schedule.
 */
export function resumedInstance(request: StartRequest, resume: ResumePoint): InstanceState {
  const state = pendingInstance(request);
  state.status = "RUNNING";
  const started = resume.history.find((e) => e.type === "ExecutionStarted");
  if (started?.type === "ExecutionStarted") state.input = started.input;
  return state;
}

/**
 * When an event for an active instance becomes visible: now, unless the instance is PENDING with a scheduled
 * start still ahead; then the event waits for the start, so the first turn sees it after ExecutionStarted. A
 * terminate does not wait: it may end the instance before it ever runs.
 */
export function eventVisibleAt(
  target: { status: RuntimeStatus; scheduledStartAt: number | null | undefined },
  event: InboxEvent,
  now: number,
): number {
  const start = target.scheduledStartAt ?? 0;
  const waitsForStart = target.status === "PENDING" && event.type !== "ExecutionTerminated" && start > now;
  return waitsForStart ? start : now;
}

/** The inbox event that starts the instance, and when it becomes visible (its scheduled start, if later). */
export function startEvent(request: StartRequest): { event: ExecutionStarted; visibleAt: number } {
  return {
    event: {
      type: "ExecutionStarted",
      eventId: -1,
      timestamp: request.now,
      name: request.name,
      instanceId: request.instanceId,
      executionId: request.executionId,
      input: request.input,
      parent: request.parent,
      scheduledStartAt: request.scheduledStartAt,
    },
    visibleAt: Math.max(request.now, request.scheduledStartAt ?? 0),
  };
}
