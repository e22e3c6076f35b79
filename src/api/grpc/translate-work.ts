/**
 * Work items and their results: Weft's turn requests and activity tasks -> the protocol's work items, and the
 * workers' responses -> Weft's TurnResult and ActivityOutcome.
 */
import type { TurnResult, WorkflowAction } from "../../core/actions.js";
import type { FailureDetails } from "../../core/failure.js";
import type { EventRaised, HistoryEvent } from "../../core/history.js";
import { childInstanceId } from "../../core/ids.js";
import type { ActivityTask } from "../../core/work.js";
import type { ActivityOutcome } from "../../engine/executor.js";
import {
  fromPayload,
  fromTimestamp,
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

export function toWireActivityRequest(task: ActivityTask): WireActivityRequest {
  return {
    name: task.name,
    input: toPayload(task.input),
    orchestrationInstance: { instanceId: task.instanceId, executionId: { value: task.executionId } },
    taskId: task.taskId,
  };
}

export function fromWireActivityResponse(response: WireActivityResponse): ActivityOutcome {
  const failure = fromWireFailure(response.failureDetails);
  return failure ? { failure } : { result: fromPayload(response.result) };
}

/** A response that breaks the protocol fails the workflow: replaying the same turn would break it again. */
class InvalidResponse extends Error {}

/** The worker's answer for one turn of `instanceId`. */
export function fromWireOrchestratorResponse(
  instanceId: string,
  response: WireOrchestratorResponse,
): TurnResult {
  // The SDKs always send the custom status; an empty StringValue is how they send "".
  const customStatus = response.customStatus ? (response.customStatus.value ?? "") : undefined;
  try {
    const actions = (response.actions ?? []).map((action) => fromWireAction(instanceId, action));
    return { actions, customStatus };
  } catch (error) {
    if (!(error instanceof InvalidResponse)) throw error;
    const failure = { errorType: "InvalidWorkerResponse", message: error.message };
    return { actions: [{ type: "CompleteWorkflow", id: -1, status: "FAILED", failure }], customStatus };
  }
}

function fromWireAction(instanceId: string, action: WireAction): WorkflowAction {
  const id = action.id ?? 0;
  if (action.scheduleTask) {
    const { name, input } = action.scheduleTask;
    if (!name) throw new InvalidResponse(`action ${id} schedules an activity without a name`);
    return { type: "ScheduleTask", id, name, input: fromPayload(input) };
  }
  if (action.createTimer) {
    const fireAt = fromTimestamp(action.createTimer.fireAt);
    if (fireAt === undefined) throw new InvalidResponse(`action ${id} creates a timer without a time`);
    return { type: "CreateTimer", id, fireAt };
  }
  if (action.createSubOrchestration) {
    const { name, input } = action.createSubOrchestration;
    if (!name) throw new InvalidResponse(`action ${id} starts a child workflow without a name`);
    const childId = action.createSubOrchestration.instanceId || childInstanceId(instanceId, id);
    return { type: "CreateChildWorkflow", id, instanceId: childId, name, input: fromPayload(input) };
  }
  if (action.sendEvent) {
    const target = action.sendEvent.instance?.instanceId;
    const name = action.sendEvent.name;
    if (!target || !name) throw new InvalidResponse(`action ${id} sends an event without a target or name`);
    return { type: "SendEvent", id, instanceId: target, name, input: fromPayload(action.sendEvent.data) };
  }
  if (action.completeOrchestration) return fromWireCompletion(id, action.completeOrchestration);
  throw new InvalidResponse(`action ${id} is of a kind Weft does not support`);
}

function fromWireCompletion(
  id: number,
  wire: NonNullable<WireAction["completeOrchestration"]>,
): WorkflowAction {
  const status = fromWireStatus(wire.orchestrationStatus);
  const result = fromPayload(wire.result);
  switch (status) {
    case "COMPLETED":
    case "TERMINATED":
      return { type: "CompleteWorkflow", id, status, result };
    case "FAILED":
      return { type: "CompleteWorkflow", id, status, failure: failureOf(wire, result) };
    case "CONTINUED_AS_NEW": {
      const carryoverEvents = (wire.carryoverEvents ?? [])
        .map(fromWireCarryover)
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
