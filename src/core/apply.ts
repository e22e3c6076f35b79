/**
 * Applying a turn: (instance state, the turn's events, the executor's actions) -> (new history, new state, new work).
 * Pure: the clock and the id generator are parameters. The engine commits the outcome in one transaction.
 */
import type { CompleteWorkflow, TurnResult } from "./actions.js";
import type { FailureDetails } from "./failure.js";
import type { EventRaised, ExecutionStarted, HistoryEvent, InboxEvent, ParentInstance } from "./history.js";
import { isTerminalStatus } from "./history.js";
import type { InstanceState, StartRequest } from "./instance.js";
import type { ActivityTask, OutboxMessage } from "./work.js";

/**
 * Whether a message reaches its target: the instance exists, is active, and is still in the execution the message
 * was meant for (a continue-as-new in the sending turn already switched it; its own fresh messages carry the new id).
 */
export function isDeliverable(
  target: { status: InstanceState["status"]; executionId: string } | undefined,
  message: OutboxMessage,
): boolean {
  if (!target || isTerminalStatus(target.status)) return false;
  return message.executionId === undefined || target.executionId === message.executionId;
}

/** What a parent is told when its child could not start (the id was in use). */
export function childStartFailed(child: StartRequest, now: number, reason: string): OutboxMessage {
  const parent = child.parent!;
  return {
    instanceId: parent.instanceId,
    executionId: parent.executionId,
    visibleAt: now,
    event: {
      type: "ChildWorkflowInstanceFailed",
      eventId: -1,
      timestamp: now,
      taskScheduledId: parent.taskScheduledId,
      failure: { errorType: "ChildWorkflowStartError", message: reason },
    },
  };
}

export interface TurnContext {
  now: number;
  newExecutionId: () => string;
}

export interface TurnOutcome {
  state: InstanceState;
  /** History after this turn: `append` adds `newEvents`; `reset` (continue-as-new) starts an empty history. */
  history: "append" | "reset";
  newEvents: HistoryEvent[];
  activities: ActivityTask[];
  messages: OutboxMessage[];
  childStarts: StartRequest[];
  /** Terminate every active child of this instance (recursive terminate). */
  terminateChildren?: { output?: string };
}

const CHILD_TERMINATED: FailureDetails = {
  errorType: "WorkflowTerminated",
  message: "the child workflow was terminated",
};

/**
 * `turnEvents` are the events given to the executor this turn (WorkflowStarted first); `result` is what the
 * executor answered, or undefined when the executor was not called (a terminate, or a turn for an instance that
 * never started).
 */
export function applyTurn(
  state: InstanceState,
  turnEvents: readonly HistoryEvent[],
  result: TurnResult | undefined,
  ctx: TurnContext,
): TurnOutcome {
  const next: InstanceState = { ...state, updatedAt: ctx.now };
  const outcome: TurnOutcome = {
    state: next,
    history: "append",
    newEvents: [...turnEvents],
    activities: [],
    messages: [],
    childStarts: [],
  };
  let terminate: { input?: string; recurse: boolean } | undefined;
  for (const event of turnEvents) {
    switch (event.type) {
      case "ExecutionStarted":
        next.status = next.status === "PENDING" ? "RUNNING" : next.status;
        next.name = event.name;
        next.executionId = event.executionId;
        next.input = event.input;
        if (event.parent) next.parent = event.parent;
        break;
      case "ExecutionSuspended":
        if (next.status === "RUNNING") next.status = "SUSPENDED";
        break;
      case "ExecutionResumed":
        if (next.status === "SUSPENDED") next.status = "RUNNING";
        break;
      case "ExecutionTerminated":
        terminate = { input: event.input, recurse: event.recurse };
        break;
      default:
        break;
    }
  }
  if (result?.customStatus !== undefined) next.customStatus = result.customStatus;
  if (result?.patches?.length) {
    const patches = result.patches;
    outcome.newEvents = outcome.newEvents.map((e) =>
      e.type === "WorkflowStarted" ? { ...e, patches: [...(e.patches ?? []), ...patches] } : e,
    );
  }

  if (terminate) {
    complete(
      outcome,
      { type: "CompleteWorkflow", id: -1, status: "TERMINATED", result: terminate.input },
      ctx,
    );
    if (terminate.recurse) outcome.terminateChildren = { output: terminate.input };
    return outcome;
  }
  for (const action of result?.actions ?? []) {
    switch (action.type) {
      case "ScheduleTask":
        outcome.newEvents.push({
          type: "TaskScheduled",
          eventId: action.id,
          timestamp: ctx.now,
          name: action.name,
          input: action.input,
          taskExecutionId: action.taskExecutionId,
        });
        outcome.activities.push({
          instanceId: state.instanceId,
          executionId: next.executionId,
          taskId: action.id,
          name: action.name,
          input: action.input,
          taskExecutionId: action.taskExecutionId,
        });
        break;
      case "CreateTimer":
        outcome.newEvents.push({
          type: "TimerCreated",
          eventId: action.id,
          timestamp: ctx.now,
          fireAt: action.fireAt,
        });
        outcome.messages.push({
          instanceId: state.instanceId,
          executionId: next.executionId,
          visibleAt: action.fireAt,
          event: {
            type: "TimerFired",
            eventId: -1,
            timestamp: action.fireAt,
            timerId: action.id,
            fireAt: action.fireAt,
          },
        });
        break;
      case "CreateChildWorkflow": {
        outcome.newEvents.push({
          type: "ChildWorkflowInstanceCreated",
          eventId: action.id,
          timestamp: ctx.now,
          instanceId: action.instanceId,
          name: action.name,
          input: action.input,
        });
        const parent: ParentInstance = {
          instanceId: state.instanceId,
          executionId: next.executionId,
          name: next.name,
          taskScheduledId: action.id,
        };
        outcome.childStarts.push({
          instanceId: action.instanceId,
          name: action.name,
          input: action.input,
          executionId: ctx.newExecutionId(),
          parent,
          now: ctx.now,
        });
        break;
      }
      case "SendEvent":
        outcome.newEvents.push({
          type: "EventSent",
          eventId: action.id,
          timestamp: ctx.now,
          instanceId: action.instanceId,
          name: action.name,
          input: action.input,
        });
        outcome.messages.push({
          instanceId: action.instanceId,
          visibleAt: ctx.now,
          event: {
            type: "EventRaised",
            eventId: -1,
            timestamp: ctx.now,
            name: action.name,
            input: action.input,
          },
        });
        break;
      case "CompleteWorkflow":
        if (action.status === "CONTINUED_AS_NEW") {
          continueAsNew(outcome, action.result, action.carryoverEvents ?? [], ctx);
        } else {
          complete(outcome, action, ctx);
        }
        // Durable Task ignores whatever follows the completion in the same turn.
        return outcome;
    }
  }
  return outcome;
}

