/**
 * Executors that run workflows and activities on remote workers (the SDKs' GetWorkItems streams). To the engine
 * they are executors like the in-process ones; a rejection means "try again later".
 */
import type { TurnResult } from "../../core/actions.js";
import type { HistoryEvent } from "../../core/history.js";
import type {
  ActivityExecutor,
  ActivityOutcome,
  ActivityRequest,
  ExecutorRouter,
  WorkflowExecutor,
  WorkflowTurnRequest,
} from "../../engine/executor.js";
import { EncodedHistories, pastBytes } from "./encoded-histories.js";
import { EventEncoder, encodeOrchestratorWorkItem, type SerializeWorkItem } from "./encoded-work.js";
import {
  fromWireActivityResponse,
  fromWireOrchestratorResponse,
  toWireActivityRequest,
} from "./translate-work.js";
import type { WorkStreams } from "./work-streams.js";

/** A turn that is out: its new events and their encoded entries, reused when the turn is applied. */
interface OpenTurn {
  readonly events: readonly HistoryEvent[];
  readonly entries: readonly Uint8Array[];
}

export class RemoteWorkflowExecutor implements WorkflowExecutor {
  readonly #streams: WorkStreams;
  readonly #encoder: EventEncoder;
  readonly #histories: EncodedHistories;
  readonly #open = new Map<string, OpenTurn>();

  constructor(
    streams: WorkStreams,
    serializeWorkItem: SerializeWorkItem,
    histories = new EncodedHistories(),
  ) {
    this.#streams = streams;
    this.#encoder = new EventEncoder(serializeWorkItem);
    this.#histories = histories;
  }

  /**
   * Workers keep no state between turns here, so every turn carries the whole committed history: the encoded one
   * kept from the instance's last turn when it is current, else the store's, loaded and encoded once.
   */
  async executeWorkflow(request: WorkflowTurnRequest): Promise<TurnResult> {
    const { instanceId, executionId, historyLength } = request;
    let history = this.#histories.get(instanceId, executionId, historyLength);
    if (!history) {
      const past = historyLength > 0 ? await request.loadHistory() : [];
      history = this.#histories.set(
        instanceId,
        executionId,
        past.map((event) => this.#encoder.pastEntry(event)),
      );
    }
    const entries = request.newEvents.map((event) => this.#encoder.pastEntry(event));
    const item = encodeOrchestratorWorkItem(instanceId, executionId, pastBytes(history), entries);
    this.#open.set(instanceId, { events: request.newEvents, entries });
    try {
      const response = await this.#streams.dispatchTurn(instanceId, item);
      return fromWireOrchestratorResponse(instanceId, response);
    } catch (error) {
      this.#open.delete(instanceId);
      throw error;
    }
  }

  turnApplied(
    instanceId: string,
    executionId: string,
    historyLength: number,
    finished: boolean,
    appended: readonly HistoryEvent[],
  ): void {
    const open = this.#open.get(instanceId);
    this.#open.delete(instanceId);
    if (finished) {
      this.#histories.delete(instanceId);
      return;
    }
    // The turn's own events come first in what it appends, the same objects unless applying it changed them.
    const entries = appended.map((event, i) =>
      open?.events[i] === event ? open.entries[i]! : this.#encoder.pastEntry(event),
    );
    this.#histories.append(instanceId, executionId, historyLength - appended.length, entries);
  }

  evict(instanceId: string): void {
    this.#open.delete(instanceId);
    this.#histories.delete(instanceId);
  }
}

export class RemoteActivityExecutor implements ActivityExecutor {
  readonly #streams: WorkStreams;

  constructor(streams: WorkStreams) {
    this.#streams = streams;
  }

  async executeActivity({ task, traceparent }: ActivityRequest): Promise<ActivityOutcome> {
    const activityRequest = toWireActivityRequest(task, traceparent);
    const response = await this.#streams.dispatchActivity(task.instanceId, task.taskId, { activityRequest });
    return fromWireActivityResponse(response);
  }
}

/**
 * Routes every name to the remote workers while at least one is connected. The old protocol does not tell which
 * names a worker registered: a worker that lacks one answers with a failure (OrchestratorNotRegisteredError,
 * ActivityNotRegisteredError), as it does with Dapr.
 */
export function remoteRouter(
  streams: WorkStreams,
  serializeWorkItem: SerializeWorkItem,
): Omit<ExecutorRouter, "failUnknownNames"> {
  const workflows = new RemoteWorkflowExecutor(streams, serializeWorkItem);
  const activities = new RemoteActivityExecutor(streams);
  return {
    workflowExecutor: () => (streams.connected ? workflows : undefined),
    activityExecutor: () => (streams.connected ? activities : undefined),
  };
}
