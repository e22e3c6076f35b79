/**
 * Turns a history into the timeline's spans: one per activity attempt, timer, child workflow, suspension, and a
 * point per event raised, sent or terminate request. Attempts of one activity call share its taskExecutionId, so
 * retries show as "attempt 2", "attempt 3" of the same name.
 */
import type { HistoryEvent } from "../api.js";

export type SpanKind = "workflow" | "activity" | "timer" | "child" | "event" | "suspended" | "terminate";
export type SpanState = "running" | "ok" | "failed" | "point";

export interface Span {
  kind: SpanKind;
  label: string;
  start: number;
  /** Undefined while it is still open. */
  end?: number;
  /** A timer's planned end, drawn while it has not fired. */
  due?: number;
  state: SpanState;
  attempt?: number;
  childId?: string;
  /** The history events behind the span, for its details. */
  events: HistoryEvent[];
}

const time = (event: HistoryEvent) => Date.parse(event.timestamp);
const num = (value: unknown) => (typeof value === "number" ? value : -1);
const str = (value: unknown) => (typeof value === "string" ? value : "");

export function buildSpans(events: readonly HistoryEvent[]): Span[] {
  const spans: Span[] = [];
  const open = new Map<string, Span>();
  const attempts = new Map<string, number>();
  let suspended: Span | undefined;
  for (const event of events) {
    switch (event.type) {
      case "ExecutionStarted": {
        const span: Span = {
          kind: "workflow",
          label: str(event.name),
          start: time(event),
          state: "running",
          events: [event],
        };
        spans.push(span);
        open.set("workflow", span);
        break;
      }
      case "ExecutionCompleted": {
        const span = open.get("workflow");
        if (span) {
          span.end = time(event);
          span.state = event.status === "COMPLETED" ? "ok" : "failed";
          span.events.push(event);
          span.label = `${span.label} (${str(event.status).toLowerCase()})`;
        }
        suspended = close(suspended, event);
        break;
      }
      case "TaskScheduled": {
        const key = str(event.taskExecutionId) || `${str(event.name)}#${event.eventId}`;
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        const span: Span = {
          kind: "activity",
          label: str(event.name),
          start: time(event),
          state: "running",
          attempt,
          events: [event],
        };
        spans.push(span);
        open.set(`task:${event.eventId}`, span);
        break;
      }
      case "TaskCompleted":
      case "TaskFailed":
        finish(open, `task:${num(event.taskScheduledId)}`, event, event.type === "TaskCompleted");
        break;
      case "TimerCreated": {
        const span: Span = {
          kind: "timer",
          label: "timer",
          start: time(event),
          due: Date.parse(str(event.fireAt)),
          state: "running",
          events: [event],
        };
        spans.push(span);
        open.set(`timer:${event.eventId}`, span);
        break;
      }
      case "TimerFired":
        finish(open, `timer:${num(event.timerId)}`, event, true);
        break;
      case "ChildWorkflowInstanceCreated": {
        const span: Span = {
          kind: "child",
          label: `child ${str(event.name)}`,
          start: time(event),
          state: "running",
          childId: str(event.instanceId),
          events: [event],
        };
        spans.push(span);
        open.set(`child:${event.eventId}`, span);
        break;
      }
      case "ChildWorkflowInstanceCompleted":
      case "ChildWorkflowInstanceFailed":
        finish(
          open,
          `child:${num(event.taskScheduledId)}`,
          event,
          event.type === "ChildWorkflowInstanceCompleted",
        );
        break;
      case "EventRaised":
      case "EventSent": {
        const label =
          event.type === "EventRaised"
            ? `event ${str(event.name)}`
            : `sent ${str(event.name)} → ${str(event.instanceId)}`;
        spans.push({
          kind: "event",
          label,
          start: time(event),
          end: time(event),
          state: "point",
          events: [event],
        });
        break;
      }
      case "ExecutionSuspended":
        if (!suspended) {
          suspended = {
            kind: "suspended",
            label: "suspended",
            start: time(event),
            state: "running",
            events: [event],
          };
          spans.push(suspended);
        }
        break;
      case "ExecutionResumed":
        suspended = close(suspended, event);
        break;
      case "ExecutionTerminated":
        spans.push({
          kind: "terminate",
          label: "terminate requested",
          start: time(event),
          end: time(event),
          state: "point",
          events: [event],
        });
        break;
    }
  }
  return spans;
}

function finish(open: Map<string, Span>, key: string, event: HistoryEvent, ok: boolean): void {
  const span = open.get(key);
  if (!span) return;
  open.delete(key);
  span.end = time(event);
  span.state = ok ? "ok" : "failed";
  span.events.push(event);
}

function close(span: Span | undefined, event: HistoryEvent): undefined {
  if (span) {
    span.end = time(event);
    span.state = "ok";
    span.events.push(event);
  }
  return undefined;
}
