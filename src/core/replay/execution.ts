/**
 * The replayer: runs workflow code against history and returns the actions of the turn.
 * `(past events, new events) -> TurnResult`. An instance kept alive between turns is fed only new events,
 * so a long workflow costs the same per step at its end as at its start.
 */
import type { CompleteWorkflow, TurnResult, WorkflowAction } from "../actions.js";
import { NonDeterminismError } from "../errors.js";
import type { FailureDetails } from "../failure.js";
import { toFailureDetails } from "../failure.js";
import type { HistoryEvent } from "../history.js";
import { childInstanceId } from "../ids.js";
import { decodePayload, encodePayload } from "../payload.js";
import type { ContextHost } from "./context.js";
import { ExecutionContext } from "./context.js";
import { ExternalEvents } from "./external-events.js";
import { retryDelay } from "./retry.js";
import { CompletableTask, Task, TaskFailedError, TaskTimeoutError } from "./task.js";
import type { CallChildWorkflowOptions, RetryPolicy, Workflow } from "./types.js";

type AnyFunction = (...args: never[]) => unknown;
type Step = IteratorResult<unknown, unknown>;
interface Driver {
  next(value?: unknown): Step | Promise<Step>;
  throw(error: unknown): Step | Promise<Step>;
}

interface OpenTask {
  task: CompletableTask<unknown>;
  description: string;
}

export interface ExecutionOptions {
  instanceId: string;
  /** Names workflow and activity functions passed by reference; defaults to the function's own name. */
  nameOf?: (fn: AnyFunction) => string;
}

export class WorkflowExecution implements ContextHost {
  readonly instanceId: string;
  workflowName = "";
  executionId = "";
  currentTime = 0;
  replaying = false;

  readonly #workflow: Workflow<never, unknown>;
  readonly #nameOf: (fn: AnyFunction) => string;
  readonly #context = new ExecutionContext(this);
  #sequence = 1;
  #pending = new Map<number, WorkflowAction>();
  #open = new Map<number, OpenTask>();
  readonly #events = new ExternalEvents();
  #suspended = false;
  #heldWhileSuspended: HistoryEvent[] = [];
  #driver: Driver | undefined;
  #waitingOn: Task<unknown> | undefined;
  #completion: Omit<CompleteWorkflow, "id" | "type"> | undefined;
  #completionEmitted = false;
  #saveEvents = false;
  #customStatus: string | undefined;
  #customStatusChanged = false;
  #seenPatches = new Set<string>();
  #patchAnswers = new Map<string, boolean>();
  #newPatches: string[] = [];

  constructor(workflow: Workflow<never, unknown>, options: ExecutionOptions) {
    this.#workflow = workflow;
    this.instanceId = options.instanceId;
    this.#nameOf = options.nameOf ?? ((fn) => fn.name);
  }

  get isComplete(): boolean {
    return this.#completion !== undefined;
  }

  /** Replays `past` (isReplaying true), then runs `fresh`; returns the new actions, now considered committed. */
  async execute(past: readonly HistoryEvent[], fresh: readonly HistoryEvent[]): Promise<TurnResult> {
    try {
      this.replaying = true;
      const replayed = this.#processAll(past);
      if (replayed) await replayed;
      this.replaying = false;
      const ran = this.#processAll(fresh);
      if (ran) await ran;
    } catch (error) {
      this.#completion = { status: "FAILED", failure: toFailureDetails(error) };
    }
    return this.#takeTurn();
  }

