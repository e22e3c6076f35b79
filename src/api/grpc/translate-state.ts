/** Instance state and client requests: Weft's InstanceState -> OrchestrationState, and request fields -> Weft's. */
import { WeftError } from "../../core/errors.js";
import type { RuntimeStatus } from "../../core/history.js";
import { isTerminalStatus } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";
import type { InstanceFilter } from "../../store/store.js";
import { timeOf } from "./request-rules.js";
import {
  fromWireStatus,
  toPayload,
  toStoredTimestamp,
  toWireFailure,
  toWireStatus,
} from "./translate-events.js";
import type {
  WireGetInstanceResponse,
  WireOrchestrationState,
  WirePurgeRequest,
  WireTimestamp,
} from "./wire.js";

/** As Dapr does, payloads and failure details are only filled in when the caller asks for inputs and outputs. */
export function toWireState(state: InstanceState, withPayloads: boolean): WireOrchestrationState {
  const wire: WireOrchestrationState = {
    instanceId: state.instanceId,
    name: state.name,
    orchestrationStatus: toWireStatus(state.status),
    createdTimestamp: toStoredTimestamp(state.createdAt),
    lastUpdatedTimestamp: toStoredTimestamp(state.updatedAt),
  };
  if (state.scheduledStartAt !== undefined)
    wire.scheduledStartTimestamp = toStoredTimestamp(state.scheduledStartAt);
  if (!withPayloads) return wire;
  // Stored values that are not text go out as `<unreadable: ...>` (toPayload), never as a failed call.
  if (state.input !== undefined) wire.input = toPayload(state.input);
  if (state.output !== undefined) wire.output = toPayload(state.output);
  if (state.customStatus !== undefined) wire.customStatus = toPayload(state.customStatus);
  if (state.failure) wire.failureDetails = toWireFailure(state.failure);
  return wire;
}

export function toWireInstanceResponse(
  state: InstanceState | undefined,
  withPayloads: boolean,
): WireGetInstanceResponse {
  return state ? { exists: true, orchestrationState: toWireState(state, withPayloads) } : { exists: false };
}

/**
 * The start time of a new instance; none means "now". @dapr/durabletask-js 1.0.0 always sends a timestamp and
 * uses the epoch for "now", so a time at or before the epoch counts as none.
 */
export function startTimeOf(ts: WireTimestamp | undefined): number | undefined {
  const ms = timeOf(ts, "scheduledStartTimestamp");
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** A purge filter as a listing of terminal instances: only those can be purged. */
export function purgeFilterOf(filter: NonNullable<WirePurgeRequest["purgeInstanceFilter"]>): InstanceFilter {
  const statuses: RuntimeStatus[] = [];
  for (const wire of filter.runtimeStatus ?? []) {
    const status = fromWireStatus(wire);
    if (!status || status === "CONTINUED_AS_NEW" || !isTerminalStatus(status)) {
      throw new WeftError(
        "invalid_argument",
        `only finished instances can be purged, not ${String(wire).slice(0, 40)} ones`,
      );
    }
    statuses.push(status);
  }
  return {
    statuses: statuses.length > 0 ? statuses : ["COMPLETED", "FAILED", "TERMINATED"],
    createdFrom: timeOf(filter.createdTimeFrom, "createdTimeFrom"),
    createdTo: timeOf(filter.createdTimeTo, "createdTimeTo"),
  };
}
