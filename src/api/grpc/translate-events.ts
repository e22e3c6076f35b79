/**
 * Weft's history model <-> the protocol's HistoryEvent, payloads, times, statuses and failure details.
 * Weft's event names are Dapr's current ones; the wire uses the old names the JS SDKs were generated from.
 */
import type { FailureDetails } from "../../core/failure.js";
import type { EventRaised, HistoryEvent, ParentInstance, RuntimeStatus } from "../../core/history.js";
import { checkName, checkPayload, isRepresentableTime } from "../../core/input-rules.js";
import { storedObject, storedText } from "../../core/stored-values.js";
import type {
  WireFailureDetails,
  WireHistoryEvent,
  WireParentInstance,
  WireStatus,
  WireStringValue,
  WireTimestamp,
} from "./wire.js";

/**
 * JSON text travels in a StringValue; an absent one and "" both mean "no value" to the SDKs. Stored values that
 * are not text are sent as `<unreadable: ...>` (core/stored-values.ts).
 */
export function toPayload(text: string | undefined): WireStringValue | undefined {
  const value = storedText(text);
  return value === undefined ? undefined : { value };
}

export function fromPayload(value: WireStringValue | undefined): string | undefined {
  return value?.value ? value.value : undefined;
}

export function toTimestamp(ms: number): WireTimestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** A stored time; absent when what is stored is no time a Timestamp can carry. */
export function toStoredTimestamp(ms: unknown): WireTimestamp | undefined {
  return isRepresentableTime(ms) ? toTimestamp(Math.floor(ms)) : undefined;
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

/** Stored failure details; fields that are not what they should be are shown as unreadable, never thrown on. */
export function toWireFailure(failure: FailureDetails, depth = 0): WireFailureDetails {
  const fields = storedObject(failure) ?? { message: failure };
  const wire: WireFailureDetails = {
    errorType: storedText(fields.errorType) ?? "",
    errorMessage: storedText(fields.message) ?? "",
  };
  const stack = storedText(fields.stackTrace);
  if (stack) wire.stackTrace = { value: stack };
  if (fields.innerFailure && depth < 10) {
    wire.innerFailure = toWireFailure(fields.innerFailure as FailureDetails, depth + 1);
  }
  if (fields.nonRetriable === true) wire.isNonRetriable = true;
  return wire;
}

/** Inner failures kept below a failure; deeper ones are cut (a worker's chain could nest without end). */
const MAX_INNER_FAILURES = 10;

export function fromWireFailure(wire: WireFailureDetails | undefined, depth = 0): FailureDetails | undefined {
  if (!wire) return undefined;
  const failure: FailureDetails = {
    errorType: wire.errorType || "Error",
    message: wire.errorMessage ?? "",
  };
  const stack = fromPayload(wire.stackTrace);
  if (stack) failure.stackTrace = stack;
  const inner = depth < MAX_INNER_FAILURES ? fromWireFailure(wire.innerFailure, depth + 1) : undefined;
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

/** One stored event; a field that is not what it should be is sent as unreadable or left out, never thrown on. */
export function toWireEvent(stored: HistoryEvent): WireHistoryEvent {
  const event = (storedObject(stored) ?? {}) as unknown as HistoryEvent;
  const wire: WireHistoryEvent = {
    eventId: Number.isInteger(event.eventId) ? event.eventId : -1,
    timestamp: toStoredTimestamp(event.timestamp),
  };
  switch (event.type) {
    case "ExecutionStarted":
      wire.executionStarted = {
        name: event.name,
        input: toPayload(event.input),
        orchestrationInstance: { instanceId: event.instanceId, executionId: { value: event.executionId } },
        parentInstance: event.parent && toWireParent(event.parent),
        scheduledStartTimestamp: toStoredTimestamp(event.scheduledStartAt),
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
      wire.timerCreated = { fireAt: toStoredTimestamp(event.fireAt) };
      break;
    case "TimerFired":
      wire.timerFired = { fireAt: toStoredTimestamp(event.fireAt), timerId: event.timerId };
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
    timestamp: 0,
    name: checkName("event", wire.eventRaised.name),
    input: checkPayload(fromPayload(wire.eventRaised.input), "a carried-over event's input"),
  };
}
