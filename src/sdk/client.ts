/**
 * WorkflowClient: start and manage instances. Shaped like Dapr's `DaprWorkflowClient`; ids returned by
 * `scheduleNewWorkflow` carry the workflow's output type, so waiting on them gives a typed `output`.
 */

import { isWeftError } from "../core/errors.js";
import type { FailureDetails } from "../core/failure.js";
import type { RuntimeStatus } from "../core/history.js";
import type { InstanceState } from "../core/instance.js";
import { decodePayload, encodePayload } from "../core/payload.js";
import type { Workflow } from "../core/replay/types.js";
import type { WorkflowRuntime } from "./runtime.js";

declare const outputType: unique symbol;
/** An instance id that remembers the output type of its workflow. Still a plain string at run time. */
export type WorkflowInstanceId<TOutput = unknown> = string & { readonly [outputType]?: TOutput };

/** Status names; values equal the names, so `state.runtimeStatus === WorkflowRuntimeStatus.COMPLETED` reads as in Dapr. */
export const WorkflowRuntimeStatus = {
  RUNNING: "RUNNING",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
  TERMINATED: "TERMINATED",
  PENDING: "PENDING",
  SUSPENDED: "SUSPENDED",
} as const satisfies Record<RuntimeStatus, RuntimeStatus>;
export type WorkflowRuntimeStatus = RuntimeStatus;

export interface WorkflowFailureDetails {
  errorType: string;
  errorMessage: string;
  stackTrace?: string;
}

export interface WorkflowState<TOutput = unknown> {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  createdAt: Date;
  lastUpdatedAt: Date;
  serializedInput?: string;
  serializedOutput?: string;
  serializedCustomStatus?: string;
  /** The output, parsed; undefined unless the instance completed with one. */
  output?: TOutput;
  workflowFailureDetails?: WorkflowFailureDetails;
  metadata?: Record<string, string>;
}

export class WorkflowClient {
  readonly #runtime: WorkflowRuntime;

  constructor(runtime: WorkflowRuntime) {
    this.#runtime = runtime;
  }

  /** Starts an instance; `startAt` in the future leaves it PENDING until then. Returns its id. */
  async scheduleNewWorkflow<TInput, TOutput>(
    workflow: Workflow<TInput, TOutput> | string,
    input?: TInput,
    instanceId?: string,
    startAt?: Date,
  ): Promise<WorkflowInstanceId<Awaited<TOutput>>> {
    const name = typeof workflow === "string" ? workflow : this.#runtime.nameOf(workflow);
    return this.#runtime.service.start({
      name,
      input: encodePayload(input),
      instanceId,
      startAt: startAt?.getTime(),
    });
  }

  /** The instance's state, or undefined if there is no such instance. */
  async getWorkflowState<TOutput = unknown>(
    instanceId: WorkflowInstanceId<TOutput>,
    getInputsAndOutputs = true,
  ): Promise<WorkflowState<TOutput> | undefined> {
    const state = await this.#runtime.service.get(instanceId);
    return state && toWorkflowState<TOutput>(state, getInputsAndOutputs);
  }

  async waitForWorkflowStart<TOutput = unknown>(
    instanceId: WorkflowInstanceId<TOutput>,
    fetchPayloads = true,
    timeoutInSeconds = 60,
  ): Promise<WorkflowState<TOutput> | undefined> {
    return this.#wait(
      () => this.#runtime.service.waitForStart(instanceId, timeoutInSeconds * 1000),
      fetchPayloads,
    );
  }

  async waitForWorkflowCompletion<TOutput = unknown>(
    instanceId: WorkflowInstanceId<TOutput>,
    fetchPayloads = true,
    timeoutInSeconds = 60,
  ): Promise<WorkflowState<TOutput> | undefined> {
    return this.#wait(
      () => this.#runtime.service.waitForCompletion(instanceId, timeoutInSeconds * 1000),
      fetchPayloads,
    );
  }

  async raiseEvent(instanceId: string, eventName: string, eventPayload?: unknown): Promise<void> {
    await this.#runtime.service.raiseEvent(instanceId, eventName, encodePayload(eventPayload));
  }

  /** Terminates the instance and its child workflows; `output` becomes its output. */
  async terminateWorkflow(instanceId: string, output?: unknown): Promise<void> {
    await this.#runtime.service.terminate(instanceId, encodePayload(output));
  }

  async suspendWorkflow(instanceId: string, reason?: string): Promise<void> {
    await this.#runtime.service.suspend(instanceId, reason);
  }

  async resumeWorkflow(instanceId: string, reason?: string): Promise<void> {
    await this.#runtime.service.resume(instanceId, reason);
  }

  /** Deletes a finished instance and its children; false if there was no such instance. */
  async purgeWorkflow(instanceId: string): Promise<boolean> {
    try {
      return (await this.#runtime.service.purge(instanceId)) > 0;
    } catch (error) {
      if (isWeftError(error, "not_found")) return false;
      throw error;
    }
  }

  async #wait<TOutput>(wait: () => Promise<InstanceState>, fetchPayloads: boolean) {
    try {
      return toWorkflowState<TOutput>(await wait(), fetchPayloads);
    } catch (error) {
      if (isWeftError(error, "not_found")) return undefined;
      throw error;
    }
  }
}

export function toWorkflowState<TOutput>(
  state: InstanceState,
  withPayloads: boolean,
): WorkflowState<TOutput> {
  const result: WorkflowState<TOutput> = {
    instanceId: state.instanceId,
    name: state.name,
    runtimeStatus: state.status,
    createdAt: new Date(state.createdAt),
    lastUpdatedAt: new Date(state.updatedAt),
  };
  if (state.failure) result.workflowFailureDetails = failureOf(state.failure);
  if (state.metadata) result.metadata = state.metadata;
  if (!withPayloads) return result;
  if (state.input !== undefined) result.serializedInput = state.input;
  if (state.output !== undefined) result.serializedOutput = state.output;
  if (state.customStatus !== undefined) result.serializedCustomStatus = state.customStatus;
  if (state.status === "COMPLETED" && state.output !== undefined)
    result.output = decodePayload(state.output) as TOutput;
  return result;
}

function failureOf(failure: FailureDetails): WorkflowFailureDetails {
  const details: WorkflowFailureDetails = { errorType: failure.errorType, errorMessage: failure.message };
  if (failure.stackTrace) details.stackTrace = failure.stackTrace;
  return details;
}
