/**
 * The history model: every fact about a workflow execution is one of these events, appended in order.
 * Names and fields follow the Durable Task protocol (Dapr's current names) so that the gRPC edge maps 1:1.
 * Payloads are JSON text, exactly as stored and as sent over the wire; `undefined` means "no value".
 * Times are milliseconds since the Unix epoch; core never reads a clock, callers pass times in.
 */
import type { FailureDetails } from "./failure.js";

export type RuntimeStatus = "PENDING" | "RUNNING" | "SUSPENDED" | "COMPLETED" | "FAILED" | "TERMINATED";
/** Every runtime status, in the order of an instance's life. */
export const RUNTIME_STATUSES: readonly RuntimeStatus[] = [
  "PENDING",
  "RUNNING",
  "SUSPENDED",
  "COMPLETED",
  "FAILED",
  "TERMINATED",
];

/** Statuses a workflow can end in: the ones carried by ExecutionCompleted. */
export type TerminalStatus = "COMPLETED" | "FAILED" | "TERMINATED";

export interface ParentInstance {
  instanceId: string;
  executionId: string;
  name: string;
  /** The id of the ChildWorkflowInstanceCreated event in the parent, which completions must reference. */
  taskScheduledId: number;
}

interface EventBase {
  /** Equals the sequence number of the action that caused it; -1 for events that are not caused by an action. */
  eventId: number;
  timestamp: number;
}

export interface ExecutionStarted extends EventBase {
  type: "ExecutionStarted";
  name: string;
  instanceId: string;
  executionId: string;
  input?: string;
  parent?: ParentInstance;
  scheduledStartAt?: number;
}

export interface ExecutionCompleted extends EventBase {
  type: "ExecutionCompleted";
  status: TerminalStatus;
  result?: string;
  failure?: FailureDetails;
}

export interface ExecutionTerminated extends EventBase {
  type: "ExecutionTerminated";
  /** Saved as the workflow's output. */
  input?: string;
  recurse: boolean;
}

export interface ExecutionSuspended extends EventBase {
  type: "ExecutionSuspended";
  input?: string;
}

export interface ExecutionResumed extends EventBase {
  type: "ExecutionResumed";
  input?: string;
}

/** Opens every turn; its timestamp is the workflow's deterministic "now" for that turn. */
export interface WorkflowStarted extends EventBase {
  type: "WorkflowStarted";
  /** Patch names first seen in this turn (see WorkflowContext.isPatched). */
  patches?: string[];
}

export interface TaskScheduled extends EventBase {
  type: "TaskScheduled";
  name: string;
  input?: string;
  /** Stable across retries of one call: an idempotency key for the activity. */
  taskExecutionId?: string;
}

export interface TaskCompleted extends EventBase {
  type: "TaskCompleted";
  taskScheduledId: number;
  result?: string;
}

export interface TaskFailed extends EventBase {
  type: "TaskFailed";
  taskScheduledId: number;
  failure: FailureDetails;
}

export interface ChildWorkflowInstanceCreated extends EventBase {
  type: "ChildWorkflowInstanceCreated";
  instanceId: string;
  name: string;
  input?: string;
}

export interface ChildWorkflowInstanceCompleted extends EventBase {
  type: "ChildWorkflowInstanceCompleted";
  taskScheduledId: number;
  result?: string;
}

export interface ChildWorkflowInstanceFailed extends EventBase {
  type: "ChildWorkflowInstanceFailed";
  taskScheduledId: number;
  failure: FailureDetails;
}

export interface TimerCreated extends EventBase {
  type: "TimerCreated";
  fireAt: number;
}

export interface TimerFired extends EventBase {
  type: "TimerFired";
  timerId: number;
  fireAt: number;
}

export interface EventRaised extends EventBase {
  type: "EventRaised";
  name: string;
  input?: string;
}

export interface EventSent extends EventBase {
  type: "EventSent";
  instanceId: string;
  name: string;
  input?: string;
}

export type HistoryEvent =
  | ExecutionStarted
  | ExecutionCompleted
  | ExecutionTerminated
  | ExecutionSuspended
  | ExecutionResumed
  | WorkflowStarted
  | TaskScheduled
  | TaskCompleted
  | TaskFailed
  | ChildWorkflowInstanceCreated
  | ChildWorkflowInstanceCompleted
  | ChildWorkflowInstanceFailed
  | TimerCreated
  | TimerFired
  | EventRaised
  | EventSent;

export type HistoryEventType = HistoryEvent["type"];

/** Events that a workflow turn consumes from its inbox (everything but the ones derived from actions). */
export type InboxEvent =
  | ExecutionStarted
  | ExecutionTerminated
  | ExecutionSuspended
  | ExecutionResumed
  | TaskCompleted
  | TaskFailed
  | ChildWorkflowInstanceCompleted
  | ChildWorkflowInstanceFailed
  | TimerFired
  | EventRaised;

export function isTerminalStatus(status: RuntimeStatus): status is TerminalStatus {
  return status === "COMPLETED" || status === "FAILED" || status === "TERMINATED";
}
