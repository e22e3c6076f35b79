/**
 * The engine: leases work from the store, runs it on executors, applies the results (core/apply.ts) and commits.
 * It is woken by the store (no polling) and bounds how much runs at once.
 */
import { setMaxListeners } from "node:events";
import type { TurnResult } from "../core/actions.js";
import { applyTurn, opensOrContinues, orderTurnEvents } from "../core/apply.js";
import { isWeftError } from "../core/errors.js";
import type { HistoryEvent, TaskCompleted, TaskFailed } from "../core/history.js";
import { isTerminalStatus } from "../core/history.js";
import { dueSince, type StallReason, stalledEvent } from "../core/lifecycle-events.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { ActivityWorkItem, LifecycleEventLog, Store, WorkflowWorkItem } from "../store/store.js";
import type { ExecutorRouter } from "./executor.js";
import { type LifecycleObserver, TRACEPARENT_METADATA, type TraceContexts } from "./lifecycle.js";
import type { Limiter, LimitKind } from "./limits.js";
import { Pump } from "./pump.js";

export interface EngineOptions {
  store: Store;
  router: ExecutorRouter;
  clock?: () => number;
  newExecutionId?: () => string;
  maxConcurrentTurns?: number;
  maxConcurrentActivities?: number;
  /** Concurrency and rate limits by name (limits.ts); none by default. */
  limiter?: Limiter;
  logger?: Logger;
  /** Told what happens to turns and activities (lifecycle.ts); nothing is built for it when unset. */
  observe?: LifecycleObserver;
  /** Trace contexts for child workflows and remote activity workers (lifecycle.ts); unset when tracing is off. */
  traces?: TraceContexts;
  /**
   * How long a due turn may keep not running (no executor for its name, or failing) before the instance's `stalled`
   * lifecycle event is written (default 30 s). Only with a store that keeps lifecycle events.
   */
  stalledAfterMs?: number;
}

/** Fractional epoch milliseconds, for latencies finer than the clock's. */
const preciseNow = () => performance.timeOrigin + performance.now();

const RETRY_DELAY_MS = 1000;

const STALLED_AFTER_MS = 30_000;

/** Stalls remembered, so a node writes each once without asking the store (which also refuses a second). */
const REMEMBERED_STALLS = 10_000;

export class Engine {
  readonly #store: Store;
  readonly #router: ExecutorRouter;
  readonly #clock: () => number;
  readonly #newExecutionId: () => string;
  readonly #log: Logger;
  readonly #observe: LifecycleObserver | undefined;
  readonly #traces: TraceContexts | undefined;
  readonly #eventLog: LifecycleEventLog | undefined;
  readonly #stalledAfterMs: number;
  /** Instances whose current stall this node has written (or is writing): instance id to the stall's key. */
  readonly #stalls = new Map<string, string>();
  #running = false;
  #unwatch: (() => void) | undefined;
  readonly #limiter: Limiter | undefined;
  #stopping = new AbortController();
  readonly #turns: Pump<WorkflowWorkItem>;
  readonly #activities: Pump<ActivityWorkItem>;

