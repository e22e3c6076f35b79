/** Mapping between SQLite rows and domain types: JSON columns are held as text. */
import type { InstanceState } from "../../core/instance.js";
import { type InstanceRowOf, instanceToRow, type JsonColumns, rowToInstance } from "../rows.js";

export type InstanceRow = InstanceRowOf<string>;

const jsonText: JsonColumns<string> = {
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text),
};

export function toInstanceState(row: InstanceRow): InstanceState {
  return rowToInstance(row, jsonText);
}

/** Parameters for INSERT/UPDATE of an instance row, named as the columns. */
export function instanceParams(state: InstanceState, historyLength: number): InstanceRow {
  return instanceToRow(state, historyLength, jsonText);
}
