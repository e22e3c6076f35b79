/** Mapping between PostgreSQL rows and domain types. */
import pg from "pg";
import type { ActivityTask } from "../../core/apply.js";
import type { FailureDetails } from "../../core/failure.js";
import type { InboxEvent, ParentInstance, RuntimeStatus } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";

/** Times are BIGINT milliseconds; they fit a JS number, so they are parsed as one (pg returns strings by default). */
const INT8_OID = 20;
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
};

export const INSTANCE_COLUMNS = [
  "instance_id",
  "name",
  "execution_id",
  "status",
  "created_at",
  "updated_at",
  "completed_at",
  "scheduled_start_at",
  "input",
  "output",
  "custom_status",
  "failure",
  "parent",
  "parent_instance_id",
  "metadata",
  "history_length",
] as const;

/** The SQL type of each instance column, for `json_to_recordset` column definitions. */
export const INSTANCE_COLUMN_TYPES: Record<(typeof INSTANCE_COLUMNS)[number], string> = {
  instance_id: "text",
  name: "text",
  execution_id: "text",
  status: "text",
  created_at: "bigint",
  updated_at: "bigint",
  completed_at: "bigint",
  scheduled_start_at: "bigint",
  input: "text",
  output: "text",
  custom_status: "text",
  failure: "json",
  parent: "json",
  parent_instance_id: "text",
  metadata: "json",
  history_length: "integer",
};

export interface InstanceRow {
  instance_id: string;
  name: string;
  execution_id: string;
  status: RuntimeStatus;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  scheduled_start_at: number | null;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  failure: FailureDetails | null;
  parent: ParentInstance | null;
  parent_instance_id: string | null;
  metadata: Record<string, string> | null;
  history_length: number;
}

export function toInstanceState(row: InstanceRow): InstanceState {
  const state: InstanceState = {
    instanceId: row.instance_id,
    name: row.name,
    executionId: row.execution_id,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.completed_at !== null) state.completedAt = row.completed_at;
  if (row.scheduled_start_at !== null) state.scheduledStartAt = row.scheduled_start_at;
  if (row.input !== null) state.input = row.input;
  if (row.output !== null) state.output = row.output;
  if (row.custom_status !== null) state.customStatus = row.custom_status;
  if (row.failure !== null) state.failure = row.failure;
  if (row.parent !== null) state.parent = row.parent;
  if (row.metadata !== null) state.metadata = row.metadata;
  return state;
}

/** An instance row as a JSON record (undefined fields become SQL NULL through `json_to_recordset`). */
export function toInstanceRecord(state: InstanceState, historyLength: number): InstanceRow {
  return {
    instance_id: state.instanceId,
    name: state.name,
    execution_id: state.executionId,
    status: state.status,
    created_at: state.createdAt,
    updated_at: state.updatedAt,
    completed_at: state.completedAt ?? null,
    scheduled_start_at: state.scheduledStartAt ?? null,
    input: state.input ?? null,
    output: state.output ?? null,
    custom_status: state.customStatus ?? null,
    failure: state.failure ?? null,
    parent: state.parent ?? null,
    parent_instance_id: state.parent?.instanceId ?? null,
    metadata: state.metadata ?? null,
    history_length: historyLength,
  };
}

export interface ClaimedTurnRow extends InstanceRow {
  lease_token: string;
}

export interface InboxRow {
  id: number;
  instance_id: string;
  execution_id: string | null;
  event: InboxEvent;
}

export interface ActivityRow {
  id: number;
  instance_id: string;
  execution_id: string;
  task_id: number;
  name: string;
  input: string | null;
  task_execution_id: string | null;
  dispatch_count: number;
  lease_token: string;
}

export function toActivityTask(row: ActivityRow): ActivityTask {
  const task: ActivityTask = {
    instanceId: row.instance_id,
    executionId: row.execution_id,
    taskId: row.task_id,
    name: row.name,
  };
  if (row.input !== null) task.input = row.input;
  if (row.task_execution_id !== null) task.taskExecutionId = row.task_execution_id;
  return task;
}
