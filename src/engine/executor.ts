/**
 * Where workflow and activity code runs. The engine never knows: the in-process SDK and the gRPC sidecar are
 * both executors answering with the same TurnResult.
 */
import type { TurnResult } from "../core/actions.js";
import type { FailureDetails } from "../core/failure.js";
import type { HistoryEvent } from "../core/history.js";
import type { ActivityTask } from "../core/work.js";

export interface WorkflowTurnRequest {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  /** Events in the committed history; an executor with a cached replay of exactly this many can skip loading. */
  readonly historyLength: number;
  /** This turn's events: WorkflowStarted first, then the inbox. */
  readonly newEvents: readonly HistoryEvent[];
  loadHistory(): Promise<HistoryEvent[]>;
}

export interface WorkflowExecutor {
  executeWorkflow(request: WorkflowTurnRequest): Promise<TurnResult>;
  /**
   * Called once the turn's outcome is applied: the history now has `historyLength` events, the last of them
   * `appended` (what the commit adds to the history).
   */
  turnApplied?(
    instanceId: string,
    executionId: string,
    historyLength: number,
    finished: boolean,
    appended: readonly HistoryEvent[],
  ): void;
  /** Called when a turn was not applied: any cached state for the instance is stale. */
  evict?(instanceId: string): void;
}

export type ActivityOutcome = { result?: string } | { failure: FailureDetails };

export interface ActivityRequest {
  readonly task: ActivityTask;
  readonly dispatchCount: number;
  /** The W3C trace context of this run's span, when tracing is on (remote workers continue the trace). */
  readonly traceparent?: string;
}

export interface ActivityExecutor {
  /** Never throws for a failure of the activity itself: that is an outcome. Throwing means "try again later". */
  executeActivity(request: ActivityRequest): Promise<ActivityOutcome>;
}

/** Chooses the executor for a workflow or activity name; undefined when nobody can run it (yet). */
export interface ExecutorRouter {
  workflowExecutor(name: string): WorkflowExecutor | undefined;
  activityExecutor(name: string): ActivityExecutor | undefined;
  /** True: names nobody runs fail at once. False: they wait for a worker that can (remote workers may come). */
  readonly failUnknownNames: boolean;
}
