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

export function toGrpcStatus(error: unknown): GrpcStatus {
  if (isWeftError(error)) return { code: CODES[error.code], details: error.message };
  const details = error instanceof Error ? error.message : String(error);
  return { code: status.INTERNAL, details };
}
