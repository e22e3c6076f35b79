/**
 * The engine's lifecycle facts: what happened to a turn, an activity or a management call, as typed values.
 * Metrics, traces and anything else that watches the engine subscribe to these (observability is a port); the
 * engine and the service build a fact only when an observer is set, so nothing is spent when none is.
 * Times are epoch milliseconds from the engine's clock; facts are emitted after the fact, never before.
 */

import type { RuntimeStatus } from "../core/history.js";
import type { ActivityTask } from "../core/work.js";

/** Dapr's names for the management calls it counts (`dapr_runtime_workflow_operation_count`). */
export type OperationName = "create_workflow" | "get_workflow" | "add_event" | "purge_workflow";

/** The instance metadata key that keeps the W3C `traceparent` a workflow was started with (for traces). */
export const TRACEPARENT_METADATA = "weft.traceparent";

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A caller's W3C `traceparent` if it is well-formed, else undefined (a bad one is ignored, never an error). */
export function traceparentOf(value: unknown): string | undefined {
  return typeof value === "string" && TRACEPARENT.test(value) ? value : undefined;
}

/** Start metadata with a caller's W3C `traceparent` kept beside it (ignored unless well-formed). */
export function withTraceparent(
  metadata: Record<string, string> | undefined,
  traceparent: unknown,
): Record<string, string> | undefined {
  const valid = traceparentOf(traceparent);
  if (!valid) return metadata;
  return { ...metadata, [TRACEPARENT_METADATA]: valid };
}

/**
 * Trace contexts the engine hands on, from whoever traces (observability/tracing.ts); unset when tracing is off,
 * and then the engine builds none. Observers only listen; these answer, so they are a port of their own.
 */
export interface TraceContexts {
  /**
   * The `traceparent` of an execution's span (the parent of its turns and activities): a child workflow started
   * by it keeps this one, so the child's execution span is a child of its parent's, in the parent's trace.
   */
  runTraceparent(instanceId: string, executionId: string, traceparent: string | undefined): string;
  /** The `traceparent` of the activity run whose `activity-started` fact was just told, for remote workers. */
  activityTraceparent(task: ActivityTask): string | undefined;
}

export type LifecycleFact =
  /** A leased turn is about to run on its executor. */
  | {
      readonly type: "turn-started";
      readonly instanceId: string;
      readonly executionId: string;
      readonly name: string;
      /** The W3C trace context the workflow was started with, if any. */
      readonly traceparent?: string;
      readonly status: RuntimeStatus;
      readonly at: number;
    }
  /** A turn's outcome is durable. `before`/`after` are the instance's status around it. */
  | {
      readonly type: "turn-committed";
      readonly instanceId: string;
      readonly executionId: string;
      readonly name: string;
      readonly traceparent?: string;
      readonly before: RuntimeStatus;
      readonly after: RuntimeStatus;
      /** When the instance was created, and when its start was scheduled for (if later). */
      readonly createdAt: number;
      readonly scheduledStartAt?: number;
      readonly startedAt: number;
      /** When the executor answered, and so the write began. */
      readonly executedAt: number;
      readonly committedAt: number;
      readonly activities: readonly ActivityTask[];
    }
  /** A turn did not complete and runs again later (its events stay in the store). */
  | {
      readonly type: "turn-abandoned";
      readonly instanceId: string;
      readonly name: string;
      readonly reason: "executor-failed" | "commit-refused" | "commit-failed";
      readonly at: number;
    }
  | {
      readonly type: "activity-started";
      readonly task: ActivityTask;
      readonly dispatchCount: number;
      readonly at: number;
    }
  /** `recoverable`: the executor could not run it now; it runs again later. */
  | {
      readonly type: "activity-finished";
      readonly task: ActivityTask;
      readonly outcome: "success" | "failed" | "recoverable";
      readonly startedAt: number;
      readonly finishedAt: number;
    }
  /**
   * An event was raised with a caller's trace context (only then is this told, and only to an observer that
   * `tracesRaisedEvents`: it costs a read of the instance). `executionId` and `runTraceparent` name the execution
   * the event went to, when the instance exists.
   */
  | {
      readonly type: "event-raised";
      readonly instanceId: string;
      readonly eventName: string;
      readonly traceparent: string;
      readonly executionId?: string;
      /** The W3C trace context the execution was started with, if any. */
      readonly runTraceparent?: string;
      readonly status: "success" | "failed";
      readonly startedAt: number;
      readonly finishedAt: number;
    }
  | {
      readonly type: "operation";
      readonly operation: OperationName;
      readonly status: "success" | "failed";
      readonly startedAt: number;
      readonly finishedAt: number;
    };

export type LifecycleObserver = ((fact: LifecycleFact) => void) & {
  /** Wants `event-raised` facts, which cost a read each: only tracing does. */
  readonly tracesRaisedEvents?: boolean;
};

/** One observer that hands each fact to all of `observers`; undefined when there are none (nothing to pay). */
export function observeAll(observers: readonly LifecycleObserver[]): LifecycleObserver | undefined {
  if (observers.length === 0) return undefined;
  if (observers.length === 1) return observers[0];
  const all = (fact: LifecycleFact) => {
    for (const observe of observers) observe(fact);
  };
  return Object.assign(all, { tracesRaisedEvents: observers.some((o) => o.tracesRaisedEvents === true) });
}
