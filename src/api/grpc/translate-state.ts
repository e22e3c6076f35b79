/** Instance state and client requests: Weft's InstanceState -> OrchestrationState, and request fields -> Weft's. */
import { WeftError } from "../../core/errors.js";
import type { RuntimeStatus } from "../../core/history.js";
import { isTerminalStatus } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";
import type { InstanceFilter } from "../../store/store.js";
import {
  fromTimestamp,
  fromWireStatus,
  toTimestamp,
  toWireFailure,
  toWireStatus,
} from "./translate-events.js";
import type { WireGetInstanceResponse, WireOrchestrationState, WirePurgeRequest } from "./wire.js";

/** As Dapr does, payloads and failure details are only filled in when the caller asks for inputs and outputs. */
export function toWireState(state: InstanceState, withPayloads: boolean): WireOrchestrationState {
  const wire: WireOrchestrationState = {
    instanceId: state.instanceId,
    name: state.name,
    orchestrationStatus: toWireStatus(state.status),
    createdTimestamp: toTimestamp(state.createdAt),
    lastUpdatedTimestamp: toTimestamp(state.updatedAt),
  };
  if (state.scheduledStartAt !== undefined)
    wire.scheduledStartTimestamp = toTimestamp(state.scheduledStartAt);
  if (!withPayloads) return wire;
  if (state.input !== undefined) wire.input = { value: state.input };
  if (state.output !== undefined) wire.output = { value: state.output };
  if (state.customStatus !== undefined) wire.customStatus = { value: state.customStatus };
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
export function startTimeOf(ts: Parameters<typeof fromTimestamp>[0]): number | undefined {
  const ms = fromTimestamp(ts);
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
        `only finished instances can be purged, not ${String(wire)} ones`,
      );
    }
    statuses.push(status);
  }
  return {
    statuses: statuses.length > 0 ? statuses : ["COMPLETED", "FAILED", "TERMINATED"],
    createdFrom: fromTimestamp(filter.createdTimeFrom),
    createdTo: fromTimestamp(filter.createdTimeTo),
  };
}
