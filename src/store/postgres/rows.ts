/** Mapping between PostgreSQL rows and domain types. */
import pg from "pg";
import type { InboxEvent } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";
import {
  type ActivityTaskColumns,
  type InstanceRowOf,
  instanceToRow,
  type JsonColumns,
  rowToInstance,
} from "../rows.js";

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

/** JSON columns travel as values: the driver parses them, and `json_to_recordset` takes them as they are. */
export type InstanceRow = InstanceRowOf<unknown>;

const jsonValues: JsonColumns<unknown> = { encode: (value) => value, decode: (value) => value };

export function toInstanceState(row: InstanceRow): InstanceState {
  return rowToInstance(row, jsonValues);
}

/** An instance row as a JSON record (undefined fields become SQL NULL through `json_to_recordset`). */
export function toInstanceRecord(state: InstanceState, historyLength: number): InstanceRow {
  return instanceToRow(state, historyLength, jsonValues);
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

export interface ActivityRow extends ActivityTaskColumns {
  id: number;
  dispatch_count: number;
  lease_token: string;
}
