/**
 * WorkflowRuntime: register workflows and activities, then start the engine that runs them.
 * Shaped like Dapr's `WorkflowRuntime`. It runs on the store its caller gives it, or opens one with the caller's
 * `OpenStore`; it never picks a store itself. The `WorkflowRuntime` users import from "weft" is the one of
 * src/embedded-runtime.ts, whose default is the embedded SQLite file.
 */
import type { WorkflowSettings } from "../config/workflow-config.js";
import { WeftError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Activity, Workflow } from "../core/replay/types.js";
import { Engine } from "../engine/engine.js";
import type { ActivityExecutor, ExecutorRouter, WorkflowExecutor } from "../engine/executor.js";
import type { LifecycleObserver, TraceContexts } from "../engine/lifecycle.js";
import { Limiter, type LimitState } from "../engine/limits.js";
import { Retention } from "../engine/retention.js";
import { WorkflowService } from "../engine/service.js";
import { type ConcurrencySlots, MemorySlots } from "../store/slots.js";
import type { Store } from "../store/store.js";
import { InProcessActivityExecutor, InProcessWorkflowExecutor } from "./in-process-executor.js";
import { functionName, Registry } from "./registry.js";

export interface WorkflowRuntimeOptions {
  /** The SQLite file to use when no `store` is given; default `.weft/weft.db` in the working directory. */
  databasePath?: string;
  /** A store to use instead of the embedded SQLite file; the runtime does not close a store it was given. */
  store?: Store;
  /** Live workflow executions kept in memory between turns. */
  cacheSize?: number;
  maxConcurrentTurns?: number;
  maxConcurrentActivities?: number;
  /**
   * Dapr's `spec.workflow` settings (config/workflow-config.ts): limits and retention. The per-node limits give
   * `maxConcurrentTurns`/`maxConcurrentActivities` when those are not set.
   */
  workflowSettings?: WorkflowSettings;
  /** @internal How often retention sweeps (default 30 s); tests make it short. */
  retentionIntervalMs?: number;
  /** Where cluster-wide limits are counted: PostgresSlots for a cluster; by default this process's memory. */
  slots?: ConcurrencySlots;
  /** Runs names not registered here (the gRPC sidecar's remote workers). Unknown names then wait, not fail. */
  remote?: Omit<ExecutorRouter, "failUnknownNames">;
  logger?: Logger;
  /** The embedded store writes lifecycle events to its outbox (a given `store` decides this itself). */
  lifecycleEvents?: boolean;
  /** Told what happens to turns, activities and management calls (metrics, traces); see engine/lifecycle.ts. */
  observe?: LifecycleObserver;
  /** Trace contexts for child workflows and remote workers: the tracer's, when tracing is on. */
  traces?: TraceContexts;
  /**
   * The clock the engine, its management service, limits and retention read, and the embedded store too (a given
   * `store` has its own); default `Date.now`.
   */
  clock?: () => number;
}

/** Opens the store a runtime runs on when its options give none; the runtime closes what this opened at stop. */
export type OpenStore = (
  options: Pick<WorkflowRuntimeOptions, "databasePath" | "lifecycleEvents" | "clock">,
) => Store;

export class WorkflowRuntime {
  readonly #options: WorkflowRuntimeOptions;
  readonly #openStore: OpenStore | undefined;
  readonly #registry = new Registry();
  readonly #workflows: InProcessWorkflowExecutor;
  readonly #activities: InProcessActivityExecutor;
  #store: Store | undefined;
  #engine: Engine | undefined;
  #service: WorkflowService | undefined;
  #limiter: Limiter | undefined;
  #retention: Retention | undefined;

  /** `openStore`: how to open a store when `options.store` is not given (without one, `store` is required). */
  constructor(options: WorkflowRuntimeOptions = {}, openStore?: OpenStore) {
    this.#options = options;
    this.#openStore = openStore;
    this.#workflows = new InProcessWorkflowExecutor(this.#registry, { cacheSize: options.cacheSize });
    this.#activities = new InProcessActivityExecutor(this.#registry);
  }

  registerWorkflow<TInput, TOutput>(workflow: Workflow<TInput, TOutput>): this {
    return this.registerWorkflowWithName(functionName(workflow, "Workflow"), workflow);
  }

