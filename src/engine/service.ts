/**
 * Managing instances: start, raise, suspend, resume, terminate, purge, inspect, wait. The in-process client,
 * the HTTP API, the gRPC sidecar and triggers all call this (the edges through InstanceManagement,
 * management.ts); none of them talks to the store directly.
 */
import { WeftError } from "../core/errors.js";
import type { HistoryEvent, InboxEvent, RuntimeStatus } from "../core/history.js";
import { isTerminalStatus } from "../core/history.js";
import { checkName, checkNewInstanceId, quote } from "../core/input-rules.js";
import type { InstanceState } from "../core/instance.js";
import { planRerun } from "../core/rerun.js";
import type { InstanceFilter, OverviewQuery, Store, StoreOverview } from "../store/store.js";
import {
  type LifecycleObserver,
  type OperationName,
  TRACEPARENT_METADATA,
  traceparentOf,
} from "./lifecycle.js";
import type { InstanceManagement, RaiseOptions, StartOptions } from "./management.js";

/** An inbox event as a caller describes it; the service stamps the id and time. */
type EventBody<E = InboxEvent> = E extends InboxEvent ? Omit<E, "eventId" | "timestamp"> : never;

type Waiter = {
  /** Whether a change to `status` can end this wait: other changes need no read. */
  wants: (status: RuntimeStatus) => boolean;
  done: (state: InstanceState | undefined) => boolean;
  resolve: (state: InstanceState) => void;
};

export class WorkflowService implements InstanceManagement {
  readonly #store: Store;
  readonly #clock: () => number;
  readonly #newId: () => string;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #unwatch: () => void;
  readonly #observe: LifecycleObserver | undefined;

