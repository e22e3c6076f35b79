/**
 * Weft's instance state and history in the JSON shapes the HTTP API answers with. Stored data is shown as it is,
 * and what cannot be shown as its type promises (a time outside years 1-9999, bytes that are not text, a status
 * Weft does not know: written by an older version or a hostile worker) is shown as unreadable rather than failing
 * the read: a time as `null`, a value as `<unreadable: ...>`, a status as `UNKNOWN` (Dapr's word for it).
 */
import { type HistoryEvent, RUNTIME_STATUSES } from "../../core/history.js";
import { isRepresentableTime } from "../../core/input-rules.js";
import { storedObject, storedText } from "../../core/stored-values.js";
import { TRACEPARENT_METADATA } from "../../engine/lifecycle.js";
import type { ComponentStatus, WorkflowSnapshot } from "../../engine/workflow-component.js";

/** Dapr's `GetWorkflowResponse` (json names of workflow.proto), plus the start metadata when there is some. */
export interface DaprWorkflowJson {
  instanceID: string;
  workflowName: string;
  createdAt: string | null;
  lastUpdatedAt: string | null;
  runtimeStatus: string;
  properties: Record<string, string>;
  metadata?: Record<string, string>;
}

export function toDaprWorkflow(state: WorkflowSnapshot): DaprWorkflowJson {
  // Values are the raw stored text (JSON as given), exactly as Dapr returns them.
  const properties: Record<string, string> = {};
  const set = (key: string, value: unknown) => {
    const text = storedText(value);
    if (text !== undefined) properties[key] = text;
  };
  set("dapr.workflow.input", state.input);
  set("dapr.workflow.output", state.output);
  set("dapr.workflow.custom_status", state.customStatus);
  if (state.failure) {
    const failure = storedObject(state.failure) ?? { message: state.failure };
    properties["dapr.workflow.failure.error_type"] = storedText(failure.errorType) ?? "";
    properties["dapr.workflow.failure.error_message"] = storedText(failure.message) ?? "";
    set("dapr.workflow.failure.stack_trace", failure.stackTrace || undefined);
  }
  const json: DaprWorkflowJson = {
    instanceID: storedText(state.instanceId) ?? "",
    workflowName: storedText(state.name) ?? "",
    createdAt: timeText(state.createdAt),
    lastUpdatedAt: timeText(state.updatedAt),
    runtimeStatus: statusText(state.status),
    properties,
  };
  const metadata = userMetadata(state.metadata);
  if (metadata) json.metadata = metadata;
  return json;
}

/** The `WFInfo` answer of the v1.0-alpha1 API generation (seed 002). */
export function toAlpha1Info(state: WorkflowSnapshot) {
  const status = statusText(state.status);
  return {
    WFInfo: { instance_id: state.instanceId },
    start_time: timeText(state.createdAt),
    metadata: { ...userMetadata(state.metadata), status: status.charAt(0) + status.slice(1).toLowerCase() },
  };
}

/** History events with their times as RFC 3339 text, the way every other time in the API is shown. */
export function toHistoryJson(events: readonly HistoryEvent[]) {
  return events.map((event: unknown) => {
    const fields = storedObject(event);
    if (!fields) return { type: "Unreadable", value: storedText(event) ?? null };
    const json: Record<string, unknown> = { ...fields };
    json.timestamp = timeText(json.timestamp);
    if ("fireAt" in json) json.fireAt = timeText(json.fireAt);
    if (json.scheduledStartAt !== undefined) json.scheduledStartAt = timeText(json.scheduledStartAt);
    return json;
  });
}

/** A stored time as RFC 3339 text; `null` when it is not a time between years 1 and 9999. */
export function timeText(ms: unknown): string | null {
  return isRepresentableTime(ms) ? new Date(ms).toISOString() : null;
}

/** Dapr's runtime statuses: Weft's own, and the two an external component (Temporal) may also report. */
const STATUSES: ReadonlySet<unknown> = new Set<ComponentStatus>([
  ...RUNTIME_STATUSES,
  "CANCELED",
  "CONTINUED_AS_NEW",
]);

function statusText(status: unknown): string {
  return STATUSES.has(status) ? (status as string) : "UNKNOWN";
}

/** Metadata is shown when it is a non-empty object; values that are not text are shown as unreadable. */
function metadataOf(metadata: unknown): Record<string, string> | undefined {
  const entries = Object.entries(storedObject(metadata) ?? {});
  if (entries.length === 0) return undefined;
  const shown: Record<string, string> = Object.create(null);
  for (const [key, value] of entries) shown[key] = storedText(value) ?? "";
  return shown;
}

/** The start metadata the caller gave: without the trace context Weft keeps beside it. */
function userMetadata(metadata: unknown): Record<string, string> | undefined {
  const shown = metadataOf(metadata);
  if (shown) delete shown[TRACEPARENT_METADATA];
  return shown && Object.keys(shown).length > 0 ? shown : undefined;
}
