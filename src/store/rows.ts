/**
 * Rows of the tables both stores share, with the same columns in SQLite and PostgreSQL. In an instance row the JSON
 * columns (failure, parent, metadata) are held as `J`: text in SQLite, values already parsed by PostgreSQL's driver.
 */

import type { FailureDetails } from "../core/failure.js";
import type { ParentInstance, RuntimeStatus } from "../core/history.js";
import type { InstanceState } from "../core/instance.js";
import type { ActivityTask } from "../core/work.js";

export interface InstanceRowOf<J> {
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
  failure: J | null;
  parent: J | null;
  parent_instance_id: string | null;
  metadata: J | null;
  history_length: number;
}

/** How a store holds JSON columns. */
export interface JsonColumns<J> {
  encode(value: object): J;
  decode(value: J): unknown;
}

export function rowToInstance<J>(row: InstanceRowOf<J>, json: JsonColumns<J>): InstanceState {
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
  if (row.failure !== null) state.failure = json.decode(row.failure) as FailureDetails;
  if (row.parent !== null) state.parent = json.decode(row.parent) as ParentInstance;
  if (row.metadata !== null) state.metadata = json.decode(row.metadata) as Record<string, string>;
  return state;
}

export function instanceToRow<J>(
  state: InstanceState,
  historyLength: number,
  json: JsonColumns<J>,
): InstanceRowOf<J> {
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
    failure: state.failure ? json.encode(state.failure) : null,
    parent: state.parent ? json.encode(state.parent) : null,
    parent_instance_id: state.parent?.instanceId ?? null,
    metadata: state.metadata ? json.encode(state.metadata) : null,
    history_length: historyLength,
  };
}

/** The columns of an `activities` row that make its task. */
export interface ActivityTaskColumns {
  instance_id: string;
  execution_id: string;
  task_id: number;
  name: string;
  input: string | null;
  task_execution_id: string | null;
}

export function rowToActivityTask(row: ActivityTaskColumns): ActivityTask {
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
