/** Mapping between SQLite rows and domain types: JSON columns are held as text. */
import type { HistoryEvent } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";
import { type InstanceRowOf, instanceToRow, type JsonColumns, rowToInstance } from "../rows.js";

export type InstanceRow = InstanceRowOf<string>;

const jsonText: JsonColumns<string> = {
  encode: (value) => JSON.stringify(value),
  decode: (text) => readJson(text),
};

/**
 * A JSON column as read back: text that is not JSON (written by hand, or by something other than Weft) comes back
 * as the text itself, which the presenters show as unreadable rather than failing the read.
 */
export function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One history row's events for a read; a row that is not a JSON array comes back as one unreadable entry. */
export function readHistoryRow(text: string): HistoryEvent[] {
  const events = readJson(text);
  return (Array.isArray(events) ? events : [events]) as HistoryEvent[];
}

export function toInstanceState(row: InstanceRow): InstanceState {
  return rowToInstance(row, jsonText);
}

/** Parameters for INSERT/UPDATE of an instance row, named as the columns. */
export function instanceParams(state: InstanceState, historyLength: number): InstanceRow {
  return instanceToRow(state, historyLength, jsonText);
}
