/** Weft's public API: author workflows, run them, and manage instances. */

export { isWeftError, NonDeterminismError, WeftError, type WeftErrorCode } from "./core/errors.js";
export type { FailureDetails } from "./core/failure.js";
export type { RuntimeStatus } from "./core/history.js";
export { Task, TaskFailedError, TaskTimeoutError } from "./core/replay/task.js";
export type {
  Activity,
  ActivityContext,
  CallActivityOptions,
  CallChildWorkflowOptions,
  RetryPolicy,
  Workflow,
  WorkflowContext,
} from "./core/replay/types.js";
export { WorkflowRuntime } from "./embedded-runtime.js";
export {
  WorkflowClient,
  type WorkflowFailureDetails,
  type WorkflowInstanceId,
  WorkflowRuntimeStatus,
  type WorkflowState,
} from "./sdk/client.js";
export type { WorkflowRuntimeOptions } from "./sdk/runtime.js";
export type { PostgresStoreOptions } from "./store/postgres/connection.js";
export { PostgresStore } from "./store/postgres/postgres-store.js";
export { SqliteStore, type SqliteStoreOptions } from "./store/sqlite/sqlite-store.js";
export type { Store } from "./store/store.js";
