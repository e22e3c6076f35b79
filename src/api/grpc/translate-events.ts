/**
 * Weft's history model <-> the protocol's HistoryEvent, payloads, times, statuses and failure details.
 * Weft's event names are Dapr's current ones; the wire uses the old names the JS SDKs were generated from.
 */
import type { FailureDetails } from "../../core/failure.js";
import type { EventRaised, HistoryEvent, ParentInstance, RuntimeStatus } from "../../core/history.js";
import type {
  WireFailureDetails,
  WireHistoryEvent,
  WireParentInstance,
  WireStatus,
  WireStringValue,
  WireTimestamp,
} from "./wire.js";

/** JSON text travels in a StringValue; an absent one and "" both mean "no value" to the SDKs. */
export function toPayload(text: string | undefined): WireStringValue | undefined {
  return text === undefined ? undefined : { value: text };
}

export function fromPayload(value: WireStringValue | undefined): string | undefined {
  return value?.value ? value.value : undefined;
}

export function toTimestamp(ms: number): WireTimestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Milliseconds since the epoch; undefined when absent. */
export function fromTimestamp(ts: WireTimestamp | undefined): number | undefined {
  if (!ts) return undefined;
  return (ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
}

const STATUS_TO_WIRE: Record<RuntimeStatus, WireStatus> = {
  RUNNING: "ORCHESTRATION_STATUS_RUNNING",
  COMPLETED: "ORCHESTRATION_STATUS_COMPLETED",
  FAILED: "ORCHESTRATION_STATUS_FAILED",
  TERMINATED: "ORCHESTRATION_STATUS_TERMINATED",
  PENDING: "ORCHESTRATION_STATUS_PENDING",
  SUSPENDED: "ORCHESTRATION_STATUS_SUSPENDED",
};

/** Weft never has CANCELED or STALLED, which the JS clients cannot parse, so it never sends them. */
export function toWireStatus(status: RuntimeStatus): WireStatus {
  return STATUS_TO_WIRE[status];
}

const WIRE_STATUS_NUMBERS: readonly WireStatus[] = [
  "ORCHESTRATION_STATUS_RUNNING",
  "ORCHESTRATION_STATUS_COMPLETED",
  "ORCHESTRATION_STATUS_CONTINUED_AS_NEW",
  "ORCHESTRATION_STATUS_FAILED",
  "ORCHESTRATION_STATUS_CANCELED",
  "ORCHESTRATION_STATUS_TERMINATED",
  "ORCHESTRATION_STATUS_PENDING",
  "ORCHESTRATION_STATUS_SUSPENDED",
  "ORCHESTRATION_STATUS_STALLED",
];

/** A received status as a Weft status; values Weft has no status for (CANCELED, STALLED, unknown) give undefined. */
export function fromWireStatus(
  status: WireStatus | number | undefined,
): RuntimeStatus | "CONTINUED_AS_NEW" | undefined {
  // Proto3 leaves out the default (RUNNING); unknown enum numbers arrive as numbers.
  const name = typeof status === "number" ? WIRE_STATUS_NUMBERS[status] : (status ?? WIRE_STATUS_NUMBERS[0]);
  switch (name) {
    case "ORCHESTRATION_STATUS_CONTINUED_AS_NEW":
      return "CONTINUED_AS_NEW";
    case "ORCHESTRATION_STATUS_CANCELED":
    case "ORCHESTRATION_STATUS_STALLED":
    case undefined:
      return undefined;
    default:
      return name.slice("ORCHESTRATION_STATUS_".length) as RuntimeStatus;
  }
}

export function toWireFailure(failure: FailureDetails): WireFailureDetails {
  const wire: WireFailureDetails = { errorType: failure.errorType, errorMessage: failure.message };
  if (failure.stackTrace) wire.stackTrace = { value: failure.stackTrace };
  if (failure.innerFailure) wire.innerFailure = toWireFailure(failure.innerFailure);
  if (failure.nonRetriable) wire.isNonRetriable = true;
  return wire;
}

export function fromWireFailure(wire: WireFailureDetails | undefined): FailureDetails | undefined {
  if (!wire) return undefined;
  const failure: FailureDetails = {
    errorType: wire.errorType || "Error",
    message: wire.errorMessage ?? "",
  };
  const stack = fromPayload(wire.stackTrace);
  if (stack) failure.stackTrace = stack;
  const inner = fromWireFailure(wire.innerFailure);
  if (inner) failure.innerFailure = inner;
  if (wire.isNonRetriable) failure.nonRetriable = true;
  return failure;
}

function toWireParent(parent: ParentInstance): WireParentInstance {
  return {
    taskScheduledId: parent.taskScheduledId,
    name: { value: parent.name },
    orchestrationInstance: { instanceId: parent.instanceId, executionId: { value: parent.executionId } },
  };
}

export function toWireEvent(event: HistoryEvent): WireHistoryEvent {
  const wire: WireHistoryEvent = { eventId: event.eventId, timestamp: toTimestamp(event.timestamp) };
  switch (event.type) {
    case "ExecutionStarted":
      wire.executionStarted = {
        name: event.name,
        input: toPayload(event.input),
        orchestrationInstance: { instanceId: event.instanceId, executionId: { value: event.executionId } },
        parentInstance: event.parent && toWireParent(event.parent),
        scheduledStartTimestamp:
          event.scheduledStartAt === undefined ? undefined : toTimestamp(event.scheduledStartAt),
      };
      break;
    case "ExecutionCompleted":
      wire.executionCompleted = {
        orchestrationStatus: toWireStatus(event.status),
        result: toPayload(event.result),
        failureDetails: event.failure && toWireFailure(event.failure),
      };
      break;
    case "ExecutionTerminated":
      wire.executionTerminated = { input: toPayload(event.input), recurse: event.recurse };
      break;
    case "ExecutionSuspended":
      wire.executionSuspended = { input: toPayload(event.input) };
      break;
    case "ExecutionResumed":
      wire.executionResumed = { input: toPayload(event.input) };
      break;
    case "WorkflowStarted":
      wire.orchestratorStarted = {};
      break;
    case "TaskScheduled":
      wire.taskScheduled = { name: event.name, input: toPayload(event.input) };
      break;
    case "TaskCompleted":
      wire.taskCompleted = { taskScheduledId: event.taskScheduledId, result: toPayload(event.result) };
      break;
    case "TaskFailed":
      wire.taskFailed = {
        taskScheduledId: event.taskScheduledId,
        failureDetails: toWireFailure(event.failure),
      };
      break;
    case "ChildWorkflowInstanceCreated":
      wire.subOrchestrationInstanceCreated = {
        instanceId: event.instanceId,
        name: event.name,
        input: toPayload(event.input),
      };
      break;
    case "ChildWorkflowInstanceCompleted":
      wire.subOrchestrationInstanceCompleted = {
        taskScheduledId: event.taskScheduledId,
        result: toPayload(event.result),
      };
      break;
    case "ChildWorkflowInstanceFailed":
      wire.subOrchestrationInstanceFailed = {
        taskScheduledId: event.taskScheduledId,
        failureDetails: toWireFailure(event.failure),
      };
      break;
    case "TimerCreated":
      wire.timerCreated = { fireAt: toTimestamp(event.fireAt) };
      break;
    case "TimerFired":
      wire.timerFired = { fireAt: toTimestamp(event.fireAt), timerId: event.timerId };
      break;
    case "EventRaised":
      wire.eventRaised = { name: event.name, input: toPayload(event.input) };
      break;
    case "EventSent":
      wire.eventSent = { instanceId: event.instanceId, name: event.name, input: toPayload(event.input) };
      break;
  }
  return wire;
}

/**
 * An event a worker hands over on continue-as-new. Only external events can be carried over; the JS SDKs send
 * them with eventId -1 and an epoch-0 time, which applying the turn re-stamps.
 */
export function fromWireCarryover(wire: WireHistoryEvent): EventRaised | undefined {
  if (!wire.eventRaised?.name) return undefined;
  return {
    type: "EventRaised",
    eventId: -1,
    timestamp: fromTimestamp(wire.timestamp) ?? 0,
    name: wire.eventRaised.name,
    input: fromPayload(wire.eventRaised.input),
  };
}
