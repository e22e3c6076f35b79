/**
 * A `workflow.temporal` component: Dapr's workflow API acting on a Temporal cluster, through the official
 * `@temporalio/client` `Connection` (TLS, API key, retries of transient errors). It calls WorkflowService RPCs
 * directly rather than through `WorkflowClient`, so a request body reaches Temporal byte for byte (the client's
 * data converter would parse and re-encode it) and every request is exactly the one docs/components.md lists.
 * Workers are Temporal's: this component starts and steers runs, it never executes workflow code.
 */
import { randomUUID } from "node:crypto";
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from "@temporalio/client";
import proto from "@temporalio/proto";
import { isWeftError, WeftError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type {
  ComponentStartOptions,
  WorkflowComponent,
  WorkflowSnapshot,
} from "../../engine/workflow-component.js";
import type { TemporalConfig } from "./temporal-config.js";
import { type CallSubject, TemporalErrors } from "./temporal-errors.js";
import {
  isOpen,
  STATUS_MAP,
  toMemo,
  toPayloads,
  toSearchAttributes,
  toSnapshot,
} from "./temporal-translate.js";

type Service = proto.temporal.api.workflowservice.v1.WorkflowService;
type ExecutionInfo = proto.temporal.api.workflow.v1.IWorkflowExecutionInfo;

const CLOSE_EVENT = proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
const PAUSED = proto.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_PAUSED;
const REASON = "through Dapr's workflow API (Weft)";

export class TemporalWorkflowComponent implements WorkflowComponent {
  readonly #config: TemporalConfig;
  readonly #connection: Connection;
  readonly #errors: TemporalErrors;

  constructor(config: TemporalConfig, logger: Logger) {
    this.#config = config;
    // Lazy: Weft starts while Temporal is down; calls then answer 503 until it is back.
    this.#connection = Connection.lazy({
      address: config.address,
      tls: config.tls,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      connectTimeout: config.requestTimeoutMs,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions())],
    });
    this.#errors = new TemporalErrors(config, logger);
  }

  /** Temporal's workers live elsewhere: any workflow type may be started, and waits in the task queue. */
  canStart(): boolean {
    return true;
  }

  async start(options: ComponentStartOptions): Promise<string> {
    const workflowId = options.instanceId || randomUUID();
    await this.#call({ method: "StartWorkflowExecution", instanceId: workflowId }, (service) =>
      service.startWorkflowExecution({
        namespace: this.#config.namespace,
        workflowId,
        workflowType: { name: options.name },
        taskQueue: { name: this.#config.taskQueue },
        input: toPayloads(options.input),
        identity: this.#config.identity,
        requestId: randomUUID(),
        memo: toMemo(options.metadata),
        searchAttributes: toSearchAttributes(options.metadata, this.#config.searchAttributeKeys),
      }),
    );
    return workflowId;
  }

  async get(instanceId: string): Promise<WorkflowSnapshot> {
    const info = await this.#describe(instanceId);
    const execution = { workflowId: instanceId, runId: info.execution?.runId ?? "" };
    const subject = { method: "GetWorkflowExecutionHistory", instanceId };
    const namespace = this.#config.namespace;
    const [first, close] = await Promise.all([
      this.#call(subject, (s) => s.getWorkflowExecutionHistory({ namespace, execution, maximumPageSize: 1 })),
      isOpen(info.status)
        ? undefined
        : this.#call(subject, (s) =>
            s.getWorkflowExecutionHistory({ namespace, execution, historyEventFilterType: CLOSE_EVENT }),
          ),
    ]);
    return toSnapshot(
      info,
      first.history?.events?.[0] ?? undefined,
      close?.history?.events?.[0] ?? undefined,
    );
  }

  raiseEvent(instanceId: string, eventName: string, input?: string): Promise<void> {
    return this.#unlessClosed(instanceId, "SignalWorkflowExecution", (service) =>
      service.signalWorkflowExecution({
        namespace: this.#config.namespace,
        workflowExecution: { workflowId: instanceId },
        signalName: eventName,
        input: toPayloads(input),
        identity: this.#config.identity,
        requestId: randomUUID(),
      }),
    );
  }

  async suspend(instanceId: string): Promise<void> {
    await this.#call({ method: "PauseWorkflowExecution", instanceId }, (service) =>
      service.pauseWorkflowExecution({
        namespace: this.#config.namespace,
        workflowId: instanceId,
        identity: this.#config.identity,
        reason: `paused ${REASON}`,
        requestId: randomUUID(),
      }),
    );
  }

  async resume(instanceId: string): Promise<void> {
    try {
      await this.#call({ method: "UnpauseWorkflowExecution", instanceId }, (service) =>
        service.unpauseWorkflowExecution({
          namespace: this.#config.namespace,
          workflowId: instanceId,
          identity: this.#config.identity,
          reason: `resumed ${REASON}`,
          requestId: randomUUID(),
        }),
      );
    } catch (error) {
      // Resuming a run that is not paused is a no-op in Dapr's API; Temporal refuses it.
      if (!isWeftError(error, "failed_precondition")) throw error;
      if ((await this.#describe(instanceId)).status === PAUSED) throw error;
    }
  }

  terminate(instanceId: string, output?: string): Promise<void> {
    return this.#unlessClosed(instanceId, "TerminateWorkflowExecution", (service) =>
      service.terminateWorkflowExecution({
        namespace: this.#config.namespace,
        workflowExecution: { workflowId: instanceId },
        reason: `terminated ${REASON}`,
        details: toPayloads(output),
        identity: this.#config.identity,
      }),
    );
  }

  /** Temporal's delete would terminate a running run first; Dapr's purge refuses one instead. */
  async purge(instanceId: string): Promise<void> {
    const info = await this.#describe(instanceId);
    if (isOpen(info.status)) {
      throw new WeftError(
        "failed_precondition",
        `workflow instance '${instanceId}' is ${STATUS_MAP[info.status ?? 0]}; only finished instances can be purged`,
      );
    }
    await this.#call({ method: "DeleteWorkflowExecution", instanceId }, (service) =>
      service.deleteWorkflowExecution({
        namespace: this.#config.namespace,
        workflowExecution: { workflowId: instanceId, runId: info.execution?.runId ?? "" },
      }),
    );
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }

  async #describe(instanceId: string): Promise<ExecutionInfo> {
    const described = await this.#call({ method: "DescribeWorkflowExecution", instanceId }, (service) =>
      service.describeWorkflowExecution({
        namespace: this.#config.namespace,
        execution: { workflowId: instanceId },
      }),
    );
    return described.workflowExecutionInfo ?? {};
  }

  /**
   * Temporal answers NOT_FOUND both for an unknown id and for a run that has closed; Dapr's API drops an event
   * or a terminate sent to a finished instance, so only an unknown id stays an error.
   */
  async #unlessClosed(instanceId: string, method: string, call: (service: Service) => Promise<unknown>) {
    try {
      await this.#call({ method, instanceId }, call);
    } catch (error) {
      if (!isWeftError(error, "not_found")) throw error;
      if (isOpen((await this.#describe(instanceId)).status)) throw error;
    }
  }

  async #call<T>(subject: CallSubject, call: (service: Service) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#config.requestTimeoutMs;
    try {
      const result = await this.#connection.withDeadline(deadline, () =>
        call(this.#connection.workflowService),
      );
      this.#errors.answered();
      return result;
    } catch (error) {
      throw this.#errors.translate(error, subject);
    }
  }
}
