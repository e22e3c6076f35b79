/** The WorkflowContext handed to workflow code: a thin view over one WorkflowExecution. */
import { isRepresentableTime } from "../input-rules.js";
import { encodePayload } from "../payload.js";
import type { Task } from "./task.js";
import { WhenAllTask, WhenAnyTask } from "./task.js";
import type {
  Activity,
  CallActivityOptions,
  CallChildWorkflowOptions,
  RetryPolicy,
  Workflow,
  WorkflowContext,
} from "./types.js";

/** What the context needs from the execution that owns it. */
export interface ContextHost {
  readonly instanceId: string;
  readonly workflowName: string;
  readonly currentTime: number;
  readonly replaying: boolean;
  nameOf(fn: (...args: never[]) => unknown): string;
  scheduleActivity<T>(name: string, input: string | undefined, retry: RetryPolicy | undefined): Task<T>;
  scheduleChild<T>(name: string, input: string | undefined, options: CallChildWorkflowOptions): Task<T>;
  scheduleTimer(fireAt: number): Task<void>;
  waitForEvent<T>(name: string, timeoutMs: number | undefined): Task<T>;
  sendEvent(instanceId: string, name: string, input: string | undefined): void;
  continueAsNew(input: string | undefined, saveEvents: boolean): void;
  setCustomStatus(status: string | undefined): void;
  isPatched(name: string): boolean;
}

export class ExecutionContext implements WorkflowContext {
  readonly #host: ContextHost;

  constructor(host: ContextHost) {
    this.#host = host;
  }

  getWorkflowInstanceId(): string {
    return this.#host.instanceId;
  }

  getWorkflowName(): string {
    return this.#host.workflowName;
  }

  getCurrentUtcDateTime(): Date {
    return new Date(this.#host.currentTime);
  }

  isReplaying(): boolean {
    return this.#host.replaying;
  }

  callActivity<TInput, TOutput>(
    activity: Activity<TInput, TOutput> | string,
    input?: TInput,
    options?: CallActivityOptions,
  ): Task<Awaited<TOutput>> {
    const name = typeof activity === "string" ? activity : this.#host.nameOf(activity);
    return this.#host.scheduleActivity(name, encodePayload(input), options?.retryPolicy);
  }

  callChildWorkflow<TInput, TOutput>(
    workflow: Workflow<TInput, TOutput> | string,
    input?: TInput,
    instanceIdOrOptions?: string | CallChildWorkflowOptions,
  ): Task<Awaited<TOutput>> {
    const name = typeof workflow === "string" ? workflow : this.#host.nameOf(workflow);
    const options =
      typeof instanceIdOrOptions === "string"
        ? { instanceId: instanceIdOrOptions }
        : (instanceIdOrOptions ?? {});
    return this.#host.scheduleChild(name, encodePayload(input), options);
  }

  createTimer(fireAt: Date | number): Task<void> {
    const at = typeof fireAt === "number" ? this.#host.currentTime + fireAt * 1000 : fireAt.getTime();
    // Thrown into the workflow code, which may catch it; a timer no store or client can hold is never recorded.
    if (!isRepresentableTime(at)) {
      throw new RangeError("a timer must fire between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z");
    }
    return this.#host.scheduleTimer(at);
  }

  waitForExternalEvent<T = unknown>(name: string, timeoutInSeconds?: number): Task<T> {
    return this.#host.waitForEvent<T>(
      name,
      timeoutInSeconds === undefined ? undefined : timeoutInSeconds * 1000,
    );
  }

  whenAll<T>(tasks: readonly Task<T>[]): Task<T[]> {
    return new WhenAllTask(tasks);
  }

  whenAny<T>(tasks: readonly Task<T>[]): Task<Task<T>> {
    return new WhenAnyTask(tasks);
  }

  continueAsNew(newInput?: unknown, saveEvents = false): void {
    this.#host.continueAsNew(encodePayload(newInput), saveEvents);
  }

  setCustomStatus(status: unknown): void {
    this.#host.setCustomStatus(encodePayload(status));
  }

  sendEvent(instanceId: string, eventName: string, data?: unknown): void {
    this.#host.sendEvent(instanceId, eventName, encodePayload(data));
  }

  isPatched(patchName: string): boolean {
    return this.#host.isPatched(patchName);
  }
}
