/**
 * Durable tasks as workflow code sees them. A task is settled only by replaying history events, never by I/O.
 * `yield task` works as in Dapr's SDK; `yield* task` additionally gives the result its static type.
 */
import type { FailureDetails } from "../failure.js";

type Settled<T> = { kind: "completed"; value: T } | { kind: "failed"; error: Error };

export abstract class Task<T> {
  #settled: Settled<T> | undefined;
  #listeners: Array<() => void> = [];

  get isComplete(): boolean {
    return this.#settled !== undefined;
  }

  get isFailed(): boolean {
    return this.#settled?.kind === "failed";
  }

  /** The result; throws the failure if the task failed. Only meaningful once `isComplete`. */
  getResult(): T {
    const settled = this.#settled;
    if (!settled) throw new Error("the task has not completed yet");
    if (settled.kind === "failed") throw settled.error;
    return settled.value;
  }

  getError(): Error | undefined {
    return this.#settled?.kind === "failed" ? this.#settled.error : undefined;
  }

  *[Symbol.iterator](): Generator<Task<T>, T, unknown> {
    yield this;
    return this.getResult();
  }

  /** @internal */
  onSettled(listener: () => void): void {
    if (this.#settled) listener();
    else this.#listeners.push(listener);
  }

  protected settle(settled: Settled<T>): void {
    if (this.#settled) return;
    this.#settled = settled;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}

/** A task settled from outside: activity, timer, child workflow or external event. */
export class CompletableTask<T> extends Task<T> {
  complete(value: T): void {
    this.settle({ kind: "completed", value });
  }

  fail(error: Error): void {
    this.settle({ kind: "failed", error });
  }
}

/** Settles with every result in order, or fails with the first failure. */
export class WhenAllTask<T> extends Task<T[]> {
  constructor(readonly tasks: readonly Task<T>[]) {
    super();
    let pending = tasks.length;
    if (pending === 0) this.settle({ kind: "completed", value: [] });
    for (const task of tasks) {
      task.onSettled(() => {
        if (this.isComplete) return;
        const error = task.getError();
        if (error) return this.settle({ kind: "failed", error });
        pending -= 1;
        if (pending === 0) this.settle({ kind: "completed", value: tasks.map((t) => t.getResult()) });
      });
    }
  }
}

/** Settles with the first task that settles (completed or failed); the winner is the result. */
export class WhenAnyTask<T> extends Task<Task<T>> {
  constructor(readonly tasks: readonly Task<T>[]) {
    super();
    if (tasks.length === 0) throw new Error("whenAny needs at least one task");
    for (const task of tasks) {
      task.onSettled(() => this.settle({ kind: "completed", value: task }));
    }
  }
}

/** The error a workflow sees when an activity or child workflow it awaited failed. */
export class TaskFailedError extends Error {
  readonly failure: FailureDetails;
  readonly taskId: number;

  constructor(message: string, taskId: number, failure: FailureDetails) {
    super(message);
    this.name = "TaskFailedError";
    this.taskId = taskId;
    this.failure = failure;
  }
}

/** The error a workflow sees when waitForExternalEvent's timeout fires first. */
export class TaskTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskTimeoutError";
  }
}
