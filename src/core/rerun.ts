/**
 * Rerunning a finished workflow from one of its steps (Dapr's RerunWorkflowFromEvent): a new instance gets the
 * source's history up to and including that step, and every step the kept history started but did not see finish
 * (the chosen one included) runs again. Replay then carries the workflow on from there: whatever the code does
 * after the kept history is new work.
 */
import { WeftError } from "./errors.js";
import type { ExecutionStarted, HistoryEvent } from "./history.js";
import type { ResumePoint } from "./instance.js";

export interface RerunOptions {
  instanceId: string;
  executionId: string;
  now: number;
  /** Replaces the input of the rerun step (a TaskScheduled or ChildWorkflowInstanceCreated). */
  input?: { value: string | undefined };
}

const RERUNNABLE = new Set(["TaskScheduled", "TimerCreated", "ChildWorkflowInstanceCreated"]);

export function planRerun(
  source: readonly HistoryEvent[],
  eventId: number,
  options: RerunOptions,
): ResumePoint {
  const target = source.findIndex((e) => e.eventId === eventId && RERUNNABLE.has(e.type));
  if (target < 0) {
    throw new WeftError(
      "invalid_argument",
      `event ${eventId} is not an activity, timer or child workflow step of the source instance's history`,
    );
  }
  const { instanceId, executionId, now } = options;
  const history = source.slice(0, target + 1).map((event): HistoryEvent => {
    if (event.type === "ExecutionStarted") return { ...event, instanceId, executionId };
    const isTarget = event === source[target];
    if (
      isTarget &&
      options.input &&
      (event.type === "TaskScheduled" || event.type === "ChildWorkflowInstanceCreated")
    ) {
      return { ...event, input: options.input.value };
    }
    return event;
  });
  const started = history.find((e): e is ExecutionStarted => e.type === "ExecutionStarted");
  if (!started) throw new WeftError("invalid_argument", "the source history has no ExecutionStarted event");
  const finished = new Set<number>();
  for (const event of history) {
    if (event.type === "TaskCompleted" || event.type === "TaskFailed") finished.add(event.taskScheduledId);
    if (event.type === "ChildWorkflowInstanceCompleted" || event.type === "ChildWorkflowInstanceFailed") {
      finished.add(event.taskScheduledId);
    }
    if (event.type === "TimerFired") finished.add(event.timerId);
  }
  const plan: ResumePoint = { history, activities: [], messages: [], childStarts: [] };
  for (const event of history) {
    if (finished.has(event.eventId)) continue;
    if (event.type === "TaskScheduled") {
      plan.activities.push({
        instanceId,
        executionId,
        taskId: event.eventId,
        name: event.name,
        input: event.input,
        taskExecutionId: `${executionId}:${event.eventId}`,
      });
    } else if (event.type === "TimerCreated") {
      const fired = {
        type: "TimerFired" as const,
        eventId: -1,
        timestamp: event.fireAt,
        timerId: event.eventId,
      };
      plan.messages.push({
        instanceId,
        executionId,
        visibleAt: Math.max(now, event.fireAt),
        event: { ...fired, fireAt: event.fireAt },
      });
    } else if (event.type === "ChildWorkflowInstanceCreated") {
      plan.childStarts.push({
        instanceId: event.instanceId,
        name: event.name,
        input: event.input,
        executionId: `${executionId}:${event.eventId}`,
        parent: { instanceId, executionId, name: started.name, taskScheduledId: event.eventId },
        now,
      });
    }
  }
  return plan;
}
