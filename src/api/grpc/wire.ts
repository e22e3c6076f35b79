/**
 * The protocol's messages as plain objects, in the shape @grpc/proto-loader gives and takes them with the options
 * in service-definition.ts (field names as in the .proto, enums as names, 64-bit numbers as numbers, no defaults
 * filled in). Received messages may lack any field, so every field is optional. Only the translate modules and the
 * handlers see these types; nothing inward of src/api/grpc does.
 */

export interface WireStringValue {
  value?: string;
}

export interface WireTimestamp {
  seconds?: number;
  nanos?: number;
}

export type WireStatus =
  | "ORCHESTRATION_STATUS_RUNNING"
  | "ORCHESTRATION_STATUS_COMPLETED"
  | "ORCHESTRATION_STATUS_CONTINUED_AS_NEW"
  | "ORCHESTRATION_STATUS_FAILED"
  | "ORCHESTRATION_STATUS_CANCELED"
  | "ORCHESTRATION_STATUS_TERMINATED"
  | "ORCHESTRATION_STATUS_PENDING"
  | "ORCHESTRATION_STATUS_SUSPENDED"
  | "ORCHESTRATION_STATUS_STALLED";

export interface WireInstance {
  instanceId?: string;
  executionId?: WireStringValue;
}

export interface WireFailureDetails {
  errorType?: string;
  errorMessage?: string;
  stackTrace?: WireStringValue;
  innerFailure?: WireFailureDetails;
  isNonRetriable?: boolean;
}

export interface WireParentInstance {
  taskScheduledId?: number;
  name?: WireStringValue;
  orchestrationInstance?: WireInstance;
}

export interface WireHistoryEvent {
  eventId?: number;
  timestamp?: WireTimestamp;
  executionStarted?: {
    name?: string;
    input?: WireStringValue;
    orchestrationInstance?: WireInstance;
    parentInstance?: WireParentInstance;
    scheduledStartTimestamp?: WireTimestamp;
  };
  executionCompleted?: {
    orchestrationStatus?: WireStatus;
    result?: WireStringValue;
    failureDetails?: WireFailureDetails;
  };
  executionTerminated?: { input?: WireStringValue; recurse?: boolean };
  taskScheduled?: { name?: string; input?: WireStringValue };
  taskCompleted?: { taskScheduledId?: number; result?: WireStringValue };
  taskFailed?: { taskScheduledId?: number; failureDetails?: WireFailureDetails };
  subOrchestrationInstanceCreated?: { instanceId?: string; name?: string; input?: WireStringValue };
  subOrchestrationInstanceCompleted?: { taskScheduledId?: number; result?: WireStringValue };
  subOrchestrationInstanceFailed?: { taskScheduledId?: number; failureDetails?: WireFailureDetails };
  timerCreated?: { fireAt?: WireTimestamp };
  timerFired?: { fireAt?: WireTimestamp; timerId?: number };
  orchestratorStarted?: Record<string, never>;
  eventSent?: { instanceId?: string; name?: string; input?: WireStringValue };
  eventRaised?: { name?: string; input?: WireStringValue };
  executionSuspended?: { input?: WireStringValue };
  executionResumed?: { input?: WireStringValue };
}

export interface WireAction {
  id?: number;
  scheduleTask?: { name?: string; input?: WireStringValue };
  createSubOrchestration?: { instanceId?: string; name?: string; input?: WireStringValue };
  createTimer?: { fireAt?: WireTimestamp };
  sendEvent?: { instance?: WireInstance; name?: string; data?: WireStringValue };
  completeOrchestration?: {
    orchestrationStatus?: WireStatus;
    result?: WireStringValue;
    carryoverEvents?: WireHistoryEvent[];
    failureDetails?: WireFailureDetails;
  };
}

export interface WireOrchestratorRequest {
  instanceId: string;
  executionId: WireStringValue;
  pastEvents: WireHistoryEvent[];
  newEvents: WireHistoryEvent[];
}

export interface WireOrchestratorResponse {
  instanceId?: string;
  actions?: WireAction[];
  customStatus?: WireStringValue;
}

/** Dapr's current schema's TraceContext (proto/task-hub-sidecar.proto); `traceParent` is a W3C traceparent. */
export interface WireTraceContext {
  traceParent?: string;
  traceState?: WireStringValue;
}

export interface WireActivityRequest {
  name: string;
  input?: WireStringValue;
  orchestrationInstance: WireInstance;
  taskId: number;
  /** Only while tracing is on: the activity run's span, for workers that continue the trace. */
  parentTraceContext?: WireTraceContext;
}

export interface WireActivityResponse {
  instanceId?: string;
  taskId?: number;
  result?: WireStringValue;
  failureDetails?: WireFailureDetails;
}

export type WireWorkItem =
  | { orchestratorRequest: WireOrchestratorRequest }
  | { activityRequest: WireActivityRequest };

export interface WireCreateInstanceRequest {
  instanceId?: string;
  name?: string;
  input?: WireStringValue;
  scheduledStartTimestamp?: WireTimestamp;
  parentTraceContext?: WireTraceContext;
}

export interface WireGetInstanceRequest {
  instanceId?: string;
  getInputsAndOutputs?: boolean;
}

export interface WireOrchestrationState {
  instanceId: string;
  name: string;
  orchestrationStatus: WireStatus;
  scheduledStartTimestamp?: WireTimestamp;
  /** Absent only when the stored time is unreadable. */
  createdTimestamp?: WireTimestamp;
  lastUpdatedTimestamp?: WireTimestamp;
  input?: WireStringValue;
  output?: WireStringValue;
  customStatus?: WireStringValue;
  failureDetails?: WireFailureDetails;
}

export interface WireGetInstanceResponse {
  exists: boolean;
  orchestrationState?: WireOrchestrationState;
}

export interface WireRaiseEventRequest {
  instanceId?: string;
  name?: string;
  input?: WireStringValue;
}

export interface WireTerminateRequest {
  instanceId?: string;
  output?: WireStringValue;
  recursive?: boolean;
}

export interface WireSuspendRequest {
  instanceId?: string;
  reason?: WireStringValue;
}

export interface WirePurgeRequest {
  instanceId?: string;
  purgeInstanceFilter?: {
    createdTimeFrom?: WireTimestamp;
    createdTimeTo?: WireTimestamp;
    runtimeStatus?: (WireStatus | number)[];
  };
  recursive?: boolean;
}

export interface WireListRequest {
  continuationToken?: string;
  pageSize?: number;
}

export interface WireListResponse {
  instanceIds: string[];
  continuationToken?: string;
}

export interface WireRerunRequest {
  sourceInstanceID?: string;
  eventID?: number;
  newInstanceID?: string;
  input?: WireStringValue;
  overwriteInput?: boolean;
}
