/**
 * Prometheus metrics (prom-client), fed by the engine's lifecycle facts (engine/lifecycle.ts) and, when scraped,
 * by the store's statistics. Dapr's workflow metrics keep Dapr's names, labels and units (milliseconds; see
 * dapr/dapr pkg/diagnostics/workflow_monitoring.go), so existing dashboards and alerts work unchanged; Weft's own
 * are named `weft_*`, in seconds. docs/observability.md says what each means.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { LifecycleFact, LifecycleObserver } from "../engine/lifecycle.js";
import type { StoreStatistics } from "../store/store.js";
import { FastCounter, FastHistogram, type HistogramSeries } from "./series.js";

export interface MetricsOptions {
  /** Dapr's `app_id` label (default `weft`). */
  appId?: string;
  /** Dapr's `namespace` label (default `default`). */
  namespace?: string;
  /** Reads the store's figures (instances, backlog, commits); called at most once per scrape. */
  statistics?: (now: number) => Promise<StoreStatistics>;
  /** gRPC workers' GetWorkItems streams connected now. */
  workerStreams?: () => number;
  /** Node.js process metrics (`process_*`, `nodejs_*`); default true. */
  processMetrics?: boolean;
}

/** Dapr's latency buckets (milliseconds). */
const LATENCY_MS = [
  1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650,
  800, 1000, 2000, 5000, 10000, 20000, 50000, 100000,
];
/** Whole workflows run for minutes to days. */
const RUN_MS = [...LATENCY_MS, 300_000, 900_000, 3_600_000, 14_400_000, 86_400_000];
const COMMIT_SECONDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

const EXECUTION_STATUS = { COMPLETED: "success", FAILED: "failed", TERMINATED: "terminated" } as const;

export class WorkflowMetrics {
  readonly registry = new Registry();
  /** Subscribe the engine to this. */
  readonly observe: LifecycleObserver = (fact) => this.#record(fact);
  readonly #options: MetricsOptions;
  #statistics: { at: number; value: Promise<StoreStatistics | undefined> } | undefined;

  readonly #operationCount: FastCounter;
  readonly #operationLatency: FastHistogram;
  readonly #executionCount: FastCounter;
  readonly #executionLatency: FastHistogram;
  readonly #schedulingLatency: FastHistogram;
  readonly #activityOperationCount: FastCounter;
  readonly #activityOperationLatency: FastHistogram;
  readonly #activityExecutionCount: FastCounter;
  readonly #activityExecutionLatency: FastHistogram;
  readonly #commitLatency: HistogramSeries;
  readonly #abandoned: FastCounter;

