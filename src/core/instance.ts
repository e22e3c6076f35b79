import type { FailureDetails } from "./failure.js";
import type { ParentInstance, RuntimeStatus } from "./history.js";
import type { ResumePoint } from "./rerun.js";

/** The summary of one workflow instance that the store keeps beside its history. */
export interface InstanceState {
  instanceId: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  createdAt: number;
  updatedAt: number;
  input?: string;
  output?: string;
  customStatus?: string;
  failure?: FailureDetails;
  parent?: ParentInstance;
  scheduledStartAt?: number;
  completedAt?: number;
  /** Key/value pairs given at start (the HTTP `dapr-workflow-metadata` header), returned with the state. */
  metadata?: Record<string, string>;
}

/** A request to create (or, for a terminal id, recreate) an instance. */
export interface StartRequest {
  instanceId: string;
  name: string;
  executionId: string;
  input?: string;
  /** Delivery of ExecutionStarted waits until then; the instance is PENDING meanwhile. */
  scheduledStartAt?: number;
  parent?: ParentInstance;
  metadata?: Record<string, string>;
  /**
   * What an existing instance with this id means: `terminal` (default) replaces a finished one and refuses an
   * active one; `never` refuses any, so a redelivered trigger never starts a second run.
   */
  idReuse?: "terminal" | "never";
  /** Start in the middle of a history (a rerun) instead of at ExecutionStarted. */
  resume?: ResumePoint;
  now: number;
}
