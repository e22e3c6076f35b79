/**
 * Executors that run workflows and activities on remote workers (the SDKs' GetWorkItems streams). To the engine
 * they are executors like the in-process ones; a rejection means "try again later".
 */
import type { TurnResult } from "../../core/actions.js";
import type {
  ActivityExecutor,
  ActivityOutcome,
  ActivityRequest,
  ExecutorRouter,
  WorkflowExecutor,
  WorkflowTurnRequest,
} from "../../engine/executor.js";
import {
  fromWireActivityResponse,
  fromWireOrchestratorResponse,
  toWireActivityRequest,
  toWireOrchestratorRequest,
} from "./translate-work.js";
import type { WorkStreams } from "./work-streams.js";

export class RemoteWorkflowExecutor implements WorkflowExecutor {
  readonly #streams: WorkStreams;

  constructor(streams: WorkStreams) {
    this.#streams = streams;
  }

  /** Workers keep no state between turns here, so every turn carries the whole committed history. */
  async executeWorkflow(request: WorkflowTurnRequest): Promise<TurnResult> {
    const past = request.historyLength > 0 ? await request.loadHistory() : [];
    const orchestratorRequest = toWireOrchestratorRequest(
      request.instanceId,
      request.executionId,
      past,
      request.newEvents,
    );
    const response = await this.#streams.dispatchTurn(request.instanceId, { orchestratorRequest });
    return fromWireOrchestratorResponse(request.instanceId, response);
  }
}

export class RemoteActivityExecutor implements ActivityExecutor {
  readonly #streams: WorkStreams;

  constructor(streams: WorkStreams) {
    this.#streams = streams;
  }

  async executeActivity({ task }: ActivityRequest): Promise<ActivityOutcome> {
    const activityRequest = toWireActivityRequest(task);
    const response = await this.#streams.dispatchActivity(task.instanceId, task.taskId, { activityRequest });
    return fromWireActivityResponse(response);
  }
}

/**
 * Routes every name to the remote workers while at least one is connected. The old protocol does not tell which
 * names a worker registered: a worker that lacks one answers with a failure (OrchestratorNotRegisteredError,
 * ActivityNotRegisteredError), as it does with Dapr.
 */
export function remoteRouter(streams: WorkStreams): Omit<ExecutorRouter, "failUnknownNames"> {
  const workflows = new RemoteWorkflowExecutor(streams);
  const activities = new RemoteActivityExecutor(streams);
  return {
    workflowExecutor: () => (streams.connected ? workflows : undefined),
    activityExecutor: () => (streams.connected ? activities : undefined),
  };
}