  constructor(
    store: Store,
    options: { clock?: () => number; newId?: () => string; observe?: LifecycleObserver } = {},
  ) {
    this.#store = store;
    this.#observe = options.observe;
    this.#clock = options.clock ?? Date.now;
    this.#newId = options.newId ?? (() => globalThis.crypto.randomUUID());
    this.#unwatch = store.watch((event) => {
      if (event.kind === "instance-changed" && this.#waiters.has(event.instanceId))
        this.#recheck(event.instanceId, event.status);
    });
  }

  close(): void {
    this.#unwatch();
  }

  start(options: StartOptions): Promise<string> {
    return this.#measured("create_workflow", () => this.#start(options));
  }

  async #start(options: StartOptions): Promise<string> {
    const instanceId = options.instanceId || this.#newId();
    checkNewInstanceId(instanceId);
    checkName("workflow", options.name);
    const now = this.#clock();
    await this.#store.createInstance({
      instanceId,
      name: options.name,
      executionId: this.#newId(),
      input: options.input,
      scheduledStartAt: options.startAt !== undefined && options.startAt > now ? options.startAt : undefined,
      metadata: options.metadata,
      idReuse: options.idReuse,
      now,
    });
    return instanceId;
  }

  get(instanceId: string): Promise<InstanceState | undefined> {
    return this.#measured("get_workflow", () => this.#store.getInstance(instanceId));
  }

  async require(instanceId: string): Promise<InstanceState> {
    const state = await this.get(instanceId);
    if (!state) throw notFound(instanceId);
    return state;
  }

  history(instanceId: string): Promise<HistoryEvent[] | undefined> {
    return this.#store.getHistory(instanceId);
  }

  list(filter: InstanceFilter): Promise<InstanceState[]> {
    return this.#store.listInstances(filter);
  }

  overview(query: OverviewQuery): Promise<StoreOverview> {
    return this.#store.overview(query);
  }

  raiseEvent(instanceId: string, name: string, input?: string, options: RaiseOptions = {}): Promise<void> {
    checkName("event", name);
    const raise = () => this.#add(instanceId, { type: "EventRaised", name, input }, options.dedupKey);
    const traceparent = this.#observe?.tracesRaisedEvents ? traceparentOf(options.traceparent) : undefined;
    return traceparent ? this.#raiseTraced(instanceId, name, traceparent, raise) : raise();
  }

  /** Raises, then tells the tracer, with the execution the event went to (one read, only when traced). */
  async #raiseTraced(
    instanceId: string,
    eventName: string,
    traceparent: string,
    raise: () => Promise<void>,
  ): Promise<void> {
    const observe = this.#observe!;
    const startedAt = performance.timeOrigin + performance.now();
    let status: "success" | "failed" = "failed";
    try {
      await raise();
      status = "success";
    } finally {
      const finishedAt = performance.timeOrigin + performance.now();
      const state = await this.#store.getInstance(instanceId).catch(() => undefined);
      observe({
        type: "event-raised",
        instanceId,
        eventName,
        traceparent,
        executionId: state?.executionId,
        runTraceparent: state?.metadata?.[TRACEPARENT_METADATA],
        status,
        startedAt,
        finishedAt,
      });
    }
  }

  /** Terminates the instance and, unless told otherwise, its children; `output` becomes its output. */
  terminate(instanceId: string, output?: string, recursive = true): Promise<void> {
    return this.#add(instanceId, { type: "ExecutionTerminated", input: output, recurse: recursive });
  }

  suspend(instanceId: string, reason?: string): Promise<void> {
    return this.#add(instanceId, { type: "ExecutionSuspended", input: reason });
  }

  /** A no-op for an instance that is not suspended. */
  resume(instanceId: string, reason?: string): Promise<void> {
    return this.#add(instanceId, { type: "ExecutionResumed", input: reason });
  }

  purge(instanceId: string, recursive = true): Promise<number> {
    return this.#measured("purge_workflow", () => this.#store.purgeInstance(instanceId, { recursive }));
  }

  /**
   * Starts a new instance from a finished top-level instance's history, rerunning it from step `eventId` (an
   * activity, timer or child workflow); `input` replaces that step's input. Returns the new instance's id.
   */
  async rerun(
    sourceInstanceId: string,
    eventId: number,
    options: { newInstanceId?: string; input?: { value: string | undefined } } = {},
  ): Promise<string> {
    const source = await this.require(sourceInstanceId);
    if (!isTerminalStatus(source.status)) {
      throw new WeftError(
        "failed_precondition",
        `workflow instance '${sourceInstanceId}' is ${source.status}; only finished instances can be rerun`,
      );
    }
    if (source.parent) {
      throw new WeftError(
        "failed_precondition",
        `'${sourceInstanceId}' is a child workflow; rerun its top-level workflow instead`,
      );
    }
    const instanceId = options.newInstanceId || this.#newId();
    checkNewInstanceId(instanceId);
    const history = (await this.#store.getHistory(sourceInstanceId)) ?? [];
    const executionId = this.#newId();
    const now = this.#clock();
    const resume = planRerun(history, eventId, { instanceId, executionId, now, input: options.input });
    await this.#store.createInstance({
      instanceId,
      name: source.name,
      executionId,
      input: source.input,
      metadata: source.metadata,
      now,
      resume,
    });
    return instanceId;
  }

  /** Resolves once the instance has left PENDING. */
  waitForStart(instanceId: string, timeoutMs?: number, signal?: AbortSignal): Promise<InstanceState> {
    return this.#waitFor(instanceId, (status) => status !== "PENDING", timeoutMs, signal);
  }

  /** Resolves once the instance is COMPLETED, FAILED or TERMINATED. */
  waitForCompletion(instanceId: string, timeoutMs?: number, signal?: AbortSignal): Promise<InstanceState> {
    return this.#waitFor(instanceId, isTerminalStatus, timeoutMs, signal);
  }

  /** Resolves once the instance's status is one of `statuses` (or terminal). */
  waitForStatus(
    instanceId: string,
    statuses: RuntimeStatus[],
    timeoutMs?: number,
    signal?: AbortSignal,
  ): Promise<InstanceState> {
    return this.#waitFor(
      instanceId,
      (status) => statuses.includes(status) || isTerminalStatus(status),
      timeoutMs,
      signal,
    );
  }

  #add(instanceId: string, event: EventBody, dedupKey?: string): Promise<void> {
    const now = this.#clock();
    return this.#measured("add_event", () =>
      this.#store.addEvent(instanceId, { ...event, eventId: -1, timestamp: now } as InboxEvent, now, {
        dedupKey,
      }),
    );
  }

  /** Runs a management call, telling the observer (if any) how it went and how long it took. */
  #measured<T>(operation: OperationName, call: () => Promise<T>): Promise<T> {
    const observe = this.#observe;
    if (!observe) return call();
    const startedAt = performance.timeOrigin + performance.now();
    const report = (status: "success" | "failed") =>
      observe({
        type: "operation",
        operation,
        status,
        startedAt,
        finishedAt: performance.timeOrigin + performance.now(),
      });
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (error) {
      report("failed");
      throw error;
    }
    return pending.then(
      (value) => {
        report("success");
        return value;
      },
      (error: unknown) => {
        report("failed");
        throw error;
      },
    );
  }

  async #waitFor(
    instanceId: string,
    predicate: (status: RuntimeStatus) => boolean,
    timeoutMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<InstanceState> {
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const result = new Promise<InstanceState>((resolve, reject) => {
      waiter = {
        wants: predicate,
        done: (state) => {
          if (!state) {
            reject(notFound(instanceId));
            return true;
          }
          if (!predicate(state.status)) return false;
          resolve(state);
          return true;
        },
        resolve,
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            reject(new WeftError("timeout", `timed out after ${timeoutMs} ms waiting for '${instanceId}'`)),
          timeoutMs,
        );
      }
      onAbort = () => reject(new WeftError("timeout", "the wait was cancelled"));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
    // The outcome is awaited only after the first read below; until then a rejection must not count as unhandled.
    result.catch(() => {});
    const set = this.#waiters.get(instanceId) ?? new Set();
    set.add(waiter!);
    this.#waiters.set(instanceId, set);
    try {
      const state = await this.#store.getInstance(instanceId);
      if (!waiter!.done(state)) await result;
      return await result;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      set.delete(waiter!);
      if (set.size === 0) this.#waiters.delete(instanceId);
    }
  }

  #recheck(instanceId: string, status: RuntimeStatus): void {
    const waiters = this.#waiters.get(instanceId);
    if (!waiters || ![...waiters].some((w) => w.wants(status))) return;
    void this.#store.getInstance(instanceId).then((state) => {
      for (const waiter of this.#waiters.get(instanceId) ?? []) waiter.done(state);
    });
  }
}

function notFound(instanceId: string): WeftError {
  return new WeftError("not_found", `no workflow instance with id ${quote(instanceId)}`);
}
