/** Weft's instance state and history in the JSON shapes the HTTP API answers with. */
import type { HistoryEvent } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";
import { TRACEPARENT_METADATA } from "../../engine/lifecycle.js";

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

export function toDaprWorkflow(state: InstanceState): DaprWorkflowJson {
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
  const metadata = userMetadata(state);
  if (metadata) json.metadata = metadata;
  return json;
}

/** The `WFInfo` answer of the v1.0-alpha1 API generation (seed 002). */
export function toAlpha1Info(state: InstanceState) {
  return {
    WFInfo: { instance_id: state.instanceId },
    start_time: new Date(state.createdAt).toISOString(),
    metadata: { ...userMetadata(state), status: titleCase(state.status) },
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

/** The start metadata the caller gave: without the trace context Weft keeps beside it. */
function userMetadata(state: InstanceState): Record<string, string> | undefined {
  if (!state.metadata) return undefined;
  const { [TRACEPARENT_METADATA]: _trace, ...rest } = state.metadata;
  return Object.keys(rest).length > 0 ? rest : undefined;
}
