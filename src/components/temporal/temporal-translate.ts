/**
 * Temporal's shapes <-> Weft's: payloads, memo, search attributes, statuses, failures, and the snapshot the
 * workflow routes present as Dapr's JSON. The only file of the adapter that reads Temporal's messages.
 */
import proto from "@temporalio/proto";
import type { FailureDetails } from "../../core/failure.js";
import type { ComponentStatus, WorkflowSnapshot } from "../../engine/workflow-component.js";

type Payload = proto.temporal.api.common.v1.IPayload;
type Failure = proto.temporal.api.failure.v1.IFailure;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
type ExecutionInfo = proto.temporal.api.workflow.v1.IWorkflowExecutionInfo;
type Timestamp = proto.google.protobuf.ITimestamp;

const Status = proto.temporal.api.enums.v1.WorkflowExecutionStatus;

/** Temporal's execution statuses as Dapr's runtime statuses. */
export const STATUS_MAP: Readonly<Record<number, ComponentStatus>> = {
  [Status.WORKFLOW_EXECUTION_STATUS_RUNNING]: "RUNNING",
  [Status.WORKFLOW_EXECUTION_STATUS_COMPLETED]: "COMPLETED",
  [Status.WORKFLOW_EXECUTION_STATUS_FAILED]: "FAILED",
  [Status.WORKFLOW_EXECUTION_STATUS_CANCELED]: "CANCELED",
  [Status.WORKFLOW_EXECUTION_STATUS_TERMINATED]: "TERMINATED",
  [Status.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: "CONTINUED_AS_NEW",
  // Dapr has no timed-out status; a run that hit its timeout failed, and its failure says so.
  [Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: "FAILED",
  [Status.WORKFLOW_EXECUTION_STATUS_PAUSED]: "SUSPENDED",
};

export function isOpen(status: number | null | undefined): boolean {
  return (
    status === Status.WORKFLOW_EXECUTION_STATUS_RUNNING || status === Status.WORKFLOW_EXECUTION_STATUS_PAUSED
  );
}

const utf8 = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("utf8") : "");

function jsonPayload(json: string, extra: Record<string, string> = {}): Payload {
  const metadata: Record<string, Uint8Array> = { encoding: Buffer.from("json/plain") };
  for (const [key, value] of Object.entries(extra)) metadata[key] = Buffer.from(value);
  return { metadata, data: Buffer.from(json) };
}

/**
 * A request body as one `json/plain` payload: JSON text is sent byte for byte (no re-encoding, so large numbers
 * keep their digits); any other text is sent as a JSON string, as Weft's own engine reads it.
 */
export function toPayloads(text: string | undefined): { payloads: Payload[] } | undefined {
  if (text === undefined) return undefined;
  return { payloads: [jsonPayload(isJson(text) ? text : JSON.stringify(text))] };
}

/**
 * Payloads as the JSON text Dapr's API shows: one payload as itself, several (a run started by a Temporal SDK
 * with several arguments) as a JSON array. Binary payloads become base64 strings.
 */
export function fromPayloads(payloads: readonly Payload[] | null | undefined): string | undefined {
  if (!payloads || payloads.length === 0) return undefined;
  const texts = payloads.map(payloadJson);
  return texts.length === 1 ? texts[0] : `[${texts.join(",")}]`;
}

function payloadJson(payload: Payload): string {
  const encoding = utf8(payload.metadata?.encoding);
  if (encoding === "json/plain" || encoding === "json/protobuf") return utf8(payload.data);
  if (encoding === "binary/null") return "null";
  return JSON.stringify(Buffer.from(payload.data ?? []).toString("base64"));
}

/** `dapr-workflow-metadata` pairs as Temporal memo fields (JSON strings). */
export function toMemo(metadata: Record<string, string> | undefined) {
  if (!metadata || Object.keys(metadata).length === 0) return undefined;
  const fields: Record<string, Payload> = {};
  for (const [key, value] of Object.entries(metadata)) fields[key] = jsonPayload(JSON.stringify(value));
  return { fields };
}

/** The configured metadata keys as Keyword search attributes (Temporal's typed search-attribute payloads). */
export function toSearchAttributes(metadata: Record<string, string> | undefined, keys: readonly string[]) {
  const indexedFields: Record<string, Payload> = {};
  for (const key of keys) {
    const value = metadata?.[key];
    if (value !== undefined) indexedFields[key] = jsonPayload(JSON.stringify(value), { type: "Keyword" });
  }
  return Object.keys(indexedFields).length > 0 ? { indexedFields } : undefined;
}

/** Memo fields back as metadata: a JSON string as its text, any other value as its JSON. */
export function fromMemo(
  fields: Record<string, Payload> | null | undefined,
): Record<string, string> | undefined {
  const entries = Object.entries(fields ?? {});
  if (entries.length === 0) return undefined;
  const metadata: Record<string, string> = {};
  for (const [key, payload] of entries) {
    const json = payloadJson(payload);
    const value: unknown = isJson(json) ? JSON.parse(json) : json;
    metadata[key] = typeof value === "string" ? value : json;
  }
  return metadata;
}

export function toMs(timestamp: Timestamp | null | undefined): number | undefined {
  if (!timestamp) return undefined;
  const seconds = timestamp.seconds;
  const whole = typeof seconds === "number" ? seconds : seconds ? seconds.toNumber() : 0;
  return whole * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6);
}

