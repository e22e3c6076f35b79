/**
 * Typed errors with string codes. The edges (HTTP, gRPC) map codes to statuses in one place each;
 * nothing else inspects messages.
 */
export type WeftErrorCode =
  | "not_found"
  | "already_exists"
  | "invalid_argument"
  | "failed_precondition"
  | "not_registered"
  | "lock_lost"
  | "nondeterminism"
  | "timeout"
  | "payload_too_large"
  | "unauthenticated"
  | "unavailable"
  | "unimplemented"
  | "upstream_failed"
  | "internal";

export class WeftError extends Error {
  readonly code: WeftErrorCode;

  constructor(code: WeftErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "WeftError";
  }
}

export function isWeftError(error: unknown, code?: WeftErrorCode): error is WeftError {
  return error instanceof WeftError && (code === undefined || error.code === code);
}

/** Raised by replay when code and history disagree; fails the instance instead of corrupting it. */
export class NonDeterminismError extends WeftError {
  constructor(message: string) {
    super("nondeterminism", message);
    this.name = "NonDeterminismError";
  }
}
