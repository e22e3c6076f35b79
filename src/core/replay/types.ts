/** The authoring surface: what workflow and activity code sees. Shaped like Dapr's JS workflow API. */
import type { FailureDetails } from "../failure.js";
import type { Task } from "./task.js";

/**
 * A workflow: a generator (sync or async) that yields tasks, or a plain (async) function.
 * The value of a bare `yield task` expression is untyped, as in Dapr's SDK; `yield* task` is typed.
 */
export type Workflow<TInput = never, TOutput = unknown> = (
  context: WorkflowContext,
  input: TInput,
) => WorkflowBody<TOutput>;

export type WorkflowBody<TOutput> =
  // biome-ignore lint/suspicious/noExplicitAny: the value of a bare `yield` is untyped, exactly as in Dapr's SDK
  | Generator<unknown, TOutput, any>
  // biome-ignore lint/suspicious/noExplicitAny: as above
  | AsyncGenerator<unknown, TOutput, any>
  | Promise<TOutput>
  | TOutput;

export type Activity<TInput = never, TOutput = unknown> = (
  context: ActivityContext,
  input: TInput,
) => TOutput | Promise<TOutput>;

export type InputOf<F> = F extends (context: never, input: infer I) => unknown ? I : never;
export type OutputOf<F> =
  F extends Workflow<never, infer O> ? O : F extends Activity<never, infer O> ? O : unknown;

export interface ActivityContext {
  getWorkflowInstanceId(): string;
  /** The id of the TaskScheduled event of this attempt. */
  getWorkflowActivityId(): number;
  /** Stable across retries of the same call: use it as an idempotency key. */
  getTaskExecutionId(): string;
  getActivityName(): string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxNumberOfAttempts: number;
  firstRetryIntervalInMilliseconds: number;
  /** Each wait is the previous one times this; default 1. */
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  /** No new attempt starts after this much time since the first one. */
  retryTimeoutInMilliseconds?: number;
  /** Return false to fail at once instead of retrying this failure. */
  handle?: (failure: FailureDetails) => boolean;
}

export interface CallActivityOptions {
  retryPolicy?: RetryPolicy;
}

export interface CallChildWorkflowOptions {
  instanceId?: string;
  retryPolicy?: RetryPolicy;
}

export interface WorkflowContext {
  getWorkflowInstanceId(): string;
  getWorkflowName(): string;
  /** The deterministic time of the current turn: the same on every replay. */
  getCurrentUtcDateTime(): Date;
  isReplaying(): boolean;
  callActivity<TInput, TOutput>(
    activity: Activity<TInput, TOutput> | string,
    input?: TInput,
    options?: CallActivityOptions,
  ): Task<Awaited<TOutput>>;
  callChildWorkflow<TInput, TOutput>(
    workflow: Workflow<TInput, TOutput> | string,
    input?: TInput,
    instanceIdOrOptions?: string | CallChildWorkflowOptions,
  ): Task<Awaited<TOutput>>;
  /** A durable timer: seconds from the current turn's time, or an absolute Date. */
  createTimer(fireAt: Date | number): Task<void>;
  /** Names match case-insensitively; events that arrived earlier are buffered. A timeout fails the task. */
  waitForExternalEvent<T = unknown>(name: string, timeoutInSeconds?: number): Task<T>;
  whenAll<T>(tasks: readonly Task<T>[]): Task<T[]>;
  whenAny<T>(tasks: readonly Task<T>[]): Task<Task<T>>;
  /** Ends this execution and starts a fresh one (empty history) with `newInput`. */
  continueAsNew(newInput?: unknown, saveEvents?: boolean): void;
  setCustomStatus(status: unknown): void;
  /** Raises an event on another instance. */
  sendEvent(instanceId: string, eventName: string, data?: unknown): void;
  /**
   * True when the code path guarded by `patchName` is the one this instance runs: always for code running
   * live, and during replay only if the patch was already seen at this point of the original run.
   */
  isPatched(patchName: string): boolean;
}
