/** The one place where Weft's error codes become gRPC status codes. */
import { type StatusObject, status } from "@grpc/grpc-js";
import { isWeftError, type WeftErrorCode } from "../../core/errors.js";

const CODES: Record<WeftErrorCode, status> = {
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  invalid_argument: status.INVALID_ARGUMENT,
  failed_precondition: status.FAILED_PRECONDITION,
  not_registered: status.NOT_FOUND,
  lock_lost: status.ABORTED,
  nondeterminism: status.FAILED_PRECONDITION,
  timeout: status.DEADLINE_EXCEEDED,
  payload_too_large: status.RESOURCE_EXHAUSTED,
  unauthenticated: status.UNAUTHENTICATED,
  unavailable: status.UNAVAILABLE,
  unimplemented: status.UNIMPLEMENTED,
  upstream_failed: status.UNAVAILABLE,
  internal: status.INTERNAL,
};

export type GrpcStatus = Pick<StatusObject, "code" | "details">;

/**
 * The message travels in the `grpc-message` header, whose size is limited: one too large is dropped by the client
 * along with the whole answer. Validated input keeps messages short; this cap is the backstop.
 */
const MAX_DETAILS = 1024;

export function toGrpcStatus(error: unknown): GrpcStatus {
  if (isWeftError(error)) return { code: CODES[error.code], details: capped(error.message) };
  const details = error instanceof Error ? error.message : String(error);
  return { code: status.INTERNAL, details: capped(details) };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Short, and with no unpaired surrogate: grpc-js percent-encodes details, which throws on one (the call then hangs). */
function capped(details: string): string {
  const cut = details.length <= MAX_DETAILS ? details : `${details.slice(0, MAX_DETAILS)}…`;
  return cut.replace(LONE_SURROGATE, "\ufffd");
}