  #takeTurn(): TurnResult {
    const actions = [...this.#pending.values()].sort((a, b) => a.id - b.id);
    this.#pending.clear();
    if (this.#completion && !this.#completionEmitted) {
      this.#completionEmitted = true;
      const completion: CompleteWorkflow = {
        type: "CompleteWorkflow",
        id: this.#sequence++,
        ...this.#completion,
      };
      if (completion.status === "CONTINUED_AS_NEW" && this.#saveEvents)
        completion.carryoverEvents = this.#events.buffered;
      actions.push(completion);
    }
    const result: TurnResult = { actions };
    if (this.#customStatusChanged) result.customStatus = this.#customStatus;
    if (this.#newPatches.length) result.patches = this.#newPatches;
    this.#customStatusChanged = false;
    this.#newPatches = [];
    return result;
  }

  /**
   * Processing is synchronous unless the workflow is (an async generator or function): a promise comes back only
   * then. Awaiting plain values cost a promise and a trip through the microtask queue per event and per step.
   */
  #processAll(events: readonly HistoryEvent[], from = 0): Promise<void> | undefined {
    for (let i = from; i < events.length; i++) {
      const pending = this.#process(events[i]!);
      if (pending) return pending.then(() => this.#processAll(events, i + 1));
    }
    return undefined;
  }

  #process(event: HistoryEvent): Promise<void> | undefined {
    if (this.#completion) {
      // Recorded steps must still match what the code did, even past its end; events go to the carryover.
      if (event.type === "EventRaised") this.#events.keep(event);
      else if (isActionEvent(event)) this.#matchRecorded(event);
      return;
    }
    if (this.#suspended && event.type !== "ExecutionResumed" && event.type !== "ExecutionTerminated") {
      this.#heldWhileSuspended.push(event);
      return;
    }
    switch (event.type) {
      case "WorkflowStarted":
        this.currentTime = event.timestamp;
        for (const patch of event.patches ?? []) this.#seenPatches.add(patch);
        return;
      case "ExecutionStarted":
        this.workflowName = event.name;
        this.executionId = event.executionId;
        return this.#start(event.input);
      case "ExecutionSuspended":
        this.#suspended = true;
        return;
      case "ExecutionResumed": {
        this.#suspended = false;
        const held = this.#heldWhileSuspended;
        this.#heldWhileSuspended = [];
        return this.#processAll(held);
      }
      case "ExecutionTerminated":
        this.#completion = { status: "TERMINATED", result: event.input };
        return;
      case "ExecutionCompleted":
        return;
      case "TaskScheduled":
      case "ChildWorkflowInstanceCreated":
      case "TimerCreated":
      case "EventSent":
        this.#matchRecorded(event);
        return;
      case "TaskCompleted":
      case "ChildWorkflowInstanceCompleted":
        return this.#settle(event.taskScheduledId, (open) => open.task.complete(decodePayload(event.result)));
      case "TaskFailed":
      case "ChildWorkflowInstanceFailed":
        return this.#settle(event.taskScheduledId, (open) =>
          open.task.fail(taskFailed(open, event.taskScheduledId, event.failure)),
        );
      case "TimerFired":
        return this.#settle(event.timerId, (open) => open.task.complete(undefined));
      case "EventRaised":
        return this.#events.deliver(event) ? this.#resumeIfReady() : undefined;
    }
  }

  #start(input: string | undefined): Promise<void> | undefined {
    let body: unknown;
    try {
      const run = this.#workflow as unknown as (context: ExecutionContext, input: unknown) => unknown;
      body = run(this.#context, decodePayload(input));
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (isDriver(body)) {
      this.#driver = body;
      return this.#advance(() => body.next());
    }
    return this.#settleBody(body);
  }

  /** A workflow that is a plain (or async) function, not a generator. */
  async #settleBody(body: unknown): Promise<void> {
    try {
      this.#succeed(await body);
    } catch (error) {
      this.#fail(error);
    }
  }

  #advance(step: () => Step | Promise<Step>): Promise<void> | undefined {
    let stepped: Step | Promise<Step>;
    try {
      stepped = step();
    } catch (error) {
      this.#fail(error);
      return;
    }
    return this.#drive(stepped);
  }

