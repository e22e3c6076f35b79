/** Mapping between SQLite rows and domain types. */
import type { RuntimeStatus } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";

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
  failure: string | null;
  parent: string | null;
  parent_instance_id: string | null;
  metadata: string | null;
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
  if (row.failure !== null) state.failure = JSON.parse(row.failure);
  if (row.parent !== null) state.parent = JSON.parse(row.parent);
  if (row.metadata !== null) state.metadata = JSON.parse(row.metadata);
  return state;
}

/** Parameters for INSERT/UPDATE of an instance row, named as the columns. */
export function instanceParams(
  state: InstanceState,
  historyLength: number,
): Record<string, string | number | null> {
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
    failure: state.failure ? JSON.stringify(state.failure) : null,
    parent: state.parent ? JSON.stringify(state.parent) : null,
    parent_instance_id: state.parent?.instanceId ?? null,
    metadata: state.metadata ? JSON.stringify(state.metadata) : null,
    history_length: historyLength,
  };
}
