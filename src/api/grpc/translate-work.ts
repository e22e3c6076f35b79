/**
 * Work items and their results: Weft's turn requests and activity tasks -> the protocol's work items, and the
 * workers' responses -> Weft's TurnResult and ActivityOutcome.
 */
import type { TurnResult, WorkflowAction } from "../../core/actions.js";
import type { FailureDetails } from "../../core/failure.js";
import type { EventRaised, HistoryEvent } from "../../core/history.js";
import { childInstanceId } from "../../core/ids.js";
import {
  checkInstanceId,
  checkName,
  checkPayload,
  isInvalidInput,
  LIMITS,
  payloadDepth,
} from "../../core/input-rules.js";
import type { ActivityTask } from "../../core/work.js";
import type { ActivityOutcome } from "../../engine/executor.js";
import { payloadOf, timeOf } from "./request-rules.js";
import {
  fromWireCarryover,
  fromWireFailure,
  fromWireStatus,
  toPayload,
  toWireEvent,
} from "./translate-events.js";
import type {
  WireAction,
  WireActivityRequest,
  WireActivityResponse,
  WireOrchestratorRequest,
  WireOrchestratorResponse,
} from "./wire.js";

export function toWireOrchestratorRequest(
  instanceId: string,
  executionId: string,
  past: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
): WireOrchestratorRequest {
  return {
    instanceId,
    executionId: { value: executionId },
    pastEvents: past.map(toWireEvent),
    newEvents: newEvents.map(toWireEvent),
  };
}

/** `traceparent`: the activity run's span, as Dapr's current schema passes it (old SDKs skip the field). */
export function toWireActivityRequest(task: ActivityTask, traceparent?: string): WireActivityRequest {
  const request: WireActivityRequest = {
    name: task.name,
    input: toPayload(task.input),
    orchestrationInstance: { instanceId: task.instanceId, executionId: { value: task.executionId } },
    taskId: task.taskId,
  };
  if (traceparent) request.parentTraceContext = { traceParent: traceparent };
  return request;
}

/** A result that breaks the input rules fails the activity: retrying would bring the same result. */
export function fromWireActivityResponse(response: WireActivityResponse): ActivityOutcome {
  const failure = fromWireFailure(response.failureDetails);
  if (failure) return { failure };
  try {
    return { result: payloadOf(response.result, "result") };
  } catch (error) {
    if (!isInvalidInput(error)) throw error;
    return { failure: { errorType: "InvalidWorkerResponse", message: error.message } };
  }
}

/** A response that breaks the protocol fails the workflow: replaying the same turn would break it again. */
class InvalidResponse extends Error {}

/** The worker's answer for one turn of `instanceId`. */
export function fromWireOrchestratorResponse(
  instanceId: string,
  response: WireOrchestratorResponse,
): TurnResult {
  // The SDKs always send the custom status; an empty StringValue is how they send "".
  const given = response.customStatus ? (response.customStatus.value ?? "") : undefined;
  // One that breaks the payload rule fails the turn and is not kept.
  const customStatus = given !== undefined && payloadDepth(given) > LIMITS.payloadDepth ? undefined : given;
  try {
    rule("the custom status", () => checkPayload(given, "'customStatus'"));
    const actions = (response.actions ?? []).map((action) => fromWireAction(instanceId, action));
    return { actions, customStatus };
  } catch (error) {
    if (!(error instanceof InvalidResponse)) throw error;
    const failure = { errorType: "InvalidWorkerResponse", message: error.message };
    return { actions: [{ type: "CompleteWorkflow", id: -1, status: "FAILED", failure }], customStatus };
  }
}

/**
 * Runs input rules on a worker's answer: a value they refuse makes the answer invalid (the workflow fails), the
 * same rules a client's values pass at this edge.
 */
function rule<T>(where: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (isInvalidInput(error)) throw new InvalidResponse(`${where}: ${error.message}`);
    throw error;
  }
}

function fromWireAction(instanceId: string, action: WireAction): WorkflowAction {
  const id = action.id ?? 0;
  const at = `action ${id}`;
  if (action.scheduleTask) {
    const { name, input } = action.scheduleTask;
    if (!name) throw new InvalidResponse(`action ${id} schedules an activity without a name`);
    return {
      type: "ScheduleTask",
      id,
      name: rule(at, () => checkName("activity", name)),
      input: rule(at, () => payloadOf(input, "input")),
    };
  }
  if (action.createTimer) {
    const fireAt = rule(at, () => timeOf(action.createTimer!.fireAt, "fireAt"));
    if (fireAt === undefined) throw new InvalidResponse(`action ${id} creates a timer without a time`);
    return { type: "CreateTimer", id, fireAt };
  }
  if (action.createSubOrchestration) {
    const { name, input } = action.createSubOrchestration;
    if (!name) throw new InvalidResponse(`action ${id} starts a child workflow without a name`);
    const childId = action.createSubOrchestration.instanceId || childInstanceId(instanceId, id);
    return {
      type: "CreateChildWorkflow",
      id,
      instanceId: rule(at, () => checkInstanceId(childId)),
      name: rule(at, () => checkName("workflow", name)),
      input: rule(at, () => payloadOf(input, "input")),
    };
  }
  if (action.sendEvent) {
    const target = action.sendEvent.instance?.instanceId;
    const name = action.sendEvent.name;
    if (!target || !name) throw new InvalidResponse(`action ${id} sends an event without a target or name`);
    return {
      type: "SendEvent",
      id,
      instanceId: rule(at, () => checkInstanceId(target)),
      name: rule(at, () => checkName("event", name)),
      input: rule(at, () => payloadOf(action.sendEvent!.data, "data")),
    };
  }
  if (action.completeOrchestration) return fromWireCompletion(id, action.completeOrchestration);
  throw new InvalidResponse(`action ${id} is of a kind Weft does not support`);
}

function fromWireCompletion(
  id: number,
  wire: NonNullable<WireAction["completeOrchestration"]>,
): WorkflowAction {
  const status = fromWireStatus(wire.orchestrationStatus);
  const result = rule(`action ${id}`, () => payloadOf(wire.result, "result"));
  switch (status) {
    case "COMPLETED":
    case "TERMINATED":
      return { type: "CompleteWorkflow", id, status, result };
    case "FAILED":
      return { type: "CompleteWorkflow", id, status, failure: failureOf(wire, result) };
    case "CONTINUED_AS_NEW": {
      const carryoverEvents = (wire.carryoverEvents ?? [])
        .map((event) => rule(`action ${id}`, () => fromWireCarryover(event)))
        .filter((e): e is EventRaised => e !== undefined);
      return { type: "CompleteWorkflow", id, status, result, carryoverEvents };
    }
    default:
      throw new InvalidResponse(
        `action ${id} completes the workflow with status ${wire.orchestrationStatus}`,
      );
  }
}

/**
 * @dapr/durabletask-js 1.0.0 reports a crash of its own executor as FAILED with the failure's text in `result`
 * and no failure details; keep that text as the message so clients still see why.
 */
function failureOf(wire: NonNullable<WireAction["completeOrchestration"]>, result?: string): FailureDetails {
  return (
    fromWireFailure(wire.failureDetails) ?? {
      errorType: "WorkflowExecutionError",
      message: result ?? "the worker failed the workflow without saying why",
    }
  );
}