function failureDetails(failure: Failure | null | undefined, fallbackType: string): FailureDetails {
  const errorType =
    failure?.applicationFailureInfo?.type ||
    (failure?.timeoutFailureInfo && "TimeoutFailure") ||
    (failure?.canceledFailureInfo && "CanceledFailure") ||
    (failure?.terminatedFailureInfo && "TerminatedFailure") ||
    (failure?.serverFailureInfo && "ServerFailure") ||
    (failure?.activityFailureInfo && "ActivityFailure") ||
    (failure?.childWorkflowExecutionFailureInfo && "ChildWorkflowFailure") ||
    fallbackType;
  const details: FailureDetails = { errorType, message: failure?.message || "no details" };
  if (failure?.stackTrace) details.stackTrace = failure.stackTrace;
  return details;
}

/**
 * One run as Dapr's workflow state: describe's info, the run's first event (its input) and, once closed, its
 * close event (output or failure). Temporal keeps no last-update time; the close time, else the later of start
 * and first-execution time, stands in.
 */
export function toSnapshot(
  info: ExecutionInfo,
  started: HistoryEvent | undefined,
  closed: HistoryEvent | undefined,
): WorkflowSnapshot {
  const createdAt = toMs(info.startTime) ?? 0;
  const status = STATUS_MAP[info.status ?? 0] ?? "RUNNING";
  const snapshot: WorkflowSnapshot = {
    instanceId: info.execution?.workflowId ?? "",
    name: info.type?.name ?? "",
    executionId: info.execution?.runId ?? "",
    status,
    createdAt,
    updatedAt: toMs(info.closeTime) ?? Math.max(createdAt, toMs(info.executionTime) ?? 0),
  };
  const input = fromPayloads(started?.workflowExecutionStartedEventAttributes?.input?.payloads);
  if (input !== undefined) snapshot.input = input;
  const closeTime = toMs(info.closeTime);
  if (closeTime !== undefined) snapshot.completedAt = closeTime;
  const metadata = fromMemo(info.memo?.fields);
  if (metadata) snapshot.metadata = metadata;
  if (closed) Object.assign(snapshot, closeOutcome(closed));
  return snapshot;
}

function closeOutcome(event: HistoryEvent): Pick<WorkflowSnapshot, "output" | "failure"> {
  const output = (payloads: readonly Payload[] | null | undefined) => {
    const text = fromPayloads(payloads);
    return text === undefined ? {} : { output: text };
  };
  if (event.workflowExecutionCompletedEventAttributes)
    return output(event.workflowExecutionCompletedEventAttributes.result?.payloads);
  if (event.workflowExecutionFailedEventAttributes)
    return { failure: failureDetails(event.workflowExecutionFailedEventAttributes.failure, "Error") };
  if (event.workflowExecutionTimedOutEventAttributes)
    return { failure: { errorType: "TimedOut", message: "the workflow run reached its Temporal timeout" } };
  if (event.workflowExecutionCanceledEventAttributes)
    return output(event.workflowExecutionCanceledEventAttributes.details?.payloads);
  if (event.workflowExecutionTerminatedEventAttributes)
    return output(event.workflowExecutionTerminatedEventAttributes.details?.payloads);
  return {};
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