function complete(outcome: TurnOutcome, action: CompleteWorkflow, ctx: TurnContext): void {
  const state = outcome.state;
  if (action.status === "CONTINUED_AS_NEW" || isTerminalStatus(state.status)) return;
  outcome.newEvents.push({
    type: "ExecutionCompleted",
    eventId: action.id,
    timestamp: ctx.now,
    status: action.status,
    result: action.result,
    failure: action.failure,
  });
  state.status = action.status;
  state.output = action.result;
  state.failure = action.failure;
  state.completedAt = ctx.now;
  // Work that was scheduled in this very turn can never be consumed now.
  outcome.activities = [];
  outcome.messages = outcome.messages.filter((m) => m.instanceId !== state.instanceId);
  const parent = state.parent;
  if (!parent) return;
  const base = { eventId: -1, timestamp: ctx.now, taskScheduledId: parent.taskScheduledId };
  const event: InboxEvent =
    action.status === "COMPLETED"
      ? { ...base, type: "ChildWorkflowInstanceCompleted", result: action.result }
      : {
          ...base,
          type: "ChildWorkflowInstanceFailed",
          failure: action.status === "FAILED" && action.failure ? action.failure : CHILD_TERMINATED,
        };
  outcome.messages.push({
    instanceId: parent.instanceId,
    executionId: parent.executionId,
    visibleAt: ctx.now,
    event,
  });
}

function continueAsNew(
  outcome: TurnOutcome,
  input: string | undefined,
  carryover: EventRaised[],
  ctx: TurnContext,
) {
  const state = outcome.state;
  const executionId = ctx.newExecutionId();
  const started: ExecutionStarted = {
    type: "ExecutionStarted",
    eventId: -1,
    timestamp: ctx.now,
    name: state.name,
    instanceId: state.instanceId,
    executionId,
    input,
    parent: state.parent,
  };
  state.executionId = executionId;
  state.input = input;
  state.customStatus = undefined;
  outcome.history = "reset";
  outcome.newEvents = [];
  // Results of this execution's activities would be dropped anyway; children and sent events stand.
  outcome.activities = [];
  const fresh = [started, ...carryover.map((e) => ({ ...e, eventId: -1, timestamp: ctx.now }))];
  outcome.messages = [
    ...outcome.messages.filter((m) => m.instanceId !== state.instanceId),
    ...fresh.map((event) => ({ instanceId: state.instanceId, executionId, visibleAt: ctx.now, event })),
  ];
}

/**
 * Whether a turn may run workflow code: its execution has history already, or the turn brings the execution's
 * ExecutionStarted. Events that reach an execution ahead of its start (after a continue-as-new reset the history)
 * wait for it instead, so every execution's history opens with its ExecutionStarted, and no event is shown to an
 * execution that has not begun (an SDK would drop it).
 */
export function opensOrContinues(historyLength: number, inbox: readonly InboxEvent[]): boolean {
  return historyLength > 0 || inbox.some((e) => e.type === "ExecutionStarted");
}

/** Puts ExecutionStarted first: a turn must open the execution before anything else happens in it. */
export function orderTurnEvents(events: readonly InboxEvent[]): InboxEvent[] {
  const start = events.findIndex((e) => e.type === "ExecutionStarted");
  if (start <= 0) return [...events];
  return [events[start]!, ...events.slice(0, start), ...events.slice(start + 1)];
}