  /** Runs the workflow on from a step until it waits on a task or ends. */
  #drive(stepped: Step | Promise<Step>): Promise<void> | undefined {
    for (;;) {
      if (stepped instanceof Promise) return this.#driveAfter(stepped);
      if (this.#completion) return;
      if (stepped.done) {
        this.#succeed(stepped.value);
        return;
      }
      const yielded = stepped.value;
      if (!(yielded instanceof Task)) {
        this.#fail(
          new TypeError(
            "a workflow may only yield tasks made by its context (callActivity, createTimer, ...)",
          ),
        );
        return;
      }
      if (!yielded.isComplete) {
        this.#waitingOn = yielded;
        return;
      }
      const driver = this.#driver!;
      try {
        const error = yielded.getError();
        stepped = error ? driver.throw(error) : driver.next(yielded.getResult());
      } catch (error) {
        this.#fail(error);
        return;
      }
    }
  }

  /** An async generator's step. */
  async #driveAfter(pending: Promise<Step>): Promise<void> {
    let step: Step;
    try {
      step = await pending;
    } catch (error) {
      this.#fail(error);
      return;
    }
    await this.#drive(step);
  }

  #resumeIfReady(): Promise<void> | undefined {
    const task = this.#waitingOn;
    if (!task?.isComplete || this.#completion) return;
    this.#waitingOn = undefined;
    const driver = this.#driver!;
    const error = task.getError();
    return this.#advance(() => (error ? driver.throw(error) : driver.next(task.getResult())));
  }

  #succeed(value: unknown): void {
    if (!this.#completion) this.#completion = { status: "COMPLETED", result: encodePayload(value) };
  }

  #fail(error: unknown): void {
    if (!this.#completion) this.#completion = { status: "FAILED", failure: toFailureDetails(error) };
  }

  /** A recorded step must be exactly what the code asked for at the same sequence number. */
  #matchRecorded(event: ActionEvent): void {
    const action = this.#pending.get(event.eventId);
    const sameName =
      !("name" in event) || (action !== undefined && "name" in action && action.name === event.name);
    if (!action || action.type !== ACTION_OF[event.type] || !sameName) {
      throw new NonDeterminismError(
        `non-deterministic workflow '${this.workflowName}' at step #${event.eventId}: history records ` +
          `${describe(event)} but the code now produced ${action ? describe(action) : "nothing"}; ` +
          "in-flight instances must replay the same steps (use isPatched to change code)",
      );
    }
    this.#pending.delete(event.eventId);
  }

  #settle(id: number, settle: (open: OpenTask) => void): Promise<void> | undefined {
    const open = this.#open.get(id);
    if (!open) return; // a result for a task this code no longer waits on (e.g. an event-timeout timer)
    this.#open.delete(id);
    settle(open);
    return this.#resumeIfReady();
  }

  #nextId(): number {
    return this.#sequence++;
  }

  #addAction(action: WorkflowAction): void {
    this.#pending.set(action.id, action);
  }

  #open_<T>(id: number, description: string): CompletableTask<T> {
    const task = new CompletableTask<T>();
    this.#open.set(id, { task: task as CompletableTask<unknown>, description });
    return task;
  }

  // ContextHost: called by workflow code through ExecutionContext.

  nameOf(fn: AnyFunction): string {
    return this.#nameOf(fn);
  }

  scheduleActivity<T>(name: string, input: string | undefined, retry: RetryPolicy | undefined): Task<T> {
    const taskExecutionId = `${this.executionId}:${this.#sequence}`;
    const attempt = () => {
      const id = this.#nextId();
      this.#addAction({ type: "ScheduleTask", id, name, input, taskExecutionId });
      return this.#open_<T>(id, `activity '${name}'`);
    };
    return retry ? this.#withRetry(retry, attempt) : attempt();
  }

  scheduleChild<T>(name: string, input: string | undefined, options: CallChildWorkflowOptions): Task<T> {
    const attempt = () => {
      const id = this.#nextId();
      const instanceId = options.instanceId ?? childInstanceId(this.instanceId, id);
      this.#addAction({ type: "CreateChildWorkflow", id, name, input, instanceId });
      return this.#open_<T>(id, `child workflow '${name}' (${instanceId})`);
    };
    return options.retryPolicy ? this.#withRetry(options.retryPolicy, attempt) : attempt();
  }

  scheduleTimer(fireAt: number): Task<void> {
    const id = this.#nextId();
    this.#addAction({ type: "CreateTimer", id, fireAt });
    return this.#open_<void>(id, "timer");
  }

  waitForEvent<T>(name: string, timeoutMs: number | undefined): Task<T> {
    const task = this.#events.wait<T>(name);
    if (task.isComplete || timeoutMs === undefined || timeoutMs < 0) return task;
    const timeout = () => {
      if (task.isComplete) return;
      this.#events.cancel(name, task as CompletableTask<unknown>);
      task.fail(new TaskTimeoutError(`timed out after ${timeoutMs} ms waiting for external event '${name}'`));
    };
    if (timeoutMs === 0) timeout();
    else this.scheduleTimer(this.currentTime + timeoutMs).onSettled(timeout);
    return task;
  }

  sendEvent(instanceId: string, name: string, input: string | undefined): void {
    this.#addAction({ type: "SendEvent", id: this.#nextId(), instanceId, name, input });
  }

  continueAsNew(input: string | undefined, saveEvents: boolean): void {
    if (this.#completion) return;
    this.#completion = { status: "CONTINUED_AS_NEW", result: input };
    this.#saveEvents = saveEvents;
  }

  setCustomStatus(status: string | undefined): void {
    this.#customStatus = status;
    this.#customStatusChanged = true;
  }

  isPatched(name: string): boolean {
    const known = this.#patchAnswers.get(name);
    if (known !== undefined) return known;
    const answer = this.replaying ? this.#seenPatches.has(name) : true;
    if (answer && !this.#seenPatches.has(name)) {
      this.#seenPatches.add(name);
      this.#newPatches.push(name);
    }
    this.#patchAnswers.set(name, answer);
    return answer;
  }

  #withRetry<T>(policy: RetryPolicy, attempt: () => CompletableTask<T>): Task<T> {
    const outer = new CompletableTask<T>();
    const firstAttemptAt = this.currentTime;
    let attempts = 0;
    const run = () => {
      attempts += 1;
      const inner = attempt();
      inner.onSettled(() => {
        const error = inner.getError();
        if (!error) return outer.complete(inner.getResult());
        const failure = error instanceof TaskFailedError ? error.failure : toFailureDetails(error);
        const delay = retryDelay(policy, attempts, failure, this.currentTime - firstAttemptAt);
        if (delay === undefined) return outer.fail(error);
        this.scheduleTimer(this.currentTime + delay).onSettled(run);
      });
    };
    run();
    return outer;
  }
}

