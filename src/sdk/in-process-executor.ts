/**
 * Runs registered workflows and activities in this process. Live workflow executions stay cached between turns
 * (bounded, least recently used first out) and are fed only the new events; history is replayed only after an
 * eviction or a restart.
 */
import type { TurnResult } from "../core/actions.js";
import { toFailureDetails } from "../core/failure.js";
import { decodePayload, encodePayload } from "../core/payload.js";
import { WorkflowExecution } from "../core/replay/execution.js";
import type { ActivityContext } from "../core/replay/types.js";
import type {
  ActivityExecutor,
  ActivityOutcome,
  ActivityRequest,
  WorkflowExecutor,
  WorkflowTurnRequest,
} from "../engine/executor.js";
import type { Registry } from "./registry.js";

interface CachedExecution {
  execution: WorkflowExecution;
  executionId: string;
  /** History length the execution has seen; -1 until the engine confirms its last turn was applied. */
  historyLength: number;
}

export class InProcessWorkflowExecutor implements WorkflowExecutor {
  readonly #registry: Registry;
  readonly #cache = new Map<string, CachedExecution>();
  readonly #capacity: number;
  /** Replays from history (cache misses), for tests and metrics. */
  replays = 0;

  constructor(registry: Registry, options: { cacheSize?: number } = {}) {
    this.#registry = registry;
    this.#capacity = options.cacheSize ?? 10_000;
  }

  get cachedCount(): number {
    return this.#cache.size;
  }

  async executeWorkflow(request: WorkflowTurnRequest): Promise<TurnResult> {
    const { instanceId } = request;
    const cached = this.#cache.get(instanceId);
    this.#cache.delete(instanceId);
    if (
      cached &&
      cached.executionId === request.executionId &&
      cached.historyLength === request.historyLength
    ) {
      cached.historyLength = -1;
      this.#cache.set(instanceId, cached);
      return cached.execution.execute([], request.newEvents);
    }
    const workflow = this.#registry.workflow(request.name);
    if (!workflow) throw new Error(`workflow '${request.name}' is not registered in this process`);
    const past = request.historyLength > 0 ? await request.loadHistory() : [];
    if (past.length > 0) this.replays += 1;
    const execution = new WorkflowExecution(workflow, { instanceId, nameOf: this.#registry.nameOf });
    const result = await execution.execute(past, request.newEvents);
    this.#cache.set(instanceId, { execution, executionId: request.executionId, historyLength: -1 });
    if (this.#cache.size > this.#capacity) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    return result;
  }

  turnApplied(instanceId: string, executionId: string, historyLength: number, finished: boolean): void {
    const cached = this.#cache.get(instanceId);
    if (!cached) return;
    if (finished || cached.executionId !== executionId) this.#cache.delete(instanceId);
    else cached.historyLength = historyLength;
  }

  evict(instanceId: string): void {
    this.#cache.delete(instanceId);
  }

  clear(): void {
    this.#cache.clear();
  }
}

export class InProcessActivityExecutor implements ActivityExecutor {
  readonly #registry: Registry;

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  async executeActivity({ task }: ActivityRequest): Promise<ActivityOutcome> {
    const activity = this.#registry.activity(task.name);
    if (!activity) throw new Error(`activity '${task.name}' is not registered in this process`);
    const context: ActivityContext = {
      getWorkflowInstanceId: () => task.instanceId,
      getWorkflowActivityId: () => task.taskId,
      getTaskExecutionId: () => task.taskExecutionId ?? `${task.executionId}:${task.taskId}`,
      getActivityName: () => task.name,
    };
    try {
      const run = activity as unknown as (context: ActivityContext, input: unknown) => unknown;
      return { result: encodePayload(await run(context, decodePayload(task.input))) };
    } catch (error) {
      return { failure: toFailureDetails(error) };
    }
  }
}
