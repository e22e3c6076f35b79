/** Weft's instance state and history in the JSON shapes the HTTP API answers with. */
import type { HistoryEvent } from "../../core/history.js";
import type { WorkflowSnapshot } from "../../engine/workflow-component.js";

/** Dapr's `GetWorkflowResponse` (json names of workflow.proto), plus the start metadata when there is some. */
export interface DaprWorkflowJson {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  lastUpdatedAt: string;
  runtimeStatus: string;
  properties: Record<string, string>;
  metadata?: Record<string, string>;
}

export function toDaprWorkflow(state: WorkflowSnapshot): DaprWorkflowJson {
  // Values are the raw stored text (JSON as given), exactly as Dapr returns them.
  const properties: Record<string, string> = {};
  if (state.input !== undefined) properties["dapr.workflow.input"] = state.input;
  if (state.output !== undefined) properties["dapr.workflow.output"] = state.output;
  if (state.customStatus !== undefined) properties["dapr.workflow.custom_status"] = state.customStatus;
  if (state.failure) {
    properties["dapr.workflow.failure.error_type"] = state.failure.errorType;
    properties["dapr.workflow.failure.error_message"] = state.failure.message;
    if (state.failure.stackTrace) properties["dapr.workflow.failure.stack_trace"] = state.failure.stackTrace;
  }
  const json: DaprWorkflowJson = {
    instanceID: state.instanceId,
    workflowName: state.name,
    createdAt: new Date(state.createdAt).toISOString(),
    lastUpdatedAt: new Date(state.updatedAt).toISOString(),
    runtimeStatus: state.status,
    properties,
  };
  if (state.metadata && Object.keys(state.metadata).length > 0) json.metadata = state.metadata;
  return json;
}

/** The `WFInfo` answer of the v1.0-alpha1 API generation (seed 002). */
export function toAlpha1Info(state: WorkflowSnapshot) {
  return {
    WFInfo: { instance_id: state.instanceId },
    start_time: new Date(state.createdAt).toISOString(),
    metadata: { ...state.metadata, status: titleCase(state.status) },
  };
}

/** History events with their times as RFC 3339 text, the way every other time in the API is shown. */
export function toHistoryJson(events: readonly HistoryEvent[]) {
  return events.map((event) => {
    const json: Record<string, unknown> = { ...event, timestamp: iso(event.timestamp) };
    if ("fireAt" in event) json.fireAt = iso(event.fireAt);
    if ("scheduledStartAt" in event && event.scheduledStartAt !== undefined)
      json.scheduledStartAt = iso(event.scheduledStartAt);
    return json;
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

function titleCase(status: string): string {
  return status.charAt(0) + status.slice(1).toLowerCase();
}