  constructor(options: EngineOptions) {
    this.#store = options.store;
    this.#router = options.router;
    this.#clock = options.clock ?? Date.now;
    this.#newExecutionId = options.newExecutionId ?? (() => globalThis.crypto.randomUUID());
    this.#log = options.logger ?? silentLogger;
    this.#limiter = options.limiter?.active ? options.limiter : undefined;
    this.#observe = options.observe;
    this.#traces = options.traces;
    this.#eventLog = options.store.lifecycleEvents;
    this.#stalledAfterMs = options.stalledAfterMs ?? STALLED_AFTER_MS;
    this.#turns = new Pump({
      next: () => this.#store.nextWorkflowWorkItem(this.#clock()),
      run: (item) =>
        this.#limited(
          "workflow",
          item.state.name,
          () => this.#runTurn(item),
          () => this.#store.abandonWorkflowWorkItem(item),
        ),
      max: options.maxConcurrentTurns ?? 1000,
      onError: (error) => this.#log.error({ err: error }, "leasing workflow work failed"),
    });
    this.#activities = new Pump({
      next: () => this.#store.nextActivityWorkItem(this.#clock()),
      run: (item) =>
        this.#limited(
          "activity",
          item.task.name,
          () => this.#runActivity(item),
          () => this.#store.abandonActivityWorkItem(item),
        ),
      max: options.maxConcurrentActivities ?? 1000,
      onError: (error) => this.#log.error({ err: error }, "leasing activity work failed"),
    });
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopping = new AbortController();
    // Every piece of work waiting for a limit listens to it.
    setMaxListeners(0, this.#stopping.signal);
    this.#limiter?.start();
    this.#unwatch = this.#store.watch((event) => {
      if (event.kind === "workflow-ready") this.#turns.wake();
      else if (event.kind === "activity-ready") this.#activities.wake();
    });
    this.#turns.start();
    this.#activities.start();
  }

  /** Stops taking work and waits for what runs to finish (up to `graceMs`); unfinished work stays in the store. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#unwatch?.();
    this.#turns.stop();
    this.#activities.stop();
    // Work still waiting for a limit goes back to the store at once.
    this.#stopping.abort();
    this.#limiter?.stop();
    const inFlight = Promise.allSettled([...this.#turns.inFlight, ...this.#activities.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([inFlight, grace]);
    clearTimeout(timer);
  }

  /** Wakes the loops, e.g. when a remote worker connects and names that waited can now run. */
  wake(): void {
    this.#turns.wake();
    this.#activities.wake();
  }

  /** Runs the work once its limits admit it; work stopped while waiting is given back. */
  async #limited(
    kind: LimitKind,
    name: string,
    run: () => Promise<void>,
    giveBack: (delayMs: number) => Promise<void>,
  ): Promise<void> {
    const waiting = this.#limiter?.admit(kind, name, this.#stopping.signal);
    if (!waiting) return run();
    let admission: Awaited<typeof waiting>;
    try {
      admission = await waiting;
    } catch (error) {
      // Stopping: back at once, for another node. A failing slot store: back after a pause, not in a loop.
      const delay = this.#stopping.signal.aborted ? 0 : RETRY_DELAY_MS;
      if (delay > 0) this.#log.warn({ err: error, name }, "a limit could not be checked; retrying");
      await giveBack(delay).catch((error) =>
        this.#log.warn({ err: error }, "giving back limited work failed"),
      );
      return;
    }
    try {
      await run();
    } finally {
      await admission.release();
    }
  }

  async #runTurn(item: WorkflowWorkItem): Promise<void> {
    const now = this.#clock();
    const { state } = item;
    const inbox = orderTurnEvents(item.newEvents);
    const turnEvents: HistoryEvent[] = [{ type: "WorkflowStarted", eventId: -1, timestamp: now }, ...inbox];
    const terminating = inbox.some((e) => e.type === "ExecutionTerminated");
    const started = opensOrContinues(item.historyLength, inbox);
    const start = inbox.find((e) => e.type === "ExecutionStarted");
    const executionId = start?.executionId ?? state.executionId;
    const name = start?.name ?? state.name;
    let result: TurnResult | undefined;
    const executor = terminating || !started ? undefined : this.#router.workflowExecutor(name);
    if (!terminating && !started) {
      await this.#store.abandonWorkflowWorkItem(item, RETRY_DELAY_MS);
      return;
    }
    if (!terminating && !executor) {
      if (!this.#router.failUnknownNames) {
        await this.#store.abandonWorkflowWorkItem(item, RETRY_DELAY_MS);
        this.#noteStall(item, "no-executor");
        return;
      }
      result = notRegistered(name);
    }
    const observe = this.#observe;
    const startedAt = observe ? preciseNow() : 0;
    const traceparent = observe ? state.metadata?.[TRACEPARENT_METADATA] : undefined;
    observe?.({
      type: "turn-started",
      instanceId: item.instanceId,
      executionId,
      name,
      traceparent,
      status: state.status,
      at: startedAt,
    });
    if (executor) {
      try {
        result = await executor.executeWorkflow({
          instanceId: item.instanceId,
          executionId,
          name,
          historyLength: item.historyLength,
          newEvents: turnEvents,
          loadHistory: () => this.#store.loadHistory(item.instanceId),
        });
      } catch (error) {
        this.#log.warn(
          { err: error, instanceId: item.instanceId },
          "workflow turn did not complete; retrying",
        );
        executor.evict?.(item.instanceId);
        await this.#store.abandonWorkflowWorkItem(item, RETRY_DELAY_MS);
        this.#noteStall(item, "executor-failed");
        observe?.({
          type: "turn-abandoned",
          instanceId: item.instanceId,
          name,
          reason: "executor-failed",
          at: preciseNow(),
        });
        return;
      }
    }
    const outcome = applyTurn(state, turnEvents, result, { now, newExecutionId: this.#newExecutionId });
    if (this.#traces && outcome.childStarts.length > 0) {
      // Children join this execution's trace: their execution spans are children of its span.
      const parent = this.#traces.runTraceparent(
        item.instanceId,
        executionId,
        state.metadata?.[TRACEPARENT_METADATA],
      );
      for (const child of outcome.childStarts) {
        child.metadata = { ...child.metadata, [TRACEPARENT_METADATA]: parent };
      }
    }
    const historyLength = outcome.history === "reset" ? 0 : item.historyLength + outcome.newEvents.length;
    const finished = outcome.history === "reset" || isTerminalStatus(outcome.state.status);
    executor?.turnApplied?.(item.instanceId, executionId, historyLength, finished, outcome.newEvents);
    const executedAt = observe ? preciseNow() : 0;
    try {
      await this.#store.completeWorkflowWorkItem(item, outcome);
      if (this.#stalls.size > 0) this.#stalls.delete(item.instanceId);
      observe?.({
        type: "turn-committed",
        instanceId: item.instanceId,
        executionId,
        name,
        traceparent,
        before: state.status,
        after: outcome.state.status,
        createdAt: outcome.state.createdAt,
        scheduledStartAt: outcome.state.scheduledStartAt,
        startedAt,
        executedAt,
        committedAt: preciseNow(),
        activities: outcome.activities,
      });
    } catch (error) {
      executor?.evict?.(item.instanceId);
      const refused = isWeftError(error, "lock_lost");
      observe?.({
        type: "turn-abandoned",
        instanceId: item.instanceId,
        name,
        reason: refused ? "commit-refused" : "commit-failed",
        at: preciseNow(),
      });
      if (refused) {
        // Another turn of the instance got there first; this one's events are still in the store.
        this.#log.warn(
          { err: error, instanceId: item.instanceId },
          "a workflow turn was refused; it runs again",
        );
      } else {
        this.#log.error({ err: error, instanceId: item.instanceId }, "committing a workflow turn failed");
        this.#noteStall(item, "commit-failed");
      }
    }
  }

  async #runActivity(item: ActivityWorkItem): Promise<void> {
    const { task } = item;
    const executor = this.#router.activityExecutor(task.name);
    let outcome: Awaited<ReturnType<NonNullable<typeof executor>["executeActivity"]>>;
    const observe = this.#observe;
    const startedAt = observe ? preciseNow() : 0;
    observe?.({ type: "activity-started", task, dispatchCount: item.dispatchCount, at: startedAt });
    if (!executor) {
      if (!this.#router.failUnknownNames) {
        await this.#store.abandonActivityWorkItem(item, RETRY_DELAY_MS);
        return;
      }
      outcome = {
        failure: {
          errorType: "ActivityNotRegisteredError",
          message: `no activity named '${task.name}' is registered`,
        },
      };
    } else {
      // The span `activity-started` just opened, for workers that continue the trace (tracing on only).
      const traceparent = this.#traces?.activityTraceparent(task);
      try {
        outcome = await executor.executeActivity(traceparent ? { ...item, traceparent } : item);
      } catch (error) {
        this.#log.warn(
          { err: error, instanceId: task.instanceId, taskId: task.taskId },
          "activity did not complete; retrying",
        );
        await this.#store.abandonActivityWorkItem(item, RETRY_DELAY_MS);
        observe?.({
          type: "activity-finished",
          task,
          outcome: "recoverable",
          startedAt,
          finishedAt: preciseNow(),
        });
        return;
      }
    }
    const timestamp = this.#clock();
    const taskScheduledId = task.taskId;
    const event: TaskCompleted | TaskFailed =
      "failure" in outcome
        ? { type: "TaskFailed", eventId: -1, timestamp, taskScheduledId, failure: outcome.failure }
        : { type: "TaskCompleted", eventId: -1, timestamp, taskScheduledId, result: outcome.result };
    observe?.({
      type: "activity-finished",
      task,
      outcome: "failure" in outcome ? "failed" : "success",
      startedAt,
      finishedAt: preciseNow(),
    });
    try {
      await this.#store.completeActivityWorkItem(item, event);
    } catch (error) {
      this.#log.error({ err: error, instanceId: task.instanceId }, "recording an activity result failed");
    }
  }

  /**
   * A due turn did not run. Once it has been due longer than the threshold, the instance's `stalled` event is
   * written, once per stall: the key names the instance's last commit, so only a commit (and a new stall) makes
   * another. The age comes from the work item (core dueSince), the same on every node.
   */
  #noteStall(item: WorkflowWorkItem, reason: StallReason): void {
    const log = this.#eventLog;
    if (!log) return;
    const { state } = item;
    const now = this.#clock();
    const since = dueSince(state, item.newEvents);
    if (now - since < this.#stalledAfterMs) return;
    const key = `weft.stalled/${item.instanceId}/${state.executionId}/${state.updatedAt}`;
    if (this.#stalls.get(item.instanceId) === key) return;
    this.#stalls.set(item.instanceId, key);
    if (this.#stalls.size > REMEMBERED_STALLS) this.#stalls.delete(this.#stalls.keys().next().value!);
    this.#log.warn(
      { instanceId: item.instanceId, reason, waitingSince: since },
      "a workflow instance is stalled",
    );
    log.append(stalledEvent(state, since, reason, now), key).catch((error: unknown) => {
      // Not written: the next retry of the turn tries again.
      if (this.#stalls.get(item.instanceId) === key) this.#stalls.delete(item.instanceId);
      this.#log.warn({ err: error, instanceId: item.instanceId }, "writing a stalled event failed");
    });
  }
}

function notRegistered(name: string): TurnResult {
  return {
    actions: [
      {
        type: "CompleteWorkflow",
        id: -1,
        status: "FAILED",
        failure: {
          errorType: "WorkflowNotRegisteredError",
          message: `no workflow named '${name}' is registered`,
        },
      },
    ],
  };
}
