/**
 * The gRPC edge's side of core/input-rules.ts: the same rules as HTTP, applied to protobuf fields. A refusal is an
 * InvalidInputError, which status.ts answers with INVALID_ARGUMENT.
 */
import { checkInstanceId, checkPayload, checkTime, InvalidInputError } from "../../core/input-rules.js";
import { fromPayload } from "./translate-events.js";
import type { WireStringValue, WireTimestamp } from "./wire.js";

/** An id that addresses an instance (required). */
export function instanceIdOf(value: string | undefined): string {
  return checkInstanceId(value);
}

/** A payload field: its text, nested no deeper than the payload rule allows. */
export function payloadOf(value: WireStringValue | undefined, field: string): string | undefined {
  return checkPayload(fromPayload(value), `'${field}'`);
}

/**
 * A Timestamp field as milliseconds since the epoch (undefined when absent), within the range protobuf's
 * Timestamp allows (years 1-9999): seconds a whole number, nanos from 0 to 999,999,999.
 */
export function timeOf(ts: WireTimestamp | undefined, field: string): number | undefined {
  if (!ts) return undefined;
  const seconds = ts.seconds ?? 0;
  const nanos = ts.nanos ?? 0;
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new InvalidInputError("time_out_of_range", `'${field}' has nanos outside 0 to 999,999,999`);
  }
  return checkTime(seconds * 1000 + Math.floor(nanos / 1_000_000), `'${field}'`);
}