function taskFailed(open: OpenTask, id: number, failure: FailureDetails): TaskFailedError {
  return new TaskFailedError(`${open.description} (#${id}) failed: ${failure.message}`, id, failure);
}

function describe(step: WorkflowAction | ActionEvent): string {
  const kind = step.type in ACTION_OF ? ACTION_OF[step.type as keyof typeof ACTION_OF] : step.type;
  const name = "name" in step ? step.name : "";
  switch (kind) {
    case "ScheduleTask":
      return `callActivity('${name}')`;
    case "CreateChildWorkflow":
      return `callChildWorkflow('${name}')`;
    case "CreateTimer":
      return "createTimer()";
    case "SendEvent":
      return `sendEvent('${name}')`;
    default:
      return "the end of the workflow";
  }
}

const ACTION_OF = {
  TaskScheduled: "ScheduleTask",
  ChildWorkflowInstanceCreated: "CreateChildWorkflow",
  TimerCreated: "CreateTimer",
  EventSent: "SendEvent",
} as const;

type ActionEvent = Extract<
  HistoryEvent,
  { type: "TaskScheduled" | "ChildWorkflowInstanceCreated" | "TimerCreated" | "EventSent" }
>;

function isActionEvent(event: HistoryEvent): event is ActionEvent {
  return event.type in ACTION_OF;
}

function isDriver(value: unknown): value is Driver {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Driver).next === "function" &&
    typeof (value as Driver).throw === "function" &&
    (Symbol.iterator in value || Symbol.asyncIterator in value)
  );
}