  constructor(options: MetricsOptions = {}) {
    this.#options = options;
    const registry = this.registry;
    registry.setDefaultLabels({ app_id: options.appId ?? "weft", namespace: options.namespace ?? "default" });
    const counter = (name: string, help: string) => new FastCounter(registry, name, help);
    const histogram = (name: string, help: string, buckets: readonly number[]) =>
      new FastHistogram(registry, name, help, buckets);

    this.#operationCount = counter(
      "dapr_runtime_workflow_operation_count",
      "The number of successful/failed workflow operation requests.",
    );
    this.#operationLatency = histogram(
      "dapr_runtime_workflow_operation_latency",
      "The latencies of responses for workflow operation requests (ms).",
      LATENCY_MS,
    );
    this.#executionCount = counter(
      "dapr_runtime_workflow_execution_count",
      "The number of successful/failed/terminated/recoverable workflow executions.",
    );
    this.#executionLatency = histogram(
      "dapr_runtime_workflow_execution_latency",
      "The total time taken to run a workflow to completion (ms).",
      RUN_MS,
    );
    this.#schedulingLatency = histogram(
      "dapr_runtime_workflow_scheduling_latency",
      "Interval between workflow execution request and workflow execution (ms).",
      LATENCY_MS,
    );
    this.#activityOperationCount = counter(
      "dapr_runtime_workflow_activity_operation_count",
      "The number of successful/failed activity operation requests (activities scheduled).",
    );
    this.#activityOperationLatency = histogram(
      "dapr_runtime_workflow_activity_operation_latency",
      "The latencies of responses for activity operation requests (ms): the scheduling turn's commit.",
      LATENCY_MS,
    );
    this.#activityExecutionCount = counter(
      "dapr_runtime_workflow_activity_execution_count",
      "The number of successful/failed/recoverable activity executions.",
    );
    this.#activityExecutionLatency = histogram(
      "dapr_runtime_workflow_activity_execution_latency",
      "The total time taken to run an activity to completion (ms).",
      RUN_MS,
    );
    this.#commitLatency = histogram(
      "weft_store_commit_latency_seconds",
      "Time from a turn's outcome being handed to the store until it is durable.",
      COMMIT_SECONDS,
    ).of("", {});
    this.#abandoned = counter(
      "weft_workflow_turns_abandoned_total",
      "Turns that did not complete and run again: executor-failed, commit-refused (lease lost), commit-failed.",
    );
    const registers = [registry];
    this.#storeGauges(registers);
    if (options.workerStreams) {
      const streams = options.workerStreams;
      new Gauge({
        name: "weft_worker_streams",
        help: "gRPC workers' GetWorkItems streams connected to this node.",
        registers,
        collect() {
          this.set(streams());
        },
      });
    }
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text; reads the store's statistics once. */
  async text(): Promise<string> {
    this.#statistics = undefined;
    return this.registry.metrics();
  }

  #record(fact: LifecycleFact): void {
    switch (fact.type) {
      case "operation": {
        const { operation, status } = fact;
        const key = `${operation}|${status}`;
        this.#operationCount.of(key, { operation, status }).value += 1;
        this.#operationLatency.of(key, { operation, status }).observe(fact.finishedAt - fact.startedAt);
        return;
      }
      case "turn-committed": {
        const { name, before, after } = fact;
        const commitMs = fact.committedAt - fact.executedAt;
        this.#commitLatency.observe(commitMs / 1000);
        if (before === "PENDING" && after !== "PENDING") {
          const requested = Math.max(fact.createdAt, fact.scheduledStartAt ?? 0);
          this.#schedulingLatency
            .of(name, { workflow_name: name })
            .observe(Math.max(0, fact.startedAt - requested));
        }
        if (before !== after && after in EXECUTION_STATUS) {
          const status = EXECUTION_STATUS[after as keyof typeof EXECUTION_STATUS];
          const key = `${name}|${status}`;
          const labels = { workflow_name: name, status };
          this.#executionCount.of(key, labels).value += 1;
          this.#executionLatency.of(key, labels).observe(Math.max(0, fact.committedAt - fact.createdAt));
        }
        for (const task of fact.activities) {
          const labels = { activity_name: task.name, status: "success" };
          this.#activityOperationCount.of(task.name, labels).value += 1;
          this.#activityOperationLatency.of(task.name, labels).observe(commitMs);
        }
        return;
      }
      case "turn-abandoned":
        this.#abandoned.of(fact.reason, { reason: fact.reason }).value += 1;
        if (fact.reason === "executor-failed") {
          const labels = { workflow_name: fact.name, status: "recoverable" };
          this.#executionCount.of(`${fact.name}|recoverable`, labels).value += 1;
        }
        return;
      case "activity-finished": {
        const { name } = fact.task;
        const key = `${name}|${fact.outcome}`;
        const labels = { activity_name: name, status: fact.outcome };
        this.#activityExecutionCount.of(key, labels).value += 1;
        this.#activityExecutionLatency.of(key, labels).observe(Math.max(0, fact.finishedAt - fact.startedAt));
        return;
      }
      case "turn-started":
      case "activity-started":
      case "event-raised":
        return;
    }
  }

  /** Gauges and counters read from the store when scraped; every node of a shared store shows the same figures. */
  #storeGauges(registers: Registry[]): void {
    const read = this.#options.statistics;
    if (!read) return;
    const statistics = () => {
      const now = Date.now();
      this.#statistics ??= { at: now, value: read(now).catch(() => undefined) };
      return this.#statistics.value;
    };
    new Gauge({
      name: "weft_workflow_instances",
      help: "Workflow instances in the store, by workflow name and runtime status.",
      labelNames: ["workflow_name", "status"],
      registers,
      async collect() {
        const s = await statistics();
        if (!s) return;
        this.reset();
        for (const { name, status, count } of s.instances) this.set({ workflow_name: name, status }, count);
      },
    });
    const backlog = (name: string, help: string, pick: (s: StoreStatistics) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const s = await statistics();
          if (s) this.set(pick(s));
        },
      });
    backlog(
      "weft_backlog_ready_turns",
      "Instances with events due whose turn no engine has taken yet.",
      (s) => s.readyTurns,
    );
    backlog(
      "weft_backlog_ready_activities",
      "Activities due that no engine runs yet.",
      (s) => s.readyActivities,
    );
    const age = (at: number | undefined, now: number) =>
      at === undefined ? 0 : Math.max(0, now - at) / 1000;
    new Gauge({
      name: "weft_backlog_oldest_wait_seconds",
      help: "How long the longest-waiting ready turn or activity has waited (0 when none waits).",
      labelNames: ["kind"],
      registers,
      async collect() {
        const s = await statistics();
        if (!s) return;
        const now = Date.now();
        this.set({ kind: "turn" }, age(s.oldestReadyTurnAt, now));
        this.set({ kind: "activity" }, age(s.oldestReadyActivityAt, now));
      },
    });
    const cumulative = (name: string, help: string, pick: (s: StoreStatistics) => number) => {
      let seen = 0;
      new Counter({
        name,
        help,
        registers,
        async collect() {
          const s = await statistics();
          if (!s) return;
          const value = pick(s);
          if (value > seen) this.inc(value - seen);
          seen = value;
        },
      });
    };
    cumulative("weft_store_commits_total", "Store commits made by this node.", (s) => s.commits);
    cumulative(
      "weft_store_commit_writes_total",
      "Writes (turns, starts, events) those commits carried; per commit: rate(writes)/rate(commits).",
      (s) => s.writes,
    );
  }
}