  registerWorkflowWithName<TInput, TOutput>(name: string, workflow: Workflow<TInput, TOutput>): this {
    this.#registry.addWorkflow(name, workflow as unknown as Workflow<never, unknown>);
    return this;
  }

  registerActivity<TInput, TOutput>(activity: Activity<TInput, TOutput>): this {
    return this.registerActivityWithName(functionName(activity, "Activity"), activity);
  }

  registerActivityWithName<TInput, TOutput>(name: string, activity: Activity<TInput, TOutput>): this {
    this.#registry.addActivity(name, activity as unknown as Activity<never, unknown>);
    return this;
  }

  /** The name a workflow or activity function is registered under. */
  nameOf(fn: (...args: never[]) => unknown): string {
    return this.#registry.nameOf(fn);
  }

  get registeredWorkflows(): string[] {
    return this.#registry.workflowNames;
  }

  get registeredActivities(): string[] {
    return this.#registry.activityNames;
  }

  get isRunning(): boolean {
    return this.#engine?.running ?? false;
  }

  /** Opens the store and starts running work, including whatever was in flight before a crash or restart. */
  async start(): Promise<void> {
    if (this.#engine?.running) return;
    const options = this.#options;
    if (!this.#store) {
      if (options.store) this.#store = options.store;
      else if (this.#openStore) this.#store = this.#openStore(options);
      else
        throw new WeftError(
          "invalid_argument",
          "the workflow runtime was given no store and no way to open one",
        );
    }
    this.#service ??= new WorkflowService(this.#store, { observe: options.observe, clock: options.clock });
    const settings = options.workflowSettings;
    if (settings) {
      this.#limiter ??= new Limiter({
        settings,
        slots: options.slots ?? new MemorySlots(),
        clock: options.clock,
      });
    }
    this.#engine = new Engine({
      store: this.#store,
      router: this.#router(),
      maxConcurrentTurns: options.maxConcurrentTurns ?? settings?.maxConcurrentWorkflowInvocations,
      maxConcurrentActivities: options.maxConcurrentActivities ?? settings?.maxConcurrentActivityInvocations,
      limiter: this.#limiter,
      logger: options.logger,
      observe: options.observe,
      traces: options.traces,
      stalledAfterMs: settings?.stalledAfter,
      clock: options.clock,
    });
    this.#engine.start();
    if (settings?.stateRetentionPolicy) {
      this.#retention = new Retention({
        store: this.#store,
        policy: settings.stateRetentionPolicy,
        intervalMs: options.retentionIntervalMs,
        logger: options.logger,
        clock: options.clock,
      });
      this.#retention.start();
    }
  }

  /** Stops taking work, lets running work finish (up to `graceMs`), and closes the store it opened. */
  async stop(graceMs?: number): Promise<void> {
    await this.#retention?.stop();
    this.#retention = undefined;
    await this.#engine?.stop(graceMs);
    this.#service?.close();
    this.#service = undefined;
    if (this.#store && !this.#options.store) await this.#store.close();
    this.#store = undefined;
    this.#workflows.clear();
  }

  /** Wakes the engine, e.g. when remote workers that can run waiting names connect. */
  wake(): void {
    this.#engine?.wake();
  }

  /** @internal The management service the clients and the API edges use. */
  get service(): WorkflowService {
    if (!this.#service) throw new WeftError("unavailable", "the workflow runtime is not started");
    return this.#service;
  }

  /** The configured limits and this node's work under each (empty without limits), for metrics. */
  get limits(): LimitState[] {
    return this.#limiter?.states() ?? [];
  }

  /** @internal The store the runtime runs on (metrics read its statistics); undefined before start. */
  get store(): Store | undefined {
    return this.#store;
  }

  /** @internal For tests and metrics. */
  get executor(): InProcessWorkflowExecutor {
    return this.#workflows;
  }

  #router(): ExecutorRouter {
    const registry = this.#registry;
    const remote = this.#options.remote;
    return {
      failUnknownNames: remote === undefined,
      workflowExecutor: (name): WorkflowExecutor | undefined =>
        registry.workflow(name) ? this.#workflows : remote?.workflowExecutor(name),
      activityExecutor: (name): ActivityExecutor | undefined =>
        registry.activity(name) ? this.#activities : remote?.activityExecutor(name),
    };
  }
}
